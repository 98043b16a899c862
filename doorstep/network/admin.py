from typing import Any, ClassVar

from django.contrib import admin

from doorstep.network import models
from doorstep.network.policy import numbers_by_section


class CoverageInline(admin.TabularInline):
    model = models.Coverage
    extra = 1


class QualificationInline(admin.TabularInline):
    model = models.Qualification
    extra = 1


@admin.register(models.Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "hotline")


@admin.register(models.ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin):
    list_display = ("name", "brand", "city", "hotline")


@admin.register(models.Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "centre", "active")
    inlines = [CoverageInline]
    filter_horizontal = ("brands",)


@admin.register(models.Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "centre", "outlet")
    list_filter = ("role", "outlet")


@admin.register(models.Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("staff", "permit_no", "star_level")
    inlines = [QualificationInline]
    filter_horizontal = ("product_lines",)


class StarLevelInline(admin.TabularInline):
    model = models.StarLevelRule
    extra = 0


@admin.register(models.Policy)
class PolicyAdmin(admin.ModelAdmin):
    """The standard's numbers per brand and centre; an empty field inherits (centre ← brand ← default)."""

    list_display = ("brand", "centre", "early_arrival_minutes", "lateness_escalation_minutes", "updated_at")
    list_filter = ("brand",)
    inlines = [StarLevelInline]
    fieldsets: ClassVar[Any] = (
        (None, {"fields": ("brand", "centre")}),
        *((rule, {"fields": names}) for rule, names in numbers_by_section()),
    )
