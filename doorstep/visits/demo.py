"""Demo data of the visit capability: parts with stock per outlet and technician, visit policy.

Call ``load_visits_demo(demo)`` from ``doorstep.web.demo.load_demo`` right after the network, catalogue
and staff are built (before orders are driven). Orders driven through the lifecycle also need the
visit's evidence before each move: ``doorstep.visits.testing.visit_evidence(order, action)`` creates it
and returns the extra params the move takes.
"""

from __future__ import annotations

from typing import Any

from doorstep.catalog.models import FeeItem
from doorstep.parts.models import Part
from doorstep.parts.services import stock_line, stock_receive


def load_visits_demo(demo: Any) -> list[Part]:
    """One Part per part line of the fee standard; 6 in every outlet's store, 2 in every van."""
    parts = []
    for fee in FeeItem.objects.filter(brand=demo.brand, kind=FeeItem.Kind.PART, active=True).order_by("code"):
        part, _created = Part.objects.get_or_create(
            brand=demo.brand, code=fee.code, defaults={"name": fee.name, "fee_item": fee}
        )
        parts.append(part)
        for outlet in demo.outlets:
            stock_receive(stock=stock_line(part=part, outlet=outlet), quantity=6, by="演示数据")
        for techs in demo.techs.values():
            for tech in techs:
                stock_receive(stock=stock_line(part=part, technician=tech), quantity=2, by="演示数据")
    return parts
