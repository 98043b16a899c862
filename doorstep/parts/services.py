"""Stock operations: receive, reserve for an order, release, and take out for a repair (R-AN-3, R-SV-5).

Each operation is one conditional UPDATE, so two technicians taking the last part at once cannot both
succeed, plus one Movement row; the check constraints on Stock are the last line of defence.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Technician
from doorstep.network.roles import FIELD
from doorstep.orders.models import WorkOrder
from doorstep.parts.models import Movement, Part, PartUse, Reservation, Stock


def _count(raw: Any) -> int:
    try:
        n = int(str(raw).strip())
    except (TypeError, ValueError):
        raise Invalid(ErrorCode.PART_QUANTITY_INVALID, field="quantity", raw=raw) from None
    if not 0 < n <= 100:
        raise Invalid(ErrorCode.PART_QUANTITY_INVALID, field="quantity", raw=raw)
    return n


def part_get(*, brand_id: int, code: str) -> Part:
    part = Part.objects.select_related("fee_item").filter(brand_id=brand_id, code=code).first()
    if part is None:
        raise NotFound(ErrorCode.PART_UNKNOWN, field="part", code=code)
    return part


def stock_line(*, part: Part, outlet: Outlet | None = None, technician: Technician | None = None) -> Stock:
    stock, _created = Stock.objects.get_or_create(part=part, outlet=outlet, technician=technician)
    return stock


def _move(stock: Stock, kind: str, dq: int, dr: int, *, by: str, order: WorkOrder | None, note: str) -> None:
    """Apply (quantity += dq, reserved += dr) only if nothing goes negative or over what is on hand."""
    cond = Q(pk=stock.pk, quantity__gte=F("reserved") + dr - dq)  # reserved stays within what is on hand
    if dq < 0:
        cond &= Q(quantity__gte=-dq)
    if dr < 0:
        cond &= Q(reserved__gte=-dr)
    changed = Stock.objects.filter(cond).update(quantity=F("quantity") + dq, reserved=F("reserved") + dr)
    if changed != 1:
        stock.refresh_from_db()
        raise DomainError(
            ErrorCode.STOCK_INSUFFICIENT,
            field="quantity",
            part=stock.part.name,
            holder=stock.holder,
            available=stock.available,
        )
    Movement.objects.create(
        stock=stock,
        kind=kind,
        quantity_delta=dq,
        reserved_delta=dr,
        order=order,
        by=by,
        note=note,
        at=clock.now(),
    )
    stock.refresh_from_db()


def stock_receive(*, stock: Stock, quantity: Any, by: str, note: str = "") -> Stock:
    """Parts come into a store or a van (from the transit warehouse, or back from an order)."""
    with transaction.atomic():
        _move(stock, Movement.Kind.RECEIVE, _count(quantity), 0, by=by, order=None, note=note)
    return stock


def _holder_stock(order: WorkOrder, part: Part, holder: str) -> Stock:
    if holder == "technician":
        if order.technician is None:
            raise DomainError(ErrorCode.NO_TECHNICIAN)
        return stock_line(part=part, technician=order.technician)
    if order.outlet is None:
        raise DomainError(ErrorCode.NO_OUTLET)
    return stock_line(part=part, outlet=order.outlet)


def part_reserve(
    *, order: WorkOrder, actor: Actor, part_code: str, quantity: Any = 1, holder: str = "outlet"
) -> Reservation:
    """Set a part aside for the diagnosed fault before the visit (R-PR-1); no stock, no reservation."""
    if actor.role not in FIELD:
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=_("预留配件"))
    if actor.outlet_id and order.outlet_id != actor.outlet_id:
        raise Forbidden(ErrorCode.OTHER_OUTLET)
    part = part_get(brand_id=order.brand_id, code=part_code)
    n = _count(quantity)
    with transaction.atomic():
        stock = _holder_stock(order, part, holder)
        _move(stock, Movement.Kind.RESERVE, 0, n, by=actor.name, order=order, note=order.number)
        return Reservation.objects.create(order=order, stock=stock, quantity=n, at=clock.now())


def reservations_release(*, order: WorkOrder, by: str, note: str = "") -> int:
    """Give back what was reserved and not used (order completed, cancelled or transferred)."""
    released = 0
    with transaction.atomic():
        for res in Reservation.objects.select_related("stock__part").filter(
            order=order, state=Reservation.State.RESERVED
        ):
            _move(res.stock, Movement.Kind.RELEASE, 0, -res.quantity, by=by, order=order, note=note)
            res.state = Reservation.State.RELEASED
            res.save(update_fields=["state"])
            released += 1
    return released


def _from_reservation(order: WorkOrder, stock: Stock, n: int) -> Reservation | None:
    return (
        Reservation.objects.filter(order=order, stock=stock, state=Reservation.State.RESERVED, quantity=n)
        .order_by("pk")
        .first()
    )


def stock_take(*, order: WorkOrder, stock: Stock, quantity: int, by: str) -> None:
    """Take parts out of a stock for this order: from its reservation if there is one (never negative)."""
    res = _from_reservation(order, stock, quantity)
    if res is not None:
        _move(stock, Movement.Kind.USE, -quantity, -quantity, by=by, order=order, note=order.number)
        res.state = Reservation.State.USED
        res.save(update_fields=["state"])
    else:
        _move(stock, Movement.Kind.USE, -quantity, 0, by=by, order=order, note=order.number)


def part_fit(
    *, order: WorkOrder, part: Part, quantity: int, source: str, old_part_fate: str, by: str, note: str = ""
) -> PartUse:
    """Record a fitted part and move the stock it came from. Visit rules are checked by the caller."""
    if source not in PartUse.Source.values:
        raise Invalid(ErrorCode.PART_SOURCE_INVALID, field="source")
    if old_part_fate not in PartUse.OldPartFate.values:
        raise Invalid(ErrorCode.OLD_PART_FATE_REQUIRED, field="old_part_fate")
    stock = None
    if source == PartUse.Source.TECHNICIAN:
        if order.technician is None:
            raise DomainError(ErrorCode.NO_TECHNICIAN)
        stock = stock_line(part=part, technician=order.technician)
    elif source == PartUse.Source.OUTLET:
        if order.outlet is None:
            raise DomainError(ErrorCode.NO_OUTLET)
        stock = stock_line(part=part, outlet=order.outlet)
    if stock is not None:
        stock_take(order=order, stock=stock, quantity=quantity, by=by)
    return PartUse.objects.create(
        order=order,
        part=part,
        quantity=quantity,
        source=source,
        stock=stock,
        old_part_fate=old_part_fate,
        note=note,
        by=by,
        at=clock.now(),
    )
