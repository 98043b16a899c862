"""The visit's rules on the lifecycle's moves (registered from VisitsConfig.ready()).

Guards run inside the transition before the status changes and refuse with a DomainError; effects run
right after the move is recorded. Rule ids: STANDARD.md §4–7.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import DomainError, Invalid
from doorstep.orders import hooks
from doorstep.orders.lifecycle import Action
from doorstep.orders.selectors import policy_for
from doorstep.visits.checklists import checklist_done
from doorstep.visits.models import Checklist, Consent, EscalationTask, TakeBack
from doorstep.visits.policy import visit_policy_for
from doorstep.visits.quote import quote_current, quote_require_accepted
from doorstep.visits.selectors import amount_due
from doorstep.visits.steps import apology_gap, knock_protocol_gap, moment
from doorstep.visits.tasks import task_open, tasks_close

if TYPE_CHECKING:
    from doorstep.core.actors import Actor
    from doorstep.orders.lifecycle import Move
    from doorstep.orders.models import WorkOrder

Params = dict[str, Any]


@hooks.guard(Action.DEPART)
def kit_checked_before_departure(order: WorkOrder, actor: Actor, p: Params) -> Params:
    """R-PR-1, R-PR-3: the kit checklist (incl. reserved parts) is ticked before leaving."""
    if not checklist_done(order, Checklist.Kind.KIT):
        raise DomainError("kit_not_checked", _("出发前须完成物品自检清单（R-PR-1）。"))
    return {"departed_at": moment(p.get("client_at")).isoformat()}


def _location(p: Params) -> dict[str, float]:
    try:
        lat, lng = float(p.get("lat") or ""), float(p.get("lng") or "")
    except ValueError:
        return {}
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return {"lat": round(lat, 6), "lng": round(lng, 6)}
    return {}


@hooks.guard(Action.ARRIVE)
def arrival_time_and_lateness(order: WorkOrder, actor: Actor, p: Params) -> Params:
    """R-AR-5: arrival time (the phone's when queued offline), location if given, lateness vs the window."""
    at = moment(p.get("client_at"))
    data: Params = {"arrived_at": at.isoformat(), **_location(p)}
    if order.window_start:
        late = max(int((at - order.window_start).total_seconds() // 60), 0)
        threshold = policy_for(order.brand).lateness_escalation_minutes
        data["late_minutes"] = late
        data["lateness"] = "on_time" if late == 0 else ("late_minor" if late < threshold else "late_major")
    return data


@hooks.effect(Action.ARRIVE)
def lateness_escalation(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    """R-AR-5: late ≥ 15 minutes opens a task for the centre's complaint supervisor."""
    if data.get("lateness") == "late_major":
        task_open(
            order=order,
            actor=actor,
            kind=EscalationTask.Kind.LATENESS,
            note=f"迟到 {data['late_minutes']} 分钟：致歉并视情况由投诉主管上门致歉",
            due_in=timedelta(hours=visit_policy_for(order.brand).escalation_due_hours),
            data={"late_minutes": data["late_minutes"]},
        )


@hooks.guard(Action.START_SERVICE)
def entry_and_apology_before_service(order: WorkOrder, actor: Actor, p: Params) -> None:
    """R-AR-4: greeting, identity, permit and card shown, permission, shoe covers; R-AR-5: apology if late."""
    if not checklist_done(order, Checklist.Kind.ENTRY):
        raise DomainError(
            "entry_not_checked", _("进门前须完成进门规范（出示证件、经允许进门、穿鞋套，R-AR-4）。")
        )
    gap = apology_gap(order)
    if gap:
        raise DomainError("apology_required", gap)


@hooks.guard(Action.NOBODY_HOME)
def nobody_home_protocol(order: WorkOrder, actor: Actor, p: Params) -> Params:
    """R-AR-1, R-AR-2: knocked for 5 minutes and called; the note left states arrival, leaving, contact."""
    left_at = moment(p.get("client_at"))
    gap = knock_protocol_gap(order, left_at)
    if gap:
        raise DomainError("knock_protocol_incomplete", gap)
    note = str(p.get("note_left") or "").strip()
    if not note:
        raise Invalid(
            "note_required",
            _("请填写留言条内容（到达时间、离开时间、联系方式，R-AR-2）。"),
            field="note_left",
        )
    arrive = order.events.filter(kind="arrive").order_by("-seq").first()
    return {
        "note_left": note[:300],
        "left_at": left_at.isoformat(),
        "arrived_at": arrive.data.get("arrived_at", arrive.at.isoformat()) if arrive else "",
        "neighbours_asked": bool(p.get("neighbours_asked")),
    }


@hooks.effect(Action.NOBODY_HOME)
def nobody_home_tells_desk(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    """R-AR-2: the desk is told and a rebooking task opens."""
    task_open(
        order=order,
        actor=actor,
        kind=EscalationTask.Kind.REBOOK,
        note=f"无人在家，已留言：{data.get('note_left', '')}",
        due_in=timedelta(hours=visit_policy_for(order.brand).rebook_due_hours),
    )


@hooks.effect(Action.REBOOK)
def rebooking_done(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    tasks_close(order=order, actor=actor, kind=EscalationTask.Kind.REBOOK, outcome="已重新预约")


@hooks.guard(Action.TAKE_BACK)
def take_back_reason_and_backup(order: WorkOrder, actor: Actor, p: Params) -> Params:
    """R-SV-6: an allowed reason, the customer's data-backup confirmation, and what is taken (receipt)."""
    reason = str(p.get("take_back_reason") or "")
    if reason not in TakeBack.Reason.values:
        raise Invalid(
            "take_back_reason_invalid", _("请选择规范允许的拉回原因（R-SV-6）。"), field="take_back_reason"
        )
    if not order.consents.filter(kind=Consent.Kind.DATA_BACKUP).exists():
        raise DomainError("take_back_needs_backup", _("拉回前须由客户确认数据备份（R-SV-6）。"))
    items = str(p.get("items") or "").strip()
    if not items:
        raise Invalid("items_required", _("请填写带走的物品（整机及附件）。"), field="items")
    return {
        "take_back_reason": reason,
        "items": items[:300],
        "condition": str(p.get("condition") or "")[:300],
    }


@hooks.effect(Action.TAKE_BACK)
def take_back_receipt(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    from doorstep.core import clock

    TakeBack.objects.create(
        order=order,
        receipt_no=f"LX{order.number}",
        reason=data["take_back_reason"],
        items=data["items"],
        condition=data.get("condition", ""),
        at=clock.now(),
    )


@hooks.guard(Action.RETURN_UNIT)
def returned_only_when_repaired(order: WorkOrder, actor: Actor, p: Params) -> None:
    take_back = TakeBack.objects.filter(order=order).first()
    if take_back is None or take_back.stage != TakeBack.Stage.REPAIRED:
        raise DomainError("unit_not_repaired", _("车间尚未登记修复，不能送回（R-AN-6）。"))


@hooks.effect(Action.RETURN_UNIT)
def take_back_returned(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    TakeBack.objects.filter(order=order).update(stage=TakeBack.Stage.RETURNED)


def completion_gaps(order: WorkOrder) -> list[str]:
    """What completion still needs (R-SV-8, R-SV-9, R-SV-2, R-CO-6); empty when ready to sign."""
    gaps = []
    if not checklist_done(order, Checklist.Kind.COMPLETION):
        gaps.append(str(_("完工检查清单（R-SV-8、R-SV-9）")))
    if quote_current(order) is None:
        gaps.append(str(_("客户确认的报价（R-SV-2）")))
    if order.service_type == "install":
        if not checklist_done(order, Checklist.Kind.INSTALL_GOODS):
            gaps.append(str(_("按送货单清点货物（R-CO-6）")))
        if not order.consents.filter(kind=Consent.Kind.INSTALL_ACCEPTANCE).exists():
            gaps.append(str(_("客户安装验收卡（R-CO-6）")))
    return gaps


@hooks.guard(Action.COMPLETE)
def completion_checked(order: WorkOrder, actor: Actor, p: Params) -> None:
    gaps = completion_gaps(order)
    if gaps:
        raise DomainError("completion_incomplete", _("尚不能完工，缺少：%(gaps)s"), gaps="、".join(gaps))


@hooks.effect(Action.COMPLETE, Action.CANCEL, Action.TRANSFER, Action.DECLINE)
def unused_reservations_released(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    from doorstep.parts.services import reservations_release

    reservations_release(order=order, by=actor.name, note=str(move.action.label))


@hooks.guard(Action.PAY)
def payment_is_the_accepted_quote(order: WorkOrder, actor: Actor, p: Params) -> Params:
    """R-CO-2: the amount is exactly the accepted quote's amount due (no charge outside it, R-SV-2)."""
    quote = quote_require_accepted(order)
    if quote.due != amount_due(order):  # pragma: no cover - the fingerprint makes them equal
        raise DomainError("amount_not_quote", _("收款金额与客户确认的报价不符。"))
    return {"quote_version": quote.version}


@hooks.effect(Action.PAY)
def report_after_payment(order: WorkOrder, move: Move, actor: Actor, data: Params) -> None:
    """The service report PDF is attached to the order and sent to the tracking page once paid."""
    from doorstep.visits.reports import report_store_quietly

    order_id = order.pk
    transaction.on_commit(lambda: report_store_quietly(order_id))
