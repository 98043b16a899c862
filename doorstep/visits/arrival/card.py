"""The technician's service-supervision card (R-AR-4, R-PV-2): a QR code the customer scans to see who
the technician is and that the visit is really assigned to them now."""

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


def card_token(technician: Technician) -> str:
    return signing.Signer(salt=_SALT).sign(technician.permit_no)


def card_url(technician: Technician) -> str:
    return settings.DOORSTEP_PUBLIC_URL.rstrip("/") + reverse("visits:card", args=[card_token(technician)])


def technician_from_card(token: str) -> Technician | None:
    try:
        permit = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        Technician.objects.select_related("staff__outlet", "staff__centre__brand")
        .filter(permit_no=permit)
        .first()
    )


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


def current_visit(technician: Technician) -> WorkOrder | None:
    """The visit the technician is on (or heading to) now, if any."""
    day = clock.local(clock.now()).date()
    qs = WorkOrder.objects.select_related("customer", "address").filter(
        technician=technician, status__in=CURRENT
    )
    active = qs.exclude(status=Status.CONFIRMED).order_by("window_start").first()
    return active or qs.filter(window_start__date=day).order_by("window_start").first()


def masked_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)
