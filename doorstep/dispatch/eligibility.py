"""Can this technician take this order, and if not, why (R-DI-2, R-PR-2)? The dispatcher always sees why."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from doorstep.network.models import Qualification, Technician

if TYPE_CHECKING:
    from doorstep.orders.models import WorkOrder


def technician_ineligibility(*, order: WorkOrder, technician: Technician, on: date) -> list[str]:
    """Reasons the technician may not take the order on ``on``; empty when eligible."""
    why: list[str] = []
    if technician.staff.outlet_id != order.outlet_id:
        why.append(_("不属于本网点"))
    permits = technician.qualifications.filter(kind=Qualification.Kind.WORK_PERMIT)
    if not any(q.is_valid(on) for q in permits):
        why.append(_("上岗证缺失或已过期"))
    line_id = order.product.model.line_id if order.product and order.product.model else None
    if line_id and not technician.product_lines.filter(pk=line_id).exists():
        why.append(_("无该产品线技能"))
    return why
