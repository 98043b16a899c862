"""Dispatch's rules on the order lifecycle, registered from ``DispatchConfig.ready``.

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
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.calendar import on_leave_at, work_day
from doorstep.dispatch.eligibility import dispatch_policy_for
from doorstep.dispatch.models import DeadlineState, LateCall, PlannedVisit
from doorstep.dispatch.services import late_call_fire, late_calls_close, offer_open, offers_close
from doorstep.orders import hooks
from doorstep.orders.lifecycle import Action
from doorstep.orders.selectors import policy_for

if TYPE_CHECKING:
    from doorstep.core.actors import Actor
    from doorstep.orders.lifecycle import Move
    from doorstep.orders.models import WorkOrder

Params = dict[str, Any]


@hooks.guard(Action.RESCHEDULE)
def reschedule_notice_rule(order: WorkOrder, actor: Actor, p: Params) -> Params:
    """R-DI-8: a change asked for by the customer is no breach; a company change with too little notice is."""
    from doorstep.orders.services import reschedule_notice

    initiator = "customer" if actor.role == "customer" or p.get("requested_by") == "customer" else "company"
    data: Params = {"initiator": initiator}
    if order.window_start is not None:
        new_start = p.get("window_start") if isinstance(p.get("window_start"), datetime) else None
        notice = reschedule_notice(order=order, new_start=new_start)
        data.update(notice, notice_breach=initiator == "company" and notice["notice_breach"])
    return data


@hooks.guard(Action.CONFIRM_APPOINTMENT)
def technician_available_for_window(order: WorkOrder, actor: Actor, p: Params) -> Params | None:
    """R-DI-2: not on leave at the appointment; outside the shift is agreed with the customer (R-DI-3)."""
    start = p.get("window_start") if isinstance(p.get("window_start"), datetime) else order.window_start
    tech = order.technician
    if tech is None or start is None:
        return None
    leave = on_leave_at(tech, start)
    if leave is not None:
        raise DomainError(
            "technician_on_leave",
            _("工程师该时段请假（%(kind)s），请改派或另约时间。"),
            field="window_start",
            kind=leave.get_kind_display(),
        )
    day = work_day(tech, clock.local(start).date(), policy_for(order.brand))
    inside = day.works and day.start is not None and day.end is not None and day.start <= start < day.end
    return None if inside else {"outside_shift": True}


@hooks.effect(Action.DISPATCH, Action.TRANSFER)
def outlet_acceptance_clock(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    if order.outlet is not None:
        offer_open(order=order, outlet=order.outlet)


@hooks.effect(Action.ASSIGN)
def assign_accepts(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    offers_close(order=order, outcome="accepted")
    PlannedVisit.objects.filter(order=order).exclude(technician=order.technician).delete()


@hooks.effect(Action.DECLINE, Action.CANCEL)
def offer_ends(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    offers_close(order=order, outcome="declined" if move.action == Action.DECLINE else "cancelled")
    late_calls_close(order=order)
    PlannedVisit.objects.filter(order=order).delete()


@hooks.effect(Action.CONFIRM_APPOINTMENT)
def schedule_risk_check(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    """R-DI-9: look at the technician's day again before the appointment."""
    if order.window_start is None:
        return
    minutes = dispatch_policy_for(order.brand_id).risk_check_minutes
    _later("check_visit_risk", order.pk, max(clock.now(), order.window_start - timedelta(minutes=minutes)))


@hooks.effect(Action.RESCHEDULE)
def reschedule_clears_plan(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    late_calls_close(order=order)
    PlannedVisit.objects.filter(order=order).delete()


@hooks.effect(Action.ARRIVE)
def arrival_meets_late_call(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    """R-AR-5: on time — the call was not needed; after the call's due time without a call — missed."""
    for late in LateCall.objects.filter(order=order, state=DeadlineState.OPEN):
        if clock.now() >= late.due_at:
            late_call_fire(late_call_id=late.pk)
        else:
            LateCall.objects.filter(pk=late.pk).update(state=DeadlineState.CANCELLED)


@hooks.effect(Action.DEPART, Action.START_SERVICE, Action.COMPLETE, Action.NOBODY_HOME)
def retime_later_visits(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    """R-DI-9: re-compute the technician's ETAs now and, in service, when the service should end."""
    if order.technician_id is None:
        return
    _later("scan_technician", order.technician_id, clock.now())
    if move.action == Action.START_SERVICE:
        minutes = dispatch_policy_for(order.brand_id).service_minutes(order.service_type)
        _later("scan_technician", order.technician_id, clock.now() + timedelta(minutes=minutes))


def _later(name: str, pk: int, when: datetime) -> None:
    from doorstep.dispatch.services import _enqueue

    transaction.on_commit(lambda: _enqueue(name, pk, when))
