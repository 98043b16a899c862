"""Dispatch's rules of the lifecycle moves (declared in ``RULES``, read by the rulebook).

- ``assign``: the technician is eligible on the appointment day (skills, qualifications, safety
  equipment, calendar, leave, training; R-DI-2);
- ``reschedule``: who asked for the change, and whether a company change broke the notice rule
  (≥ 30 min for a delay within half a day, ≥ 2 h otherwise) — a breach is counted (R-DI-8);
- ``confirm_appointment``: not while the technician is on leave (R-DI-2); outside the shift is
  recorded as "by agreement" (R-DI-3); the day's risk check is scheduled (R-DI-9);
- ``dispatch``/``transfer``: the outlet's acceptance clock starts (R-DI-1); ``assign`` accepts;
- ``arrive``, ``reschedule``, ``cancel``: the call-before-late deadline closes (R-AR-5);
- ``depart``, ``start_service``, ``complete``, ``nobody_home``: the technician's later visits are
  re-timed, immediately and when the service should have ended (an overrun, R-DI-9).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from doorstep.core import clock
from doorstep.core.errors import Conflict, DomainError, ErrorCode, Invalid
from doorstep.core.policy import Policy
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.appointment import VISIT_CLOCKS, risk_checks_open, visit_clocks_open
from doorstep.dispatch.calendar import on_leave_at, work_day
from doorstep.dispatch.eligibility import technician_ineligibility
from doorstep.dispatch.models import PlannedVisit
from doorstep.dispatch.services import (
    late_calls_arrive,
    late_calls_close,
    offer_open,
    offers_close,
    risk_check_open,
)
from doorstep.network.models import Technician
from doorstep.network.policy import policy_of
from doorstep.network.roles import Party
from doorstep.orders.deadlines import deadlines_cancel, deadlines_meet
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.rulebook import MoveContext, Rule, effect, guard

A, S = Action, Status
Params = dict[str, Any]


def technician_eligible(ctx: MoveContext) -> Params:
    """The technician has the skills, qualifications and equipment and works on the appointment day."""
    order = ctx.order
    tech = Technician.objects.select_related("staff").filter(pk=ctx.param("technician") or 0).first()
    if tech is None:
        raise Invalid(ErrorCode.TECHNICIAN_UNKNOWN, field="technician")
    if order.status != S.DISPATCHED and order.technician_id == tech.pk:
        # already this technician's: a repeated request (often a concurrent duplicate), not a second move
        raise Conflict(ErrorCode.SAME_TECHNICIAN, field="technician")
    day = clock.local(order.window_start or clock.now()).date()
    reasons = technician_ineligibility(order=order, technician=tech, on=day)
    if reasons:
        raise DomainError(
            ErrorCode.TECHNICIAN_NOT_ELIGIBLE,
            field="technician",
            why="；".join(reasons),
        )
    ctx.updates["technician"] = tech
    return {"technician": tech.pk, "technician_name": tech.staff.name}


def reschedule_notice(*, order: WorkOrder, new_start: datetime | None) -> dict[str, Any]:
    """Notice given for a company reschedule and whether it breaches R-DI-8, counted from the appointment
    time (the confirmed time, else the window's start) to the second: a delay of at most half a day needs
    ``reschedule_notice_same_day_minutes`` (30) of notice, a longer delay or any other change of the
    appointment ``reschedule_notice_minutes`` (120); exactly the required notice is enough."""
    appointment = appointment_of(order)
    assert appointment is not None
    policy = policy_of(order)
    notice = appointment - clock.now()
    required = reschedule_notice_required(policy, appointment, new_start)
    minutes = int(notice.total_seconds() // 60)
    return {
        "notice_minutes": minutes,
        "notice_seconds": int(notice.total_seconds()),
        "required_minutes": required,
        "notice_breach": notice < timedelta(minutes=required),
    }


def reschedule_notice_required(policy: Policy, appointment: datetime, new_start: datetime | None) -> int:
    """R-DI-8: minutes of notice a company reschedule needs — a delay within half a day (0 < delay ≤
    ``reschedule_half_day_minutes``) the short notice, anything else (a longer delay, an earlier time, no
    new time yet) the long one."""
    half_day = timedelta(minutes=policy.reschedule_half_day_minutes)
    half_day_delay = new_start is not None and timedelta(0) < new_start - appointment <= half_day
    return policy.reschedule_notice_same_day_minutes if half_day_delay else policy.reschedule_notice_minutes


def reschedule_notice_rule(ctx: MoveContext) -> Params:
    """A change asked for by the customer is no breach; a company change with too little notice is."""
    order, p = ctx.order, ctx.params
    by_customer = ctx.actor.role == Party.CUSTOMER or p.get("requested_by") == "customer"
    initiator = "customer" if by_customer else "company"
    data: Params = {"initiator": initiator}
    if appointment_of(order) is not None:
        new_start = p.get("window_start") if isinstance(p.get("window_start"), datetime) else None
        notice = reschedule_notice(order=order, new_start=new_start)
        data.update(notice, notice_breach=initiator == "company" and notice["notice_breach"])
    return data


def technician_available_for_window(ctx: MoveContext) -> Params | None:
    """Not on leave at the appointment; a window typed outside working hours needs the customer's agreement.

    Working hours: the shift table, else the policy's ``service_hours_start``–``service_hours_end`` on
    working days. Outside them a typed window is taken only when the caller says it was agreed with the
    customer (``by_agreement``, R-DI-3), and is recorded so; a proposed window the customer accepts is
    recorded as agreed."""
    order, p = ctx.order, ctx.params
    typed = isinstance(p.get("window_start"), datetime)
    start = p.get("window_start") if typed else order.window_start
    end = p.get("window_end") if isinstance(p.get("window_end"), datetime) else order.window_end
    tech = order.technician
    if tech is None or start is None:
        return None
    leave = on_leave_at(tech, start)
    if leave is not None:
        raise DomainError(
            ErrorCode.TECHNICIAN_ON_LEAVE,
            field="window_start",
            kind=leave.get_kind_display(),
        )
    day = work_day(tech, clock.local(start).date(), policy_of(order))
    inside = (
        day.works
        and day.start is not None
        and day.end is not None
        and day.start <= start < day.end
        and (end is None or end <= day.end)
    )
    if inside:
        return None
    if typed and not p.get("by_agreement"):
        hours = (
            f"{clock.local(day.start):%H:%M}–{clock.local(day.end):%H:%M}"
            if day.start is not None and day.end is not None
            else str(day.why_not)
        )
        raise Invalid(
            ErrorCode.APPOINTMENT_OUTSIDE_HOURS,
            field="window_start",
            day=clock.local(start).strftime("%m-%d"),
            hours=hours,
        )
    return {"outside_shift": True}


# the statuses in which a visit holds its technician's time (the database's exclusion constraint on
# PostgreSQL, orders migration 0008, names the same ones)
SLOT_HOLDING = (S.CONFIRMED, S.EN_ROUTE, S.ARRIVED, S.IN_SERVICE)


def technician_slot_free(ctx: MoveContext) -> None:
    """One technician never holds two overlapping confirmed appointments (R-DI-3, R-DI-9).

    The technician's row is locked first, so confirmations for one technician queue up and each sees the
    ones before it (SQLite's IMMEDIATE transactions serialise every writer anyway). On PostgreSQL the
    exclusion constraint ``technician_appointments_do_not_overlap`` is the last word.
    """
    order = ctx.order
    tech = ctx.updates.get("technician") or order.technician
    start = ctx.updates.get("window_start", order.window_start)
    end = ctx.updates.get("window_end", order.window_end)
    if tech is None or start is None or end is None:
        return
    if connection.in_atomic_block:  # inside the move; a dry check (order_move_check alone) only reads
        list(Technician.objects.select_for_update().filter(pk=tech.pk).values_list("pk", flat=True))
    clash = (
        WorkOrder.objects.filter(
            technician=tech, status__in=SLOT_HOLDING, window_start__lt=end, window_end__gt=start
        )
        .exclude(pk=order.pk)
        .order_by("window_start")
        .first()
    )
    if clash is not None:
        raise Conflict(ErrorCode.APPOINTMENT_OVERLAP, field="window_start", number=clash.number)


def outlet_acceptance_clock(ctx: MoveContext) -> None:
    """The outlet's acceptance clock starts; no answer in time sends the order back to the centre."""
    if ctx.order.outlet is not None:
        offer_open(order=ctx.order, outlet=ctx.order.outlet)


def assign_accepts(ctx: MoveContext) -> None:
    """Assigning a technician is the outlet's acceptance; another technician's plan row goes."""
    offers_close(order=ctx.order, outcome="accepted")
    PlannedVisit.objects.filter(order=ctx.order).exclude(technician=ctx.order.technician).delete()


def offer_ends(ctx: MoveContext) -> None:
    """A declined or cancelled order ends the outlet's offer, the late call and the day plan row."""
    outcome = "declined" if ctx.action == Action.DECLINE else "cancelled"
    offers_close(order=ctx.order, outcome=outcome)
    late_calls_close(order=ctx.order)
    PlannedVisit.objects.filter(order=ctx.order).delete()


def schedule_risk_check(ctx: MoveContext) -> None:
    """Risk checks: before the appointment, and when the late-call window opens (R-DI-9, R-AR-5)."""
    risk_checks_open(ctx.order)


def visit_clocks_opened(ctx: MoveContext) -> None:
    """The technician owns two live deadlines: leave by the departure time, arrive by the appointment."""
    visit_clocks_open(ctx.order)


def departure_met(ctx: MoveContext) -> None:
    """Leaving meets the departure deadline (late if it was already overdue: the record shows it)."""
    deadlines_meet(order=ctx.order, kinds=[Deadline.Kind.DEPARTURE])


def arrival_met(ctx: MoveContext) -> None:
    """Arriving meets the arrival deadline (late if it was already overdue: the record shows it)."""
    deadlines_meet(order=ctx.order, kinds=[Deadline.Kind.ARRIVAL])


def visit_clocks_withdrawn(ctx: MoveContext) -> None:
    """A visit no longer expected at that time withdraws its departure and arrival deadlines."""
    deadlines_cancel(order=ctx.order, kinds=VISIT_CLOCKS)


def reschedule_clears_plan(ctx: MoveContext) -> None:
    """A rescheduled visit leaves the day plan and needs no late call."""
    late_calls_close(order=ctx.order)
    PlannedVisit.objects.filter(order=ctx.order).delete()


def arrival_meets_late_call(ctx: MoveContext) -> None:
    """On time, the late call was not needed; late without a call in its window, a call breach (R-AR-5)."""
    late_calls_arrive(order=ctx.order, arrival=ctx.data)


def retime_later_visits(ctx: MoveContext) -> None:
    """Risk checks of the technician's later ETAs: now and, in service, when the service should end."""
    order = ctx.order
    if order.technician_id is None:
        return
    risk_check_open(order=order, due_at=clock.now())
    if ctx.action == Action.START_SERVICE:
        minutes = policy_of(order).service_minutes(order.service_type)
        risk_check_open(order=order, due_at=clock.now() + timedelta(minutes=minutes))


def urgent_order_replans(ctx: MoveContext) -> None:
    """An urgent order sent to an outlet whose day is planned: the affected technicians are re-planned
    by the worker (issue 13; confirmed times kept, R-DI-8)."""
    from doorstep.dispatch.replanning import replan_request
    from doorstep.orders.models import Priority

    order = ctx.order
    if order.priority != Priority.URGENT or order.outlet_id is None:
        return
    day = clock.local(order.window_start).date() if order.window_start else clock.today()
    replan_request(outlet_id=order.outlet_id, day=day, kind="urgent", order=order)


def cancel_replans(ctx: MoveContext) -> None:
    """A cancelled visit of a planned day: its technician's rest of the day (and the neighbours') is
    re-planned by the worker; the visit's planned stop is kept on the request (its row goes with the move)."""
    from doorstep.dispatch.replanning import replan_request

    planned = PlannedVisit.objects.filter(order=ctx.order).first()
    if planned is None or ctx.order.outlet_id is None:
        return
    stop = {
        "technician": planned.technician_id,
        "depart": planned.depart_at.isoformat(),
        "arrive": planned.arrive_at.isoformat(),
        "start": planned.start_at.isoformat(),
        "end": (
            planned.start_at + timedelta(minutes=policy_of(ctx.order).service_minutes(ctx.order.service_type))
        ).isoformat(),
    }
    day = clock.local(planned.start_at).date()
    replan_request(outlet_id=ctx.order.outlet_id, day=day, kind="cancel", order=ctx.order, trigger=stop)


RULES: list[Rule] = [
    guard(A.ASSIGN, technician_eligible, "R-DI-2"),
    guard(A.RESCHEDULE, reschedule_notice_rule, "R-DI-8"),
    guard(A.CONFIRM_APPOINTMENT, technician_available_for_window, "R-DI-2, R-DI-3"),
    guard(A.CONFIRM_APPOINTMENT, technician_slot_free, "R-DI-3, R-DI-9"),
    guard(A.ASSIGN, technician_slot_free, "R-DI-3, R-DI-9", sources=[S.CONFIRMED]),
    effect((A.DISPATCH, A.TRANSFER), outlet_acceptance_clock, "R-DI-1"),
    effect(A.ASSIGN, assign_accepts, "R-DI-1"),
    effect(A.CANCEL, cancel_replans, "R-DI-8"),  # before the plan row goes (offer_ends)
    effect((A.DECLINE, A.CANCEL), offer_ends, "R-DI-1, R-AR-5"),
    effect(A.RESCHEDULE, reschedule_clears_plan, "R-AR-5"),
    effect(A.ARRIVE, arrival_meets_late_call, "R-AR-5"),
    effect(A.CONFIRM_APPOINTMENT, schedule_risk_check, "R-DI-9"),
    effect(A.CONFIRM_APPOINTMENT, visit_clocks_opened, "R-DI-7, R-AR-5"),
    effect(A.ASSIGN, visit_clocks_opened, "R-DI-7, R-AR-5", sources=[S.CONFIRMED]),
    effect(A.DEPART, departure_met, "R-DI-7"),
    effect(A.ARRIVE, arrival_met, "R-AR-5"),
    effect(
        (A.RESCHEDULE, A.TRANSFER, A.DECLINE, A.REOPEN, A.CANCEL, A.ENTRY_REFUSED),
        visit_clocks_withdrawn,
        "R-DI-8, R-DI-1, R-DI-10",
    ),
    effect(A.ENTRY_REFUSED, reschedule_clears_plan, "R-DI-10"),
    effect((A.DEPART, A.START_SERVICE, A.COMPLETE, A.NOBODY_HOME), retime_later_visits, "R-DI-9"),
    effect((A.DISPATCH, A.TRANSFER), urgent_order_replans, "R-DI-8"),
]
