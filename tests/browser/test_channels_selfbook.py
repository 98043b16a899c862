"""Self-booking on a phone (R-IN-1 web channel, R-IN-2): fill, submit, land on the tracking page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.orders.models import WorkOrder
from tests.browser.conftest import PHONE
from tests.browser.test_spine_flow import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page, phone: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#field-service_type label", has_text="维修").click()
    page.select_option("#id_line", label="空调")
    page.select_option("#id_model", "KFR-35GW")
    page.fill("#id_purchased", "2024-06-18")
    page.locator("#field-symptoms label", has_text="不制冷").click()
    page.locator("#field-symptoms label", has_text="有异响").click()
    page.fill("#id_customer_name", "林女士")
    page.fill("#id_phone", phone)
    page.locator("button.district", has_text="天河区").click()
    page.locator("#id_address_text").press("End")
    page.locator("#id_address_text").type("天河北路233号中信广场18楼")
    tomorrow = clock.local(clock.now()).date() + timedelta(days=1)
    page.fill("#id_day", tomorrow.isoformat())
    page.locator("#field-period label", has_text="下午").click()


def test_r_in_1_customer_books_on_a_phone_and_lands_on_the_tracking_page(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/book/acme/")
    shots(page, "book-empty")
    fill(page, "138 2000 1234")
    assert page.input_value("#id_address_text") == "天河区天河北路233号中信广场18楼"
    shots(page, "book-filled")
    submit(page, page.locator("#book button[type=submit]"))
    order = WorkOrder.objects.get()
    assert "/t/" in page.url and order.channel == "web" and order.status == "triaged"
    assert order.number in page.content()
    shots(page, "book-tracking")


def test_r_in_2_neither_phone_nor_name_is_shown_by_the_phone_field(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    """R-IN-2 reject: no valid phone and no usable name; a bad phone alone makes an incomplete order."""
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/book/acme/")
    fill(page, "1380013")
    page.fill("#id_customer_name", "")
    submit(page, page.locator("#book button[type=submit]"))
    error = page.locator("#field-phone .errorlist")
    assert "无法受理" in error.inner_text() and "联系电话无效" in error.inner_text()
    assert page.input_value("#id_address_text") == "天河区天河北路233号中信广场18楼"  # nothing typed is lost
    assert not WorkOrder.objects.exists()
    shots(page, "book-phone-error")
