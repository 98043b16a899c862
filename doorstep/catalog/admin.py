from django.contrib import admin

from doorstep.catalog import models


@admin.register(models.ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(models.ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "brand", "line", "launched_on")
    search_fields = ("code", "name")


@admin.register(models.WarrantyPolicy)
class WarrantyPolicyAdmin(admin.ModelAdmin):
    list_display = ("brand", "line", "whole_unit_years", "free_maintenance")


@admin.register(models.FeeItem)
class FeeItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "price", "unit", "brand", "active")
    list_filter = ("brand", "kind", "active")
