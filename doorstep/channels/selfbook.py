"""Customer self-booking (R-IN-1 "web/online form"): the WeChat H5 pattern, no log-in.

The customer is the actor; the order's channel is ``web``. The form carries a UUID issued when the page is
shown; a second submission of the same form (double tap, network retry, back button) finds that UUID and
returns the order it already made — customers have no user account for ``IdempotencyKey``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import ProductLine, ProductModel
from doorstep.channels.models import BookingSubmission
from doorstep.core.errors import ErrorCode, Invalid
from doorstep.customers.parsing import district_centroids
from doorstep.network.actors import Actor
from doorstep.network.models import Brand, ServiceCentre
from doorstep.orders.events import EventKind
from doorstep.orders.intake import IntakeRequest, IntakeResult, intake_submit
from doorstep.orders.models import WorkOrder

PERIODS = {
    "morning": (_("上午"), "09:00-12:00"),
    "afternoon": (_("下午"), "13:00-18:00"),
    "evening": (_("晚上"), "18:00-21:00"),
}


@dataclass
class Booking:
    """What the customer filled in (already shaped by the form; the rules are in ``order_create``)."""

    service_type: str
    line: ProductLine | None
    model_code: str
    purchase_date: date | str  # a date, or the customer's words (R-IN-2 judges them)
    faults: list[str]
    customer_name: str
    phone: str
    address_text: str
    day: date
    period: str
    serial: str = ""  # from the product's QR code (扫码报修)
    from_qr: bool = False

    def requirement(self) -> str:
        label, hours = PERIODS[self.period]
        return f"{self.day.isoformat()} {label} {hours}"  # read by the intake check as a date (R-IN-2)


def centre_of(brand: Brand) -> ServiceCentre | None:
    return brand.centres.order_by("pk").first()


def district_hints(brand: Brand) -> list[str]:
    """District names of the centre's city, shown under the address field."""
    centre = centre_of(brand)
    return [name for name, _lat, _lng in district_centroids(centre.city)] if centre else []


def catalogue(brand: Brand) -> list[tuple[ProductLine, list[ProductModel]]]:
    """Product lines with the brand's models, for the two selects of the form."""
    models = ProductModel.objects.filter(brand=brand).select_related("line").order_by("line__name", "code")
    grouped: dict[int, tuple[ProductLine, list[ProductModel]]] = {}
    for model in models:
        grouped.setdefault(model.line_id, (model.line, []))[1].append(model)
    return list(grouped.values())


def previous(form_token: uuid.UUID) -> WorkOrder | None:
    done = BookingSubmission.objects.select_related("order").filter(form_token=form_token).first()
    return done.order if done else None


def book(*, brand: Brand, form_token: uuid.UUID, booking: Booking) -> WorkOrder:
    """Create (or find) the order of one self-booking form; raises DomainError naming the field (a
    rejected request, R-IN-2: neither a valid phone nor a usable name, names the phone)."""
    order, result = book_judged(brand=brand, form_token=form_token, booking=booking)
    if order is None:
        reason = "；".join(i.zh for i in result.verdict.issues) if result else ""
        raise Invalid(ErrorCode.INTAKE_REJECTED, field="phone", reason=reason)
    return order


def book_judged(
    *, brand: Brand, form_token: uuid.UUID, booking: Booking
) -> tuple[WorkOrder | None, IntakeResult | None]:
    """R-IN-1/R-IN-2: the form's raw strings through the one intake pipeline: (order, this request's verdict);
    no order when rejected; a resubmitted form returns its order and no new verdict."""
    done = previous(form_token)
    if done is not None:
        return done, None
    req = IntakeRequest(
        brand=brand.code,
        channel="web",
        service_type=booking.service_type,
        customer_name=booking.customer_name,
        phone=booking.phone,
        address_text=booking.address_text,
        model_code=booking.model_code,
        purchase_date=booking.purchase_date,
        faults=booking.faults,
        requirement=booking.requirement(),
    )
    try:
        with transaction.atomic():
            result = intake_submit(
                actor=Actor.customer(booking.customer_name or str(_("网上预约客户"))), req=req, brand=brand
            )
            if result.order is None:
                return None, result
            order = result.order
            BookingSubmission.objects.create(form_token=form_token, order=order, product_line=booking.line)
            _note(order, booking)
    except IntegrityError:  # the same form submitted concurrently: the other request made the order
        done = previous(form_token)
        if done is None:
            raise
        return done, None
    return order, result


def _note(order: WorkOrder, booking: Booking) -> None:
    """The product line the customer chose matters when the model is unknown (for the desk, R-IN-2)."""
    EventKind.SELF_BOOKING.record(
        order=order,
        actor=Actor.customer(booking.customer_name),
        customer_visible=False,
        rule="R-IN-1",
        data={
            "product_line": booking.line.name if booking.line else "",
            "model_known": bool(booking.model_code),
            "day": booking.day.isoformat(),
            "period": booking.period,
            **({"from_qr": True, "serial": booking.serial} if booking.from_qr else {}),
        },
    )


def coverage_check(*, brand: Brand, centre: ServiceCentre, address_text: str) -> None:
    """R-DI-1 at booking (walk finding 21): an address in a district that no active outlet of the centre
    covers for the brand is refused with the reason and the districts that are covered. An address that
    names no district is left to the intake check (R-IN-2: unclear address, verified by the desk)."""
    from doorstep.customers.parsing import parse_address
    from doorstep.network.models import Coverage

    parsed = parse_address(address_text, region_hint=f"{centre.province}{centre.city}")
    if not parsed.district:
        return
    covering = Coverage.objects.filter(outlet__brands=brand, outlet__active=True, outlet__centre=centre)
    here = covering.filter(district=parsed.district)
    if parsed.city:
        here = here.filter(city=parsed.city)
    if here.exists():
        return
    areas = sorted(set(covering.values_list("district", flat=True)))
    raise Invalid(
        ErrorCode.ADDRESS_NOT_COVERED,
        field="address_text",
        place=f"{parsed.city or ''}{parsed.district}",
        areas="、".join(areas) or "—",
        hotline=brand.hotline,
    )


def slots_for_booking(
    *, brand: Brand, centre: Any, address_text: str, line_id: Any, service_type: str
) -> list[Any] | None:
    """Slots of the outlet covering the typed address's district (R-DI-1, R-DI-3); None when the address
    does not name a covered district yet."""
    from doorstep.customers.parsing import parse_address
    from doorstep.dispatch.slots import slots_for_address
    from doorstep.network.models import Coverage

    parsed = parse_address(address_text, region_hint=f"{centre.province}{centre.city}")
    if not parsed.district or parsed.lat is None or parsed.lng is None:
        return None
    cover = (
        Coverage.objects.select_related("outlet")
        .filter(district=parsed.district, outlet__brands=brand, outlet__active=True, outlet__centre=centre)
        .first()
    )
    if cover is None:
        return []
    line = int(line_id) if str(line_id or "").isdigit() else None
    return slots_for_address(
        brand=brand,
        outlet=cover.outlet,
        line_id=line,
        service_type=service_type,
        lat=parsed.lat,
        lng=parsed.lng,
    )


def product_initial(brand: Brand, token: str) -> dict[str, Any] | None:
    """The form's initial values from a product QR code (扫码报修); None when the token is not ours or
    names another brand."""
    from doorstep.customers.product_link import product_from_token

    ref = product_from_token(token)
    if ref is None or ref.brand != brand.code:
        return None
    initial: dict[str, Any] = {"service_type": "repair", "product": token}
    model = ProductModel.objects.filter(brand=brand, code=ref.model).first() if ref.model else None
    if model is not None:
        initial.update(line=model.line_id, model=model.code)
    if ref.purchased is not None:
        initial["purchased"] = ref.purchased
    return initial
