from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile

from doorstep.core.errors import DomainError
from doorstep.core.uploads import Kind, upload_check
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


class TechnicianForm(forms.ModelForm):
    """The photo the customer checks the technician against (R-PV-2): sniffed and re-encoded as a photo."""

    class Meta:
        model = models.Technician
        fields = (
            "staff",
            "permit_no",
            "photo",
            "home_lat",
            "home_lng",
            "product_lines",
            "star_level",
            "seniority",  # R-DI-10
        )

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if not isinstance(photo, UploadedFile):
            return photo  # unchanged, or cleared
        try:
            clean = upload_check(photo, kind=Kind.PHOTO, field="photo", label=self.fields["photo"].label)
        except DomainError as err:
            raise forms.ValidationError(err.text(), code=err.code) from None
        return clean.file()


@admin.register(models.Technician)
class TechnicianAdmin(admin.ModelAdmin):
    form = TechnicianForm
    list_display = ("staff", "permit_no", "star_level", "seniority")
    list_filter = ("seniority",)
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
