"""Reads on work orders, always scoped to what the actor's role and outlet may see (R-PV-1)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from doorstep.core.partitions import archived_months, month_of
from doorstep.network.actors import Actor
from doorstep.network.roles import CENTRE_STAFF, UNSCOPED, Role
from doorstep.orders.lifecycle import Move, moves_from
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder


def orders_visible_to(actor: Actor) -> QuerySet[WorkOrder]:
    """Centre roles see their centre; an outlet sees only its own orders; a technician only theirs."""
    qs = WorkOrder.objects.select_related(
        "brand", "customer", "address", "product__model", "outlet", "technician__staff", "owner"
    )
    if actor.role in CENTRE_STAFF and actor.staff is not None:
        return qs.filter(centre_id=actor.centre_id)
    if actor.role == Role.OUTLET_MANAGER and actor.outlet_id:
        return qs.filter(outlet_id=actor.outlet_id)
    if actor.role == Role.TECHNICIAN and actor.technician_id:
        return qs.filter(technician_id=actor.technician_id)
    return qs.none()


def order_is_visible_to(order: WorkOrder, actor: Actor) -> bool:
    if actor.role in UNSCOPED:
        return True  # the customer reaches exactly one order through its signed link
    return orders_visible_to(actor).filter(pk=order.pk).exists()


def order_get(*, actor: Actor, number: str) -> WorkOrder | None:
    return orders_visible_to(actor).filter(number=number).first()


def order_timeline(*, order: WorkOrder, customer_view: bool = False) -> QuerySet[OrderEvent]:
    qs = order.events.order_by("seq")
    return qs.filter(customer_visible=True) if customer_view else qs


def timeline_archived(*, order: WorkOrder) -> list[date]:
    """The months of the order's record moved to the archive (core.partitions): its timeline says so."""
    return archived_months(OrderEvent._meta.db_table, since=month_of(order.created_at))


def deadlines_for_owner(*, actor: Actor) -> QuerySet[Deadline]:
    """The owner's live deadlines, overdue first (a missed promise is visible to its owner)."""
    if actor.staff is None:
        return Deadline.objects.none()
    return (
        Deadline.objects.select_related("order")
        .filter(owner=actor.staff)
        .filter(Q(state=Deadline.State.OPEN) | Q(state=Deadline.State.OVERDUE))
        .order_by("-state", "due_at")
    )


def allowed_moves(*, order: WorkOrder, actor: Actor) -> list[Move]:
    """The moves this actor may try now (the service still checks each one's guard)."""
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        return []
    return [m for m in moves_from(order.status) if actor.role in m.roles]
