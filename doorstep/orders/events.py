"""The vocabulary of the order's one record (一票到底, R-CO-4): every event kind, its label, and the writer.

``EventKind`` lists every kind an ``OrderEvent`` can carry: the lifecycle moves (same values and
labels as ``lifecycle.Action``, so a move's event is named after the move) and the events the
capabilities write outside a move. Nothing else may be written: ``OrderEvent.save`` refuses an
unknown kind. Write with ``EventKind.X.record(order=…, actor=…, …)``; read with
``order.events.filter(kind=EventKind.X)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.orders.lifecycle import Action

if TYPE_CHECKING:
    from doorstep.core.actors import Actor
    from doorstep.orders.models import OrderEvent, WorkOrder


class EventKind(models.TextChoices):
    # lifecycle moves (lifecycle.Action): value and label are the move's own
    TRIAGE = Action.TRIAGE.value, Action.TRIAGE.label
    MARK_INCOMPLETE = Action.MARK_INCOMPLETE.value, Action.MARK_INCOMPLETE.label
    COMPLETE_INFO = Action.COMPLETE_INFO.value, Action.COMPLETE_INFO.label
    RESOLVE_BY_PHONE = Action.RESOLVE_BY_PHONE.value, Action.RESOLVE_BY_PHONE.label
    FOLLOWUP_RESOLVED = Action.FOLLOWUP_RESOLVED.value, Action.FOLLOWUP_RESOLVED.label
    CONVERT_TO_VISIT = Action.CONVERT_TO_VISIT.value, Action.CONVERT_TO_VISIT.label
    DISPATCH = Action.DISPATCH.value, Action.DISPATCH.label
    DECLINE = Action.DECLINE.value, Action.DECLINE.label
    TRANSFER = Action.TRANSFER.value, Action.TRANSFER.label
    ASSIGN = Action.ASSIGN.value, Action.ASSIGN.label
    CONFIRM_APPOINTMENT = Action.CONFIRM_APPOINTMENT.value, Action.CONFIRM_APPOINTMENT.label
    RESCHEDULE = Action.RESCHEDULE.value, Action.RESCHEDULE.label
    DEPART = Action.DEPART.value, Action.DEPART.label
    ARRIVE = Action.ARRIVE.value, Action.ARRIVE.label
    NOBODY_HOME = Action.NOBODY_HOME.value, Action.NOBODY_HOME.label
    REBOOK = Action.REBOOK.value, Action.REBOOK.label
    START_SERVICE = Action.START_SERVICE.value, Action.START_SERVICE.label
    TAKE_BACK = Action.TAKE_BACK.value, Action.TAKE_BACK.label
    RETURN_UNIT = Action.RETURN_UNIT.value, Action.RETURN_UNIT.label
    COMPLETE = Action.COMPLETE.value, Action.COMPLETE.label
    PAY = Action.PAY.value, Action.PAY.label
    RECORD_CALLBACK = Action.RECORD_CALLBACK.value, Action.RECORD_CALLBACK.label
    REOPEN = Action.REOPEN.value, Action.REOPEN.label
    CLOSE = Action.CLOSE.value, Action.CLOSE.label
    CANCEL = Action.CANCEL.value, Action.CANCEL.label

    # intake and the desk
    CREATED = "created", _("工单已创建")  # R-IN-1
    DUPLICATE_LINKED = "duplicate_linked", _("重复报修已合并到本工单")  # R-IN-1
    SELF_BOOKING = "self_booking", _("客户自助预约")  # R-IN-1
    PARTNER_ORDER = "partner_order", _("合作方推送订单")  # R-IN-1
    CUSTOMER_MESSAGE = "customer_message", _("客户留言")  # R-IN-1
    INFO_VERIFIED = "info_verified", _("信息核实")  # R-IN-2
    CARRY_IN_INSTRUCTIONS = "carry_in_instructions", _("送修须知")  # R-IN-7
    CALL = "call", _("通话")  # R-IN-8
    OWNER_HANDED_OVER = "owner_handed_over", _("首问负责人转交")  # R-IN-5
    FAULT_CAUSE = "fault_cause", _("故障原因")  # R-AN-1
    DEADLINE_OVERDUE = "deadline_overdue", _("时限已超时")

    # dispatch
    OUTLET_ACCEPTED = "outlet_accepted", _("网点已接单")  # R-DI-1
    OUTLET_ACCEPT_TIMEOUT = "outlet_accept_timeout", _("网点接单超时")  # R-DI-1
    VISIT_AT_RISK = "visit_at_risk", _("上门可能迟到")  # R-DI-9
    LATE_CALL_OVERDUE = "late_call_overdue", _("迟到前未致电客户")  # R-AR-5
    FAULT_ESCALATED = "fault_escalated", _("故障升级处理")  # R-AN-5

    # the visit
    CHECKLIST = "checklist", _("完成检查清单")
    KNOCK_STARTED = "knock_started", _("开始敲门")  # R-AR-1
    CUSTOMER_CALLED = "customer_called", _("致电客户")  # R-AR-1
    LATE_CALL = "late_call", _("迟到前致电致歉")  # R-AR-5
    LATE_APOLOGY = "late_apology", _("迟到致歉")  # R-AR-5
    ESCALATION_OPENED = "escalation_opened", _("升级任务已创建")
    ESCALATION_DONE = "escalation_done", _("升级任务已处理")
    SOMEONE_ELSE_HOME = "someone_else_home", _("非本人在家")  # R-AR-7
    WRONG_CUSTOMER = "wrong_customer", _("找错客户")  # R-AR-6
    DIAGNOSED = "diagnosed", _("完成诊断")  # R-SV-1
    CHARGE_ADDED = "charge_added", _("添加收费项目")  # R-SV-2
    CHARGE_REMOVED = "charge_removed", _("移除报价项目")  # R-SV-2
    QUOTE_ACCEPTED = "quote_accepted", _("客户确认报价")  # R-SV-2
    WORK_STARTED = "work_started", _("开始施工")  # R-SV-2
    CONSENT = "consent", _("客户同意")  # R-SV-4, R-AN-6
    PART_USED = "part_used", _("配件使用")  # R-SV-5
    WORKSHOP_STAGE = "workshop_stage", _("拉修进度")  # R-AN-6
    SIGN_CODE_SENT = "sign_code_sent", _("签字验证码已发送")  # R-CO-1
    SIGNED = "signed", _("客户签字")  # R-CO-1
    REPORT_SENT = "report_sent", _("服务报告已发送")  # R-CO-1
    PAYMENT_UNAPPLIED = "payment_unapplied", _("已扣款未入账，待退款或对账")  # R-CO-2

    # the quality loop
    CALLBACK_ATTEMPT = "callback_attempt", _("回访致电")  # R-QA-1
    CALLBACK_QUESTIONNAIRE_SENT = "callback_questionnaire_sent", _("多次未接通，已发送在线问卷链接")  # R-QA-1
    SURVEY_SUBMITTED = "survey_submitted", _("客户评价")  # R-QA-2
    COMPLAINT_OPENED = "complaint_opened", _("投诉受理")  # R-QA-3
    COMPLAINT_RESPONDED = "complaint_responded", _("投诉已答复")  # R-QA-3
    COMPLAINT_NOT_ACCEPTED = "complaint_not_accepted", _("客户不接受答复，已升级")  # R-QA-3
    COMPLAINT_ESCALATED = "complaint_escalated", _("投诉超时升级")  # R-QA-3
    COMPLAINT_OVERDUE = "complaint_overdue", _("上门致歉超时")  # R-QA-3
    COMPLAINT_RESOLVED = "complaint_resolved", _("投诉已解决（客户确认）")  # R-QA-3
    FAULT_CODED = "fault_coded", _("故障编码")  # R-QA-5
    INSIGHT_SUBMITTED = "insight_submitted", _("信息增值建议")  # R-QA-5
    LANGUAGE_FLAGGED = "language_flagged", _("服务用语提示")  # R-LG-2
    LANGUAGE_FLAG_CONFIRMED = "language_flag_confirmed", _("服务用语违规已确认")  # R-LG-2
    LANGUAGE_FLAG_DISMISSED = "language_flag_dismissed", _("服务用语误报已排除")  # R-LG-2

    def record(
        self,
        *,
        order: WorkOrder,
        actor: Actor,
        from_status: str = "",
        to_status: str = "",
        reason: str = "",
        data: dict[str, Any] | None = None,
        customer_visible: bool = True,
        rule: str = "",
    ) -> OrderEvent:
        """Append an event of this kind to ``order``'s record (see ``event_record``)."""
        return event_record(
            order=order,
            actor=actor,
            kind=self,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=data,
            customer_visible=customer_visible,
            rule=rule,
        )


def event_record(
    *,
    order: WorkOrder,
    actor: Actor,
    kind: EventKind,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    customer_visible: bool = True,
    rule: str = "",
) -> OrderEvent:
    """Append one event to the order's record (一票到底, R-CO-4).

    The next sequence number is taken under the order's row lock, so concurrent writers (a move, the
    worker firing a deadline, a complaint escalation) queue up instead of colliding on ``seq``.
    """
    from doorstep.orders.models import OrderEvent, WorkOrder

    kind = EventKind(kind)
    with transaction.atomic():
        list(WorkOrder.objects.select_for_update().filter(pk=order.pk).values_list("pk", flat=True))
        last = OrderEvent.objects.filter(order=order).aggregate(m=Max("seq"))["m"] or 0
        return OrderEvent.objects.create(
            order=order,
            seq=last + 1,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            actor=actor.user,
            actor_role=actor.role,
            actor_name=actor.name,
            at=clock.now(),
            reason=reason,
            data=data or {},
            customer_visible=customer_visible,
            rule=rule,
        )
