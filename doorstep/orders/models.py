"""The work order, its fault items, its one append-only record (一票到底) and its deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.models import ChoiceLabels, TimeStamped
from doorstep.core.punctuality import appointment_of
from doorstep.orders.lifecycle import TERMINAL, Action, Status

if TYPE_CHECKING:
    from doorstep.network.actors import Actor


class Channel(models.TextChoices):  # R-IN-1
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    WEB = "web", _("网页/在线")
    PARTNER = "partner", _("合作方系统")
    IMPORT = "import", _("批量导入")


class ServiceType(models.TextChoices):  # R-IN-3
    INSTALL = "install", _("安装")
    REPAIR = "repair", _("维修")
    MAINTENANCE = "maintenance", _("保养")
    CONSULTATION = "consultation", _("咨询")


class Priority(models.TextChoices):  # R-IN-4
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("普通")
    LOW = "low", _("低")


class VerifiedHow(models.TextChoices):  # R-IN-2, R-DI-4: how an order's information was verified
    PHONE_CALL = "phone_call", _("与客户电话核实")
    ON_SITE = "on_site", _("上门现场核实")
    CUSTOMER_DESK = "customer_desk", _("客服台当面核实")


OPEN_ORDER = ~Q(status__in=sorted(TERMINAL))  # the condition of the partial indexes below


class WorkOrder(TimeStamped):
    number = models.CharField("工单号", max_length=20, unique=True)
    brand = models.ForeignKey("network.Brand", on_delete=models.PROTECT, related_name="orders")
    centre = models.ForeignKey("network.ServiceCentre", on_delete=models.PROTECT, related_name="orders")
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    service_type = models.CharField("服务类型", max_length=20, choices=ServiceType.choices)
    priority = models.CharField("优先级", max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders")
    address = models.ForeignKey("customers.Address", on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey(
        "customers.OwnedProduct", on_delete=models.PROTECT, related_name="orders", null=True, blank=True
    )
    requirement = models.CharField("客户要求", max_length=200, blank=True)
    missing_items = models.JSONField("待补全信息", default=list, blank=True)  # R-IN-2
    owner = models.ForeignKey(  # R-IN-5 first-contact owner
        "network.Staff", on_delete=models.PROTECT, related_name="owned_orders", null=True, blank=True
    )
    outlet = models.ForeignKey(
        "network.Outlet", on_delete=models.PROTECT, related_name="orders", null=True, blank=True
    )
    technician = models.ForeignKey(
        "network.Technician", on_delete=models.PROTECT, related_name="orders", null=True, blank=True
    )
    window_start = models.DateTimeField("预约开始", null=True, blank=True)
    window_end = models.DateTimeField("预约结束", null=True, blank=True)
    # R-DI-3: the time the technician confirmed with the customer inside the booked window; the standard's
    # timers count from it (core.punctuality.appointment_of), from window_start while it is empty
    appointment_at = models.DateTimeField("确认上门时间", null=True, blank=True)
    # R-DI-10: the customer refused entry to (or doubted) a technician of this seniority: the rebooked
    # visit goes to a strictly more senior one (dispatch eligibility)
    senior_than = models.PositiveSmallIntegerField("须高于此资深级别", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    warranty_status = models.CharField(  # R-AN-7
        "保修判定",
        max_length=20,
        blank=True,
        choices=[("in_warranty", _("保内")), ("paid", _("保外收费")), ("needs_proof", _("需购机凭证"))],
    )
    warranty_detail = models.JSONField("保修说明", default=dict, blank=True)
    accessories_note = models.CharField("附件/说明书情况", max_length=200, blank=True)  # R-IN-7
    fees_mentioned = models.BooleanField("已告知收费", default=False)  # R-IN-9
    version = models.PositiveIntegerField("版本", default=0)

    # Not a column. On the object the intake inserted, while the intake's transaction block runs
    # (``orders.intake`` ends it): the number of the last event written through it
    # (``event_record(first=True)`` starts it). No other transaction can see the order yet, so its next
    # event number needs no lock and no MAX read, and nothing was sent for it before (``inserted_here``;
    # issue 16, queries per intake). None on every other object.
    inserted_seq: int | None = None
    # Not a column either, and as short-lived: the intake created the order's customer in that same
    # transaction, so no other order of theirs exists (no earlier repair of the product to count, R-QA-4).
    customer_new_here: bool = False

    @property
    def inserted_here(self) -> bool:
        """The intake inserted this row in the transaction block still running (see ``inserted_seq``)."""
        return self.inserted_seq is not None

    class Meta:
        verbose_name = verbose_name_plural = "工单"
        ordering = ["-created_at"]
        # Closed orders out of the hot indexes: the board, the queues, the outlets' load and the technicians'
        # work read open orders only, so their indexes hold only those (a year of closed orders adds nothing
        # to them); the order list reads the newest first, closed ones included (docs/benchmarks.md).
        indexes = [
            models.Index(fields=["outlet", "status"], condition=OPEN_ORDER, name="order_open_outlet_idx"),
            models.Index(fields=["technician", "status"], condition=OPEN_ORDER, name="order_open_tech_idx"),
            models.Index(
                fields=["centre", "status", "-created_at"], condition=OPEN_ORDER, name="order_open_centre_idx"
            ),
            # the order list of each scope, newest first (centre, outlet, technician); the search's order
            # number prefix (LIKE 'SV2612%') uses the unique field's varchar_pattern_ops index (PostgreSQL)
            models.Index(fields=["centre", "-created_at", "-id"], name="order_centre_created_idx"),
            models.Index(fields=["outlet", "-created_at"], name="order_outlet_recent_idx"),
            models.Index(fields=["technician", "-created_at"], name="order_tech_recent_idx"),
            # a day's visits of an outlet or a technician (the board's day, the technician's today)
            models.Index(fields=["outlet", "window_start"], name="order_outlet_day_idx"),
            models.Index(fields=["technician", "window_start"], name="order_tech_day_idx"),
            # a centre's orders with their outlet, from the index alone (PostgreSQL): the promise KPI groups
            # the deadlines due today by the outlet of their order (R-QA-4)
            models.Index(fields=["centre", "id"], include=["outlet"], name="order_centre_outlet_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def appointment(self) -> datetime | None:
        """The time the standard's rules count from: the confirmed time, else the window start (R-DI-3)."""
        return appointment_of(self)


class FaultItem(models.Model):
    """One of the customer's problems; an order carries all of them (R-IN-6)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="faults")
    position = models.PositiveSmallIntegerField("序号")
    symptom = models.CharField("故障现象", max_length=300)
    cause = models.CharField("故障原因", max_length=300, blank=True)
    resolution = models.CharField("处理措施", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "故障项"
        ordering = ["position"]

    def __str__(self) -> str:
        return self.symptom


# The vocabulary of the order's record: see doorstep/orders/events.py, which is where callers import it.
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
    ENTRY_REFUSED = Action.ENTRY_REFUSED.value, Action.ENTRY_REFUSED.label  # R-DI-10

    # intake and the desk
    CREATED = "created", _("工单已创建")  # R-IN-1
    DUPLICATE_LINKED = "duplicate_linked", _("重复报修已合并到本工单")  # R-IN-1
    SELF_BOOKING = "self_booking", _("客户自助预约")  # R-IN-1
    PARTNER_ORDER = "partner_order", _("合作方推送订单")  # R-IN-1
    CUSTOMER_MESSAGE = "customer_message", _("客户留言")  # R-IN-1
    INFO_VERIFIED = "info_verified", _("信息核实")  # R-IN-2
    INFO_CORRECTED = "info_corrected", _("订单信息更正")  # R-IN-2, R-DI-4
    CARRY_IN_INSTRUCTIONS = "carry_in_instructions", _("送修须知")  # R-IN-7
    CALL = "call", _("通话")  # R-IN-8
    OWNER_HANDED_OVER = "owner_handed_over", _("首问负责人转交")  # R-IN-5
    HURRY = "hurry", _("客户催单")  # R-IN-5
    HURRY_ANSWERED = "hurry_answered", _("客服已回复催单")  # R-IN-5
    FAULT_CAUSE = "fault_cause", _("故障原因")  # R-AN-1
    DEADLINE_OVERDUE = "deadline_overdue", _("时限已超时")

    # dispatch
    OUTLET_ACCEPTED = "outlet_accepted", _("网点已接单")  # R-DI-1
    OUTLET_ACCEPT_TIMEOUT = "outlet_accept_timeout", _("网点接单超时")  # R-DI-1
    VISIT_AT_RISK = "visit_at_risk", _("上门可能迟到")  # R-DI-9
    LATE_CALL_OVERDUE = "late_call_overdue", _("迟到前未致电客户")  # R-AR-5
    APPOINTMENT_TIME_CONFIRMED = "appointment_time_confirmed", _("已与客户确认上门时间")  # R-DI-3
    FAULT_ESCALATED = "fault_escalated", _("故障升级处理")  # R-AN-5
    VISIT_REFUSED = "visit_refused", _("客户拒绝上门")  # R-DI-6
    VISIT_CONSENTED = "visit_consented", _("客户同意上门")  # R-DI-6

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
    PAYMENT_NOTICE_REJECTED = "payment_notice_rejected", _("支付通知被拒绝")  # R-CO-2
    PAYMENT_REFUNDED = "payment_refunded", _("已退款")  # R-CO-2

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

    # messages to the customer (doorstep.notify outbox): each delivery outcome (R-CO-4)
    MESSAGE_SENT = "message_sent", _("通知已发送")  # R-CO-4
    MESSAGE_DELIVERED = "message_delivered", _("通知已送达")  # R-CO-4
    MESSAGE_FAILED = "message_failed", _("通知未能送达")  # R-CO-4, R-DI-5

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
        locked: bool = False,
        first: bool = False,
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
            locked=locked,
            first=first,
        )


class OrderEvent(ChoiceLabels, models.Model):
    """The one ticket to the end (一票到底, R-CO-4): append-only; KPIs are computed from it."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField("序号")
    kind = models.CharField("事件", max_length=40, choices=EventKind.choices)
    from_status = models.CharField("原状态", max_length=20, blank=True)
    to_status = models.CharField("新状态", max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField("操作角色", max_length=20)
    actor_name = models.CharField("操作人", max_length=60)
    at = models.DateTimeField("时间", db_index=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    customer_visible = models.BooleanField("客户可见", default=True)
    rule = models.CharField("规范条款", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工单事件"
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="event_seq_unique")]
        # a kind of event since a time (the board's reschedule breaches of today, R-DI-8): a range of this
        # index instead of a scan of the month's partition
        indexes = [models.Index(fields=["kind", "at"], name="event_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.kind}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("OrderEvent is append-only")
        if self.kind not in EventKind.values:
            raise ValueError(f"unknown event kind {self.kind!r}: add it to orders.events.EventKind")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("OrderEvent is append-only")


class Deadline(TimeStamped):
    """Every timer of the standard is one row here (TIMER rules), acted on once when due.

    A capability that owns a timer (an outlet offer, a late call, a complaint level, a visit task) keeps
    its own domain data and points to its row (``deadline``); ``ref`` names that row from this side.
    What happens when a row falls due is declared once, per kind, in ``orders.deadlines.ACTIONS``.
    """

    class Kind(models.TextChoices):
        RESPONSE = "response", _("响应承诺")  # R-IN-4
        CONSULT_FOLLOWUP = "consult_followup", _("咨询跟踪回访")  # R-AN-2
        CALLBACK = "callback", _("完工回访")  # R-QA-1
        CALL_REPLY = "call_reply", _("来电承诺回复")  # R-IN-8
        VERIFY = "verify", _("信息核实")  # R-IN-2
        VISIT_TASK = "visit_task", _("上门升级任务")  # R-AR-2, R-AR-5, R-AR-6, R-AR-7
        OUTLET_ACCEPT = "outlet_accept", _("网点接单时限")  # R-DI-1
        LATE_CALL = "late_call", _("迟到前致电")  # R-AR-5
        RISK_CHECK = "risk_check", _("迟到风险检查")  # R-DI-9
        COMPLAINT_ANSWER = "complaint_answer", _("投诉答复时限")  # R-QA-3
        DEPARTURE = "departure", _("按时出发")  # R-DI-7
        ARRIVAL = "arrival", _("按预约时间到达")  # R-AR-5, R-DI-7
        HURRY = "hurry", _("客户催单回复")  # R-IN-5

    # the promises people make and keep (counted by the promise KPI and listed for their owner);
    # the other kinds are clocks of a capability (offer, late call, complaint level) or internal checks
    PROMISE_KINDS = (
        Kind.RESPONSE,
        Kind.CONSULT_FOLLOWUP,
        Kind.CALLBACK,
        Kind.CALL_REPLY,
        Kind.VERIFY,
        Kind.VISIT_TASK,
        Kind.HURRY,
    )

    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        MET = "met", _("已达成")
        OVERDUE = "overdue", _("已超时")
        CANCELLED = "cancelled", _("已撤销")

    LIVE = (State.OPEN, State.OVERDUE)

    order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="deadlines", null=True, blank=True
    )
    call = models.ForeignKey(
        "orders.CallRecord", on_delete=models.PROTECT, related_name="deadlines", null=True, blank=True
    )
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    rule = models.CharField("规范条款", max_length=20)
    ref = models.CharField("关联", max_length=60, blank=True, db_index=True)  # e.g. visits.EscalationTask:12
    owner = models.ForeignKey(
        "network.Staff", on_delete=models.PROTECT, related_name="deadlines", null=True, blank=True
    )
    not_before = models.DateTimeField("最早", null=True, blank=True)
    due_at = models.DateTimeField("到期", db_index=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    met_at = models.DateTimeField("达成时间", null=True, blank=True)
    overdue_at = models.DateTimeField("超时时间", null=True, blank=True)
    acted_at = models.DateTimeField("处理时间", null=True, blank=True)  # when the worker acted on it
    attempts = models.PositiveSmallIntegerField("失败次数", default=0)  # actions that raised
    last_error = models.CharField("最近错误", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "时限"
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="deadline_due_idx"),
            # an order's deadline of a kind (the queues rank each order by its response or callback
            # deadline: thousands of look-ups a page, each one entry instead of every timer of the order)
            models.Index(fields=["order", "kind"], name="deadline_order_kind_idx"),
            # the promise KPI's recent days (R-QA-4): the promises due in a range, not every timer, read from
            # the index alone (PostgreSQL: with what the count needs; on a day of 30,000 promises the table's
            # rows were 7,000 pages read per dashboard)
            models.Index(
                fields=["due_at"],
                include=["order", "state", "overdue_at", "met_at"],
                name="deadline_promise_due_idx",
                condition=Q(
                    kind__in=[
                        "response",
                        "consult_followup",
                        "callback",
                        "call_reply",
                        "verify",
                        "visit_task",
                        "hurry",
                    ]
                ),  # PROMISE_KINDS (a test keeps the two the same)
            ),
            # the owner's live deadlines (order list, desk): met and cancelled ones stay out of it
            models.Index(
                fields=["owner", "due_at"],
                condition=Q(state__in=["open", "overdue"]),
                name="deadline_live_owner_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE


class IdempotencyKey(models.Model):
    """A retried create with the same ``Idempotency-Key`` returns the same order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return self.key


class UrgencyRule(models.Model):
    """Triage as data (R-IN-4): e.g. an air conditioner not cooling in the summer months is urgent."""

    brand = models.ForeignKey("network.Brand", on_delete=models.CASCADE, related_name="urgency_rules")
    line = models.ForeignKey("catalog.ProductLine", on_delete=models.CASCADE, null=True, blank=True)
    keywords = models.CharField("症状关键词（逗号分隔，任一命中）", max_length=200)
    months = models.CharField("适用月份（逗号分隔，空为全年）", max_length=40, blank=True)
    priority = models.CharField("优先级", max_length=10, choices=Priority.choices, default=Priority.URGENT)
    note = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "紧急程度规则"

    def __str__(self) -> str:
        return f"{self.keywords} → {self.get_priority_display()}"

    def matches(self, *, symptoms: list[str], line_id: int | None, month: int) -> bool:
        if not self.active or (self.line_id and self.line_id != line_id):
            return False
        months = {int(m) for m in self.months.replace("，", ",").split(",") if m.strip().isdigit()}
        if months and month not in months:
            return False
        words = [w.strip() for w in self.keywords.replace("，", ",").split(",") if w.strip()]
        return any(w in s for w in words for s in symptoms)


class CallRecord(models.Model):
    """Incoming and outgoing calls (R-IN-8): the promised reply time is the agent's deadline."""

    class Direction(models.TextChoices):
        IN = "in", _("来电")
        OUT = "out", _("去电")

    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    agent = models.ForeignKey("network.Staff", on_delete=models.PROTECT, related_name="calls")
    phone = models.CharField("号码（E.164）", max_length=20, db_index=True)
    caller_name = models.CharField("来电人", max_length=50, blank=True)
    product = models.CharField("产品", max_length=100, blank=True)
    question = models.CharField("问题", max_length=500)
    promised_reply_at = models.DateTimeField("承诺回复时间", null=True, blank=True)
    read_back_confirmed = models.BooleanField("已复述确认", default=False)
    order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "通话记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.phone} {self.at:%m-%d %H:%M}"


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
    locked: bool = False,
    first: bool = False,
) -> OrderEvent:
    """Append one event to the order's record (一票到底, R-CO-4).

    The next sequence number is taken under the order's row lock, so concurrent writers (a move, the
    worker firing a deadline, a complaint escalation) queue up instead of colliding on ``seq``.
    ``locked``: the caller already holds that lock in its transaction (a move). ``first``: the order was
    inserted in the caller's transaction, so no one else can see it yet and this is its event number 1;
    the object then counts the events written through it until the inserter ends that (``inserted_seq``).
    """
    kind = EventKind(kind)
    # no savepoint inside a caller's transaction (two round trips per event): a failure here fails the caller
    with transaction.atomic(savepoint=False):
        if first:
            last = 0
        elif order.inserted_seq is not None:
            last = order.inserted_seq
        else:
            if not locked:
                list(WorkOrder.objects.select_for_update().filter(pk=order.pk).values_list("pk", flat=True))
            last = OrderEvent.objects.filter(order=order).aggregate(m=Max("seq"))["m"] or 0
        if first or order.inserted_seq is not None:
            order.inserted_seq = last + 1
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
