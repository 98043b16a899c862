"""People and privacy: training records that feed dispatch eligibility (R-QA-7) and the log of every
look at a customer's full phone number or address (R-PV-1)."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingRecord(models.Model):
    """A course a staff member took; a mandatory one that lapsed blocks assignment (R-QA-7, R-DI-2)."""

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


class ContactAccess(models.Model):
    """Someone saw a customer's full phone number or address (R-PV-1): who, which order, why, when."""

    staff = models.ForeignKey("network.Staff", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField("用途", max_length=60)
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户信息查看记录"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.staff_id} → {self.order_id} {self.purpose}"
