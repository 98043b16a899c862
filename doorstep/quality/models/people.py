"""Privacy: the log of every look at a customer's full phone number or address (R-PV-1).

Training records (R-QA-7) are network's ``TrainingRecord``: dispatch eligibility reads them too."""

from __future__ import annotations

from django.db import models


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
