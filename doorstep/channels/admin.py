import json

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
from doorstep.core.privacy import mask_phones_in


@admin.register(WeChatAccount)
class WeChatAccountAdmin(admin.ModelAdmin):
    list_display = ("brand", "app_id", "original_id", "active")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Messages as received, their phone numbers masked (R-PV-1): the order page is where a member of staff
    who needs the customer's number for the order sees it."""

    list_display = ("received_at", "channel", "external_id", "openid", "outcome", "order")
    list_filter = ("channel", "outcome")
    search_fields = ("external_id", "openid", "order__number")
    exclude = ("raw_body", "parsed", "reply")
    readonly_fields = [
        *(f.name for f in InboundMessage._meta.fields if f.name not in ("raw_body", "parsed", "reply")),
        "message",
        "answer",
    ]

    @admin.display(description="原始报文（已脱敏）")
    def message(self, obj: InboundMessage) -> str:
        return mask_phones_in(obj.raw_body)

    @admin.display(description="回复内容（已脱敏）")
    def answer(self, obj: InboundMessage) -> str:
        return mask_phones_in(obj.reply)


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
    exclude = ("rows",)
    readonly_fields = ("digest", "row_results")

    @admin.display(description="逐行结果（已脱敏）")
    def row_results(self, obj: ImportBatch) -> str:
        return mask_phones_in(json.dumps(obj.rows, ensure_ascii=False, indent=1))
