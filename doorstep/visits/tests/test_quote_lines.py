"""Quote lines (R-SV-2, R-AN-7; walk finding 20): counted items take whole quantities, the same item
added twice is one line, a line charged because of a warranty exclusion says so, and customer mode shows
the fee standard of this product line only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from doorstep.catalog.models import FeeItem, ProductLine
from doorstep.core.errors import DomainError
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.diagnosis.quote import quote_line_add, quote_lines


@pytest.fixture
def on_site(world):  # type: ignore[no-untyped-def]
    return order_in(world, "in_service")


@pytest.mark.parametrize(("qty", "ok"), [("0.5", False), ("1", True), ("1.5", False), ("2", True)])
def test_a_counted_item_takes_a_whole_quantity_R_SV_2(world, on_site, qty: str, ok: bool) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    if ok:
        line = quote_line_add(order=on_site, actor=tech, fee_code="P-CAP", quantity=qty)
        assert line.quantity == Decimal(qty)
    else:
        with pytest.raises(DomainError) as err:
            quote_line_add(order=on_site, actor=tech, fee_code="P-CAP", quantity=qty)
        assert err.value.code == "quantity_not_whole"


def test_a_measured_item_may_take_a_fraction_R_SV_2(world, on_site) -> None:  # type: ignore[no-untyped-def]
    line = quote_line_add(order=on_site, actor=world.actor("technician"), fee_code="M-PIPE", quantity="1.5")
    assert line.amount == Decimal("150.00")


def test_the_same_item_twice_is_one_line_R_SV_2(world, on_site) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    quote_line_add(order=on_site, actor=tech, fee_code="P-CAP", quantity="1")
    quote_line_add(order=on_site, actor=tech, fee_code="P-CAP", quantity="2")
    (line,) = [x for x in quote_lines(on_site) if x["code"] == "P-CAP"]
    assert line["quantity"] == "3"


def test_a_line_charged_for_human_damage_says_why_to_the_customer_R_AN_7(world, on_site) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    quote_line_add(order=on_site, actor=tech, fee_code="L-REPAIR", exclusion="human_damage")
    (line,) = quote_lines(on_site)
    assert not line["covered"] and "人为" in line["why"]
    client = Client()
    client.force_login(world.staff["technician"].user)
    page = client.get(reverse("visits:customer", args=[on_site.number]) + "?do=quote").content.decode()
    assert "收费原因" in page and line["why"] in page


def test_the_charge_reason_is_shown_in_the_readers_language_and_recorded_in_chinese_R_AN_7(
    world, on_site
) -> None:  # type: ignore[no-untyped-def]
    """Walk finding 17: a charged line's reason stayed Chinese in the English interface."""
    from django.utils import translation

    from doorstep.visits.models import ChargeLine

    tech = world.actor("technician")
    quote_line_add(order=on_site, actor=tech, fee_code="L-REPAIR", exclusion="human_damage")
    with translation.override("en"):
        (line,) = quote_lines(on_site)
    assert "not covered by the warranty" in line["why"]  # the policy's own exclusion list is its data
    stored = ChargeLine.objects.get(order=on_site)
    assert "人为" in stored.note  # the record keeps the Chinese text
    with translation.override("zh-hans"):
        assert quote_lines(on_site)[0]["why"] == stored.note


def test_customer_mode_lists_the_fee_standard_of_this_product_line_only_R_SV_2(world, on_site) -> None:  # type: ignore[no-untyped-def]
    other_line, _new = ProductLine.objects.get_or_create(code="washer-t", defaults={"name": "洗衣机"})
    FeeItem.objects.create(
        brand=world.brand, code="W-DRUM", name="滚筒轴承", kind="part", line=other_line, price=Decimal("90")
    )
    client = Client()
    client.force_login(world.staff["technician"].user)
    page = client.get(reverse("visits:customer", args=[on_site.number]) + "?do=quote").content.decode()
    assert "加长铜管" in page and "滚筒轴承" not in page
