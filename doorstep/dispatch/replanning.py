"""Live re-plan of a planned day (issue 13, part 4): an event re-plans only the affected technicians.

An urgent order sent to the outlet, a cancelled visit, an overrun of the visit under way, a technician
going home sick: on a day with an applied plan (``PlannedVisit`` rows) the move queues a
:class:`DayReplan` row in its transaction and the background worker computes it with the routing core's
:func:`~doorstep.dispatch.routing.replan` — visits already under way and every confirmed time fixed
(R-AR-5, R-DI-3). The board shows the result: what moved and why ("计划调整"), and the customers whose
confirmed time would change ("需致电客户", R-DI-8). Nothing is changed silently: the dispatcher adopts the
moves of unconfirmed visits, and a confirmed appointment changes only through the reschedule move
(R-DI-8) logged with the call to the customer.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils.translation import gettext as _

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.daymodel import DayModel, build_day, midnight, order_location
from doorstep.dispatch.models import DayReplan, Leave, PlannedVisit
from doorstep.dispatch.routing import Event, Plan, Problem, Route, Stop, Unassigned, Visit, replan
from doorstep.dispatch.selectors import UNDER_WAY, board_outlets
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Technician
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder

log = logging.getLogger(__name__)
Kind = DayReplan.Kind


def planned_day(outlet_id: int, day: date) -> bool:
    """The outlet's day has an applied plan (visits with planned times)."""
    start = midnight(day)
    return PlannedVisit.objects.filter(
        technician__staff__outlet_id=outlet_id, start_at__gte=start, start_at__lt=start + timedelta(days=1)
    ).exists()


def replan_request(
    *,
    outlet_id: int,
    day: date,
    kind: str,
    order: WorkOrder | None = None,
    technician_id: int | None = None,
    trigger: dict[str, Any] | None = None,
) -> DayReplan | None:
    """Queue a re-plan of a planned day for the worker (after the event's transaction commits); only
    live days (today) are re-planned, and only when a plan was applied."""
    if day != clock.today() or not planned_day(outlet_id, day):
        return None
    row = DayReplan.objects.create(
        outlet_id=outlet_id,
        day=day,
        kind=kind,
        order=order,
        technician_id=technician_id,
        trigger=trigger or {},
        created_at=clock.now(),
    )
    transaction.on_commit(lambda: _enqueue(row.pk))
    return row


def leave_saved(sender: type[Leave], instance: Leave, created: bool, **kwargs: Any) -> None:
    """A technician goes home sick (sick leave from now on today): their planned day is re-planned."""
    if not created or instance.kind != Leave.Kind.SICK:
        return
    now = clock.now()
    if not instance.starts_at <= now + timedelta(minutes=5) or instance.ends_at <= now:
        return
    tech = Technician.objects.select_related("staff").filter(pk=instance.technician_id).first()
    if tech is None or tech.staff.outlet_id is None:
        return
    replan_request(outlet_id=tech.staff.outlet_id, day=clock.today(), kind=Kind.SICK, technician_id=tech.pk)


def _enqueue(replan_id: int) -> None:
    try:
        replan_day.enqueue(replan_id)
    except Exception:  # the row stays queued; the board shows it
        log.exception("could not enqueue re-plan %s", replan_id)


@task()
def replan_day(replan_id: int) -> str:
    return replan_execute(replan_id=replan_id)


# --- the worker's part ---------------------------------------------------------------------------------
def replan_execute(*, replan_id: int) -> str:
    """Claim a queued re-plan (compare-and-set), re-plan the affected technicians, store the changes."""
    # a re-plan takes well under a second: one still RUNNING past the plan lease lost its worker, and
    # the worker's reclaimed task row runs it again
    lease = clock.now() - timedelta(seconds=settings.DOORSTEP_PLAN_LEASE_SECONDS)
    claimed = (
        DayReplan.objects.filter(pk=replan_id)
        .filter(Q(state=DayReplan.State.QUEUED) | Q(state=DayReplan.State.RUNNING, created_at__lt=lease))
        .update(state=DayReplan.State.RUNNING)
    )
    if not claimed:
        return "not-queued"
    row = DayReplan.objects.select_related("outlet", "order").get(pk=replan_id)
    try:
        now = clock.now()
        model = build_day(row.outlet, row.day, now=midnight(row.day))  # the whole day; ``now`` fixes parts
        problem, plan, confirmed, event = live_day(model, row, now)
        result = replan(problem, plan, event, model.secs(now), confirmed)
        moves = [_change_json(model, row, c, str(c.visit_id) in confirmed) for c in result.moved]
        calls = [_change_json(model, row, c, True) for c in result.to_call]
        DayReplan.objects.filter(pk=row.pk).update(
            moves=[m for m in moves if m],
            to_call=[c for c in calls if c],
            technicians=[_tech_name(model, t) for t in result.technicians if t in model.techs],
            state=DayReplan.State.DONE,
            finished_at=clock.now(),
        )
    except Exception as exc:
        log.exception("re-plan %s failed", replan_id)
        DayReplan.objects.filter(pk=row.pk).update(
            state=DayReplan.State.FAILED, error=str(exc)[:300], finished_at=clock.now()
        )
        return "failed"
    return "done"


def live_day(model: DayModel, row: DayReplan, now: datetime) -> tuple[Problem, Plan, dict[str, int], Event]:
    """The day as planned (routes from the applied plan and the confirmed times), and the event.

    Promised visits may move inside their booked window (their confirmed time is kept by the re-plan
    unless no affected technician can keep it: then the customer is called, R-DI-8); visits under way
    are fixed stops (their departure lies before ``now``)."""
    p = model.problem
    confirmed: dict[str, int] = {}
    visits: list[Visit] = []
    for v in p.visits:
        order = model.orders[v.id]
        if v.id in model.promised and order.window_start is not None:
            confirmed[v.id] = v.window_start
            ws = model.secs(order.window_start)
            we = model.secs(order.window_end) if order.window_end else ws
            if ws <= v.window_start <= we:
                v = replace(v, window_start=ws, window_end=we)
        visits.append(v)
    stops: dict[str, list[Stop]] = {}
    _under_way(model, now, visits, stops)
    planned = {
        str(pv.order_id): pv
        for pv in PlannedVisit.objects.filter(order_id__in=[int(k) for k in model.orders])
    }
    fixed = {s.visit_id for seq in stops.values() for s in seq}
    for v in visits:
        held = model.orders.get(v.id)
        tid = str(held.technician_id) if held is not None and held.technician_id else ""
        pv = planned.get(v.id)
        if tid not in model.techs or v.id in fixed or (pv is None and v.id not in confirmed):
            continue
        start = model.secs(pv.start_at) if pv is not None else confirmed[v.id]
        arrive = model.secs(pv.arrive_at) if pv is not None else start
        depart = model.secs(pv.depart_at) if pv is not None else start
        stops.setdefault(tid, []).append(Stop(v.id, depart, arrive, start, start + v.service))
    event = _event(model, row, visits, stops)
    if event.kind == "sick":
        visits = [replace(v, pinned_to=None) if v.pinned_to == event.technician_id else v for v in visits]
    problem = Problem(p.technicians, visits, p.travel, p.early_margin, True, p.name)
    routes = []
    for tid, seq in stops.items():
        seq.sort(key=lambda s: s.start)
        routes.append(Route(tid, seq, seq[0].departure, seq[-1].end))
    routed = {s.visit_id for seq in stops.values() for s in seq}
    loose = [Unassigned(v.id, "not planned") for v in visits if v.id not in routed]
    return problem, Plan(routes, loose, "board"), confirmed, event


def _under_way(model: DayModel, now: datetime, visits: list[Visit], stops: dict[str, list[Stop]]) -> None:
    """Visits the technicians have set off for or are serving: fixed stops of their routes."""
    start = midnight(model.day)
    rows = WorkOrder.objects.filter(
        technician_id__in=[int(t) for t in model.techs],
        status__in=UNDER_WAY,
        window_start__gte=start,
        window_start__lt=start + timedelta(days=1),
    ).select_related("address")
    secs_now = model.secs(now)
    for order in rows:
        where, appointment = order_location(order), appointment_of(order)
        if where is None or appointment is None:
            continue
        vid, s = str(order.pk), model.secs(appointment)
        service = model.policy.service_minutes(order.service_type) * 60
        visits.append(Visit(vid, where, s, s, service, pinned_to=str(order.technician_id)))
        stops.setdefault(str(order.technician_id), []).append(
            Stop(vid, min(s, secs_now) - 1, s, s, s + service)
        )
        model.orders[vid] = order


def _event(model: DayModel, row: DayReplan, visits: list[Visit], stops: dict[str, list[Stop]]) -> Event:
    vid = str(row.order_id) if row.order_id else None
    t = row.trigger or {}
    if row.kind == Kind.URGENT:
        new = next((v for v in visits if v.id == vid), None)
        if new is not None:
            visits.remove(new)
            for seq in stops.values():
                seq[:] = [s for s in seq if s.visit_id != vid]
            new = replace(new, pinned_to=None)
        return Event("urgent", visit=new)
    if row.kind == Kind.CANCEL and vid and t.get("technician") and row.order is not None:
        # the cancelled visit left the day's rows with the move: put it back as it was planned
        where = order_location(row.order)
        s, e = model.secs(datetime.fromisoformat(t["start"])), model.secs(datetime.fromisoformat(t["end"]))
        if where is not None and str(t["technician"]) in model.techs and vid not in model.orders:
            visits.append(Visit(vid, where, s, s, max(60, e - s), pinned_to=str(t["technician"])))
            dep = model.secs(datetime.fromisoformat(t["depart"]))
            arr = model.secs(datetime.fromisoformat(t["arrive"]))
            stops.setdefault(str(t["technician"]), []).append(Stop(vid, dep, arr, s, e))
            model.orders[vid] = row.order
        return Event("cancel", visit_id=vid)
    if row.kind == Kind.OVERRUN:
        return Event("overrun", visit_id=vid, seconds=int(t.get("seconds", 0)))
    return Event("sick", technician_id=str(row.technician_id) if row.technician_id else None)


def _tech_name(model: DayModel, tid: str | None) -> str:
    return model.techs[tid].staff.name if tid and tid in model.techs else ""


def _change_json(model: DayModel, row: DayReplan, change: Any, confirmed: bool) -> dict[str, Any] | None:
    order = model.orders.get(change.visit_id)
    if order is None:
        return None
    what = (
        _("当天无法安排")
        if change.new_start is None
        else (_("换工程师") if change.old_technician != change.new_technician else _("调整时间"))
    )
    cause = row.get_kind_display() + (f" {row.order.number}" if row.order is not None else "")
    at = lambda s: model.at(s).isoformat() if s is not None else ""  # noqa: E731
    return {
        "order": order.pk,
        "number": order.number,
        "district": order.address.district,
        "from_id": int(change.old_technician) if change.old_technician else None,
        "to_id": int(change.new_technician) if change.new_technician else None,
        "from": _tech_name(model, change.old_technician),
        "to": _tech_name(model, change.new_technician),
        "old": at(change.old_start),
        "new": at(change.new_start),
        "reason": f"{cause}：{what}",
        "confirmed": confirmed,
        "called": "",
    }


# --- the dispatcher's part -------------------------------------------------------------------------------
def day_replans(outlet: Outlet, day: date) -> tuple[DayReplan | None, list[tuple[int, dict[str, Any]]]]:
    """The board's panel: the latest re-plan of the day, and every customer still to call (R-DI-8) —
    from it and from earlier re-plans of the day (the newest entry per order), so a later event never
    hides a call owed. One query."""
    rows = list(DayReplan.objects.filter(outlet=outlet, day=day).select_related("order")[:20])
    calls: dict[str, tuple[int, dict[str, Any]]] = {}
    for row in rows:
        if row.state not in (DayReplan.State.DONE, DayReplan.State.APPLIED):
            continue
        for entry in row.to_call:
            calls.setdefault(entry["number"], (row.pk, entry))
    return (rows[0] if rows else None), list(calls.values())


def _mine(row: DayReplan, actor: Actor) -> None:
    if actor.staff is None or not board_outlets(actor).filter(pk=row.outlet_id).exists():
        raise Forbidden(ErrorCode.NOT_YOUR_OUTLET)


def replan_apply(*, row: DayReplan, actor: Actor) -> int:
    """Adopt the moves: technician (an ``assign`` move with the event as its reason, R-AN-4) and planned
    times. A confirmed time that would change is not touched here (R-DI-8: only with the call); a
    confirmed visit that keeps its time may change technician (a sick technician's day)."""
    from doorstep.orders.services import order_transition

    _mine(row, actor)
    if row.state != DayReplan.State.DONE:
        raise DomainError(ErrorCode.PLAN_NOT_READY)
    changed = 0
    to_call = {c["number"] for c in row.to_call}
    with transaction.atomic():
        for move in row.moves:
            if move["number"] in to_call:  # R-DI-8: only through the call (replan_call)
                continue
            order = WorkOrder.objects.get(pk=move["order"])
            if not move["new"]:
                PlannedVisit.objects.filter(order=order).delete()
                changed += 1
                continue
            tech = Technician.objects.get(pk=move["to_id"])
            if order.technician_id != tech.pk:
                reason = "" if order.status == Status.DISPATCHED else move["reason"]
                order = order_transition(
                    order=order, actor=actor, action="assign", reason=reason, params={"technician": tech.pk}
                )
            _plan_at(order, tech, datetime.fromisoformat(move["new"]))
            changed += 1
        DayReplan.objects.filter(pk=row.pk).update(state=DayReplan.State.APPLIED)
    return changed


def _plan_at(order: WorkOrder, tech: Technician, start: datetime) -> None:
    row = PlannedVisit.objects.filter(order=order).first()
    shift = start - row.start_at if row is not None else timedelta(0)
    PlannedVisit.objects.update_or_create(
        order=order,
        defaults={
            "technician": tech,
            "sequence": row.sequence if row is not None else 99,
            "proposed": order.appointment_at is None and order.window_start is None,
            "start_at": start,
            "arrive_at": (row.arrive_at + shift) if row is not None else start,
            "depart_at": (row.depart_at + shift) if row is not None else start,
        },
    )


def replan_call(*, row: DayReplan, number: str, actor: Actor, note: str, agreed: bool) -> WorkOrder:
    """R-DI-8: the dispatcher called the customer whose confirmed time would change. The call is logged
    as the company's reschedule (its reason; the notice and any breach counted by the R-DI-8 guard); when
    the customer agreed the new time on the call, it is confirmed (R-DI-3), else the order waits for the
    customer's confirmation (改约待确认)."""
    from doorstep.orders.services import order_transition

    _mine(row, actor)
    entry = next((c for c in row.to_call if c["number"] == number), None)
    if entry is None or entry["called"]:
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    if not note.strip():
        raise Invalid(ErrorCode.CALL_NOTE_REQUIRED, field="note")
    order = WorkOrder.objects.get(pk=entry["order"])
    new = datetime.fromisoformat(entry["new"]) if entry["new"] else None
    with transaction.atomic():
        start = order.window_start
        if start is None or start < clock.now():
            start = new or clock.now()
        end = (
            order.window_end if order.window_end and order.window_end > start else start + timedelta(hours=2)
        )
        order = order_transition(
            order=order,
            actor=actor,
            action="reschedule",
            reason=_("计划调整（%(why)s），已致电客户：%(note)s")
            % {"why": entry["reason"], "note": note.strip()},
            params={"window_start": start, "window_end": end},
        )
        if agreed and new is not None:
            order = order_transition(
                order=order, actor=actor, action="confirm_appointment", params={"appointment_at": new}
            )
            if order.technician is not None:
                _plan_at(order, order.technician, new)
        locked = DayReplan.objects.select_for_update().get(pk=row.pk)
        for c in locked.to_call:
            if c["number"] == number:
                c["called"] = clock.local(clock.now()).isoformat()  # local: the panel shows its hour
        locked.save(update_fields=["to_call"])
    return order
