from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from doorstep.orders import models


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = models.OrderEvent
    fields = (
        "seq",
        "at",
        "kind",
        "from_status",
        "to_status",
        "actor_name",
        "reason",
        "rule",
        "customer_visible",
    )
    readonly_fields = fields


class DeadlineInline(ReadOnlyInline):
    model = models.Deadline
    fields = ("kind", "rule", "owner", "due_at", "state", "met_at", "acted_at", "attempts", "last_error")
    readonly_fields = fields


@admin.register(models.WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    """Read-only in admin: the status only changes through the lifecycle (pages and API)."""

    list_display = (
        "number",
        "status",
        "service_type",
        "priority",
        "customer",
        "outlet",
        "technician",
        "created_at",
    )
    list_filter = ("status", "service_type", "channel", "outlet")
    search_fields = ("number", "customer__name", "=customer__phone")  # R-PV-1: exact number only
    inlines = [EventInline, DeadlineInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
