"""Blocks the visit capability adds to the customer's tracking page and the staff order page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import json_script

from doorstep.orders.models import WorkOrder
from doorstep.parts.selectors import parts_used
from doorstep.visits.arrival.card import card_url
from doorstep.visits.common import ON_SITE
from doorstep.visits.diagnosis.quote import fingerprint, quote_current, quote_lines
from doorstep.visits.models import PaymentIntent, Quote, ServiceReport, TakeBack
from doorstep.visits.offline import offline_key, offline_texts
from doorstep.visits.selectors import amount_due

register = template.Library()


@register.inclusion_tag("visits/_track_block.html")
def visit_track(order: WorkOrder, token: str) -> dict[str, Any]:
    """The quote to accept on the customer's own phone (R-SV-2), take-back receipt, report (R-CO-1)."""
    lines = quote_lines(order)
    quote = quote_current(order)
    return {
        "order": order,
        "token": token,
        "lines": lines,
        "fingerprint": fingerprint(lines),
        "quote": quote,
        # a quote agreed by phone is shown as such, and the customer may still confirm it themselves
        "by_phone": quote is not None and quote.method == Quote.Method.PHONE_AGREED,
        "can_accept": order.status in ON_SITE
        and lines
        and (quote is None or quote.method == Quote.Method.PHONE_AGREED),
        "amount_due": amount_due(order),
        "take_back": TakeBack.objects.filter(order=order).first(),
        "report": ServiceReport.objects.filter(order=order).first(),
        "card_url": card_url(order.technician, order) if order.technician else "",
    }


@register.inclusion_tag("visits/_staff_block.html")
def visit_staff(order: WorkOrder) -> dict[str, Any]:
    return {
        "order": order,
        "quote": quote_current(order),
        "parts_used": parts_used(order),
        "tasks": order.escalations.select_related("owner").order_by("-created_at"),
        "take_back": TakeBack.objects.filter(order=order).first(),
        "report": ServiceReport.objects.filter(order=order).first(),
        "photos": order.visit_photos.order_by("at", "pk"),
        # each try to take the money and where it stands: pending, paid, to refund, refunded (R-CO-2)
        "intents": PaymentIntent.objects.filter(order=order).order_by("created_at", "pk"),
    }


@register.simple_tag(takes_context=True)
def offline_app(context: template.Context) -> str:
    """The technician app's offline settings for visits.js: the user's cache key, the service worker, its
    scope and the app's offline words (a JSON data element, not code: the CSP allows it)."""
    request = context["request"]
    settings = {
        "user": offline_key(request) if request.user.is_authenticated else "",
        "worker": reverse("visits:service_worker"),
        "scope": reverse("visits:today"),
        "logout": reverse("web:logout"),
        "texts": offline_texts(),
    }
    return json_script(settings, "offline-app")
