"""Catalogue: product lines and models, warranty policy and the published fee standard."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStamped


class ProductLine(models.Model):
    code = models.SlugField("代码", unique=True)
    name = models.CharField("产品线", max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = "产品线"

    def __str__(self) -> str:
        return self.name


class ProductModel(TimeStamped):
    brand = models.ForeignKey("network.Brand", on_delete=models.PROTECT, related_name="models")
    line = models.ForeignKey(ProductLine, on_delete=models.PROTECT, related_name="models")
    code = models.CharField("型号", max_length=60)
    name = models.CharField("名称", max_length=100)
    launched_on = models.DateField("上市日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "产品型号"
        constraints = [models.UniqueConstraint(fields=["brand", "code"], name="model_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WarrantyPolicy(TimeStamped):
    """R-AN-7: whole-unit years, longer part-level coverage, exclusions, free maintenance."""

    brand = models.ForeignKey("network.Brand", on_delete=models.CASCADE, related_name="warranty_policies")
    line = models.ForeignKey(ProductLine, on_delete=models.CASCADE, related_name="warranty_policies")
    whole_unit_years = models.PositiveSmallIntegerField("整机保修（年）")
    part_years = models.JSONField("部件保修（年）", default=dict, blank=True, help_text='如 {"压缩机": 10}')
    exclusions = models.TextField("不保范围", blank=True, default="人为损坏、不可抗力")
    free_maintenance = models.BooleanField("保内免费保养", default=True)
    sold_after = models.DateField("适用于此日期后售出", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "保修政策"

    def __str__(self) -> str:
        return f"{self.brand} {self.line} 整机{self.whole_unit_years}年"


MEASURED_UNITS = frozenset(
    {"米", "m", "厘米", "cm", "千克", "公斤", "kg", "克", "g", "升", "l", "毫升", "ml"}
)


class FeeItem(TimeStamped):
    """One line of the brand's published fee standard (R-SV-2): nothing can be charged outside it."""

    class Kind(models.TextChoices):
        LABOUR = "labour", _("人工费")
        PART = "part", _("配件")
        MATERIAL = "material", _("材料")
        TRAVEL = "travel", _("上门费")

    brand = models.ForeignKey("network.Brand", on_delete=models.PROTECT, related_name="fee_items")
    code = models.CharField("收费编码", max_length=40)
    name = models.CharField("项目", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, null=True, blank=True, verbose_name="产品线"
    )
    unit = models.CharField("单位", max_length=10, default="次")
    price = models.DecimalField("标准价（元）", max_digits=10, decimal_places=2)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "收费标准"
        constraints = [models.UniqueConstraint(fields=["brand", "code"], name="fee_code_unique")]

    def __str__(self) -> str:
        return f"{self.name} ¥{self.price}/{self.unit}"

    def amount(self, quantity: Decimal) -> Decimal:
        return (self.price * quantity).quantize(Decimal("0.01"))

    @property
    def whole_units(self) -> bool:
        """Counted items (次, 个, 台 …) take whole numbers; measured ones (米, 千克 …) may take fractions."""
        return self.unit.strip().lower() not in MEASURED_UNITS


class FaultCase(TimeStamped):
    """A fault knowledge-base entry (R-AN-1): symptom → causes, measures, parts; fed back from closures."""

    line = models.ForeignKey(ProductLine, on_delete=models.CASCADE, related_name="fault_cases")
    key = models.CharField("编号", max_length=60, unique=True)
    data = models.JSONField("内容")  # doorstep.catalog.knowledge.FaultCase.to_dict()
    source = models.CharField("来源", max_length=60, default="seed")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "故障知识库"

    def __str__(self) -> str:
        return f"{self.key} {self.data.get('symptom', '')}"
