"""Callbacks, the customer's survey and complaints (STANDARD.md §8: R-QA-1, R-QA-2, R-QA-3), and the
per-brand numbers of the quality loop (R-QA-4 star thresholds, complaint deadlines, early warning)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStamped


class QualityPolicy(TimeStamped):
    """The quality loop's numbers for one brand; defaults are STANDARD.md's (or the seeds' practice)."""

    brand = models.OneToOneField("network.Brand", on_delete=models.CASCADE, related_name="quality_policy")
    callback_retry_hours = models.PositiveIntegerField("回访未接通重试间隔（小时）R-QA-1", default=4)
    callback_max_attempts = models.PositiveIntegerField("回访最多拨打次数 R-QA-1", default=3)
    low_score = models.PositiveSmallIntegerField("低分自动转投诉（≤ 分）R-QA-2/R-QA-3", default=2)
    complaint_response_hours = models.PositiveIntegerField("投诉答复时限（小时）R-QA-3", default=24)
    apology_visit_hours = models.PositiveIntegerField("上门致歉时限（小时）R-QA-3/R-AR-5", default=48)
    repeat_repair_days = models.PositiveIntegerField("重复维修判定（天）R-QA-4", default=30)
    warning_window_days = models.PositiveIntegerField("预警统计窗口（天）R-QA-5", default=30)
    warning_baseline_windows = models.PositiveIntegerField("预警基线窗口数 R-QA-5", default=6)
    warning_alpha = models.FloatField("预警显著性水平 R-QA-5", default=0.01)
    warning_min_count = models.PositiveIntegerField("预警最少维修单数 R-QA-5", default=5)

    class Meta:
        verbose_name = verbose_name_plural = "质量规范参数"

    def __str__(self) -> str:
        return f"{self.brand} 质量规范"


class StarLevelRule(models.Model):
    """One star level and the KPI thresholds that earn it (R-QA-4); the highest level met applies."""

    brand = models.ForeignKey("network.Brand", on_delete=models.CASCADE, related_name="star_rules")
    stars = models.PositiveSmallIntegerField("星级")
    min_orders = models.PositiveIntegerField("最少完工单数", default=10)
    min_on_time = models.DecimalField("准时到达率 ≥", max_digits=4, decimal_places=3, default=Decimal("0"))
    min_first_fix = models.DecimalField("一次修复率 ≥", max_digits=4, decimal_places=3, default=Decimal("0"))
    max_repeat = models.DecimalField("重复维修率 ≤", max_digits=4, decimal_places=3, default=Decimal("1"))
    min_satisfaction = models.DecimalField("满意度 ≥", max_digits=3, decimal_places=2, default=Decimal("0"))
    max_complaint_rate = models.DecimalField("投诉率 ≤", max_digits=4, decimal_places=3, default=Decimal("1"))
    max_language_flags = models.PositiveIntegerField("确认禁语次数 ≤", default=1000)

    class Meta:
        verbose_name = verbose_name_plural = "星级标准"
        ordering = ["brand", "-stars"]
        constraints = [models.UniqueConstraint(fields=["brand", "stars"], name="star_rule_unique")]

    def __str__(self) -> str:
        return f"{self.brand} {self.stars}★"


class CallbackAttempt(models.Model):
    """One call of the after-service callback (R-QA-1): reached or not, and what was learnt."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("已接通")
        UNREACHABLE = "unreachable", _("未接通")
        BUSY = "busy", _("占线/稍后再打")
        WRONG_NUMBER = "wrong_number", _("号码错误")

    class FollowUp(models.TextChoices):
        NONE = "none", _("无需处理")
        REOPEN = "reopen", _("重新上门（重开工单）")
        COMPLAINT = "complaint", _("转投诉")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="callback_attempts")
    agent = models.ForeignKey("network.Staff", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间")
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices)
    satisfaction = models.PositiveSmallIntegerField("满意度", null=True, blank=True)
    product_works = models.BooleanField("产品正常", null=True, blank=True)
    feedback = models.CharField("其他反馈", max_length=300, blank=True)
    follow_up = models.CharField("后续处理", max_length=20, choices=FollowUp.choices, default=FollowUp.NONE)
    next_try_at = models.DateTimeField("下次重试", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "回访记录"
        ordering = ["order", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.outcome}"


SCORE_FIELDS = ("timeliness", "skill", "attitude", "fees")
SCORE_LABELS = {
    "timeliness": _("及时性"),
    "skill": _("专业技能"),
    "attitude": _("服务态度"),
    "fees": _("收费合理"),
}


class Survey(models.Model):
    """The customer's own rating (R-QA-2): four dimensions 1–5 and a comment, never entered by staff."""

    class Channel(models.TextChoices):
        TRACKING = "tracking", _("服务进度页")
        SMS_LINK = "sms_link", _("短信链接")

    order = models.OneToOneField("orders.WorkOrder", on_delete=models.PROTECT, related_name="survey")
    technician = models.ForeignKey(
        "network.Technician", on_delete=models.PROTECT, null=True, blank=True, related_name="surveys"
    )
    outlet = models.ForeignKey(
        "network.Outlet", on_delete=models.PROTECT, null=True, blank=True, related_name="surveys"
    )
    timeliness = models.PositiveSmallIntegerField("及时性")
    skill = models.PositiveSmallIntegerField("专业技能")
    attitude = models.PositiveSmallIntegerField("服务态度")
    fees = models.PositiveSmallIntegerField("收费合理")
    product_works = models.BooleanField("产品正常", default=True)
    comment = models.CharField("意见", max_length=500, blank=True)
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices, default=Channel.TRACKING)
    submitted_at = models.DateTimeField("提交时间")

    class Meta:
        verbose_name = verbose_name_plural = "满意度调查"

    def __str__(self) -> str:
        return f"{self.order_id} {self.mean:.1f}"

    @property
    def scores(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in SCORE_FIELDS}

    @property
    def mean(self) -> float:
        return sum(self.scores.values()) / len(SCORE_FIELDS)


class Complaint(models.Model):
    """A complaint (R-QA-3): owned, answered within a deadline, escalated up a ladder, confirmed."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        WECHAT = "wechat", _("微信")
        WEB = "web", _("网页/服务进度页")
        CALLBACK = "callback", _("回访发现")
        SURVEY = "survey", _("满意度低分")
        ON_SITE = "on_site", _("现场")

    class Category(models.TextChoices):
        LATENESS = "lateness", _("迟到/失约")  # R-AR-5
        ATTITUDE = "attitude", _("服务态度")
        REPAIR_QUALITY = "repair_quality", _("维修质量/未修好")
        FEES = "fees", _("收费问题")  # R-SV-2
        NO_ARGUING = "no_arguing", _("与客户争吵")  # R-LG-3 …
        NO_HANGING_UP = "no_hanging_up", _("挂断客户电话")
        NO_REFUSING_WORKLOAD = "no_refusing_workload", _("以工作忙推诿")
        NO_SHIRKING = "no_shirking", _("推卸责任")
        NO_FORCED_SATISFACTION = "no_forced_satisfaction", _("强迫客户表示满意")
        NO_UNAUTHORISED_FEES = "no_unauthorised_fees", _("擅自收费/抬价")
        NO_EATING_DRINKING_SMOKING = "no_eating_drinking_smoking", _("在客户处吸烟饮食")
        NO_GIFTS = "no_gifts", _("收受或索要礼品")
        NO_USING_CUSTOMER_PHONE = "no_using_customer_phone", _("使用客户电话")
        NO_PRYING = "no_prying", _("打听客户隐私")
        NO_DISPARAGING = "no_disparaging", _("贬低客户或公司")
        NO_LEAKING_INFO = "no_leaking_info", _("泄露客户信息")  # … R-LG-3, R-PV-1
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        OPEN = "open", _("待答复")
        RESPONDED = "responded", _("已答复，待客户确认")
        RESOLVED = "resolved", _("已解决（客户确认）")

    class Level(models.IntegerChoices):
        OUTLET_MANAGER = 1, _("网点经理")
        SUPERVISOR = 2, _("中心投诉主管")
        APOLOGY_VISIT = 3, _("上门致歉")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="complaints")
    centre = models.ForeignKey("network.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    outlet = models.ForeignKey(
        "network.Outlet", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    technician = models.ForeignKey(
        "network.Technician", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    category = models.CharField("类别", max_length=40, choices=Category.choices)
    description = models.CharField("内容", max_length=500)
    opened_at = models.DateTimeField("受理时间", db_index=True)
    opened_by = models.CharField("受理人", max_length=60)
    level = models.PositiveSmallIntegerField("升级层级", choices=Level.choices, default=Level.OUTLET_MANAGER)
    owner = models.ForeignKey(
        "network.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    deadline = models.OneToOneField(  # the answer clock of the current level (kind complaint_answer)
        "orders.Deadline", on_delete=models.PROTECT, related_name="complaint", null=True, blank=True
    )
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    response = models.CharField("答复", max_length=500, blank=True)
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)
    confirmed_by = models.CharField("确认方式", max_length=60, blank=True)
    version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "投诉"
        ordering = ["deadline__due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_category_display()}"

    @property
    def response_due_at(self) -> datetime | None:
        return self.deadline.due_at if self.deadline else None

    @property
    def is_live(self) -> bool:
        return self.state != self.State.RESOLVED
