"""Dispatch data (docs/standard.md §3, R-PR-2, R-AR-5): skills, safety equipment, the working
calendar, shifts and leave, outlet acceptance, the call-before-late deadline, and day plans."""

from __future__ import annotations

from datetime import date, datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.policy import Policy
from doorstep.network.models import Qualification
from doorstep.orders.models import Deadline, ServiceType


def _months_later(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month when it does not exist)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


class TechnicianSkill(models.Model):
    """A skill per product line and service type (R-DI-2). Without rows for a line, the technician's
    product-line skill covers every service type of it."""

    technician = models.ForeignKey("network.Technician", on_delete=models.CASCADE, related_name="skills")
    line = models.ForeignKey("catalog.ProductLine", on_delete=models.CASCADE, verbose_name="产品线")
    service_type = models.CharField("服务类型", max_length=20, choices=ServiceType.choices)

    class Meta:
        verbose_name = verbose_name_plural = "工程师技能"
        constraints = [
            models.UniqueConstraint(fields=["technician", "line", "service_type"], name="skill_unique")
        ]

    def __str__(self) -> str:
        return f"{self.line} {self.get_service_type_display()}"


class SafetyEquipment(models.Model):
    """Safety equipment with expiry (R-PR-2): helmets ≤ 2.5 years, insulating shoes tested every 6 months."""

    class Kind(models.TextChoices):
        HELMET = "helmet", _("安全帽")
        INSULATING_SHOES = "insulating_shoes", _("绝缘鞋")
        SAFETY_BELT = "safety_belt", _("安全带/安全绳")

    technician = models.ForeignKey("network.Technician", on_delete=models.CASCADE, related_name="equipment")
    kind = models.CharField("装备", max_length=20, choices=Kind.choices)
    serial = models.CharField("编号", max_length=40, blank=True)
    issued_on = models.DateField("出厂/启用日期")
    tested_on = models.DateField("最近检测日期", null=True, blank=True)
    retired = models.BooleanField("已报废", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "安全装备"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"

    def valid_until(self, policy: Policy) -> date | None:
        """R-PR-2: helmet from its issue date, shoes from their last test; a belt until retired."""
        if self.kind == self.Kind.HELMET:
            return _months_later(self.issued_on, policy.helmet_max_months)
        if self.kind == self.Kind.INSULATING_SHOES:
            return _months_later(self.tested_on or self.issued_on, policy.shoes_test_months)
        return None

    def is_valid(self, on: date, policy: Policy) -> bool:
        until = self.valid_until(policy)
        return not self.retired and self.issued_on <= on and (until is None or on <= until)


class JobRequirement(models.Model):
    """Which jobs need which qualification or equipment (R-PR-2: expired ones block dispatch).

    Empty line or service type means "any"; e.g. air-conditioner installation (outdoor unit) needs the
    height-work permit, a helmet and a safety belt.
    """

    brand = models.ForeignKey("network.Brand", on_delete=models.CASCADE, related_name="job_requirements")
    line = models.ForeignKey("catalog.ProductLine", on_delete=models.CASCADE, null=True, blank=True)
    service_type = models.CharField("服务类型", max_length=20, choices=ServiceType.choices, blank=True)
    qualification = models.CharField(
        "所需资质", max_length=20, choices=Qualification.Kind.choices, blank=True
    )
    equipment = models.CharField("所需装备", max_length=20, choices=SafetyEquipment.Kind.choices, blank=True)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "作业要求"

    def __str__(self) -> str:
        return self.note or f"{self.line or '*'} {self.service_type or '*'}"

    def applies(self, line_id: int | None, service_type: str) -> bool:
        return (self.line_id is None or self.line_id == line_id) and (
            not self.service_type or self.service_type == service_type
        )


class CalendarDay(models.Model):
    """Override of the public-holiday calendar (a new year's schedule, a local holiday, a typhoon day)."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日")
    name = models.CharField("名称", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日/调休（覆盖）"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'班' if self.is_workday else '休'} {self.name}"


class Shift(models.Model):
    """A technician's hours on working days or on rest days (weekends, public holidays).

    Without rows the technician works the brand's service hours on working days (R-DI-3); with a rest-day
    row they also work weekends and holidays (a rota).
    """

    class DayType(models.TextChoices):
        WORKDAY = "workday", _("工作日")
        RESTDAY = "restday", _("休息日/节假日")

    technician = models.ForeignKey("network.Technician", on_delete=models.CASCADE, related_name="shifts")
    day_type = models.CharField("适用日", max_length=10, choices=DayType.choices)
    start = models.TimeField("上班")
    end = models.TimeField("下班")

    class Meta:
        verbose_name = verbose_name_plural = "班次"
        constraints = [models.UniqueConstraint(fields=["technician", "day_type"], name="shift_unique")]

    def __str__(self) -> str:
        return f"{self.get_day_type_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Leave(models.Model):
    """Leave (annual, sick, training …) from ``starts_at`` to ``ends_at``."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("年假")
        SICK = "sick", _("病假")
        PERSONAL = "personal", _("事假")
        TRAINING = "training", _("培训")

    technician = models.ForeignKey("network.Technician", on_delete=models.CASCADE, related_name="leaves")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "请假"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%m-%d}–{self.ends_at:%m-%d}"


# one set of deadline states for every timer: the offer's and the late call's are their Deadline's
DeadlineState = Deadline.State


class OutletOffer(models.Model):
    """An order offered to an outlet (R-DI-1): accepted within the policy time, or back to the centre.

    Its acceptance clock is its ``deadline`` (kind ``outlet_accept``); ``outcome`` is the domain result.
    """

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="outlet_offers")
    outlet = models.ForeignKey("network.Outlet", on_delete=models.PROTECT, related_name="offers")
    offered_at = models.DateTimeField("派单时间")
    deadline = models.OneToOneField(
        "orders.Deadline", on_delete=models.PROTECT, related_name="outlet_offer", null=True, blank=True
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField(
        "结果", max_length=20, blank=True
    )  # accepted / declined / transferred / timeout

    class Meta:
        verbose_name = verbose_name_plural = "网点接单"
        ordering = ["-offered_at"]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.outlet_id}"

    @property
    def due_at(self) -> datetime | None:
        return self.deadline.due_at if self.deadline else None

    @property
    def state(self) -> str:
        return self.deadline.state if self.deadline else DeadlineState.CANCELLED

    def get_state_display(self) -> str:
        return str(DeadlineState(self.state).label)


class LateCall(models.Model):
    """The call-before-late deadline (R-AR-5): due 1–2 minutes before the appointment of a visit at risk.

    Its clock is its ``deadline`` (kind ``late_call``); ``met_at`` and ``note`` record the call itself.
    """

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="late_calls")
    technician = models.ForeignKey("network.Technician", on_delete=models.PROTECT, related_name="+")
    deadline = models.OneToOneField(
        "orders.Deadline", on_delete=models.PROTECT, related_name="late_call", null=True, blank=True
    )
    eta = models.DateTimeField("预计到达", null=True, blank=True)
    created_at = models.DateTimeField("创建时间")
    met_at = models.DateTimeField("致电时间", null=True, blank=True)
    note = models.CharField("致电内容", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "迟到前致电"
        ordering = ["deadline__due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.due_at:%H:%M}"

    @property
    def due_at(self) -> datetime:
        return self.deadline.due_at if self.deadline else self.created_at

    @property
    def state(self) -> str:
        return self.deadline.state if self.deadline else DeadlineState.CANCELLED

    def get_state_display(self) -> str:
        return str(DeadlineState(self.state).label)


class PlanRun(models.Model):
    """One "optimise the day" run of an outlet, with progress and the before/after figures."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        APPLIED = "applied", _("已采用")

    outlet = models.ForeignKey("network.Outlet", on_delete=models.CASCADE, related_name="plan_runs")
    day = models.DateField("日期")
    requested_by = models.ForeignKey("network.Staff", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField("进度 %", default=0)
    stage = models.CharField("阶段", max_length=60, blank=True)
    seconds = models.PositiveIntegerField("计算时长（秒）", default=10)
    before = models.JSONField("优化前", default=dict, blank=True)
    after = models.JSONField("优化后", default=dict, blank=True)
    plan = models.JSONField("方案", default=dict, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "路线优化"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.day} {self.get_state_display()}"


class PlannedVisit(models.Model):
    """A visit's place in the technician's day plan and its R-DI-7 departure time."""

    order = models.OneToOneField("orders.WorkOrder", on_delete=models.CASCADE, related_name="planned")
    technician = models.ForeignKey("network.Technician", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(PlanRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sequence = models.PositiveSmallIntegerField("顺序")
    depart_at = models.DateTimeField("出发时间")
    arrive_at = models.DateTimeField("预计到达")
    start_at = models.DateTimeField("开始服务")
    proposed = models.BooleanField("建议时间（待与客户确认）", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "计划上门"
        ordering = ["technician", "sequence"]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.sequence}"


class DayReplan(models.Model):
    """A live re-plan of an outlet's planned day after an event (an urgent order, a cancel, an overrun, a
    technician going home sick): only the affected technicians, computed by the background worker.

    ``moves``: what moved and why (order, technician from → to, planned start old → new, reason = the
    event); ``to_call``: customers whose confirmed time would change — listed for a call (R-DI-8), their
    appointment unchanged until the dispatcher logs the call (the reschedule move)."""

    class Kind(models.TextChoices):
        URGENT = "urgent", _("紧急工单插入")
        CANCEL = "cancel", _("客户取消")
        OVERRUN = "overrun", _("上门超时")
        SICK = "sick", _("工程师病假离岗")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        APPLIED = "applied", _("已采用")

    outlet = models.ForeignKey("network.Outlet", on_delete=models.CASCADE, related_name="replans")
    day = models.DateField("日期")
    kind = models.CharField("触发事件", max_length=10, choices=Kind.choices)
    order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    technician = models.ForeignKey(
        "network.Technician", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.JSONField("事件数据", default=dict, blank=True)  # e.g. the cancelled visit's stop
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    moves = models.JSONField("调整", default=list, blank=True)
    to_call = models.JSONField("需致电客户", default=list, blank=True)
    technicians = models.JSONField("重排的工程师", default=list, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "计划调整"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.day} {self.get_kind_display()}"
