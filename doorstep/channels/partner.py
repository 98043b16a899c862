"""Retailer / partner systems pushing installation orders (R-IN-1 "retailer/partner system").

A partner authenticates with its own bearer token (``PartnerAccount``), bound to one brand: it can create
orders for that brand and read back the orders it pushed — nothing else of the centre. Its order reference
(``external_ref``) makes the push idempotent: a retry returns the same work order and never a second one.
The delivery list is kept with the order for the technician to count the goods on site (R-CO-6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from doorstep.channels.models import DeliveryItem, PartnerAccount, PartnerOrder
from doorstep.core.errors import ErrorCode, Forbidden
from doorstep.network.actors import Actor
from doorstep.network.roles import Party
from doorstep.orders.events import EventKind
from doorstep.orders.intake import IntakeRequest, IntakeResult, intake_submit
from doorstep.orders.models import WorkOrder


@dataclass
class Delivered:
    name: str
    quantity: int = 1
    sku: str = ""


@dataclass
class PartnerPush:
    external_ref: str
    request: IntakeRequest
    items: list[Delivered] = field(default_factory=list)


def partner_actor(partner: PartnerAccount) -> Actor:
    return Actor(role=Party.PARTNER, name=partner.name)


def push(*, partner: PartnerAccount, data: PartnerPush) -> tuple[PartnerOrder | None, bool]:
    """(reference, created?): the order for this partner's reference, created on the first push only; None
    when the intake rules reject the request (R-IN-2; :func:`push_judged` also returns the verdict)."""
    ref, created, _result = push_judged(partner=partner, data=data)
    return ref, created


def push_judged(
    *, partner: PartnerAccount, data: PartnerPush
) -> tuple[PartnerOrder | None, bool, IntakeResult | None]:
    """R-IN-1/R-IN-2: the partner's raw strings go through the same intake pipeline as every channel; the
    result carries the verdict and the problems a partner sees (the same codes as the agent). A repeated
    reference returns the stored order and no new verdict."""
    existing = PartnerOrder.objects.select_related("order").filter(
        partner=partner, external_ref=data.external_ref
    )
    if existing.exists():
        return existing.get(), False, None
    if data.request.brand != partner.brand.code:
        raise Forbidden(ErrorCode.PARTNER_BRAND, field="brand", code=partner.brand.code)
    try:
        with transaction.atomic():
            result = intake_submit(actor=partner_actor(partner), req=data.request, brand=partner.brand)
            if result.order is None or result.outcome is None:
                return None, False, result
            order = result.order
            ref = PartnerOrder.objects.create(
                partner=partner, external_ref=data.external_ref, order=order, outcome=result.outcome.value
            )
            _deliveries(ref, order, partner, data.items)
    except IntegrityError:  # the same reference pushed concurrently
        return existing.get(), False, None
    return ref, True, result


def _deliveries(ref: PartnerOrder, order: WorkOrder, partner: PartnerAccount, items: list[Delivered]) -> None:
    DeliveryItem.objects.bulk_create(
        DeliveryItem(order=order, partner_order=ref, sku=i.sku, name=i.name, quantity=i.quantity)
        for i in items
    )
    EventKind.PARTNER_ORDER.record(
        order=order,
        actor=partner_actor(partner),
        customer_visible=False,
        rule="R-IN-1",
        locked=True,  # the intake that made or joined the order holds its row lock in this transaction
        data={
            "partner": partner.code,
            "external_ref": ref.external_ref,
            "items": [{"sku": i.sku, "name": i.name, "quantity": i.quantity} for i in items],
        },
    )


def partner_order(*, partner: PartnerAccount, external_ref: str) -> PartnerOrder | None:
    """Read back one pushed order — a partner sees only its own references."""
    return (
        PartnerOrder.objects.select_related("order")
        .prefetch_related("items")
        .filter(partner=partner, external_ref=external_ref)
        .first()
    )
