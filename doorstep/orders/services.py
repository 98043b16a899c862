"""Writes on the work order. Every status change goes through ``_transition``; every rule is here once.

Views and API routers call these functions and nothing else (STANDARD.md rule ids cited inline).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.actors import Actor
from doorstep.core.errors import DomainError, Forbidden, Invalid, NotFound
from doorstep.dispatch.eligibility import technician_ineligibility
from doorstep.network.models import Outlet, Technician
from doorstep.orders import deadlines, hooks
from doorstep.orders.events import event_record
from doorstep.orders.lifecycle import Action, Move, Status, find_move
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.selectors import order_is_visible_to, policy_for

Updates = dict[str, Any]
Handler = Callable[[WorkOrder, Actor, dict[str, Any]], Updates]


# --- the one transition function --------------------------------------------------------------------
def order_transition(
    *,
    order: WorkOrder,
    actor: Actor,
    action: str,
    reason: str = "",
    params: dict[str, Any] | None = None,
) -> WorkOrder:
    """Perform one lifecycle move on behalf of ``actor``; refuse it with a DomainError otherwise."""
    params = dict(params or {})
    move = _checked_move(order, actor, action, reason)
    with transaction.atomic():
        updates = _HANDLERS.get(move.action, _no_updates)(order, actor, params)
        data = updates.pop("_data", {})
        data.update(hooks.run_guards(move.action, order, actor, params))
        if move.target == Status.CANCELLED:
            updates["cancel_reason"] = reason.strip()
        if order.owner_id is None and actor.role == "agent":  # R-IN-5: the first agent to act owns it
            updates["owner"] = actor.staff
            Deadline.objects.filter(order=order, owner__isnull=True).update(owner=actor.staff)
        return _transition(order=order, move=move, actor=actor, reason=reason, data=data, updates=updates)


def _checked_move(order: WorkOrder, actor: Actor, action: str, reason: str) -> Move:
    if not order_is_visible_to(order, actor):
        raise NotFound("order_not_found", _("工单不存在或无权查看。"))
    try:
        Action(action)
    except ValueError:
        raise Invalid("unknown_action", _("未知操作：%(action)s"), field="action", action=action) from None
    move = find_move(order.status, action)
    if move is None:
        raise DomainError(
            "illegal_move",
            _("工单当前状态为「%(current)s」，不能执行「%(action)s」。"),
            action=Action(action).label,
            current=Status(order.status).label,
        )
    if actor.role not in move.roles:
        raise Forbidden("role_not_allowed", _("您的角色不能执行「%(action)s」。"), action=move.action.label)
    if move.needs_reason and not reason.strip():
        raise Invalid(
            "reason_required", _("「%(action)s」必须填写原因。"), field="reason", action=move.action.label
        )
    return move


def _transition(
    *, order: WorkOrder, move: Move, actor: Actor, reason: str, data: dict[str, Any], updates: Updates
) -> WorkOrder:
    """Compare-and-set on the old status and version, write the event, schedule effects after commit."""
    changed = WorkOrder.objects.filter(pk=order.pk, status=move.source, version=order.version).update(
        status=move.target, version=F("version") + 1, updated_at=clock.now(), **updates
    )
    if changed != 1:
        raise DomainError("stale_order", _("工单已被他人更新，请刷新后重试。"), status=409)
    order.refresh_from_db()
    event_record(
        order=order,
        actor=actor,
        kind=move.action.value,
        from_status=move.source.value,
        to_status=move.target.value,
        reason=reason.strip(),
        data=data,
        customer_visible=move.customer_visible,
        rule=move.rule,
    )
    _after_move(order, move, actor)
    hooks.run_effects(move.action, order, move, actor, data)
    return order


def _after_move(order: WorkOrder, move: Move, actor: Actor) -> None:
    """Deadlines that a move opens or meets (R-IN-4, R-AN-2, R-QA-1)."""
    policy = policy_for(order.brand)
    now = clock.now()
    a = move.action
    if a in (Action.DISPATCH, Action.RESOLVE_BY_PHONE):
        deadlines.deadlines_meet(order=order, kinds=[Deadline.Kind.RESPONSE])
    if a == Action.RESOLVE_BY_PHONE:
        deadlines.deadline_open(
            order=order,
            kind=Deadline.Kind.CONSULT_FOLLOWUP,
            due_at=now + timedelta(minutes=policy.consultation_followup_minutes),
            owner=order.owner,
        )
    if a == Action.COMPLETE_INFO:
        deadlines.deadlines_meet(order=order, kinds=[Deadline.Kind.VERIFY])
    if a == Action.DISPATCH and move.source == Status.INFO_INCOMPLETE:  # R-IN-2: now the technician verifies
        Deadline.objects.filter(order=order, kind=Deadline.Kind.VERIFY, state=Deadline.State.OPEN).update(
            state=Deadline.State.CANCELLED
        )
    if a in (Action.FOLLOWUP_RESOLVED, Action.CONVERT_TO_VISIT):
        deadlines.deadlines_meet(order=order, kinds=[Deadline.Kind.CONSULT_FOLLOWUP])
    if a == Action.COMPLETE:
        deadlines.deadline_open(
            order=order,
            kind=Deadline.Kind.CALLBACK,
            due_at=now + timedelta(days=policy.callback_max_days),
            not_before=now + timedelta(days=policy.callback_min_days),
            owner=order.owner,
        )
    if a == Action.RECORD_CALLBACK:
        deadlines.deadlines_meet(order=order, kinds=[Deadline.Kind.CALLBACK])
    if move.target in (Status.CANCELLED, Status.CLOSED):
        deadlines.deadlines_cancel(order=order)


# --- per-action checks: each returns the field updates (and event data under "_data") ---------------
def _no_updates(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    return {"_data": _clean(p)}


def _clean(p: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in p.items() if v not in (None, "", [], {})}


def _mark_incomplete(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    """R-IN-2: the exact items to verify, each with its field and reason."""
    missing = [_missing_item(m) for m in p.get("missing") or [] if m]
    missing = [m for m in missing if m["zh"]]
    if not missing:
        raise Invalid("missing_items_required", _("请列出需要补全的信息项。"), field="missing")
    return {"missing_items": missing, "_data": {"missing": missing}}


def _missing_item(item: Any) -> dict[str, str]:
    if isinstance(item, dict):
        return {k: str(item.get(k, "")) for k in ("field", "code", "zh", "en")}
    text = str(item).strip()
    return {"field": "", "code": "manual", "zh": text, "en": text}


def _complete_info(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    verified = p.get("verified") or {}
    return {"missing_items": [], "_data": {"verified": verified, "verified_by": actor.name}}  # R-IN-2


def _resolve_by_phone(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    answer = str(p.get("answer") or "").strip()
    if not answer:
        raise Invalid("answer_required", _("请记录电话指导的内容。"), field="answer")  # R-AN-2
    return {"_data": {"answer": answer}}


def _outlet_param(order: WorkOrder, p: dict[str, Any]) -> Outlet:
    outlet_id = p.get("outlet")
    if not outlet_id:
        raise Invalid("outlet_required", _("请选择网点。"), field="outlet")
    outlet = Outlet.objects.filter(pk=outlet_id, centre=order.centre).first()
    if outlet is None:
        raise Invalid("outlet_unknown", _("网点不存在：%(id)s"), field="outlet", id=outlet_id)
    if not outlet.active or not outlet.brands.filter(pk=order.brand_id).exists():
        raise DomainError(
            "outlet_not_authorised", _("网点「%(name)s」未获该品牌授权。"), field="outlet", name=outlet.name
        )  # R-DI-1
    return outlet


def _dispatch(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    outlet = _outlet_param(order, p)
    if order.status == Status.TRANSFERRED:
        declined = order.events.filter(kind=Action.DECLINE).values_list("data__outlet", flat=True)
        if outlet.pk in set(declined):
            raise DomainError("outlet_declined", _("该网点已退单，请转派其他网点。"), field="outlet")
    return {"outlet": outlet, "_data": {"outlet": outlet.pk, "outlet_name": outlet.name}}


def _decline(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    _require_own_outlet(order, actor)
    assert order.outlet is not None
    return {
        "outlet": None,
        "technician": None,
        "_data": {"outlet": order.outlet_id, "outlet_name": order.outlet.name},
    }


def _transfer(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    outlet = _outlet_param(order, p)
    if outlet.pk == order.outlet_id:
        raise Invalid("same_outlet", _("转派的网点不能与当前网点相同。"), field="outlet")
    return {
        "outlet": outlet,
        "technician": None,
        "window_start": None,
        "window_end": None,
        "_data": {"from_outlet": order.outlet_id, "outlet": outlet.pk, "outlet_name": outlet.name},
    }


def _require_own_outlet(order: WorkOrder, actor: Actor) -> None:
    if actor.role in ("outlet_manager", "technician") and order.outlet_id != actor.outlet_id:
        raise Forbidden("other_outlet", _("这不是您网点的工单。"))


def _assign(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    _require_own_outlet(order, actor)
    tech = Technician.objects.select_related("staff").filter(pk=p.get("technician") or 0).first()
    if tech is None:
        raise Invalid("technician_unknown", _("请选择工程师。"), field="technician")
    reasons = technician_ineligibility(order=order, technician=tech, on=clock.local(clock.now()).date())
    if reasons:
        raise DomainError(
            "technician_not_eligible",
            _("工程师不符合派工条件：%(why)s"),
            field="technician",
            why="；".join(reasons),
        )  # R-DI-2
    return {"technician": tech, "_data": {"technician": tech.pk, "technician_name": tech.staff.name}}


def _window(p: dict[str, Any]) -> tuple[datetime, datetime]:
    start, end = p.get("window_start"), p.get("window_end")
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise Invalid("window_required", _("请填写预约时间段。"), field="window_start")
    if end <= start:
        raise Invalid("window_invalid", _("预约结束时间必须晚于开始时间。"), field="window_end")
    if start < clock.now():
        raise Invalid("window_in_past", _("预约时间不能早于现在。"), field="window_start")
    return start, end


def _confirm(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    keep = order.status == Status.RESCHEDULED and p.get("window_start") is None
    if keep and order.window_start and order.window_end:  # the customer accepts the proposed new window
        start, end = order.window_start, order.window_end
    else:
        start, end = _window(p)
    return {
        "window_start": start,
        "window_end": end,
        "_data": {"window": [start.isoformat(), end.isoformat()]},
    }


def _reschedule(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    """R-DI-8: a company change must be told ≥ 30 min ahead (delay within half a day) or ≥ 2 h."""
    data: dict[str, Any] = {"old_window": [order.window_start.isoformat()] if order.window_start else []}
    updates: Updates = {}
    if p.get("window_start") is not None:
        start, end = _window(p)
        updates.update(window_start=start, window_end=end)
        data["window"] = [start.isoformat(), end.isoformat()]
    if order.window_start and actor.role != "customer":
        data.update(reschedule_notice(order=order, new_start=updates.get("window_start")))
    updates["_data"] = data
    return updates


def reschedule_notice(*, order: WorkOrder, new_start: datetime | None) -> dict[str, Any]:
    """Notice given for a company reschedule and whether it breaches R-DI-8."""
    assert order.window_start is not None
    policy = policy_for(order.brand)
    notice = order.window_start - clock.now()
    half_day_delay = new_start is not None and timedelta(0) < new_start - order.window_start <= timedelta(
        hours=12
    )
    required = (
        policy.reschedule_notice_same_day_minutes if half_day_delay else policy.reschedule_notice_minutes
    )
    minutes = int(notice.total_seconds() // 60)
    return {"notice_minutes": minutes, "required_minutes": required, "notice_breach": minutes < required}


def _require_own_visit(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    if actor.role == "technician" and order.technician_id != actor.technician_id:
        raise Forbidden("not_your_visit", _("这不是派给您的工单。"))
    return {"_data": _clean(p)}


def _arrive(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    updates = _require_own_visit(order, actor, p)
    if order.window_start:
        late = int((clock.now() - order.window_start).total_seconds() // 60)
        updates["_data"]["late_minutes"] = max(late, 0)  # R-AR-5 (classified by the visit module)
    return updates


def _take_back(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    from doorstep.visits.models import Consent

    _require_own_visit(order, actor, p)
    if not order.consents.filter(kind=Consent.Kind.TAKE_BACK).exists():
        raise DomainError("take_back_needs_consent", _("拉回维修须先记录客户同意。"))  # R-AN-6
    return {"_data": _clean(p)}


def _complete(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    from doorstep.visits.models import Signature

    if actor.role == "technician":
        _require_own_visit(order, actor, p)
    sig = Signature.objects.filter(order=order).first()
    if sig is None:
        raise DomainError(
            "signature_required", _("完工须有客户本人签字（在客户模式下采集），工程师不能代签。")
        )  # R-CO-1
    return {"_data": {"signature_method": sig.method, "signer": sig.signer_name}}


def _pay(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    from doorstep.visits.services import payment_record

    payment = payment_record(order=order, method=str(p.get("method") or ""), receipt_no=p.get("receipt_no"))
    return {
        "_data": {"method": payment.method, "amount": str(payment.amount), "receipt_no": payment.receipt_no}
    }


def _record_callback(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    from doorstep.visits.selectors import amount_due

    if order.status == Status.COMPLETED and amount_due(order) > 0:
        raise DomainError("payment_outstanding", _("尚有未收款项，请先收款。"))
    score = p.get("satisfaction")
    if score is None or not str(score).isdigit() or not 1 <= int(score) <= 5:
        raise Invalid("satisfaction_invalid", _("满意度须为 1–5 分。"), field="satisfaction")  # R-QA-1
    data = {
        "satisfaction": int(score),
        "product_works": bool(p.get("product_works", True)),
        "feedback": str(p.get("feedback") or ""),
    }
    return {"_data": data}


def _reopen(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    return {"technician": None, "window_start": None, "window_end": None, "_data": _clean(p)}


def _cancel(order: WorkOrder, actor: Actor, p: dict[str, Any]) -> Updates:
    return {"_data": _clean(p)}


_HANDLERS: dict[Action, Handler] = {
    Action.MARK_INCOMPLETE: _mark_incomplete,
    Action.COMPLETE_INFO: _complete_info,
    Action.RESOLVE_BY_PHONE: _resolve_by_phone,
    Action.DISPATCH: _dispatch,
    Action.DECLINE: _decline,
    Action.TRANSFER: _transfer,
    Action.ASSIGN: _assign,
    Action.CONFIRM_APPOINTMENT: _confirm,
    Action.RESCHEDULE: _reschedule,
    Action.DEPART: _require_own_visit,
    Action.ARRIVE: _arrive,
    Action.NOBODY_HOME: _require_own_visit,
    Action.START_SERVICE: _require_own_visit,
    Action.TAKE_BACK: _take_back,
    Action.RETURN_UNIT: _require_own_visit,
    Action.COMPLETE: _complete,
    Action.PAY: _pay,
    Action.RECORD_CALLBACK: _record_callback,
    Action.REOPEN: _reopen,
    Action.CANCEL: _cancel,
}


def order_info_verified(*, order: WorkOrder, actor: Actor, verified: str) -> WorkOrder:
    """R-IN-2: who verified what, after dispatch (the technician called the customer directly)."""
    if not order_is_visible_to(order, actor) or actor.role == "customer":
        raise NotFound("order_not_found", _("工单不存在或无权查看。"))
    if not verified.strip():
        raise Invalid("verified_required", _("请填写核实的内容。"), field="verified")
    with transaction.atomic():
        items = order.missing_items
        WorkOrder.objects.filter(pk=order.pk).update(missing_items=[])
        event_record(
            order=order,
            actor=actor,
            kind="info_verified",
            rule="R-IN-2",
            customer_visible=False,
            data={"verified": verified.strip(), "items": items, "verified_by": actor.name},
        )
        deadlines.deadlines_meet(order=order, kinds=[Deadline.Kind.VERIFY])
    order.refresh_from_db()
    return order
