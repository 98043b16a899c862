"""The appointment time (R-DI-3) and every rule that counts from it, to the second (R-AR-5, R-DI-7, R-DI-8).

The customer books a window; the technician confirms a time inside it (by default the planned arrival)
and the customer is told it. Lateness, the late-call window, the arrival and departure clocks and the
company's reschedule notice count from that time, else from the window's start. Each threshold is tested
exactly at it, one second before and one second after, through the real moves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError, Forbidden, Invalid
from doorstep.dispatch.appointment import appointment_time_confirm
from doorstep.dispatch.models import PlannedVisit
from doorstep.dispatch.services import late_call_record
from doorstep.dispatch.tests.helpers import NEAR, at, placed
from doorstep.network.policy import policy_for
from doorstep.network.roles import Role
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.services import order_transition
from doorstep.visits.models import EscalationTask
from doorstep.visits.testing import visit_evidence

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)
K = Deadline.Kind
WINDOW = (at(10), at(12))  # the customer's booked window
AGREED = at(10, 40)  # the time the technician confirms with the customer


def _confirmed(world, *, agreed: datetime | None = None):  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned", where=NEAR)
    with clock.frozen_at(at(8)):
        order = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="confirm_appointment",
            params={"window_start": WINDOW[0], "window_end": WINDOW[1]},
        )  # fmt: skip
        if agreed is not None:
            order = appointment_time_confirm(order=order, actor=world.actor("technician"), at=agreed)
    return order


def _en_route(world, *, agreed: datetime | None = AGREED):  # type: ignore[no-untyped-def]
    order = _confirmed(world, agreed=agreed)
    with clock.frozen_at(at(9)):
        return order_transition(
            order=order,
            actor=world.actor("technician"),
            action="depart",
            params=visit_evidence(order, "depart"),
        )


def _arrive(world, order, when: datetime):  # type: ignore[no-untyped-def]
    with clock.frozen_at(when):
        order = order_transition(order=order, actor=world.actor("technician"), action="arrive")
    return order, order.events.filter(kind=EventKind.ARRIVE).latest("seq").data


# --- R-DI-3: confirming the time -------------------------------------------------------------------------
def test_confirmed_time_is_on_the_customers_record_and_moves_the_clocks_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, agreed=AGREED)
    assert order.appointment_at == AGREED
    event = order.events.get(kind=EventKind.APPOINTMENT_TIME_CONFIRMED)
    assert event.customer_visible and event.rule == "R-DI-3"  # the customer is told it
    assert event.data["appointment_at"] == AGREED.isoformat()
    arrival = Deadline.objects.get(order=order, kind=K.ARRIVAL, state=Deadline.State.OPEN)
    departure = Deadline.objects.get(order=order, kind=K.DEPARTURE, state=Deadline.State.OPEN)
    margin = timedelta(minutes=policy_for(brand=world.brand).early_arrival_minutes)
    assert arrival.due_at == AGREED and departure.due_at <= AGREED - margin  # R-DI-7 from the agreed time
    assert Deadline.objects.filter(order=order, kind=K.ARRIVAL, state=Deadline.State.CANCELLED).exists()


def test_default_is_the_planned_arrival_else_the_window_start_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world)
    with clock.frozen_at(at(8)):
        order = appointment_time_confirm(order=order, actor=world.actor("technician"))
    assert order.appointment_at == WINDOW[0]
    planned = at(10, 52)
    PlannedVisit.objects.create(
        order=order,
        technician=world.tech,
        sequence=1,
        depart_at=at(10, 30),
        arrive_at=planned,
        start_at=planned,
    )
    with clock.frozen_at(at(8, 5)):
        order = appointment_time_confirm(order=order, actor=world.actor("technician"))
    assert order.appointment_at == planned
    assert (
        order.events.filter(kind=EventKind.APPOINTMENT_TIME_CONFIRMED).latest("seq").data["planned_arrival"]
    )


@pytest.mark.parametrize(
    ("agreed", "ok"),
    [
        (WINDOW[0] - S, False),
        (WINDOW[0], True),  # both ends of the window are inside it
        (WINDOW[1], True),
        (WINDOW[1] + S, False),
    ],
)
def test_the_confirmed_time_lies_in_the_booked_window_R_DI_3(world, agreed: datetime, ok: bool) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world)
    with clock.frozen_at(at(8)):
        if ok:
            assert appointment_time_confirm(
                order=order, actor=world.actor("technician"), at=agreed
            ).appointment_at
        else:
            with pytest.raises(Invalid) as err:
                appointment_time_confirm(order=order, actor=world.actor("technician"), at=agreed)
            assert err.value.code == "appointment_outside_window"
    assert WorkOrder.objects.get(pk=order.pk).appointment_at == (agreed if ok else None)


def test_no_confirming_after_the_appointment_or_for_someone_elses_visit_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, agreed=AGREED)
    with clock.frozen_at(AGREED + S), pytest.raises(DomainError) as err:
        appointment_time_confirm(order=order, actor=world.actor("technician"), at=at(11))
    assert err.value.code == "appointment_passed"  # a later time now is a reschedule (R-DI-8)
    with clock.frozen_at(at(8)), pytest.raises((Forbidden, DomainError)):
        appointment_time_confirm(order=order, actor=world.actor("other_technician"), at=at(11))
    assert WorkOrder.objects.get(pk=order.pk).appointment_at == AGREED


def test_a_reschedule_drops_the_confirmed_time_R_DI_8(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, agreed=AGREED)
    with clock.frozen_at(at(8)):
        order = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="reschedule", reason="客户要求",
            params={"requested_by": "customer", "window_start": at(14), "window_end": at(16)},
        )  # fmt: skip
    assert order.appointment_at is None and order.window_start == at(14)


def test_the_confirm_move_may_carry_the_agreed_time_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned", where=NEAR)
    with clock.frozen_at(at(8)):
        order = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="confirm_appointment",
            params={"window_start": WINDOW[0], "window_end": WINDOW[1], "appointment_at": AGREED},
        )  # fmt: skip
    assert order.appointment_at == AGREED
    assert Deadline.objects.get(order=order, kind=K.ARRIVAL, state=Deadline.State.OPEN).due_at == AGREED


# --- R-AR-5: lateness to the second, from the confirmed time ---------------------------------------------
@pytest.mark.parametrize(
    ("offset", "lateness", "late_seconds"),
    [
        (-S, "on_time", 0),
        (timedelta(0), "on_time", 0),  # exactly at the appointment: on time
        (S, "late_minor", 1),
        (timedelta(minutes=15) - S, "late_minor", 899),
        (timedelta(minutes=15), "late_major", 900),  # ≥ 15 minutes: major
        (timedelta(minutes=15) + S, "late_major", 901),
    ],
)
def test_lateness_counts_from_the_confirmed_time_R_AR_5(world, offset, lateness, late_seconds) -> None:  # type: ignore[no-untyped-def]
    order = _en_route(world)
    order, data = _arrive(world, order, AGREED + offset)
    assert (data["lateness"], data["late_seconds"], data["appointment_at"]) == (
        lateness,
        late_seconds,
        AGREED.isoformat(),
    )
    tasks = EscalationTask.objects.filter(order=order, kind=EscalationTask.Kind.LATENESS)
    assert tasks.exists() is (lateness == "late_major")  # the complaint supervisor's task
    if lateness == "late_major":
        task = tasks.get()
        assert task.owner is not None and task.owner.role == Role.QUALITY and task.rule == "R-AR-5"
    arrival = Deadline.objects.get(order=order, kind=K.ARRIVAL, state=Deadline.State.MET)
    assert (arrival.overdue_at is None) or lateness != "on_time"


def test_inside_the_window_but_after_the_confirmed_time_is_late_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    order = _en_route(world)
    _order, data = _arrive(world, order, at(11, 0))  # inside 10:00–12:00, 20 minutes after 10:40
    assert data["lateness"] == "late_major" and data["late_minutes"] == 20


def test_without_a_confirmed_time_lateness_counts_from_the_window_start_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    order = _en_route(world, agreed=None)
    _order, data = _arrive(world, order, WINDOW[0] + S)
    assert data["lateness"] == "late_minor" and data["appointment_at"] == WINDOW[0].isoformat()


# --- R-AR-5: the late call in [appointment − 2 min, appointment − 1 min] --------------------------------
@pytest.mark.parametrize(
    ("called", "breach"),
    [
        (AGREED - timedelta(minutes=2) - S, True),
        (AGREED - timedelta(minutes=2), False),  # both ends inclusive
        (AGREED - timedelta(minutes=1), False),
        (AGREED - timedelta(minutes=1) + S, True),
        (None, True),  # no call at all
    ],
)
def test_a_late_arrival_without_a_call_in_the_window_is_a_breach_R_AR_5(world, called, breach) -> None:  # type: ignore[no-untyped-def]
    order = _en_route(world)
    if called is not None:
        with clock.frozen_at(called):
            late_call_record(order=order, actor=world.actor("technician"), note="堵车，致歉，预计晚 5 分钟")
        in_window = order.events.get(kind=EventKind.LATE_CALL).data["in_window"]
        assert in_window is not breach
    order, data = _arrive(world, order, AGREED + timedelta(minutes=5))
    assert data["late_call"] == ("breach" if breach else "in_window")
    breaches = order.events.filter(kind=EventKind.LATE_CALL_OVERDUE, data__breach=True)
    assert breaches.count() == (1 if breach else 0)


def test_an_on_time_arrival_needs_no_call_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    order = _en_route(world)
    order, data = _arrive(world, order, AGREED)
    assert "late_call" not in data and not order.events.filter(kind=EventKind.LATE_CALL_OVERDUE).exists()


def test_the_visit_page_call_is_the_same_record_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.visits.arrival.protocol import late_call

    order = _en_route(world)
    with clock.frozen_at(AGREED - timedelta(seconds=90)):
        late_call(order=order, actor=world.actor("technician"), expected_minutes="8", reason="前一单超时")
    order, data = _arrive(world, order, AGREED + timedelta(minutes=8))
    assert data["late_call"] == "in_window"
    assert order.late_calls.get().deadline.state == Deadline.State.MET


# --- R-DI-7: the early margin, recorded as such, not as lateness ----------------------------------------
@pytest.mark.parametrize(
    ("offset", "margin_missed"),
    [
        (-timedelta(minutes=5) - S, False),
        (-timedelta(minutes=5), False),  # exactly 5 minutes early: the margin is kept
        (-timedelta(minutes=5) + S, True),
        (timedelta(0), True),
    ],
)
def test_missing_the_early_margin_is_recorded_not_lateness_R_DI_7(world, offset, margin_missed) -> None:  # type: ignore[no-untyped-def]
    order = _en_route(world)
    order, data = _arrive(world, order, AGREED + offset)
    assert data["margin_missed"] is margin_missed and data["early_enough"] is not margin_missed
    assert data["lateness"] == "on_time" and not order.escalations.exists()


# --- R-DI-8: the company's reschedule notice, from the confirmed time ------------------------------------
@pytest.mark.parametrize(
    ("notice", "new_start", "breach"),
    [
        (timedelta(hours=2), at(15), False),  # a delay of 4h20, within half a day: 30 minutes needed
        (timedelta(minutes=30), at(11), False),  # a delay within half a day: 30 minutes is enough
        (timedelta(minutes=30) - S, at(11), True),
        (timedelta(minutes=30), AGREED + timedelta(minutes=720), False),  # exactly half a day
        (timedelta(minutes=30), AGREED + timedelta(minutes=720) + S, True),  # beyond: 2 hours needed
        (timedelta(hours=2), AGREED + timedelta(minutes=720) + S, False),
        (timedelta(hours=2) - S, AGREED + timedelta(minutes=720) + S, True),
        (timedelta(hours=2) - S, at(10, 20), True),  # earlier than agreed: a change, 2 hours
    ],
)
def test_reschedule_notice_counts_from_the_confirmed_time_R_DI_8(world, notice, new_start, breach) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, agreed=AGREED)
    with clock.frozen_at(AGREED - notice):
        order = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="reschedule", reason="前一单延误",
            params={"window_start": new_start, "window_end": new_start + timedelta(hours=2)},
        )  # fmt: skip
    data = order.events.get(kind=EventKind.RESCHEDULE).data
    assert data["initiator"] == "company" and data["notice_breach"] is breach


# --- R-AR-5: the prompt at appointment − 2 min when the ETA is past it, logged -------------------------
def test_the_day_is_rechecked_when_the_late_call_window_opens_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, agreed=AGREED)
    checks = Deadline.objects.filter(order=order, kind=K.RISK_CHECK, state=Deadline.State.OPEN)
    minutes = policy_for(brand=world.brand).late_call_before_minutes
    assert checks.filter(due_at=AGREED - timedelta(minutes=minutes)).exists()


@pytest.mark.parametrize(("offset", "prompt"), [(-S, False), (timedelta(0), True), (S, True)])
def test_the_technician_is_prompted_to_call_from_two_minutes_before_R_AR_5(world, offset, prompt) -> None:  # type: ignore[no-untyped-def]
    from doorstep.dispatch.mine import my_day_stops
    from doorstep.dispatch.services import risk_scan
    from doorstep.dispatch.tests.helpers import FAR

    first = placed(world, status="in_service", start=at(9))
    with clock.frozen_at(at(9)):
        EventKind.START_SERVICE.record(order=first, actor=world.actor("technician"))
    second = placed(world, status="confirmed", start=at(10, 30), where=FAR)  # the overrun makes it late
    call_opens = at(10, 28)
    with clock.frozen_at(call_opens + offset):
        risk_scan(technician=world.tech)  # the check due when the window opens (or any earlier one)
        (stop,) = [s for s in my_day_stops(world.actor("technician")) if s.order == second]
    assert stop.eta is not None and stop.eta.state == "late" and stop.call_now is prompt
    assert (stop.call_from, stop.call_until) == (at(10, 28), at(10, 29))
    logged = second.events.get(kind=EventKind.VISIT_AT_RISK)  # the prompt's log, with the call window
    assert logged.data["call_from"] and logged.data["call_due"]
