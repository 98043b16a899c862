"""The 催单 panel of the staff order page: the customer's hurries, the promised reply time, the reply form
for the first-contact owner (R-IN-5)."""

from __future__ import annotations

from typing import Any

from django import template

from doorstep.channels.hurry import hurry_state, may_answer, open_hurries
from doorstep.core.errors import DomainError
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder

register = template.Library()


@register.inclusion_tag("channels/_hurry_panel.html", takes_context=True)
def hurry_order_panel(context: Any, order: WorkOrder) -> dict[str, Any]:
    request = context.get("request")
    try:
        actor = Actor.for_user(request.user) if request is not None else None
    except DomainError:
        actor = None
    events = order.events.filter(kind__in=[EventKind.HURRY, EventKind.HURRY_ANSWERED]).order_by("seq")
    return {
        "order": order,
        "request": request,
        "events": list(events),
        "open": open_hurries(order),
        "state": hurry_state(order),
        "can_answer": actor is not None and may_answer(order, actor),
        "csrf_token": context.get("csrf_token"),
    }
