"""Customers in the admin: the list shows phones masked (R-PV-1); the full record (change page, with the
addresses) is for superusers only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from doorstep.core.privacy import mask_phone
from doorstep.customers import models


class AddressInline(admin.TabularInline):
    model = models.Address
    extra = 0


class OwnedProductInline(admin.TabularInline):
    model = models.OwnedProduct
    extra = 0


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_phone")
    search_fields = ("name", "=phone")  # an exact number finds its customer; no browsing by digits
    inlines = [AddressInline, OwnedProductInline]

    @admin.display(description="手机/电话")
    def masked_phone(self, obj: models.Customer) -> str:
        return mask_phone(obj.phone)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not request.user.is_superuser:
            return False  # the full phone and addresses: superusers only (R-PV-1)
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)
