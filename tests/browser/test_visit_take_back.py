"""Take the unit back to the shop and return it (R-SV-6, R-AN-6): consent and data-backup confirmation in
customer mode, an allowed reason, the take-back receipt, the workshop sub-states, return and completion."""

from __future__ import annotations

import pytest

from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.orders.tracking import tracking_url
from doorstep.visits.models import TakeBack
from doorstep.visits.testing import checklist_tick
from doorstep.visits.tests.browsing import draw_signature, go, login, messages, status, tick_all
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _consent(page, do: str, backup: bool = False) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.url.split("#")[0].split("?")[0].rstrip("/") + f"/customer/?do={do}")
    if backup:
        page.check("#consent-form input[name=wants_backup][value=yes]")
    page.check("#consent-form input[name=agree]")
    draw_signature(page)  # customer mode: the customer's own mark, drawn on the pad (R-SV-4)
    go(page, page.locator("#consent-submit"))


def test_take_back_and_return(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "in_service")
    page = login(browser, live_server, "tech", PHONE)
    visit = f"{live_server.url}/visits/{order.number}/"
    page.goto(visit)
    page.locator("#take-back summary").click()
    page.fill("#take-back-form input[name=reason]", "主板故障，需车间检测更换")
    page.fill("#take-back-form input[name=items]", "室内机主板、遥控器")
    go(page, page.locator("#take-back-form button"))
    assert "拉回维修须先记录客户同意" in messages(page)

    _consent(page, "take_back")
    shots(page, "after-take-back-consent")
    page.goto(visit + "customer/?do=backup")
    shots(page, "customer-mode-backup")
    page.check("#consent-form input[name=wants_backup][value=yes]")
    page.check("#consent-form input[name=agree]")
    draw_signature(page)
    go(page, page.locator("#consent-submit"))
    page.locator("#take-back summary").click()
    page.select_option("#take-back-form select[name=take_back_reason]", "board")
    page.fill("#take-back-form input[name=reason]", "主板故障，需车间检测更换")
    page.fill("#take-back-form input[name=items]", "室内机主板、遥控器")
    page.fill("#take-back-form input[name=condition]", "外观完好")
    go(page, page.locator("#take-back-form button"))
    assert status(page) == "拉回维修", messages(page)
    receipt = TakeBack.objects.get(order=order)
    shots(page, "taken-back")

    # the customer's copy of the take-back receipt, from their tracking page
    customer = browser.new_context(**PHONE).new_page()
    customer.goto(tracking_url(order).replace("http://127.0.0.1:8000", live_server.url))
    assert receipt.receipt_no in customer.locator("#take-back").inner_text()
    go(customer, customer.locator("#take-back a"))
    assert "室内机主板" in customer.locator("#takeback-receipt").inner_text()
    shots(customer, "customer-take-back-receipt")

    # workshop sub-states on the same record, then back to the customer
    page.goto(visit)
    go(page, page.locator("#workshop button"))
    assert "维修中" in page.locator("#tb-stage").inner_text()
    go(page, page.locator("#workshop button"))
    assert "已修复" in page.locator("#tb-stage").inner_text()
    shots(page, "repaired")
    go(page, page.locator("#return-form button"))
    assert status(page) == "已送回", messages(page)

    # completion after return: checklist, the customer signs on their own phone (R-CO-1)
    page.goto(visit + "customer/?do=quote")
    draw_signature(page)
    go(page, page.locator("#accept-quote"))  # an in-warranty repair: a zero quote, still shown and accepted
    tick_all(page, "#checklist-completion")
    shots(page, "returned-ready-to-sign")
    customer.goto(tracking_url(order).replace("http://127.0.0.1:8000", live_server.url))
    customer.locator("#sign-pad").scroll_into_view_if_needed()
    pad = customer.locator("#sign-pad").bounding_box()
    customer.mouse.move(pad["x"] + 30, pad["y"] + 90)
    customer.mouse.down()
    for i in range(1, 10):
        customer.mouse.move(pad["x"] + 30 + i * 30, pad["y"] + 90 + (25 if i % 2 else -25))
    customer.mouse.up()
    go(customer, customer.locator("#sign-submit"))
    assert customer.locator("#status").inner_text().strip() == "已完工", messages(customer)
    shots(customer, "customer-signed")
    assert WorkOrder.objects.get(pk=order.pk).take_back.stage == "returned"
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds.count("workshop_stage") == 2 and "take_back" in kinds and "return_unit" in kinds
    _ = checklist_tick  # imported for symmetry with the other visit tests
