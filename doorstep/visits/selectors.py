from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from doorstep.core.paging import LAST, Page, keyset_page, sort_keys
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


def amount_outstanding(order: WorkOrder) -> Decimal:
    """What is still to be collected before the callback: the amount due less what was already paid (a
    reopened order's return visit, R-QA-1, does not bill the first visit again)."""
    total = amount_due(order)
    if total <= 0:
        return total
    try:
        paid = order.payment.amount  # select_related("payment") in lists
    except ObjectDoesNotExist:
        return total
    return max(total - paid, Decimal("0.00"))


def tasks_visible_to(actor: Actor) -> QuerySet[EscalationTask]:
    """Escalation tasks on the orders this actor sees, or owned by them (R-PV-1): another outlet's task,
    or a visit the technician was not sent on, is not reachable by its id."""
    if actor.staff is None:
        return EscalationTask.objects.none()
    visible = orders_visible_to(actor).values("pk")
    return EscalationTask.objects.select_related("order", "owner", "deadline").filter(
        Q(order__in=visible) | Q(owner=actor.staff)
    )


TASK_SORTS: dict[str, list[str]] = {
    "due": ["state", "t_due", "pk"],  # open ones first, the soonest due first (the default)
    "new": ["-created_at", "-pk"],
    "old": ["created_at", "pk"],
}


def task_page(
    *,
    actor: Actor,
    state: str = "",
    kind: str = "",
    sort: str = "due",
    after: str = "",
    size: int | None = None,
) -> Page[EscalationTask]:
    """The escalation tasks the signed-in staff member owns, filtered and sorted, one keyset page."""
    qs = tasks_visible_to(actor).filter(owner=actor.staff)
    if state in EscalationTask.State.values:
        qs = qs.filter(state=state)
    if kind in EscalationTask.Kind.values:
        qs = qs.filter(kind=kind)
    qs = qs.annotate(t_due=Coalesce(F("deadline__due_at"), Value(LAST)))
    return keyset_page(qs, sort_keys(TASK_SORTS, sort), after=after, size=size)


def task_get(*, actor: Actor, pk: int) -> EscalationTask | None:
    return tasks_visible_to(actor).filter(pk=pk).first()
