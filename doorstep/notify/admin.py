from django.contrib import admin

from doorstep.notify.models import Contact, Message, Receipt, WebhookEndpoint


class ReceiptInline(admin.TabularInline):
    model = Receipt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "provider", "code", "detail")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "order_number", "template", "channel", "state", "attempts", "provider")
    list_filter = ("state", "channel", "template", "provider")
    search_fields = ("order_number", "provider_ref")
    readonly_fields = ("key", "provider_ref", "lease_owner", "lease_until")
    exclude = ("recipient", "to_phone")  # the customer's phone is not listed here (R-PV-1)
    inlines = [ReceiptInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("pk", "follows_account", "updated_at")  # the phone is not listed (R-PV-1)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "partner_ref", "url", "active")
    readonly_fields = ("secret",)  # generated; given to the partner to check the signature
