"""Stock never goes negative; reservations are listed, used and released (R-AN-3, R-SV-5, R-PR-1)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from doorstep.catalog.models import FeeItem
from doorstep.core.errors import DomainError
from doorstep.orders.tests.helpers import order_in
from doorstep.parts.models import Movement, Part, Reservation, Stock
from doorstep.parts.services import part_reserve, reservations_release, stock_line, stock_receive, stock_take


@pytest.fixture
def part(world) -> Part:  # type: ignore[no-untyped-def]
    return Part.objects.create(
        brand=world.brand, code="CAP-35", name="启动电容", fee_item=FeeItem.objects.get(code="P-CAP")
    )


def test_taking_more_than_on_hand_is_refused_and_nothing_moves(world, part) -> None:  # type: ignore[no-untyped-def]
    stock = stock_receive(stock=stock_line(part=part, outlet=world.outlet), quantity=1, by="仓库")
    order = order_in(world, "in_service")
    with pytest.raises(DomainError) as err:
        stock_take(order=order, stock=stock, quantity=2, by="李师傅")
    assert err.value.code == "stock_insufficient" and "可用 1" in err.value.text()
    stock.refresh_from_db()
    assert stock.quantity == 1 and Movement.objects.filter(kind="use").count() == 0


def test_the_database_refuses_a_negative_quantity(world, part) -> None:  # type: ignore[no-untyped-def]
    stock = stock_line(part=part, technician=world.tech)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(quantity=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(reserved=1)  # more reserved than on hand


def test_reserved_parts_cannot_be_taken_by_another_order(world, part) -> None:  # type: ignore[no-untyped-def]
    stock = stock_receive(stock=stock_line(part=part, outlet=world.outlet), quantity=1, by="仓库")
    first, second = order_in(world, "confirmed"), order_in(world, "in_service")
    part_reserve(order=first, actor=world.actor("outlet_manager"), part_code="CAP-35")
    with pytest.raises(DomainError):
        stock_take(order=second, stock=stock, quantity=1, by="李师傅")
    stock_take(order=first, stock=stock, quantity=1, by="李师傅")
    stock.refresh_from_db()
    assert (stock.quantity, stock.reserved) == (0, 0)
    assert Reservation.objects.get(order=first).state == "used"


def test_unused_reservations_are_released(world, part) -> None:  # type: ignore[no-untyped-def]
    stock = stock_receive(stock=stock_line(part=part, outlet=world.outlet), quantity=3, by="仓库")
    order = order_in(world, "confirmed")
    part_reserve(order=order, actor=world.actor("outlet_manager"), part_code="CAP-35", quantity=2)
    assert reservations_release(order=order, by="系统") == 1
    stock.refresh_from_db()
    assert (stock.quantity, stock.reserved) == (3, 0)


def test_other_outlet_cannot_reserve_for_this_order(world, part) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    with pytest.raises(DomainError) as err:
        part_reserve(order=order, actor=world.actor("other_manager"), part_code="CAP-35")
    assert err.value.code == "other_outlet"
