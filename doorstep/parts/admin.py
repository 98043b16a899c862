from django.contrib import admin

from doorstep.parts.models import Movement, Part, PartUse, Reservation, Stock


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "brand", "fee_item", "original")
    search_fields = ("code", "name")


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ("part", "outlet", "technician", "quantity", "reserved")
    readonly_fields = ("quantity", "reserved")  # change only through the services: movements stay complete


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("order", "stock", "quantity", "state", "at")


@admin.register(Movement)
class MovementAdmin(admin.ModelAdmin):
    list_display = ("at", "stock", "kind", "quantity_delta", "reserved_delta", "order", "by")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PartUse)
class PartUseAdmin(admin.ModelAdmin):
    list_display = ("order", "part", "quantity", "source", "old_part_fate", "at")
