"""The order core's own rules of the lifecycle moves (declared in ``RULES``, read by the rulebook).

Guards check the move's input and set the order's fields; effects open, meet and cancel the order's
deadlines. The capabilities add theirs in their own ``moves`` modules (dispatch, visits, quality).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.network.models import Outlet
from doorstep.network.policy import policy_of
from doorstep.network.roles import Role
from doorstep.orders import deadlines
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.rulebook import ALL_ACTIONS, MoveContext, Rule, effect, guard

A, S = Action, Status
Data = dict[str, Any] | None


# --- guards: the move's input ---------------------------------------------------------------------------
def params_recorded(ctx: MoveContext) -> Data:
    """What the actor entered for the move is kept on its event (一票到底)."""
    return {k: v for k, v in ctx.params.items() if v not in (None, "", [], {})}


def first_agent_owns(ctx: MoveContext) -> Data:
    """The first agent to act on an order owns it and its deadlines (首问负责)."""
    if ctx.order.owner_id is None and ctx.actor.role == Role.AGENT:
        ctx.updates["owner"] = ctx.actor.staff
    return None


def cancel_reason_kept(ctx: MoveContext) -> Data:
    """A cancelled order keeps the reason it was cancelled for."""
    ctx.updates["cancel_reason"] = ctx.reason
    return None


def missing_items_listed(ctx: MoveContext) -> Data:
    """An incomplete order lists the exact items to verify, each with its field and reason."""
    missing = [_missing_item(m) for m in ctx.param("missing") or [] if m]
    missing = [m for m in missing if m["zh"]]
    if not missing:
        raise Invalid(ErrorCode.MISSING_ITEMS_REQUIRED, field="missing")
    ctx.updates["missing_items"] = missing
    return {"missing": missing}


def _missing_item(item: Any) -> dict[str, Any]:
    """One item: field, code, reason in Chinese and English; an intake problem (R-IN-2) also keeps its
    suggested fix and the choices that settle it (e.g. the cities that have a 朝阳区)."""
    if isinstance(item, dict):
        out: dict[str, Any] = {k: str(item.get(k, "")) for k in ("field", "code", "zh", "en")}
        for key in ("fix", "fix_en"):
            if item.get(key):
                out[key] = str(item[key])
        if item.get("suggestions"):
            out["suggestions"] = [str(s) for s in item["suggestions"]][:20]
        return out
    text = str(item).strip()
    return {"field": "", "code": "manual", "zh": text, "en": text}


def verified_by_recorded(ctx: MoveContext) -> Data:
    """The information is complete only when its problems are settled: each corrected, or confirmed as
    correct as given with who and how (``orders.correction``). Saying "verified" settles nothing."""
    open_items = [m for m in ctx.order.missing_items if m]
    if open_items:
        raise DomainError(
            ErrorCode.INFO_PROBLEMS_OPEN,
            items="；".join(str(m.get("zh") or m.get("code") or "") for m in open_items),
        )
    return {"verified": ctx.param("verified") or {}, "verified_by": ctx.actor.name}


def phone_answer_recorded(ctx: MoveContext) -> Data:
    """A problem solved by phone records the guidance given."""
    answer = str(ctx.param("answer") or "").strip()
    if not answer:
        raise Invalid(ErrorCode.ANSWER_REQUIRED, field="answer")
    return {"answer": answer}


def _outlet_param(order: WorkOrder, p: dict[str, Any]) -> Outlet:
    outlet_id = p.get("outlet")
    if not outlet_id:
        raise Invalid(ErrorCode.OUTLET_REQUIRED, field="outlet")
    outlet = Outlet.objects.filter(pk=outlet_id, centre=order.centre).first()
    if outlet is None:
        raise Invalid(ErrorCode.OUTLET_UNKNOWN, field="outlet", id=outlet_id)
    if not outlet.active or not outlet.brands.filter(pk=order.brand_id).exists():
        raise DomainError(ErrorCode.OUTLET_NOT_AUTHORISED, field="outlet", name=outlet.name)
    return outlet


def outlet_authorised(ctx: MoveContext) -> Data:
    """The outlet is the centre's, active and authorised for the brand; not one that declined it."""
    order = ctx.order
    outlet = _outlet_param(order, ctx.params)
    if order.status == Status.TRANSFERRED:
        declined = order.events.filter(kind=EventKind.DECLINE).values_list("data__outlet", flat=True)
        if outlet.pk in set(declined):
            raise DomainError(ErrorCode.OUTLET_DECLINED, field="outlet")
    ctx.updates["outlet"] = outlet
    return {"outlet": outlet.pk, "outlet_name": outlet.name}


def declined_outlet_released(ctx: MoveContext) -> Data:
    """A declined order leaves the outlet and its technician."""
    order = ctx.order
    assert order.outlet is not None
    ctx.updates.update(outlet=None, technician=None)
    return {"outlet": order.outlet_id, "outlet_name": order.outlet.name}


def transfer_to_another_outlet(ctx: MoveContext) -> Data:
    """A transfer goes to another authorised outlet; technician and appointment are dropped."""
    order = ctx.order
    outlet = _outlet_param(order, ctx.params)
    if outlet.pk == order.outlet_id:
        raise Invalid(ErrorCode.SAME_OUTLET, field="outlet")
    ctx.updates.update(
        outlet=outlet, technician=None, window_start=None, window_end=None, appointment_at=None
    )
    return {"from_outlet": order.outlet_id, "outlet": outlet.pk, "outlet_name": outlet.name}


def _window(p: dict[str, Any]) -> tuple[datetime, datetime]:
    start, end = p.get("window_start"), p.get("window_end")
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise Invalid(ErrorCode.WINDOW_REQUIRED, field="window_start")
    if end <= start:
        raise Invalid(ErrorCode.WINDOW_INVALID, field="window_end")
    if start < clock.now():
        raise Invalid(ErrorCode.WINDOW_IN_PAST, field="window_start")
    return start, end


def appointment_window(ctx: MoveContext) -> Data:
    """The appointment window agreed with the customer: a real, future window (a proposed one may stand)."""
    order = ctx.order
    keep = order.status == Status.RESCHEDULED and ctx.param("window_start") is None
    if keep and order.window_start and order.window_end:  # the customer accepts the proposed new window
        start, end = order.window_start, order.window_end
    else:
        start, end = _window(ctx.params)
    confirmed = _confirmed_time(ctx.param("appointment_at"), start, end)
    kept = order.appointment_at
    if confirmed is None and kept is not None and start <= kept <= end:
        confirmed = kept  # a time already agreed inside the same window stands
    ctx.updates.update(window_start=start, window_end=end, appointment_at=confirmed)
    data: dict[str, Any] = {"window": [start.isoformat(), end.isoformat()]}
    if confirmed is not None:
        data["appointment_at"] = confirmed.isoformat()
    return data


def _confirmed_time(raw: Any, start: datetime, end: datetime) -> datetime | None:
    """R-DI-3: a time agreed with the customer with the window, inside it (both ends inclusive)."""
    if raw in (None, ""):
        return None  # no (new) time agreed: the rules count from the window's start
    if not isinstance(raw, datetime):
        raise Invalid(ErrorCode.WINDOW_REQUIRED, field="appointment_at")
    if not start <= raw <= end:
        raise Invalid(
            ErrorCode.APPOINTMENT_OUTSIDE_WINDOW,
            field="appointment_at",
            start=clock.local(start).strftime("%H:%M"),
            end=clock.local(end).strftime("%H:%M"),
        )
    return raw


def new_window_proposed(ctx: MoveContext) -> Data:
    """A reschedule keeps the old window on the record and may propose a new one."""
    order = ctx.order
    data: dict[str, Any] = {"old_window": [order.window_start.isoformat()] if order.window_start else []}
    if ctx.param("window_start") is not None:
        start, end = _window(ctx.params)
        ctx.updates.update(window_start=start, window_end=end, appointment_at=None)
        data["window"] = [start.isoformat(), end.isoformat()]
    return data


def satisfaction_recorded(ctx: MoveContext) -> Data:
    """The callback records satisfaction (1–5), whether the product works and the feedback."""
    score = ctx.param("satisfaction")
    if score is None or not str(score).isdigit() or not 1 <= int(score) <= 5:
        raise Invalid(ErrorCode.SATISFACTION_INVALID, field="satisfaction")
    return {
        "satisfaction": int(score),
        "product_works": bool(ctx.param("product_works", True)),
        "feedback": str(ctx.param("feedback") or ""),
        "callback_timing": _callback_timing(ctx.order),
    }


def _callback_timing(order: WorkOrder) -> str:
    """R-QA-1: the callback against its window [completion + 1 day, completion + 3 days], both ends
    inclusive: "early", "in_window" or "late" ("" without a callback clock)."""
    row = (
        Deadline.objects.filter(order=order, kind=Deadline.Kind.CALLBACK, state__in=Deadline.LIVE)
        .order_by("-pk")
        .first()
    )
    if row is None:
        return ""
    now = clock.now()
    if row.not_before is not None and now < row.not_before:
        return "early"
    return "late" if now > row.due_at else "in_window"


def reopened_for_dispatch(ctx: MoveContext) -> Data:
    """A reopened order goes back to dispatch: technician and appointment are dropped."""
    ctx.updates.update(technician=None, window_start=None, window_end=None, appointment_at=None)
    return None


# --- effects: the order's deadlines ------------------------------------------------------------------
def owner_takes_deadlines(ctx: MoveContext) -> None:
    """The first agent who owns the order also owns its promises (deadlines) that had no owner."""
    if ctx.updates.get("owner") is not None:
        Deadline.objects.filter(order=ctx.order, owner__isnull=True, kind__in=Deadline.PROMISE_KINDS).update(
            owner=ctx.updates["owner"]
        )


def response_met(ctx: MoveContext) -> None:
    """Dispatching or answering by phone meets the response promise."""
    deadlines.deadlines_meet(order=ctx.order, kinds=[Deadline.Kind.RESPONSE])


def consult_followup_opened(ctx: MoveContext) -> None:
    """A phone consultation is followed up after the policy's delay."""
    minutes = policy_of(ctx.order).consultation_followup_minutes
    deadlines.deadline_open(
        order=ctx.order,
        kind=Deadline.Kind.CONSULT_FOLLOWUP,
        due_at=clock.now() + timedelta(minutes=minutes),
        owner=ctx.order.owner,
    )


def consult_followup_met(ctx: MoveContext) -> None:
    """The follow-up of a phone consultation is done (resolved, or turned into a visit)."""
    deadlines.deadlines_meet(order=ctx.order, kinds=[Deadline.Kind.CONSULT_FOLLOWUP])


def verification_met(ctx: MoveContext) -> None:
    """The desk verified the missing information."""
    deadlines.deadlines_meet(order=ctx.order, kinds=[Deadline.Kind.VERIFY])


def verification_handed_to_technician(ctx: MoveContext) -> None:
    """Dispatched unverified: the desk's verification deadline ends, the technician verifies on site."""
    Deadline.objects.filter(
        order=ctx.order, kind=Deadline.Kind.VERIFY, state=Deadline.State.OPEN
    ).update(state=Deadline.State.CANCELLED)  # fmt: skip


def callback_opened(ctx: MoveContext) -> None:
    """Completion opens the callback window (from the policy's earliest to its latest day)."""
    policy = policy_of(ctx.order)
    now = clock.now()
    deadlines.deadline_open(
        order=ctx.order,
        kind=Deadline.Kind.CALLBACK,
        due_at=now + timedelta(days=policy.callback_max_days),
        not_before=now + timedelta(days=policy.callback_min_days),
        owner=ctx.order.owner,
    )


def callback_met(ctx: MoveContext) -> None:
    """The callback is recorded."""
    deadlines.deadlines_meet(order=ctx.order, kinds=[Deadline.Kind.CALLBACK])


def deadlines_end(ctx: MoveContext) -> None:
    """A cancelled or closed order has no live deadlines left."""
    deadlines.deadlines_cancel(order=ctx.order)


# Actions whose event records what the actor entered as it is (the others record what their guards say).
_PARAMS_ON_RECORD = (
    A.TRIAGE, A.FOLLOWUP_RESOLVED, A.CONVERT_TO_VISIT, A.REBOOK, A.CLOSE, A.DEPART, A.ARRIVE,
    A.NOBODY_HOME, A.START_SERVICE, A.TAKE_BACK, A.RETURN_UNIT, A.REOPEN, A.CANCEL,
)  # fmt: skip

RULES: list[Rule] = [
    guard(_PARAMS_ON_RECORD, params_recorded, "R-CO-4"),
    guard(ALL_ACTIONS, first_agent_owns, "R-IN-5"),
    guard(A.CANCEL, cancel_reason_kept, "R-CO-4"),
    guard(A.MARK_INCOMPLETE, missing_items_listed, "R-IN-2"),
    guard(A.COMPLETE_INFO, verified_by_recorded, "R-IN-2"),
    guard(A.RESOLVE_BY_PHONE, phone_answer_recorded, "R-AN-2"),
    guard(A.DISPATCH, outlet_authorised, "R-DI-1"),
    guard(A.DECLINE, declined_outlet_released, "R-DI-1"),
    guard(A.TRANSFER, transfer_to_another_outlet, "R-DI-1"),
    guard(A.CONFIRM_APPOINTMENT, appointment_window, "R-DI-3"),
    guard(A.RESCHEDULE, new_window_proposed, "R-DI-8"),
    guard(A.RECORD_CALLBACK, satisfaction_recorded, "R-QA-1"),
    guard(A.REOPEN, reopened_for_dispatch, "R-QA-1"),
    effect(ALL_ACTIONS, owner_takes_deadlines, "R-IN-5"),
    effect((A.DISPATCH, A.RESOLVE_BY_PHONE), response_met, "R-IN-4"),
    effect(A.RESOLVE_BY_PHONE, consult_followup_opened, "R-AN-2"),
    effect((A.FOLLOWUP_RESOLVED, A.CONVERT_TO_VISIT), consult_followup_met, "R-AN-2"),
    effect(A.COMPLETE_INFO, verification_met, "R-IN-2"),
    effect(A.DISPATCH, verification_handed_to_technician, "R-IN-2", sources=[S.INFO_INCOMPLETE]),
    effect(A.COMPLETE, callback_opened, "R-QA-1"),
    effect(A.RECORD_CALLBACK, callback_met, "R-QA-1"),
    effect((A.CANCEL, A.CLOSE, A.FOLLOWUP_RESOLVED), deadlines_end, "R-CO-4"),
]
