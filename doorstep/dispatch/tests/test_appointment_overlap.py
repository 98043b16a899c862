"""One technician never holds two overlapping confirmed appointments (R-DI-3, R-DI-9).

The move's guard checks it under the write lock on every database (this file, sequential); on PostgreSQL
an exclusion constraint holds it too, and ``orders/tests/test_races.py`` releases concurrent confirmations.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from doorstep.core import clock
from doorstep.core.errors import Conflict
from doorstep.dispatch.tests.helpers import NEAR, at, placed
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition


def _confirm(world, order: WorkOrder, start: datetime, hours: int = 2) -> WorkOrder:  # type: ignore[no-untyped-def]
    with clock.frozen_at(at(8)):
        return order_transition(
            order=order, actor=world.actor("outlet_manager"), action="confirm_appointment",
            params={"window_start": start, "window_end": start + timedelta(hours=hours)},
        )  # fmt: skip


def test_an_overlapping_confirmation_is_a_conflict_naming_the_other_order(world) -> None:  # type: ignore[no-untyped-def]
    first = _confirm(world, placed(world, status="assigned", where=NEAR), at(14))
    second = placed(world, status="assigned", where=NEAR)
    with pytest.raises(Conflict) as err:
        _confirm(world, second, at(15))
    assert err.value.code == "appointment_overlap" and err.value.status == 409
    assert first.number in err.value.text()
    second.refresh_from_db()
    assert second.status == Status.ASSIGNED and not second.events.filter(kind="confirm_appointment").exists()


def test_back_to_back_appointments_and_other_technicians_are_free(world) -> None:  # type: ignore[no-untyped-def]
    _confirm(world, placed(world, status="assigned", where=NEAR), at(14))
    assert _confirm(world, placed(world, status="assigned", where=NEAR), at(16)).status == Status.CONFIRMED
    assert _confirm(world, placed(world, status="assigned", where=NEAR), at(12)).status == Status.CONFIRMED
    other = placed(world, status="assigned", where=NEAR, tech=world.other_tech)
    assert _confirm(world, other, at(14)).status == Status.CONFIRMED


def test_a_finished_visit_no_longer_holds_the_time(world) -> None:  # type: ignore[no-untyped-def]
    done = _confirm(world, placed(world, status="assigned", where=NEAR), at(14))
    WorkOrder.objects.filter(pk=done.pk).update(status=Status.COMPLETED)
    assert _confirm(world, placed(world, status="assigned", where=NEAR), at(14)).status == Status.CONFIRMED


def test_moving_a_confirmed_visit_to_a_busy_technician_is_a_conflict_R_AN_4(world) -> None:  # type: ignore[no-untyped-def]
    from conftest import make_technician

    busy = make_technician("tech3", "黄师傅", world.outlet, world.line, "GZ-2024-0003")
    _confirm(world, placed(world, status="assigned", where=NEAR, tech=busy), at(14))
    mine = _confirm(world, placed(world, status="assigned", where=NEAR), at(15))
    with pytest.raises(Conflict) as err, clock.frozen_at(at(8)):
        order_transition(
            order=mine, actor=world.actor("outlet_manager"), action="assign",
            reason="原工程师无法处理该故障", params={"technician": busy.pk},
        )  # fmt: skip
    assert err.value.code == "appointment_overlap"
    mine.refresh_from_db()
    assert mine.technician == world.tech


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints exist on PostgreSQL only"
)
def test_the_database_refuses_an_overlap_written_around_the_service(world) -> None:  # type: ignore[no-untyped-def]
    _confirm(world, placed(world, status="assigned", where=NEAR), at(14))
    sneaky = placed(world, status="assigned", where=NEAR)
    with pytest.raises(IntegrityError, match="technician_appointments_do_not_overlap"), transaction.atomic():
        WorkOrder.objects.filter(pk=sneaky.pk).update(
            status=Status.CONFIRMED, window_start=at(15), window_end=at(17)
        )
