from __future__ import annotations

import pytest

from doorstep.catalog.models import FeeItem
from doorstep.parts.models import Part
from doorstep.parts.services import stock_line, stock_receive


@pytest.fixture
def cap(world) -> Part:  # type: ignore[no-untyped-def]
    """The start capacitor: a part of the fee standard, 5 at the outlet and 2 in the technician's van."""
    part = Part.objects.create(
        brand=world.brand, code="CAP-35", name="启动电容", fee_item=FeeItem.objects.get(code="P-CAP")
    )
    stock_receive(stock=stock_line(part=part, outlet=world.outlet), quantity=5, by="仓库")
    stock_receive(stock=stock_line(part=part, technician=world.tech), quantity=2, by="仓库")
    return part
