"""The terms of a payment: exactly the amount due from the fee standard (R-CO-2), and its row."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Invalid
from doorstep.orders.models import WorkOrder
from doorstep.visits.models import Payment
from doorstep.visits.selectors import amount_due


def payment_terms(*, order: WorkOrder, method: str, receipt_no: Any = None) -> dict[str, str]:
    """What a payment will record: exactly the amount due from the fee standard (R-CO-2). Writes nothing."""
    due = amount_due(order)
    if due == 0:
        method = Payment.Method.FREE
    elif method not in Payment.Method.values or method == Payment.Method.FREE:
        raise Invalid(ErrorCode.PAYMENT_METHOD_INVALID, field="method")
    receipt = str(receipt_no or "").strip()
    if method in (Payment.Method.CASH, Payment.Method.TRANSFER) and not receipt:
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
