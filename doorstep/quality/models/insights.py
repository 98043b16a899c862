"""Information value-add (信息增值, R-QA-5): structured fault codes, field insights routed to the
product, quality and parts departments, and early warnings on models whose repair rate rises."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FaultRecord(models.Model):
    """The technician's structured fault code: model × component × symptom × cause × fix (R-QA-5)."""

    order = models.OneToOneField("orders.WorkOrder", on_delete=models.PROTECT, related_name="fault_record")
    product_model = models.ForeignKey(
        "catalog.ProductModel", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    component = models.CharField("部件", max_length=60)
    symptom = models.CharField("现象", max_length=100)
    cause = models.CharField("原因", max_length=100)
    fix = models.CharField("处理", max_length=100)
    recorded_by = models.ForeignKey("network.Staff", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = verbose_name_plural = "故障编码"

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        model = self.product_model.code if self.product_model else "—"
        return " × ".join((model, self.component, self.symptom, self.cause, self.fix))


class Insight(models.Model):
    """A field idea for the product, quality or parts department, tracked to an outcome (R-QA-5)."""

    class Department(models.TextChoices):
        PRODUCT = "product", _("产品开发")
        QUALITY = "quality", _("质量改进")
        PARTS = "parts", _("配件供应")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("已采纳")
        IN_PROGRESS = "in_progress", _("处理中")
        DONE = "done", _("已落实")
        DECLINED = "declined", _("未采纳")

    order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="insights"
    )
    centre = models.ForeignKey("network.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    product_model = models.ForeignKey(
        "catalog.ProductModel", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.CharField("部门", max_length=20, choices=Department.choices)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容")
    author = models.ForeignKey("network.Staff", on_delete=models.PROTECT, related_name="insights")
    submitted_at = models.DateTimeField("提交时间", db_index=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED)
    department_note = models.CharField("部门反馈", max_length=300, blank=True)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "信息增值"
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class EarlyWarning(models.Model):
    """A model (or purchase-month cohort) whose repairs rose significantly above baseline (R-QA-5)."""

    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        ACKNOWLEDGED = "acknowledged", _("已确认")

    centre = models.ForeignKey("network.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    product_model = models.ForeignKey("catalog.ProductModel", on_delete=models.PROTECT, related_name="+")
    cohort = models.CharField("购买月份批次", max_length=7, blank=True)
    window_start = models.DateTimeField("窗口开始")
    window_end = models.DateTimeField("窗口结束")
    observed = models.PositiveIntegerField("本期维修单")
    expected = models.FloatField("基线期望")
    p_value = models.FloatField("p 值")
    test = models.CharField("检验", max_length=40)
    order_ids = models.JSONField("相关工单", default=list)
    created_at = models.DateTimeField("生成时间")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN)

    class Meta:
        verbose_name = verbose_name_plural = "维修率预警"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "product_model", "cohort", "window_end"], name="early_warning_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_model} {self.cohort} {self.observed}/{self.expected:.1f}"

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else float("inf")
