from django.contrib import admin

from doorstep.channels.models import (
    BookingSubmission,
    DeliveryItem,
    ImportBatch,
    InboundMessage,
    PartnerAccount,
    PartnerOrder,
    WeChatAccount,
)


@admin.register(WeChatAccount)
class WeChatAccountAdmin(admin.ModelAdmin):
    list_display = ("brand", "app_id", "original_id", "active")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "channel", "external_id", "openid", "outcome", "order")
    list_filter = ("channel", "outcome")
    search_fields = ("external_id", "openid", "order__number")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]


@admin.register(BookingSubmission)
class BookingSubmissionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "form_token", "order", "product_line")
    readonly_fields = ("form_token", "order", "product_line")


@admin.register(PartnerAccount)
class PartnerAccountAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "brand", "active", "last_used_at")
    readonly_fields = ("digest", "last_used_at")


class DeliveryItemInline(admin.TabularInline):
    model = DeliveryItem
    extra = 0
    fields = ("sku", "name", "quantity")


@admin.register(PartnerOrder)
class PartnerOrderAdmin(admin.ModelAdmin):
    list_display = ("created_at", "partner", "external_ref", "order", "outcome")
    search_fields = ("external_ref", "order__number")
    inlines = [DeliveryItemInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("created_at", "filename", "centre", "user")
    readonly_fields = ("digest", "rows")
