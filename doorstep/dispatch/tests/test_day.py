"""The day plan: free slots from capacity (R-DI-3), departure times (R-DI-7), at-risk visits and the
call-before-late deadline (R-AR-5, R-DI-9), optimise and apply (R-AN-4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.dispatch.daymodel import build_day, evaluate_current
from doorstep.dispatch.mine import my_day_stops
from doorstep.dispatch.models import LateCall, Leave, PlannedVisit, PlanRun
from doorstep.dispatch.planning import plan_apply, plan_run_execute, plan_run_start
from doorstep.dispatch.risk import LATE, OK
from doorstep.dispatch.services import late_call_fire, late_call_record, risk_scan
from doorstep.dispatch.slots import order_slots
from doorstep.dispatch.techday import departure_for, technician_etas
from doorstep.dispatch.tests.helpers import DAY, FAR, NEAR, at, placed
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition

pytestmark = pytest.mark.django_db


# --- R-DI-7: departure = appointment − travel − early margin -------------------------------------------
def test_departure_time_is_window_minus_travel_minus_margin_R_DI_7() -> None:
    assert departure_for(at(10), 25 * 60, 5) == at(9, 30)


def test_technician_sees_departure_and_reminder_R_DI_7(world) -> None:  # type: ignore[no-untyped-def]
    placed(world, status="confirmed", start=at(11))
    with clock.frozen_at(at(10, 30)):
        (stop,) = my_day_stops(world.actor("technician"))
    travel = at(11) - timedelta(minutes=5) - stop.depart_at  # R-DI-7: 5 minutes early
    assert timedelta(minutes=stop.travel_minutes - 1) < travel <= timedelta(minutes=stop.travel_minutes)
    assert 5 < stop.travel_minutes < 20 and stop.remind  # leave within 15 minutes


def test_my_day_page_shows_the_departure_R_DI_7(world, client) -> None:  # type: ignore[no-untyped-def]
    placed(world, status="confirmed", start=at(11))
    client.force_login(world.staff["technician"].user)
    with clock.frozen_at(at(8)):
        page = client.get("/dispatch/my-day/").content.decode()
    assert "出发时间" in page and "R-DI-7" in page


# --- R-DI-3: slots from real capacity, travel included --------------------------------------------------
def test_slots_avoid_a_booked_visit_and_its_travel_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    placed(world, status="confirmed", start=at(13), where=FAR)
    order = placed(world, status="dispatched")
    with clock.frozen_at(at(7)):
        slots = [s.start for s in order_slots(order=order, actor=world.actor("agent"), days=1)]
    assert at(9) not in slots  # the shift starts 9:00 at home: no time to drive there
    assert at(9, 30) in slots and at(10) in slots and at(15) in slots and at(16) in slots
    for blocked in (at(11), at(12), at(13), at(14)):  # the far visit, its travel and the lunch break
        assert blocked not in slots
    assert at(17) not in slots  # 17:00–18:00 would bring the technician home after the shift
    assert all(s.date() == DAY for s in slots)


def test_no_slots_on_leave_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    Leave.objects.create(technician=world.tech, kind="annual", starts_at=at(0), ends_at=at(23, 59))
    order = placed(world, status="dispatched")
    with clock.frozen_at(at(7)):
        assert order_slots(order=order, actor=world.actor("agent"), days=1) == []


# --- R-DI-9 / R-AR-5: an overrun makes the next visit at risk before it fails ----------------------------
def _overrun(world):  # type: ignore[no-untyped-def]
    first = placed(world, status="in_service", start=at(9))
    with clock.frozen_at(at(9)):
        EventKind.START_SERVICE.record(
            order=first,
            actor=world.actor("technician"),
        )
    second = placed(world, status="confirmed", start=at(10, 30), where=FAR)
    return first, second


def test_overrun_recomputes_eta_and_flags_the_next_visit_R_DI_9(world) -> None:  # type: ignore[no-untyped-def]
    _first, second = _overrun(world)
    with clock.frozen_at(at(9, 30)):
        (eta,) = technician_etas(world.tech)
    assert eta.order == second and eta.state == LATE  # service ends 10:00, then ~45 km
    with clock.frozen_at(at(7)):
        second_only = placed(world, status="confirmed", start=at(16))
        assert [e.state for e in technician_etas(world.tech) if e.order == second_only] == [OK]


def test_at_risk_opens_the_call_before_late_deadline_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    _first, second = _overrun(world)
    with clock.frozen_at(at(9, 30)):
        (late,) = risk_scan(technician=world.tech)
        assert risk_scan(technician=world.tech) == []  # once
    assert late.order == second and late.due_at == at(10, 29)  # the window closes 1 minute before
    assert late.deadline is not None and late.deadline.not_before == at(10, 28)  # and opens 2 minutes before
    event = second.events.get(kind="visit_at_risk")
    assert event.rule == "R-DI-9" and event.data["proposal"] == "replan_or_reassign"
    assert not event.customer_visible


def test_no_call_by_the_end_of_the_window_is_overdue_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    _first, second = _overrun(world)
    with clock.frozen_at(at(9, 30)):
        (late,) = risk_scan(technician=world.tech)
    with clock.frozen_at(at(10, 29)):  # the window's last instant: the call may still be made
        assert late_call_fire(late_call_id=late.pk) is False
    with clock.frozen_at(at(10, 29) + timedelta(seconds=1)):
        assert late_call_fire(late_call_id=late.pk) is True
    late.refresh_from_db()
    assert late.state == "overdue"
    # a breach is decided at the arrival: a late arrival without a call in the window
    assert not second.events.filter(kind="late_call_overdue").exists()


def test_technician_calls_before_being_late_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    _first, second = _overrun(world)
    with clock.frozen_at(at(9, 30)):
        risk_scan(technician=world.tech)
    with clock.frozen_at(at(10, 28)):
        late_call_record(
            order=second, actor=world.actor("technician"), note="前一单延误，致歉，预计 11:10 到"
        )
    late = LateCall.objects.get(order=second)
    assert late.state == "met" and second.events.get(kind="late_call").data["in_window"] is True
    with clock.frozen_at(at(10, 30)):
        assert late_call_fire(late_call_id=late.pk) is False


# --- R-AN-4: optimise the day, before/after, apply --------------------------------------------------------
def test_optimise_compares_and_applies_the_plan_R_AN_4(world) -> None:  # type: ignore[no-untyped-def]
    placed(world, status="confirmed", start=at(10))
    loose = [placed(world, status="dispatched", where=(NEAR[0] + 0.01 * k, NEAR[1])) for k in range(3)]
    with clock.frozen_at(at(7)):
        model = build_day(world.outlet, DAY)
        assert len(model.problem.visits) == 4 and model.promised
        before = evaluate_current(model)
        run = plan_run_start(actor=world.actor("outlet_manager"), outlet=world.outlet, day=DAY, seconds=1)
        assert plan_run_execute(run_id=run.pk) == "done"
    run.refresh_from_db()
    assert run.progress == 100 and run.before == before and run.after["on_time"] == 1
    assert run.after["jobs"]["李师傅"] == 4 and run.plan["unassigned"] == []
    with clock.frozen_at(at(7, 5)):
        assert plan_apply(run=run, actor=world.actor("outlet_manager")) == 3
    assert all(WorkOrder.objects.get(pk=o.pk).technician == world.tech for o in loose)
    planned = PlannedVisit.objects.filter(technician=world.tech)
    assert planned.count() == 4 and planned.filter(proposed=True).count() == 3
    assert PlanRun.objects.get(pk=run.pk).state == "applied"


def test_pinned_visit_of_an_absent_technician_is_a_conflict_R_AN_4(world) -> None:  # type: ignore[no-untyped-def]
    placed(world, status="confirmed", start=at(10))
    Leave.objects.create(technician=world.tech, kind="sick", starts_at=at(0), ends_at=at(23, 59))
    with clock.frozen_at(at(7)):
        run = plan_run_start(actor=world.actor("outlet_manager"), outlet=world.outlet, day=DAY, seconds=1)
        plan_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == "done" and "R-AN-4" in run.plan["unassigned"][0]["reason"]


def test_outlet_manager_cannot_plan_another_outlet(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.core.errors import Forbidden

    with pytest.raises(Forbidden):
        plan_run_start(actor=world.actor("other_manager"), outlet=world.outlet, day=DAY)


def test_assign_on_the_board_then_move_needs_a_reason_R_AN_4(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.core.errors import DomainError
    from doorstep.dispatch.services import board_assign

    order = placed(world, status="dispatched")
    order = board_assign(order=order, actor=world.actor("outlet_manager"), technician_id=world.tech.pk)
    assert order.status == "assigned"
    with pytest.raises(DomainError):
        board_assign(order=order, actor=world.actor("outlet_manager"), technician_id=world.tech.pk)
    with pytest.raises(DomainError) as err:
        order_transition(
            order=order,
            actor=world.actor("outlet_manager"),
            action="assign",
            params={"technician": world.other_tech.pk},
        )
    assert err.value.code == "reason_required"


# --- the timers are Deadline rows acted on by the one sweep ---------------------------------------------
def test_a_risk_check_is_a_deadline_the_sweep_acts_on_once_R_DI_9(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.dispatch.services import risk_check_open
    from doorstep.orders.deadlines import deadlines_sweep
    from doorstep.orders.models import Deadline

    _first, second = _overrun(world)
    with clock.frozen_at(at(9, 20)):
        check = risk_check_open(order=second, due_at=at(9, 25))
        deadlines_sweep()  # the intake's own promises may fall due on the way; the check does not yet
        check.refresh_from_db()
        assert check.state == Deadline.State.OPEN
    with clock.frozen_at(at(9, 30)):
        assert deadlines_sweep() >= 1 and deadlines_sweep() == 0  # acted on once
    check.refresh_from_db()
    assert (check.kind, check.rule, check.state) == ("risk_check", "R-DI-9", Deadline.State.MET)
    late = LateCall.objects.get(order=second)  # the scan found the visit at risk
    assert late.deadline is not None and late.deadline.kind == "late_call"
    assert late.deadline.owner == world.tech.staff and late.due_at == at(10, 29)


def test_arriving_after_the_call_was_due_without_calling_is_a_missed_call_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.dispatch.services import late_calls_arrive

    _first, second = _overrun(world)
    with clock.frozen_at(at(9, 30)):
        (late,) = risk_scan(technician=world.tech)
    with clock.frozen_at(at(10, 40)):
        EventKind.ARRIVE.record(order=second, actor=world.actor("technician"))
        assert late_calls_arrive(order=second, arrival={"lateness": "late_minor"}) is True
    late.refresh_from_db()
    assert late.state == "overdue" and second.events.filter(kind="late_call_overdue").count() == 1


def test_arriving_before_the_call_was_due_withdraws_it_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.dispatch.services import late_calls_arrive

    _first, second = _overrun(world)
    with clock.frozen_at(at(9, 30)):
        (late,) = risk_scan(technician=world.tech)
    with clock.frozen_at(at(10, 20)):
        EventKind.ARRIVE.record(order=second, actor=world.actor("technician"))
        assert late_calls_arrive(order=second, arrival={"lateness": "on_time"}) is False
    late.refresh_from_db()
    assert late.state == "cancelled" and not second.events.filter(kind="late_call_overdue").exists()
