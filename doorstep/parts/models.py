"""Spare parts: stock per outlet and per technician, reservations for orders, movements (R-AN-3, R-SV-5).

Quantities never go negative: every change is a conditional UPDATE (``quantity - reserved >= n``) and the
database itself refuses a negative quantity or more reserved than on hand (check constraints).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Part(models.Model):
    """A spare part of a brand; its list price is a line of the published fee standard (R-SV-2)."""

    brand = models.ForeignKey("network.Brand", on_delete=models.PROTECT, related_name="parts")
    code = models.CharField("配件编码", max_length=40)
    name = models.CharField("配件名称", max_length=100)
    fee_item = models.ForeignKey(
        "catalog.FeeItem", on_delete=models.PROTECT, related_name="parts", verbose_name="收费标准项目"
    )
    original = models.BooleanField("原厂/认证配件", default=True)  # R-SV-5

    class Meta:
        verbose_name = verbose_name_plural = "配件"
        constraints = [models.UniqueConstraint(fields=["brand", "code"], name="part_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Stock(models.Model):
    """What one outlet's store or one technician's van holds of one part."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock")
    outlet = models.ForeignKey(
        "network.Outlet", on_delete=models.PROTECT, null=True, blank=True, related_name="stock"
    )
    technician = models.ForeignKey(
        "network.Technician", on_delete=models.PROTECT, null=True, blank=True, related_name="stock"
    )
    quantity = models.IntegerField("库存数量", default=0)
    reserved = models.IntegerField("已预留", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "库存"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_quantity_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("quantity")), name="stock_reserved_on_hand"),
            models.CheckConstraint(
                condition=Q(outlet__isnull=False, technician__isnull=True)
                | Q(outlet__isnull=True, technician__isnull=False),
                name="stock_one_holder",
            ),
            models.UniqueConstraint(fields=["part", "outlet"], name="stock_outlet_unique"),
            models.UniqueConstraint(fields=["part", "technician"], name="stock_technician_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.part} @ {self.holder}: {self.quantity}"

    @property
    def holder(self) -> str:
        return str(self.outlet or self.technician)

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class Reservation(models.Model):
    """Parts set aside for an order before the visit; listed on the kit checklist (R-PR-1, R-AN-3)."""

    class State(models.TextChoices):
        RESERVED = "reserved", _("已预留")
        USED = "used", _("已使用")
        RELEASED = "released", _("已释放")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="part_reservations")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField("数量")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.RESERVED)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "配件预留"
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_positive")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.stock.part} ×{self.quantity}"


class Movement(models.Model):
    """One change of one stock line (append-only): the stock's history and audit trail."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("入库")
        RESERVE = "reserve", _("预留")
        RELEASE = "release", _("释放预留")
        USE = "use", _("维修领用")
        TRANSFER = "transfer", _("调拨")
        RETURN = "return", _("旧件返还")

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    quantity_delta = models.IntegerField("数量变化")
    reserved_delta = models.IntegerField("预留变化", default=0)
    order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by = models.CharField("操作人", max_length=60)
    note = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "库存流水"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.stock.part} {self.quantity_delta:+d}"


class PartUse(models.Model):
    """A part fitted on an order, where it came from and what happened to the old one (R-SV-5, R-AN-3)."""

    class Source(models.TextChoices):
        TECHNICIAN = "technician", _("工程师随车库存")
        OUTLET = "outlet", _("网点库存")
        CANNIBALISED_DEFECTIVE = "cannibalised_defective", _("从故障机拆取")
        CANNIBALISED_TURNOVER = "cannibalised_turnover", _("从周转机拆取")

    class OldPartFate(models.TextChoices):
        RETURNED_TO_OUTLET = "returned_to_outlet", _("旧件交回网点")
        WARRANTY_CLAIM = "warranty_claim", _("旧件返厂索赔")
        LEFT_WITH_CUSTOMER = "left_with_customer", _("旧件留给客户")
        SCRAPPED = "scrapped", _("旧件报废")
        NONE = "none", _("无旧件（新增）")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="parts_used")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="uses")
    quantity = models.PositiveIntegerField("数量")
    source = models.CharField("来源", max_length=30, choices=Source.choices)
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, null=True, blank=True, related_name="uses")
    old_part_fate = models.CharField("旧件去向", max_length=30, choices=OldPartFate.choices)
    shown_to_customer = models.BooleanField("已向客户展示新件", default=True)  # R-SV-5
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.CharField("工程师", max_length=60)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "配件使用"

    def __str__(self) -> str:
        return f"{self.part} ×{self.quantity} ({self.source})"
