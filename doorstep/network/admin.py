from django.contrib import admin

from doorstep.network import models


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


@admin.register(models.ServicePolicy)
class ServicePolicyAdmin(admin.ModelAdmin):
    list_display = ("brand", "early_arrival_minutes", "reschedule_notice_minutes", "callback_max_days")
