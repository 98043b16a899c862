"""R-DI-8: a company reschedule is told ≥ 30 minutes ahead for a delay within half a day, ≥ 2 hours
otherwise; a late change needs a reason and counts as a breach."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.selectors import reschedule_breaches
from doorstep.dispatch.tests.helpers import at, placed
from doorstep.orders.services import order_transition

pytestmark = pytest.mark.django_db


def _reschedule(world, *, now, new_start, **params):  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(now):
        return order_transition(
            order=order,
            actor=world.actor("outlet_manager"),
            action="reschedule",
            reason="前一单超时",
            params={"window_start": new_start, "window_end": new_start + timedelta(hours=2), **params},
        )


@pytest.mark.parametrize(
    ("now", "delay_hours", "breach"),
    [
        (at(13, 20), 1, False),  # 40 minutes' notice for a 1-hour delay: enough (≥ 30 min)
        (at(13, 31), 1, True),  # 29 minutes' notice for a 1-hour delay: breach
        (at(11, 30), 24, False),  # 150 minutes' notice to move to tomorrow: enough (≥ 2 h)
        (at(12, 30), 24, True),  # 90 minutes' notice to move to tomorrow: breach
    ],
)
def test_company_notice_rule_R_DI_8(world, now, delay_hours, breach) -> None:  # type: ignore[no-untyped-def]
    order = _reschedule(world, now=now, new_start=at(14) + timedelta(hours=delay_hours))
    data = order.events.get(kind="reschedule").data
    assert data["required_minutes"] == (30 if delay_hours <= 12 else 120)
    assert data["notice_minutes"] == int((at(14) - now).total_seconds() // 60)
    assert data["notice_breach"] is breach and data["initiator"] == "company"
    assert reschedule_breaches(world.actor("dispatcher")).filter(order=order).exists() is breach


def test_customer_request_is_no_breach_R_DI_8(world) -> None:  # type: ignore[no-untyped-def]
    order = _reschedule(world, now=at(13, 50), new_start=at(16), requested_by="customer")
    data = order.events.get(kind="reschedule").data
    assert data["initiator"] == "customer" and data["notice_breach"] is False
    assert not reschedule_breaches(world.actor("dispatcher")).exists()


def test_late_change_needs_a_reason_R_DI_8(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(13, 50)), pytest.raises(DomainError) as err:
        order_transition(order=order, actor=world.actor("outlet_manager"), action="reschedule", reason=" ")
    assert err.value.code == "reason_required"


def test_breaches_are_scoped_to_what_the_actor_sees_R_DI_8(world) -> None:  # type: ignore[no-untyped-def]
    _reschedule(world, now=at(13, 50), new_start=at(15))
    assert reschedule_breaches(world.actor("outlet_manager")).count() == 1
    assert reschedule_breaches(world.actor("other_manager")).count() == 0


def test_breach_page_lists_them(world, client) -> None:  # type: ignore[no-untyped-def]
    order = _reschedule(world, now=at(13, 50), new_start=at(15))
    client.force_login(world.staff["dispatcher"].user)
    assert order.number in client.get("/dispatch/breaches/").content.decode()
