"""Evidence the visit leaves on the record: charges, consents, the customer's signature, payment."""

from __future__ import annotations

import base64
import binascii
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import FeeItem
from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid
from doorstep.network.actors import Actor
from doorstep.network.roles import FIELD, Party, Role
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.visits.models import ChargeLine, Consent, Payment, Signature
from doorstep.visits.selectors import amount_due

ON_SITE = {Status.ARRIVED, Status.IN_SERVICE, Status.TAKEN_BACK, Status.RETURNED}
SIGNABLE = {Status.IN_SERVICE, Status.RETURNED}
MAX_SIGNATURE_BYTES = 400_000


def _require_field_actor(order: WorkOrder, actor: Actor) -> None:
    if actor.role not in FIELD:
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=_("现场操作"))
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        raise Forbidden(ErrorCode.NOT_YOUR_VISIT)


def _quantity(raw: Any) -> Decimal:
    try:
        qty = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise Invalid(ErrorCode.QUANTITY_INVALID, field="quantity", raw=raw) from None
    if qty <= 0 or qty > 1000:
        raise Invalid(ErrorCode.QUANTITY_INVALID, field="quantity", raw=raw)
    return qty


def charge_add(
    *,
    order: WorkOrder,
    actor: Actor,
    fee_code: str,
    quantity: Any = 1,
    unit_price: Any = None,
    covered: bool = False,
) -> ChargeLine:
    """Add a charge from the brand's published fee standard, at its price, never anything else (R-SV-2)."""
    _require_field_actor(order, actor)
    if order.status not in ON_SITE:
        raise DomainError(ErrorCode.NOT_ON_SITE)
    fee = FeeItem.objects.filter(brand=order.brand, code=fee_code, active=True).first()
    if fee is None:
        raise DomainError(
            ErrorCode.CHARGE_NOT_IN_FEE_STANDARD,
            field="fee_code",
            code=fee_code,
        )
    if unit_price is not None and Decimal(str(unit_price)) != fee.price:
        raise DomainError(
            ErrorCode.CHARGE_PRICE_NOT_STANDARD,
            field="unit_price",
            price=fee.price,
        )
    qty = _quantity(quantity)
    with transaction.atomic():
        line = ChargeLine.objects.create(
            order=order,
            fee_item=fee,
            quantity=qty,
            unit_price=fee.price,
            amount=fee.amount(qty),
            covered=covered,
            added_at=clock.now(),
        )
        EventKind.CHARGE_ADDED.record(
            order=order,
            actor=actor,
            rule="R-SV-2",
            data={
                "code": fee.code,
                "name": fee.name,
                "quantity": str(qty),
                "amount": str(line.amount),
                "covered": covered,
            },
        )
    return line


def consent_record(*, order: WorkOrder, actor: Actor, kind: str, given_by: str, note: str = "") -> Consent:
    """A consent the customer gave, on the record (R-AN-6 take-back, R-SV-4 data backup, …)."""
    if kind not in Consent.Kind.values:
        raise Invalid(ErrorCode.CONSENT_KIND_INVALID, field="kind", kind=kind)
    if not given_by.strip():
        raise Invalid(ErrorCode.GIVEN_BY_REQUIRED, field="given_by")
    if actor.role != Party.CUSTOMER:
        _require_field_actor(order, actor)
    with transaction.atomic():
        consent = Consent.objects.create(
            order=order, kind=kind, given_by=given_by.strip(), note=note, at=clock.now()
        )
        EventKind.CONSENT.record(
            order=order,
            actor=actor,
            rule="R-AN-6" if kind == Consent.Kind.TAKE_BACK else "R-SV-4",
            data={"kind": kind, "given_by": consent.given_by, "note": note},
        )
    return consent


def _png_bytes(image: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not image.startswith(prefix):
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image")
    try:
        raw = base64.b64decode(image[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image") from None
    if not raw.startswith(b"\x89PNG") or len(raw) < 100 or len(raw) > MAX_SIGNATURE_BYTES:
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image")
    return raw


def signature_capture(
    *, order: WorkOrder, actor: Actor, image: str, signer_name: str, method: str, opinion: str = ""
) -> WorkOrder:
    """The customer signs; the signature completes the order (R-CO-1). Staff can never sign (R-CO-1)."""
    if actor.role != Party.CUSTOMER:
        raise Forbidden(ErrorCode.SIGNATURE_BY_STAFF)
    if method not in Signature.Method.values:
        raise Invalid(ErrorCode.SIGNATURE_METHOD_INVALID, field="method")
    if order.status not in SIGNABLE:
        raise DomainError(ErrorCode.NOT_READY_FOR_SIGNATURE)
    if not signer_name.strip():
        raise Invalid(ErrorCode.SIGNER_REQUIRED, field="signer_name")
    _png_bytes(image)
    with transaction.atomic():
        Signature.objects.create(
            order=order,
            method=method,
            signer_name=signer_name.strip(),
            image=image,
            opinion=opinion.strip()[:300],
            at=clock.now(),
        )
        EventKind.SIGNED.record(
            order=order,
            actor=actor,
            rule="R-CO-1",
            data={"method": method, "signer": signer_name.strip(), "opinion": opinion.strip()[:300]},
        )
        return order_transition(order=order, actor=actor, action=Action.COMPLETE)


def payment_terms(*, order: WorkOrder, method: str, receipt_no: Any = None) -> dict[str, str]:
    """What a payment will record: exactly the amount due from the fee standard (R-CO-2). Writes nothing."""
    due = amount_due(order)
    if due == 0:
        method = Payment.Method.FREE
    elif method not in (Payment.Method.WECHAT, Payment.Method.ALIPAY, Payment.Method.CASH):
        raise Invalid(ErrorCode.PAYMENT_METHOD_INVALID, field="method")
    receipt = str(receipt_no or "").strip()
    if method == Payment.Method.CASH and not receipt:
        raise Invalid(ErrorCode.RECEIPT_REQUIRED, field="receipt_no")
    if not receipt:
        receipt = f"{method.upper()}-{order.number}-{secrets.token_hex(4)}"
    return {"method": method, "amount": str(due), "receipt_no": receipt}


def payment_record(*, order: WorkOrder, terms: dict[str, str]) -> Payment:
    """The payment row of the PAY move, from the terms its guard settled (R-CO-2)."""
    return Payment.objects.create(
        order=order,
        method=terms["method"],
        amount=Decimal(terms["amount"]),
        receipt_no=terms["receipt_no"],
        at=clock.now(),
    )
