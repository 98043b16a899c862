from django.contrib import admin

from doorstep.customers import models


class AddressInline(admin.TabularInline):
    model = models.Address
    extra = 0


class OwnedProductInline(admin.TabularInline):
    model = models.OwnedProduct
    extra = 0


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "phone")
    search_fields = ("name", "phone")
    inlines = [AddressInline, OwnedProductInline]
