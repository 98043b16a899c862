"""Template helpers of the quality loop: the panels included in the order and tracking pages, masked
contact data (R-PV-1) and small formatters."""

from __future__ import annotations

from typing import Any

from django import template

from doorstep.core.errors import DomainError
from doorstep.core.privacy import mask_address, mask_phone
from doorstep.network.actors import Actor
from doorstep.network.roles import COMPLAINT_TAKERS, FIELD
from doorstep.orders.models import WorkOrder
from doorstep.quality.models import SCORE_LABELS, CallbackAttempt, Complaint, FaultRecord, Insight, Survey
from doorstep.quality.privacy import Contact, contact_for, contacts_for
from doorstep.quality.services.feedback import SURVEYABLE
from doorstep.quality.services.insights import CODABLE

register = template.Library()

register.filter("mask_phone", mask_phone)
register.filter("mask_address", mask_address)


@register.filter
def pct(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}%}"


@register.filter
def stars(count: int | None) -> str:
    return "★" * (count or 0) + "☆" * (5 - (count or 0))


def _actor(context: Any) -> Actor | None:
    request = context.get("request")
    try:
        return Actor.for_user(request.user) if request is not None else None
    except DomainError:
        return None


@register.simple_tag(takes_context=True)
def customer_contact(context: Any, order: WorkOrder, purpose: str = "order_page") -> Contact:
    """``{% customer_contact order as c %}``: masked unless this user needs it; full views are logged."""
    actor = _actor(context)
    if actor is None:
        return Contact(
            order.customer.name, mask_phone(order.customer.phone), mask_address(order.address), True
        )
    return contact_for(actor, order, purpose=purpose)


@register.simple_tag(takes_context=True)
def customer_contacts(context: Any, items: Any, purpose: str = "order_page") -> list[tuple[Any, Contact]]:
    """``{% customer_contacts stops "visit_day" as rows %}``: each item (an order, or anything with an
    ``order``) with its contact, decided as ``customer_contact`` does and the full views logged in one
    write (R-PV-1), so a list costs the same queries at any length."""
    items = list(items)
    orders = [getattr(i, "order", i) for i in items]
    actor = _actor(context)
    if actor is None:
        masked = {
            o.pk: Contact(o.customer.name, mask_phone(o.customer.phone), mask_address(o.address), True)
            for o in orders
        }
    else:
        masked = contacts_for(actor, orders, purpose=purpose)
    return [(i, masked[o.pk]) for i, o in zip(items, orders, strict=True)]


@register.inclusion_tag("quality/_order_panel.html", takes_context=True)
def quality_order_panel(context: Any, order: WorkOrder) -> dict[str, Any]:
    """Complaints, the survey, callback attempts, fault code and insights on the staff order page."""
    actor = _actor(context)
    role = actor.role if actor else ""
    return {
        "order": order,
        "role": role,
        "csrf_token": context.get("csrf_token"),
        "complaints": list(
            Complaint.objects.filter(order=order).select_related("owner", "deadline").order_by("-opened_at")
        ),
        "survey": Survey.objects.filter(order=order).first(),
        "attempts": list(CallbackAttempt.objects.filter(order=order).select_related("agent")),
        "fault": FaultRecord.objects.filter(order=order).first(),
        "insights": list(Insight.objects.filter(order=order)),
        "channels": Complaint.Channel.choices,
        "categories": Complaint.Category.choices,
        "departments": Insight.Department.choices,
        "can_complain": role in COMPLAINT_TAKERS,
        "can_code": role in FIELD and order.status in CODABLE,
        "can_insight": actor is not None,
    }


@register.inclusion_tag("quality/_track_panel.html", takes_context=True)
def quality_track_panel(context: Any, order: WorkOrder, token: str) -> dict[str, Any]:
    """The customer's questionnaire (once, after the service) and their complaints on the tracking page."""
    survey = Survey.objects.filter(order=order).first()
    return {
        "order": order,
        "token": token,
        "csrf_token": context.get("csrf_token"),
        "survey": survey,
        "can_rate": survey is None and order.status in SURVEYABLE,
        "via": context.get("request").GET.get("via", "") if context.get("request") else "",
        "complaints": list(
            Complaint.objects.filter(order=order).select_related("deadline").order_by("-opened_at")
        ),
        "categories": [c for c in Complaint.Category.choices if c[0] in CUSTOMER_CATEGORIES],
        "dimensions": list(SCORE_LABELS.items()),
    }


CUSTOMER_CATEGORIES = frozenset(
    {
        "lateness",
        "attitude",
        "repair_quality",
        "fees",
        "no_arguing",
        "no_unauthorised_fees",
        "no_forced_satisfaction",
        "other",
    }
)
