"""Charge lines of the visit, only from the brand's fee standard (R-SV-2)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from doorstep.catalog.models import FeeItem
from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_lock
from doorstep.visits.common import ON_SITE, require_field_actor
from doorstep.visits.models import ChargeLine


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
    note: str = "",
    note_detail: dict[str, Any] | None = None,
) -> ChargeLine:
    """Add a charge from the brand's published fee standard, at its price, never anything else (R-SV-2).

    Counted items take whole quantities; the same item added again (same coverage) adds to its line
    instead of making a second one; ``note`` says why a line is charged (a warranty exclusion)."""
    require_field_actor(order, actor)
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
    if fee.whole_units and qty != qty.to_integral_value():
        raise Invalid(ErrorCode.QUANTITY_NOT_WHOLE, field="quantity", unit=fee.unit, raw=quantity)
    with transaction.atomic():
        order_lock(order)  # the order did not move (off site, completed) since it was read
        line = ChargeLine.objects.filter(order=order, fee_item=fee, covered=covered).first()
        if line is not None:  # the same item again: one line with the total quantity
            line.quantity += qty
            line.amount = fee.amount(line.quantity)
            if not line.note:
                line.note, line.note_detail = note[:200], note_detail or {}
            line.save(update_fields=["quantity", "amount", "note", "note_detail"])
        else:
            line = ChargeLine.objects.create(
                order=order,
                fee_item=fee,
                quantity=qty,
                unit_price=fee.price,
                amount=fee.amount(qty),
                covered=covered,
                note=note[:200],
                note_detail=note_detail or {},
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
