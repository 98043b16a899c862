"""A typed appointment window is checked against the technician's working hours, which come from the
policy (``service_hours_start``/``service_hours_end``, R-DI-3) when no shift table is set. Walk finding
15: 02:00–03:00 typed by hand was accepted."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.tests.helpers import at, placed
from doorstep.network.models import Policy
from doorstep.network.policy import policy_of
from doorstep.orders.services import order_transition

pytestmark = pytest.mark.django_db


def _confirm(world, start: datetime, end: datetime, **extra: object):  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned")
    with clock.frozen_at(at(7)):
        return order_transition(
            order=order,
            actor=world.actor("outlet_manager"),
            action="confirm_appointment",
            params={"window_start": start, "window_end": end, **extra},
        )


def test_a_window_typed_outside_the_hours_is_refused_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err:
        _confirm(world, at(7, 30), at(8, 30))
    assert err.value.code == "appointment_outside_hours" and "09:00–18:00" in err.value.text()


@pytest.mark.parametrize(("minute", "ok"), [(-1, False), (0, True), (1, True)])
def test_the_window_may_start_at_the_policys_opening_exactly_R_DI_3(world, minute: int, ok: bool) -> None:  # type: ignore[no-untyped-def]
    start = at(9) + timedelta(minutes=minute)
    if ok:
        assert _confirm(world, start, start + timedelta(hours=2)).status == "confirmed"
    else:
        with pytest.raises(DomainError):
            _confirm(world, start, start + timedelta(hours=2))


@pytest.mark.parametrize(("minute", "ok"), [(-1, True), (0, True), (1, False)])
def test_the_window_must_end_by_the_policys_closing_R_DI_3(world, minute: int, ok: bool) -> None:  # type: ignore[no-untyped-def]
    end = at(18) + timedelta(minutes=minute)
    if ok:
        assert _confirm(world, end - timedelta(hours=2), end).status == "confirmed"
    else:
        with pytest.raises(DomainError):
            _confirm(world, end - timedelta(hours=2), end)


def test_the_hours_are_the_policys_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    Policy.objects.update_or_create(
        brand=world.brand, centre=None, defaults={"service_hours_start": at(8).time()}
    )
    assert policy_of(placed(world, status="assigned")).service_hours_start == at(8).time()
    assert _confirm(world, at(8), at(10)).status == "confirmed"


def test_a_window_agreed_outside_the_hours_is_taken_and_recorded_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirm(world, at(19), at(20), by_agreement=True)
    assert order.events.get(kind="confirm_appointment").data["outside_shift"] is True
