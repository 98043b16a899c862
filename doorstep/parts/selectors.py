from __future__ import annotations

from django.db.models import QuerySet

from doorstep.network.models import Technician
from doorstep.orders.models import WorkOrder
from doorstep.parts.models import Part, PartUse, Reservation, Stock


def reservations_for(order: WorkOrder) -> QuerySet[Reservation]:
    """Parts reserved for this order and not yet released (listed on the kit checklist, R-PR-1)."""
    return (
        Reservation.objects.select_related("stock__part", "stock__outlet", "stock__technician__staff")
        .filter(order=order)
        .exclude(state=Reservation.State.RELEASED)
        .order_by("pk")
    )


def parts_used(order: WorkOrder) -> QuerySet[PartUse]:
    return PartUse.objects.select_related("part", "part__fee_item").filter(order=order).order_by("at", "pk")


def parts_for_order(order: WorkOrder) -> QuerySet[Part]:
    return Part.objects.select_related("fee_item").filter(brand_id=order.brand_id).order_by("code")


def van_stock(technician: Technician) -> QuerySet[Stock]:
    return Stock.objects.select_related("part").filter(technician=technician).order_by("part__code")
