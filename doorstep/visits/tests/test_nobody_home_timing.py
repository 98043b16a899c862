"""Nobody home is recorded only from the appointment on, and the note's blanks are filled with the
recorded times (R-AR-2, STANDARD "The appointment"; walk finding 4: accepted two hours before the
window, with the note template "工程师于 __:__ 到达，__:__ 离开" left blank)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.core.punctuality import appointment_of
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.arrival.protocol import customer_called, knock_start
from doorstep.visits.moves import note_filled

TEMPLATE = "您好，工程师于 __:__ 到达，__:__ 离开，未能联系到您。请致电 020-1 重新预约。"


def _at_door(world, appointment_in: timedelta) -> WorkOrder:  # type: ignore[no-untyped-def]
    """Arrived, knocked six minutes ago and called: only the appointment time is left to decide."""
    order = order_in(world, "arrived")
    start = clock.now() + appointment_in
    WorkOrder.objects.filter(pk=order.pk).update(window_start=start, window_end=start + timedelta(hours=2))
    order.refresh_from_db()
    tech = world.actor("technician")
    arrived = clock.now() - timedelta(minutes=8)
    EventKind.ARRIVE.record(order=order, actor=tech, data={"arrived_at": arrived.isoformat()})
    knock_start(order=order, actor=tech, client_at=(clock.now() - timedelta(minutes=6)).isoformat())
    customer_called(order=order, actor=tech, answered=False)
    return order


def _leave(world, order: WorkOrder, at) -> WorkOrder:  # type: ignore[no-untyped-def]
    return order_transition(
        order=order,
        actor=world.actor("technician"),
        action="nobody_home",
        reason="无人",
        params={"note_left": TEMPLATE, "client_at": at.isoformat()},
    )


def test_nobody_home_refused_two_hours_before_the_appointment_R_AR_2(world) -> None:
    order = _at_door(world, timedelta(hours=2))
    with pytest.raises(DomainError) as err:
        _leave(world, order, clock.now())
    assert err.value.code == "nobody_home_too_early"


@pytest.mark.parametrize(("offset", "allowed"), [(-1, False), (0, True), (1, True)])
def test_nobody_home_allowed_from_the_appointment_exactly_R_AR_2(world, offset: int, allowed: bool) -> None:
    order = _at_door(world, timedelta(seconds=-30))
    leave_at = appointment_of(order) + timedelta(seconds=offset)  # type: ignore[operator]
    if allowed:
        assert _leave(world, order, leave_at).status == "nobody_home"
    else:
        with pytest.raises(DomainError) as err:
            _leave(world, order, leave_at)
        assert err.value.code == "nobody_home_too_early"


def test_the_note_template_is_filled_with_the_arrival_and_leaving_times_R_AR_2(world) -> None:
    order = _at_door(world, timedelta(minutes=-20))
    arrived_at = clock.local(clock.now() - timedelta(minutes=8)).strftime("%H:%M")
    order = _leave(world, order, clock.now())
    note = order.events.get(kind="nobody_home").data["note_left"]
    assert "__" not in note
    assert f"工程师于 {arrived_at} 到达，{clock.local(clock.now()).strftime('%H:%M')} 离开" in note


def test_a_note_the_technician_wrote_is_kept_as_written() -> None:
    now = clock.now()
    assert note_filled("14:02 到达，14:10 离开", now.isoformat(), now) == "14:02 到达，14:10 离开"


def test_a_blank_with_no_recorded_arrival_is_left_for_the_technician() -> None:
    now = clock.now()
    assert note_filled("__:__ 到达，__:__ 离开", "", now).startswith("__:__ 到达，")
