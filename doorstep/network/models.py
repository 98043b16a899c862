"""The service network (docs/standard.md §0): brand → service centre → outlets, staff and technicians."""

from __future__ import annotations

from dataclasses import Field as DataclassField
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStamped
from doorstep.core.policy import STORED_NAMES, StarRule, declared
from doorstep.core.uploads import RandomName
from doorstep.network.roles import Role as Role  # re-exported: where Staff.role is defined


class Brand(TimeStamped):
    code = models.SlugField("代码", unique=True)
    name = models.CharField("品牌", max_length=100)
    hotline = models.CharField("服务/监督热线", max_length=30, help_text="印在监督卡上 (R-AR-4, R-PV-2)")

    class Meta:
        verbose_name = verbose_name_plural = "品牌"

    def __str__(self) -> str:
        return self.name


class ServiceCentre(TimeStamped):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="centres", verbose_name="品牌")
    name = models.CharField("服务中心", max_length=100)
    province = models.CharField("省", max_length=30)
    city = models.CharField("市", max_length=30)
    hotline = models.CharField("中心电话", max_length=30)
    address = models.CharField("送修地址", max_length=200, blank=True)  # R-IN-7 carry-in
    opening_hours = models.CharField("营业时间", max_length=100, default="周一至周日 9:00–18:00")

    class Meta:
        verbose_name = verbose_name_plural = "服务中心"

    def __str__(self) -> str:
        return self.name


class Outlet(TimeStamped):
    """An authorised service outlet (网点) with a coverage area and brand authorisations (R-DI-1)."""

    centre = models.ForeignKey(ServiceCentre, on_delete=models.PROTECT, related_name="outlets")
    code = models.SlugField("网点编码", unique=True)
    name = models.CharField("网点", max_length=100)
    address = models.CharField("地址", max_length=200)
    phone = models.CharField("电话", max_length=30)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    brands = models.ManyToManyField(Brand, related_name="outlets", verbose_name="授权品牌")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "网点"

    def __str__(self) -> str:
        return self.name


class Coverage(models.Model):
    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="coverage")
    province = models.CharField("省", max_length=30)
    city = models.CharField("市", max_length=30)
    district = models.CharField("区/县", max_length=30)

    class Meta:
        verbose_name = verbose_name_plural = "覆盖区域"
        constraints = [
            models.UniqueConstraint(fields=["outlet", "province", "city", "district"], name="coverage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.city}{self.district}"


class Staff(TimeStamped):
    """A person working in the network. Centre roles have no outlet; outlet roles have one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    centre = models.ForeignKey(ServiceCentre, on_delete=models.PROTECT, related_name="staff")
    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, related_name="staff", null=True, blank=True, verbose_name="网点"
    )
    phone = models.CharField("电话", max_length=30, blank=True)
    # the interface language of this person, on every device (walk finding 17): empty until the first
    # log-in, which keeps the language the log-in page was read in; the header's selector changes it
    # (doorstep.web.language)
    language = models.CharField("界面语言", max_length=10, choices=settings.LANGUAGES, blank=True, default="")

    class Meta:
        verbose_name = verbose_name_plural = "员工"

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class Seniority(models.IntegerChoices):
    """A technician's seniority (R-DI-10: a customer who refused one is rebooked with a more senior one)."""

    JUNIOR = 1, _("初级工程师")
    INTERMEDIATE = 2, _("中级工程师")
    SENIOR = 3, _("高级工程师")
    EXPERT = 4, _("技师（技术专家）")


class Technician(TimeStamped):
    staff = models.OneToOneField(Staff, on_delete=models.CASCADE, related_name="technician")
    permit_no = models.CharField("上岗证号", max_length=40, unique=True)
    photo = models.FileField(
        "照片",
        max_length=200,
        blank=True,
        upload_to=RandomName("technicians/photos"),
        help_text="客户核验身份用的本人照片 (R-PV-2)；JPEG、PNG 或 WebP",
    )
    home_lat = models.FloatField("住址纬度", null=True, blank=True)
    home_lng = models.FloatField("住址经度", null=True, blank=True)
    product_lines = models.ManyToManyField(
        "catalog.ProductLine", related_name="technicians", verbose_name="技能（产品线）", blank=True
    )
    star_level = models.PositiveSmallIntegerField("星级", default=0)
    seniority = models.PositiveSmallIntegerField(
        "资深级别", choices=Seniority.choices, default=Seniority.JUNIOR, help_text="R-DI-10"
    )

    class Meta:
        verbose_name = verbose_name_plural = "工程师"

    def __str__(self) -> str:
        return self.staff.name

    @property
    def outlet(self) -> Outlet | None:
        return self.staff.outlet

    def valid_qualifications(self, on: date) -> list[Qualification]:
        return [q for q in self.qualifications.all() if q.is_valid(on)]


class Qualification(models.Model):
    """Work permit, star-service, height-work … with an expiry (R-DI-2, R-PR-2, R-QA-7)."""

    class Kind(models.TextChoices):
        WORK_PERMIT = "work_permit", _("上岗证")
        STAR_SERVICE = "star_service", _("星级服务")
        HEIGHT_WORK = "height_work", _("高空作业证")
        ELECTRICIAN = "electrician", _("电工证")
        REFRIGERANT = "refrigerant", _("制冷作业证")

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="qualifications")
    kind = models.CharField("资质", max_length=20, choices=Kind.choices)
    number = models.CharField("证书编号", max_length=40)
    valid_from = models.DateField("生效")
    valid_until = models.DateField("到期")

    class Meta:
        verbose_name = verbose_name_plural = "资质"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid(self, on: date) -> bool:
        return self.valid_from <= on <= self.valid_until


class TrainingRecord(models.Model):
    """A course a staff member took; a mandatory one that lapsed blocks assignment (R-QA-7, R-DI-2).

    Kept by quality (pages, admin, expiry warnings), read by dispatch eligibility.
    """

    class Kind(models.TextChoices):
        PRODUCT = "product", _("产品技术培训")
        SERVICE = "service", _("服务规范培训")
        SAFETY = "safety", _("安全培训")
        ASSESSMENT = "assessment", _("定期考核")

    staff = models.ForeignKey("network.Staff", on_delete=models.CASCADE, related_name="training")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    course = models.CharField("课程", max_length=100)
    product_line = models.ForeignKey(
        "catalog.ProductLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_on = models.DateField("完成日期")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    score = models.PositiveSmallIntegerField("成绩", null=True, blank=True)
    passed = models.BooleanField("合格", default=True)
    mandatory = models.BooleanField("派工必需", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "培训记录"
        ordering = ["staff", "-completed_on"]

    def __str__(self) -> str:
        return f"{self.course} {self.completed_on}"

    def is_valid(self, on: date) -> bool:
        return self.passed and (self.valid_until is None or on <= self.valid_until)


class Policy(TimeStamped):
    """Stored overrides of the standard's numbers (declared with their defaults in ``core.policy``).

    One row per brand (``centre`` empty) and at most one per service centre; an empty value inherits:
    the centre's row from the brand's, the brand's from STANDARD.md's default. Read it only through
    ``doorstep.network.policy.policy_for``.
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="policies", verbose_name="品牌")
    centre = models.ForeignKey(
        ServiceCentre,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name="服务中心",
        help_text="留空：整个品牌的设置；填写：只覆盖该服务中心",
    )

    class Meta:
        verbose_name = verbose_name_plural = "服务规范参数"
        constraints = [
            models.UniqueConstraint(
                fields=["brand"], condition=models.Q(centre__isnull=True), name="policy_one_per_brand"
            ),
            models.UniqueConstraint(fields=["centre"], name="policy_one_per_centre"),
        ]

    def __str__(self) -> str:
        return f"{self.centre or self.brand} 服务规范"

    def clean(self) -> None:
        if self.centre is not None and self.centre.brand_id != self.brand_id:
            raise ValidationError({"centre": _("服务中心不属于该品牌。")})

    def overrides(self) -> dict[str, Any]:
        """The numbers this row sets (empty ones inherit)."""
        values = {name: getattr(self, name) for name in STORED_NAMES}
        if values.get("data_lines") is not None:
            values["data_lines"] = tuple(values["data_lines"])
        return {k: v for k, v in values.items() if v is not None}


def _column(spec: DataclassField[Any]) -> models.Field[Any, Any]:
    """The nullable column of one declared number; its default is shown, not stored."""
    meta, default = spec.metadata, spec.default
    shown = list(default) if isinstance(default, tuple) else default
    kw: dict[str, Any] = {
        "verbose_name": f"{meta['help']}（{meta['unit']}）{meta['rule']}",
        "help_text": f"留空 = 沿用上级设置，标准默认 {shown}",
        "null": True,
        "blank": True,
    }
    if isinstance(default, bool | int):
        return models.PositiveIntegerField(**kw)
    if isinstance(default, float):
        return models.FloatField(**kw)
    if isinstance(default, time):
        return models.TimeField(**kw)
    return models.JSONField(**kw)


for _spec in declared():
    if _spec.name in STORED_NAMES:
        Policy.add_to_class(_spec.name, _column(_spec))


class StarLevelRule(models.Model):
    """One star level of a brand's (or a centre's) policy and the KPI thresholds that earn it (R-QA-4).

    A policy row with star levels replaces the levels it inherits as a whole."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="star_rules")
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
        ordering = ["policy", "-stars"]
        constraints = [models.UniqueConstraint(fields=["policy", "stars"], name="star_level_unique")]

    def __str__(self) -> str:
        return f"{self.policy} {self.stars}★"

    def frozen(self) -> StarRule:
        return StarRule(
            stars=self.stars,
            min_orders=self.min_orders,
            min_on_time=self.min_on_time,
            min_first_fix=self.min_first_fix,
            max_repeat=self.max_repeat,
            min_satisfaction=self.min_satisfaction,
            max_complaint_rate=self.max_complaint_rate,
            max_language_flags=self.max_language_flags,
        )
