"""The KPIs' facts and daily sums (R-QA-4), kept from the order's event log.

``KpiFact``: one observation behind a figure (an arrival on time or not, a completion fixed first time,
a callback made in its window …), derived from one order's history and rewritten whenever an event that
changes it is appended (in that event's transaction). ``KpiDaily``: the facts summed per centre, day,
metric, outlet and technician, moved by the same write, so a dashboard over a year reads one row per
day and person instead of every event. ``KpiSettled``: up to which day a centre's promises (deadlines)
are summed in ``KpiDaily``; later days are read from the deadlines themselves.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class KpiFact(models.Model):
    centre_id = models.PositiveIntegerField("服务中心")
    order = models.ForeignKey("orders.WorkOrder", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField("指标", max_length=16)
    at = models.DateTimeField("时间")
    day = models.DateField("日期")
    outlet_id = models.PositiveIntegerField("网点", null=True, blank=True)
    technician_id = models.PositiveIntegerField("工程师", null=True, blank=True)
    ok = models.PositiveSmallIntegerField("达成", default=0)
    total = models.PositiveSmallIntegerField("计数", default=0)
    score = models.FloatField("评分", default=0.0)
    # a callback not yet made whose window is still open: counted (as missed) once this passes (R-QA-1)
    pending_until = models.DateTimeField("待定至", null=True, blank=True)
    listed = models.BooleanField("列入明细", default=True)  # a complaint rate's denominator is not

    class Meta:
        verbose_name = verbose_name_plural = "KPI 明细"
        indexes = [
            models.Index(fields=["centre_id", "metric", "at"], name="kpifact_centre_metric_at"),
            models.Index(
                fields=["order", "metric"], name="kpifact_order_metric"
            ),  # drill-down's ok per order
            models.Index(fields=["technician_id", "metric", "at"], name="kpifact_tech_metric_at"),
            models.Index(fields=["outlet_id", "metric", "at"], name="kpifact_outlet_metric_at"),
            models.Index(
                fields=["pending_until"], name="kpifact_pending", condition=Q(pending_until__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.metric} {self.at:%Y-%m-%d %H:%M} {self.ok}/{self.total}"


class KpiDaily(models.Model):
    centre_id = models.PositiveIntegerField("服务中心")
    day = models.DateField("日期")
    metric = models.CharField("指标", max_length=16)
    outlet_id = models.PositiveIntegerField("网点", default=0)  # 0: none
    technician_id = models.PositiveIntegerField("工程师", default=0)  # 0: none
    ok = models.IntegerField("达成", default=0)
    total = models.IntegerField("计数", default=0)
    score = models.FloatField("评分合计", default=0.0)

    class Meta:
        verbose_name = verbose_name_plural = "KPI 日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["centre_id", "day", "metric", "outlet_id", "technician_id"], name="kpidaily_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.outlet_id}/{self.technician_id} {self.ok}/{self.total}"


class KpiSettled(models.Model):
    centre_id = models.PositiveIntegerField("服务中心", unique=True)
    promises_through = models.DateField("承诺时限已汇总至")

    class Meta:
        verbose_name = verbose_name_plural = "KPI 汇总进度"

    def __str__(self) -> str:
        return f"{self.centre_id} ≤ {self.promises_through}"
