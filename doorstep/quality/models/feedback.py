"""Callbacks, the customer's survey and complaints (docs/standard.md §8: R-QA-1, R-QA-2, R-QA-3);
their numbers are in the one policy (``doorstep.network.policy``)."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.visits.models import DEVICE_MAX, Source


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
    # R-QA-2: only ever the customer's own link (visits.Source.CUSTOMER_LINK); the device it came from
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    device = models.CharField("设备", max_length=DEVICE_MAX, blank=True)

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
