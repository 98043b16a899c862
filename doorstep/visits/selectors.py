from __future__ import annotations

from decimal import Decimal

from doorstep.orders.models import WorkOrder


def amount_due(order: WorkOrder) -> Decimal:
    """What the customer owes: the accepted charge lines, all from the fee standard (R-SV-2, R-CO-2)."""
    total = Decimal("0.00")
    for line in order.charges.all():
        if not line.covered:
            total += line.amount
    return total
