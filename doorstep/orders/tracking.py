"""The customer's signed tracking link: no log-in, exactly one order (R-CO-4, R-PV-2)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from doorstep.orders.models import WorkOrder

_SALT = "doorstep.tracking"


def tracking_token(order: WorkOrder) -> str:
    return signing.Signer(salt=_SALT).sign(order.number)


def tracking_url(order: WorkOrder) -> str:
    return settings.DOORSTEP_PUBLIC_URL.rstrip("/") + reverse("web:track", args=[tracking_token(order)])


def order_from_token(token: str) -> WorkOrder | None:
    try:
        number = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        WorkOrder.objects.select_related("brand", "technician__staff__outlet", "customer")
        .filter(number=number)
        .first()
    )
