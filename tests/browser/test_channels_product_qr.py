"""扫码报修 on a phone: the QR code printed on a past service report opens self-booking with the product
filled in; the customer adds the fault and the contact and lands on the tracking page (R-IN-1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.report import pdf as report
from tests.browser.conftest import PHONE
from tests.browser.test_spine_flow import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _codes_on_the_report(order: WorkOrder, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = report._qr

    def spy(url: str, *args: float) -> object:
        seen.append(url)
        return real(url, *args)

    monkeypatch.setattr(report, "_qr", spy)
    report.service_report_pdf(order)
    return seen


def test_report_qr_books_the_same_product(world, live_server, browser, shots, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    past = order_in(world, "completed")
    assert past.product is not None and past.product.model is not None
    scanned = _codes_on_the_report(past, monkeypatch)[-1]  # the report's 扫码报修 code
    page = browser.new_context(**PHONE).new_page()
    page.goto(live_server.url + "/" + scanned.split("/", 3)[-1])
    assert page.locator("#qr-filled").is_visible()
    assert page.input_value("#id_model") == past.product.model.code
    assert page.input_value("#id_purchased") == past.product.purchase_date.isoformat()
    shots(page, "scanned-form")

    page.locator("#field-symptoms label", has_text="漏水").click()
    page.fill("#id_customer_name", "林女士")
    page.fill("#id_phone", "138 2000 5678")
    page.locator("button.district", has_text="天河区").click()
    page.locator("#id_address_text").press("End")
    page.locator("#id_address_text").type("天河北路233号中信广场18楼")
    page.fill("#id_day", (clock.today() + timedelta(days=1)).isoformat())
    page.locator("#field-period label", has_text="下午").click()
    submit(page, page.locator("#book button[type=submit]"))

    assert "/t/" in page.url
    order = WorkOrder.objects.exclude(pk=past.pk).get()
    assert order.product is not None and order.product.model == past.product.model
    assert order.product.purchase_date == past.product.purchase_date
    assert OrderEvent.objects.get(order=order, kind="self_booking").data["from_qr"] is True
    assert order.number in page.content()
    shots(page, "booked")
