"""Writes of dispatch: outlet routing and acceptance (R-DI-1), board moves (R-DI-2, R-AN-4), the
call-before-late deadline and at-risk proposals (R-AR-5, R-DI-9), escalation of a fault the technician
cannot fix (R-AN-5). Status changes always go through ``order_transition``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.core.punctuality import Lateness, appointment_of, assess_with, late_call_window
from doorstep.dispatch.models import DeadlineState, LateCall, OutletOffer
from doorstep.dispatch.selectors import DONE_TODAY, outlet_suggestions
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Technician
from doorstep.network.policy import policy_of
from doorstep.network.roles import OUTLET, Role
from doorstep.orders.deadlines import deadline_act, deadline_meet, deadline_open
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder
from doorstep.orders.selectors import order_is_visible_to
from doorstep.orders.services import order_lock, order_transition

log = logging.getLogger(__name__)
LIVE = (DeadlineState.OPEN, DeadlineState.OVERDUE)


def _visible(order: WorkOrder, actor: Actor) -> None:
    if not order_is_visible_to(order, actor):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)


# --- outlets (R-DI-1) ----------------------------------------------------------------------------------
def order_route_to_outlet(*, order: WorkOrder, actor: Actor) -> WorkOrder:
    """Dispatch to the best outlet: covers the district, holds the brand, least load per technician.

    When every covering outlet has declined (or is the current one that did not accept in time), the
    least-loaded other authorised outlet takes it, and the reason says so (R-DI-1: 转派).
    """
    _visible(order, actor)
    suggestions = outlet_suggestions(order)
    if not any(info["covers"] for _o, info in suggestions):
        raise DomainError(
            ErrorCode.NO_OUTLET_COVERS,
            district=order.address.district,
        )
    ranked = [(o, info) for o, info in suggestions if not info["declined"] and not info["current"]]
    if not ranked:
        raise DomainError(ErrorCode.NO_OUTLET_LEFT)
    outlet, info = ranked[0]
    reason = (
        _("按覆盖区域、品牌授权和负荷自动选择网点（R-DI-1）")
        if info["covers"]
        else _("覆盖网点未能接单，转至负荷最低的相邻网点（R-DI-1）")
    )
    action = "transfer" if order.status == Status.DISPATCHED else "dispatch"
    return order_transition(
        order=order,
        actor=actor,
        action=action,
        reason=str(reason) if action == "transfer" else "",
        params={"outlet": outlet.pk, "routing": str(reason)},
    )


def offer_open(*, order: WorkOrder, outlet: Outlet) -> OutletOffer:
    """The outlet must accept within the brand's time or the order goes back to the centre (R-DI-1)."""
    now = clock.now()
    offers_close(order=order, outcome="transferred")
    offer = OutletOffer.objects.create(order=order, outlet=outlet, offered_at=now)
    offer.deadline = deadline_open(
        order=order,
        kind=Deadline.Kind.OUTLET_ACCEPT,
        due_at=now + timedelta(minutes=policy_of(order).outlet_accept_minutes),
        owner=None,
        ref=f"dispatch.OutletOffer:{offer.pk}",
    )
    offer.save(update_fields=["deadline"])
    return offer


def offers_close(*, order: WorkOrder, outcome: str) -> int:
    """The offer ends (accepted, declined, transferred, cancelled): its clock is met or withdrawn."""
    live = OutletOffer.objects.filter(order=order, deadline__state__in=LIVE)
    ids = list(live.values_list("deadline_id", flat=True))
    closed = live.update(closed_at=clock.now(), outcome=outcome)
    if outcome == "accepted":
        Deadline.objects.filter(pk__in=ids).update(state=DeadlineState.MET, met_at=clock.now())
    else:
        Deadline.objects.filter(pk__in=ids).update(state=DeadlineState.CANCELLED)
    return closed


def outlet_accept(*, order: WorkOrder, actor: Actor) -> OutletOffer:
    """The outlet takes the order (before assigning a technician); on the record."""
    _visible(order, actor)
    if actor.role not in OUTLET or order.status != Status.DISPATCHED:
        raise Forbidden(ErrorCode.CANNOT_ACCEPT)
    offer = (
        OutletOffer.objects.select_related("deadline")
        .filter(order=order, outlet=order.outlet)
        .order_by("-offered_at")
        .first()
    )
    if offer is None or offer.state not in LIVE:
        raise DomainError(ErrorCode.NO_OPEN_OFFER)
    with transaction.atomic():
        order_lock(order)  # concurrent accepts queue here; the first closes the offer
        if offers_close(order=order, outcome="accepted") == 0:
            raise Conflict(ErrorCode.NO_OPEN_OFFER)
        EventKind.OUTLET_ACCEPTED.record(
            order=order,
            actor=actor,
            rule="R-DI-1",
            customer_visible=False,
            data={"outlet": order.outlet_id, "late": offer.state == DeadlineState.OVERDUE},
        )
    return OutletOffer.objects.select_related("deadline").get(pk=offer.pk)


def offer_overdue(deadline: Deadline) -> str | None:
    """R-DI-1 (the action of an ``outlet_accept`` deadline): not accepted in time — the centre is told at once
    (on the record, in its queue)."""
    offer = OutletOffer.objects.select_related("order", "outlet").filter(deadline=deadline).first()
    if offer is None:
        return DeadlineState.CANCELLED
    OutletOffer.objects.filter(pk=offer.pk).update(outcome="timeout")
    EventKind.OUTLET_ACCEPT_TIMEOUT.record(
        order=offer.order,
        actor=Actor.system(),
        rule="R-DI-1",
        customer_visible=False,
        data={
            "outlet": offer.outlet_id,
            "outlet_name": offer.outlet.name,
            "due_at": deadline.due_at.isoformat(),
        },
    )
    return None


def offer_expire(*, offer_id: int) -> bool:
    """Act on the offer's clock if it is due (the sweep does the same). Idempotent."""
    deadline_id = OutletOffer.objects.filter(pk=offer_id).values_list("deadline_id", flat=True).first()
    return deadline_id is not None and deadline_act(deadline_id=deadline_id)


# --- board moves (R-DI-2, R-AN-4) ------------------------------------------------------------------------
def board_assign(*, order: WorkOrder, actor: Actor, technician_id: int, reason: str = "") -> WorkOrder:
    """Assign or move a visit to a technician; moving needs a reason (R-AN-4)."""
    _visible(order, actor)
    if order.technician_id == technician_id:
        raise Invalid(ErrorCode.SAME_TECHNICIAN, field="technician")
    return order_transition(
        order=order, actor=actor, action="assign", reason=reason, params={"technician": technician_id}
    )


def board_dispatch(*, order: WorkOrder, actor: Actor, outlet_id: int, reason: str = "") -> WorkOrder:
    _visible(order, actor)
    action = "transfer" if order.status in (Status.DISPATCHED, Status.ASSIGNED) else "dispatch"
    return order_transition(
        order=order, actor=actor, action=action, reason=reason, params={"outlet": outlet_id}
    )


# --- the call before being late (R-AR-5) and the at-risk proposal (R-DI-9) ------------------------------
def late_call_bounds(order: WorkOrder) -> tuple[datetime, datetime] | None:
    """R-AR-5: the window the late call must fall in, [appointment − 2 min, appointment − 1 min] by default
    (both ends inclusive, policy numbers), counted from the appointment time; None without one."""
    appointment = appointment_of(order)
    if appointment is None:
        return None
    policy = policy_of(order)
    return late_call_window(
        appointment,
        earliest_minutes=policy.late_call_before_minutes,
        latest_minutes=policy.late_call_latest_minutes,
    )


def late_call_made_in_window(order: WorkOrder) -> bool:
    """R-AR-5: a call before being late was recorded inside the window of the current appointment."""
    bounds = late_call_bounds(order)
    return bounds is not None and order.pk in late_calls_made({order.pk: bounds})


def late_calls_made(windows: dict[int, tuple[datetime, datetime]]) -> set[int]:
    """R-AR-5: the orders (of ``windows``: order pk → its late-call window) with a call before being late
    recorded inside their window; one query for any number of orders."""
    if not windows:
        return set()
    made = set()
    events = OrderEvent.objects.filter(order_id__in=list(windows), kind=EventKind.LATE_CALL)
    for order_id, data, at in events.values_list("order_id", "data", "at"):
        called = parse_datetime(str((data or {}).get("called_at") or "")) or at
        lo, hi = windows[order_id]
        if lo <= called <= hi:
            made.add(order_id)
    return made


def late_call_open(*, order: WorkOrder, eta: datetime, suggestions: list[Technician]) -> LateCall | None:
    """Open the call-before-late deadline for a visit at risk, once; put the proposal on the record (the
    log of the prompt the technician's app shows)."""
    appointment = appointment_of(order)
    assert appointment is not None and order.technician is not None
    if LateCall.objects.filter(order=order, deadline__state__in=LIVE).exists():
        return None
    policy = policy_of(order)
    late = LateCall.objects.create(order=order, technician=order.technician, eta=eta, created_at=clock.now())
    late.deadline = _late_call_clock(late)
    late.save(update_fields=["deadline"])
    EventKind.VISIT_AT_RISK.record(
        order=order,
        actor=Actor.system(),
        rule="R-DI-9",
        customer_visible=False,
        data={
            "eta": eta.isoformat(),
            "appointment_at": appointment.isoformat(),
            "late_minutes": assess_with(policy, appointment, eta).late_minutes,
            "call_from": late.deadline.not_before.isoformat() if late.deadline.not_before else "",
            "call_due": late.deadline.due_at.isoformat(),
            "proposal": "replan_or_reassign",
            "suggested_technicians": [{"id": t.pk, "name": t.staff.name} for t in suggestions[:3]],
        },
    )
    return late


def _late_call_clock(late: LateCall) -> Deadline:
    """The late call's clock: open from the window's start (``not_before``), due at its end (R-AR-5)."""
    bounds = late_call_bounds(late.order)
    lo, hi = bounds if bounds is not None else (clock.now(), clock.now())
    return deadline_open(
        order=late.order,
        kind=Deadline.Kind.LATE_CALL,
        due_at=hi,
        not_before=lo,
        owner=late.technician.staff,
        ref=f"dispatch.LateCall:{late.pk}",
    )


CALLABLE = (Status.ASSIGNED, Status.CONFIRMED, Status.EN_ROUTE)


def late_call_record(
    *,
    order: WorkOrder,
    actor: Actor,
    note: str,
    new_eta: datetime | None = None,
    at: datetime | None = None,
    expected_minutes: int | None = None,
) -> LateCall:
    """The technician called the customer to apologise before being late (R-AR-5), at ``at`` (the one clock
    of field actions; now by default). Only a call inside [appointment − 2 min, appointment − 1 min] meets
    the late call's deadline; one outside it is on the record as such (``in_window`` false)."""
    _visible(order, actor)
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        raise Forbidden(ErrorCode.NOT_YOUR_VISIT)
    if order.status not in CALLABLE:
        raise DomainError(ErrorCode.STEP_NOT_NOW, current=Status(order.status).label)
    if not note.strip():
        raise Invalid(ErrorCode.CALL_NOTE_REQUIRED, field="note")
    called = at or clock.now()
    with transaction.atomic():
        late = (
            LateCall.objects.select_related("deadline").filter(order=order, deadline__state__in=LIVE).first()
        )
        if late is None:
            if order.technician is None:
                raise DomainError(ErrorCode.NO_TECHNICIAN)
            late = LateCall.objects.create(order=order, technician=order.technician, created_at=clock.now())
            late.deadline = _late_call_clock(late)
        bounds = late_call_bounds(order)
        in_window = bounds is not None and bounds[0] <= called <= bounds[1]
        late.met_at, late.note = called, note.strip()[:200]
        late.eta = new_eta or late.eta
        late.save()
        if in_window:
            deadline_meet(late.deadline)
        data: dict[str, Any] = {
            "note": late.note,
            "called_at": called.isoformat(),
            "eta": late.eta.isoformat() if late.eta else "",
            "in_window": in_window,
        }
        if bounds is not None:
            data.update(window=[bounds[0].isoformat(), bounds[1].isoformat()])
        if expected_minutes is not None:
            data["expected_minutes"] = expected_minutes
        EventKind.LATE_CALL.record(order=order, actor=actor, rule="R-AR-5", data=data)
    return LateCall.objects.select_related("deadline").get(pk=late.pk)


def late_call_overdue(deadline: Deadline) -> str | None:
    """R-AR-5 (the action of a ``late_call`` deadline): the window closed without a call — the row stays
    overdue for its owner; arrived by then — the call was not needed. Whether it was a *breach* is decided
    at the arrival: a late arrival without a call in the window (``late_calls_arrive``)."""
    late = LateCall.objects.select_related("order").filter(deadline=deadline).first()
    if late is None or late.order.events.filter(kind=EventKind.ARRIVE, at__lte=deadline.due_at).exists():
        return DeadlineState.CANCELLED  # arrived by the call's due time: the call was not needed
    return None


def late_call_fire(*, late_call_id: int) -> bool:
    """Act on the late call's clock if it is due and still open (R-AR-5). Idempotent; True when the call
    was missed (overdue)."""
    deadline_id = LateCall.objects.filter(pk=late_call_id).values_list("deadline_id", flat=True).first()
    if not deadline_id or not deadline_act(deadline_id=deadline_id):
        return False
    return Deadline.objects.filter(pk=deadline_id, state=DeadlineState.OVERDUE).exists()


def late_calls_arrive(*, order: WorkOrder, arrival: dict[str, Any] | None = None) -> bool:
    """R-AR-5 on arrival (``arrival``: what the ARRIVE event recorded). On time: no call was needed, its
    clock is withdrawn. Late with a call in the window: met. Late without one: a call breach, on the record
    (``late_call_overdue``) and the clock left overdue. Returns True on a breach."""
    arrival = arrival or {}
    live = Deadline.objects.filter(order=order, kind=Deadline.Kind.LATE_CALL, state__in=LIVE)
    if arrival.get("lateness", Lateness.ON_TIME) == Lateness.ON_TIME:
        live.update(state=DeadlineState.CANCELLED)
        return False
    if arrival.get("late_call") == "in_window":
        return False
    live.update(state=DeadlineState.OVERDUE, overdue_at=clock.now())
    EventKind.LATE_CALL_OVERDUE.record(
        order=order,
        actor=Actor.system(),
        rule="R-AR-5",
        customer_visible=False,
        data={
            "breach": True,
            "technician": order.technician.staff.name if order.technician else "",
            "appointment_at": str(arrival.get("appointment_at", "")),
            "late_seconds": arrival.get("late_seconds", 0),
        },
    )
    return True


def late_calls_close(*, order: WorkOrder, arrived_at: datetime | None = None) -> int:
    """Rescheduled, re-timed or cancelled: the open late-call deadline is no longer needed."""
    ids = LateCall.objects.filter(order=order, deadline__state=DeadlineState.OPEN).values_list(
        "deadline_id", flat=True
    )
    return Deadline.objects.filter(pk__in=list(ids)).update(state=DeadlineState.CANCELLED)


# --- R-DI-9: re-checking a technician's day at a time (a ``risk_check`` deadline) ---------------------------
def risk_check_open(
    *, due_at: datetime, order: WorkOrder | None = None, technician_id: int | None = None
) -> Deadline:
    """Re-compute this technician's ETAs at ``due_at`` (before an appointment, after an overrun, R-DI-9).

    The technician is ``technician_id`` or else the order's; the check is a row the sweep acts on once.
    """
    tech = technician_id or (order.technician_id if order is not None else None)
    if tech is None:
        raise DomainError(ErrorCode.NO_TECHNICIAN)
    return deadline_open(
        order=order,
        kind=Deadline.Kind.RISK_CHECK,
        due_at=due_at,
        owner=None,
        ref=f"network.Technician:{tech}",
    )


def risk_check_due(deadline: Deadline) -> str | None:
    """The action of a ``risk_check`` deadline: scan the technician's day now (R-DI-9); done, not overdue."""
    tech = Technician.objects.filter(pk=int(deadline.ref.rpartition(":")[2] or 0)).first()
    if tech is not None:
        risk_scan(technician=tech)
    return DeadlineState.MET


def risk_scan(*, technician: Technician, now: datetime | None = None) -> list[LateCall]:
    """Re-compute the technician's ETAs; every visit now at risk gets its deadline and proposal."""
    from doorstep.dispatch.risk import at_risk
    from doorstep.dispatch.slots import technicians_free_at
    from doorstep.dispatch.techday import technician_etas

    opened = []
    for eta in at_risk(technician_etas(technician, now)):
        order = eta.order
        with transaction.atomic():
            if LateCall.objects.filter(order=order, deadline__state__in=LIVE).exists():
                continue
            assert order.window_start is not None
            free = technicians_free_at(order, order.window_start, exclude=technician.pk)
            late = late_call_open(order=order, eta=eta.eta, suggestions=free)
        if late is not None:
            opened.append(late)
    return opened


# --- a fault this technician cannot fix (R-AN-5) ---------------------------------------------------------
ESCALATION_LEVELS = {
    "reassign": _("改派其他工程师"),
    "senior": _("网点高级工程师"),
    "supervisor": _("服务中心技术主管"),
    "hq": _("总部技术支持"),
}


def fault_escalate(*, order: WorkOrder, actor: Actor, level: str, reason: str) -> dict[str, Any]:
    """Record the escalation and, for a reassignment, propose technicians who have fixed this model."""
    _visible(order, actor)
    if level not in ESCALATION_LEVELS:
        raise Invalid(ErrorCode.LEVEL_INVALID, field="level")
    if not reason.strip():
        raise Invalid(ErrorCode.REASON_REQUIRED, action=_("无法处理"), field="reason")
    suggestions = senior_suggestions(order)
    data = {
        "level": level,
        "level_label": str(ESCALATION_LEVELS[level]),
        "reason": reason.strip()[:300],
        "suggested_technicians": [{"id": t.pk, "name": t.staff.name, "fixed": n} for t, n in suggestions[:3]],
    }
    EventKind.FAULT_ESCALATED.record(
        order=order, actor=actor, rule="R-AN-5", customer_visible=False, data=data
    )
    return data


def senior_suggestions(order: WorkOrder) -> list[tuple[Technician, int]]:
    """Other eligible technicians of the outlet, by how often they fixed this model, then by star level."""
    from doorstep.dispatch.eligibility import technician_ineligibility

    if order.outlet_id is None:
        return []
    model_id = order.product.model_id if order.product else None
    on = clock.local(clock.now()).date()
    out = []
    for tech in Technician.objects.filter(staff__outlet_id=order.outlet_id).exclude(
        pk=order.technician_id or 0
    ):
        if technician_ineligibility(order=order, technician=tech, on=on):
            continue
        fixed = (
            tech.orders.filter(product__model_id=model_id, status__in=DONE_TODAY).count() if model_id else 0
        )
        out.append((tech, fixed))
    return sorted(out, key=lambda tn: (-tn[1], -tn[0].star_level, tn[0].pk))
