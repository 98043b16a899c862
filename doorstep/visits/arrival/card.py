"""The technician's service-supervision card (R-AR-4, R-PV-2): a QR code the customer scans to see who
the technician is and that the visit is really assigned to them now.

The card shown at the door and linked from the tracking page names one order: it confirms *that* visit
and nothing else, so whoever holds the link never sees another customer's order. A card without an order
(the printed permit) shows the technician's identity only."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core import signing
from django.urls import reverse

from doorstep.core import clock
from doorstep.network.models import Qualification, Technician
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder

_SALT = "doorstep.visits.arrival.card"
CURRENT = [Status.CONFIRMED, Status.EN_ROUTE, Status.ARRIVED, Status.IN_SERVICE, Status.RETURNED]


_JOIN = "@"


def card_token(technician: Technician, order: WorkOrder | None = None) -> str:
    value = technician.permit_no + (_JOIN + order.number if order is not None else "")
    return signing.Signer(salt=_SALT).sign(value)


def card_url(technician: Technician, order: WorkOrder | None = None) -> str:
    return settings.DOORSTEP_PUBLIC_URL.rstrip("/") + reverse(
        "visits:card", args=[card_token(technician, order)]
    )


def card_from_token(token: str) -> tuple[Technician | None, str]:
    """The technician a card names and the order number it was issued for ("" for an identity-only card)."""
    try:
        value = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None, ""
    permit, _sep, number = value.partition(_JOIN)
    tech = (
        Technician.objects.select_related("staff__outlet", "staff__centre__brand")
        .filter(permit_no=permit)
        .first()
    )
    return tech, number


def technician_from_card(token: str) -> Technician | None:
    return card_from_token(token)[0]


def qr_svg(data: str) -> str:
    """An inline SVG QR code (no image files, works offline once the page is loaded)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    image.save(buf)
    return buf.getvalue().decode().split("?>", 1)[-1]


def permit_valid(technician: Technician) -> bool:
    today = clock.local(clock.now()).date()
    return any(
        q.kind == Qualification.Kind.WORK_PERMIT and q.is_valid(today)
        for q in technician.qualifications.all()
    )


def card_visit(technician: Technician, number: str) -> WorkOrder | None:
    """The order the card was issued for, when it is still assigned to this technician and not yet
    finished (R-PV-2); None otherwise. Never any other order of the technician's."""
    if not number:
        return None
    return (
        WorkOrder.objects.select_related("customer", "address")
        .filter(number=number, technician=technician, status__in=CURRENT)
        .first()
    )


def masked_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)
