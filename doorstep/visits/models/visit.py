"""Records of the technician's visit (docs/standard.md §4–7): checklists, diagnosis, the accepted quote,
escalation tasks, the take-back receipt, one-time signing codes, replay keys and the stored report."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.uploads import RandomName


def _default_data_lines() -> list[str]:
    """Referenced by migration 0002 (the former VisitPolicy); the number now lives in core.policy."""
    return ["tv", "pc", "phone", "broadband"]


class Checklist(models.Model):
    """One ticked checklist (CHECK rules). The latest of a kind counts; earlier ones stay as history."""

    class Kind(models.TextChoices):
        KIT = "kit", _("出发前自检")  # R-PR-1, R-PR-3
        ENTRY = "entry", _("进门规范")  # R-AR-4
        SAFETY = "safety", _("安全检查")  # R-SV-7
        COMPLETION = "completion", _("完工检查")  # R-SV-8, R-SV-9, R-CO-3
        ONE_STOP = "one_stop", _("一站式产品通检")  # R-SV-10
        INSTALL_GOODS = "install_goods", _("到货清点")  # R-CO-6

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="checklists")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    items = models.JSONField("检查项", default=list)  # [{code, label, done, required, …}]
    data = models.JSONField("附加内容", default=dict, blank=True)
    complete = models.BooleanField("全部完成", default=False)
    by = models.CharField("检查人", max_length=60)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "检查清单"
        ordering = ["order", "kind", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class Diagnosis(models.Model):
    """Diagnose before repairing (R-SV-1): notes, measured values, causes (knowledge base or typed)."""

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="diagnoses")
    notes = models.TextField("诊断说明", blank=True)
    measurements = models.JSONField("测量值", default=dict, blank=True)
    causes = models.JSONField("故障原因", default=list, blank=True)  # [{fault, cause, source, case}]
    opens_casing = models.BooleanField("需开机壳", default=False)  # R-SV-4
    touches_data = models.BooleanField("涉及存储数据", default=False)  # R-SV-4
    height_work = models.BooleanField("高空作业", default=False)  # R-SV-7
    by = models.CharField("工程师", max_length=60)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "故障诊断"
        ordering = ["order", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.at:%m-%d %H:%M}"


class Quote(models.Model):
    """A quote the customer accepted (R-SV-2, R-IN-9): the charge lines as they saw them.

    It is current while the order's charge lines still match ``fingerprint``; any change to the lines
    makes it stale and a new acceptance is needed.
    """

    class Method(models.TextChoices):
        CUSTOMER_MODE = "customer_mode", _("工程师设备客户模式")
        CUSTOMER_LINK = "customer_link", _("客户本人手机（跟踪链接）")
        PHONE_AGREED = "phone_agreed", _("客户电话同意（员工记录）")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="quotes")
    version = models.PositiveIntegerField("版本")
    lines = models.JSONField("报价明细")
    fingerprint = models.CharField("明细指纹", max_length=64)
    total = models.DecimalField("合计", max_digits=10, decimal_places=2)
    due = models.DecimalField("应付", max_digits=10, decimal_places=2)
    accepted_by = models.CharField("确认人", max_length=50)
    method = models.CharField("确认方式", max_length=20, choices=Method.choices)
    accepted_at = models.DateTimeField("确认时间")

    class Meta:
        verbose_name = verbose_name_plural = "客户确认的报价"
        ordering = ["order", "-version"]
        constraints = [models.UniqueConstraint(fields=["order", "version"], name="quote_version_unique")]

    def __str__(self) -> str:
        return f"{self.order_id} v{self.version} ¥{self.due}"


class EscalationTask(models.Model):
    """A task the visit opens for someone else: apology visit, rebooking, address check (R-AR-2/5/6/7)."""

    class Kind(models.TextChoices):
        LATENESS = "lateness", _("迟到致歉升级")  # R-AR-5
        REBOOK = "rebook", _("无人在家重新预约")  # R-AR-2
        WRONG_CUSTOMER = "wrong_customer", _("客户信息核实")  # R-AR-6
        SPECIAL_CASE = "special_case", _("非本人在家特殊情况")  # R-AR-7
        GO_ANYWAY = "go_anyway", _("客户电话未接通，工程师按时上门")  # R-DI-5
        SENIOR_REBOOK = "senior_rebook", _("拒绝入户/质疑资质：改派更资深的工程师")  # R-DI-10

    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        DONE = "done", _("已处理")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="escalations")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    rule = models.CharField("规范条款", max_length=20)
    owner = models.ForeignKey(
        "network.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="visit_tasks"
    )
    note = models.CharField("说明", max_length=300, blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    deadline = models.OneToOneField(  # its due time (kind visit_task), acted on by the worker
        "orders.Deadline", on_delete=models.PROTECT, related_name="visit_task", null=True, blank=True
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    created_at = models.DateTimeField("创建时间")
    done_at = models.DateTimeField("处理时间", null=True, blank=True)
    outcome = models.CharField("处理结果", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "上门升级任务"
        ordering = ["state", "deadline__due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order_id}"

    @property
    def due_at(self) -> datetime | None:
        return self.deadline.due_at if self.deadline else None


class TakeBack(models.Model):
    """The unit taken back to the shop (R-SV-6, R-AN-6): receipt, reason, and its sub-state."""

    class Reason(models.TextChoices):
        NOT_TODAY = "not_today", _("当天无法修复")
        MISSING_PARTS = "missing_parts", _("缺少配件或工具")
        BOARD = "board", _("需更换电路板")
        SUBSTITUTION = "substitution", _("需复杂替换排查")
        INTERMITTENT = "intermittent", _("间歇性故障")

    class Stage(models.TextChoices):
        TAKEN = "taken", _("已拉回")
        IN_WORKSHOP = "in_workshop", _("维修中（车间）")
        REPAIRED = "repaired", _("已修复待送回")
        RETURNED = "returned", _("已送回")

    order = models.OneToOneField("orders.WorkOrder", on_delete=models.PROTECT, related_name="take_back")
    receipt_no = models.CharField("拉修单号", max_length=40, unique=True)
    reason = models.CharField("原因", max_length=20, choices=Reason.choices)
    items = models.CharField("带走物品", max_length=300)
    condition = models.CharField("外观状况", max_length=300, blank=True)
    stage = models.CharField("进度", max_length=20, choices=Stage.choices, default=Stage.TAKEN)
    at = models.DateTimeField("拉回时间")

    class Meta:
        verbose_name = verbose_name_plural = "拉回维修"

    def __str__(self) -> str:
        return self.receipt_no


class SignCode(models.Model):
    """A one-time code sent to the customer's phone: signing in customer mode needs it (R-CO-1)."""

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="sign_codes")
    code_hash = models.CharField(max_length=128)
    phone = models.CharField("手机", max_length=20)
    sent_at = models.DateTimeField("发送时间")
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "签字验证码"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.sent_at:%H:%M}"


class OutboundSms(models.Model):
    """Text messages to customers (simulated gateway: kept here, shown in the demo)."""

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="+", null=True)
    phone = models.CharField("手机", max_length=20)
    text = models.CharField("内容", max_length=300)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "短信"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.phone} {self.text[:20]}"


class ProcessedAction(models.Model):
    """An idempotency key of a technician action: a replayed offline action is done only once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    path = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="visit_action_key_unique")]

    def __str__(self) -> str:
        return self.key


class VisitPhoto(models.Model):
    """A photo taken on the visit (the message note left at the door, R-AR-2)."""

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="visit_photos")
    kind = models.CharField("类型", max_length=30)
    # a random name with the sniffed extension; the content was checked and re-encoded (doorstep.core.uploads)
    image = models.FileField("照片", upload_to=RandomName("visits/photos"))
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "上门照片"

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class ServiceReport(models.Model):
    """The service report PDF attached to the order and shown on the customer's tracking page (R-CO-1)."""

    order = models.OneToOneField("orders.WorkOrder", on_delete=models.PROTECT, related_name="service_report")
    file = models.FileField("服务报告", upload_to="reports/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    generated_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = verbose_name_plural = "服务报告"

    def __str__(self) -> str:
        return self.file.name or ""
