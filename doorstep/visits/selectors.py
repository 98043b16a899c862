from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet

from doorstep.network.actors import Actor
from doorstep.orders.models import WorkOrder
from doorstep.orders.selectors import orders_visible_to
from doorstep.visits.models import EscalationTask


def amount_due(order: WorkOrder) -> Decimal:
    """What the customer owes: the accepted charge lines, all from the fee standard (R-SV-2, R-CO-2)."""
    total = Decimal("0.00")
    for line in order.charges.all():
        if not line.covered:
            total += line.amount
    return total


def tasks_visible_to(actor: Actor) -> QuerySet[EscalationTask]:
    """Escalation tasks on the orders this actor sees, or owned by them (R-PV-1): another outlet's task,
    or a visit the technician was not sent on, is not reachable by its id."""
    if actor.staff is None:
        return EscalationTask.objects.none()
    visible = orders_visible_to(actor).values("pk")
    return EscalationTask.objects.select_related("order", "owner", "deadline").filter(
        Q(order__in=visible) | Q(owner=actor.staff)
    )


def task_get(*, actor: Actor, pk: int) -> EscalationTask | None:
    return tasks_visible_to(actor).filter(pk=pk).first()
