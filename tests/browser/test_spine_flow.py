"""One order end to end in a real browser: intake, dispatch, visit, signature, payment, callback, closure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.orders.lifecycle import Action
from doorstep.orders.models import WorkOrder
from doorstep.orders.tracking import tracking_url
from doorstep.tests import dates
from doorstep.visits.tests.browsing import draw_signature, go, messages, tick_all
from doorstep.visits.tests.browsing import status as visit_status
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(browser, live_server, username: str, device: dict):  # type: ignore[no-untyped-def]
    context = browser.new_context(**device)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "doorstep-pass")
    submit(page, page.locator("button[type=submit]", has_text="登录"))
    return page


def submit(page, button) -> None:  # type: ignore[no-untyped-def]
    """Click a submit button and wait until the (htmx-boosted) POST and the page swap are done."""
    with page.expect_response(lambda r: r.request.method == "POST"):
        button.click()
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def act(page, action: str, **fields: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator(f"form[data-action={action}]")
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    submit(page, form.locator("button[type=submit]"))


def status_of(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("#status").inner_text().strip()


def test_one_order_from_intake_to_closure(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    # the agent takes the call (R-IN-1, R-IN-5, R-IN-6)
    page = login(browser, live_server, "agent", DESKTOP)
    page.click("text=新建工单")
    page.fill("#id_customer_name", "林女士")
    page.fill("#id_phone", "138 2000 1234")
    page.fill("#id_district", "天河区")
    page.fill("#id_detail", "天河北路 233 号中信广场 18 楼")
    page.fill("#id_model_code", "KFR-35GW")
    page.fill("#id_purchase_date", dates.years_ago(7).isoformat())  # out of the 6-year warranty: paid
    page.fill("#id_faults", "空调不制冷\n室内机滴水")
    page.fill("#id_requirement", "今天下午")
    shots(page, "intake-form")
    submit(page, page.locator("#intake button[type=submit]"))
    assert status_of(page) == "已分诊"
    number = page.locator("h1").inner_text().split()[0]
    shots(page, "order-triaged")

    # the centre dispatches to the outlet covering 天河区 (R-DI-1)
    page = login(browser, live_server, "dispatcher", DESKTOP)
    page.goto(f"{live_server.url}/orders/{number}/")
    act(page, "dispatch", outlet=str(world.outlet.pk))
    assert status_of(page) == "已派网点"

    # the outlet assigns a qualified technician and confirms the window with the customer (R-DI-2, R-DI-3)
    page = login(browser, live_server, "manager", DESKTOP)
    page.goto(f"{live_server.url}/orders/{number}/")
    act(page, "assign", technician=str(world.tech.pk))
    start = timezone.localtime() + timedelta(hours=2)
    act(
        page,
        "confirm_appointment",
        window_start=start.strftime("%Y-%m-%dT%H:%M"),
        window_end=(start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert status_of(page) == "已预约", page.locator(".messages").inner_text()
    shots(page, "order-confirmed")

    # the technician's day on a phone: kit checklist, depart, arrive, entry, quote accepted by the customer
    # in customer mode, completion checklist (R-PR-1, R-DI-7, R-AR-4, R-SV-2, R-SV-8)
    tech = login(browser, live_server, "tech", PHONE)
    tech.goto(f"{live_server.url}/visits/")
    assert tech.locator(f"[data-order={number}]").is_visible()
    shots(tech, "technician-today")
    go(tech, tech.locator(f"[data-order={number}] a.open-visit"))
    tick_all(tech, "#checklist-kit")
    go(tech, tech.locator("#depart-form button"))
    go(tech, tech.locator("#arrive-form button"))
    tick_all(tech, "#checklist-entry")
    go(tech, tech.locator("#start-form button"))
    assert visit_status(tech) == "服务中", messages(tech)
    tech.select_option("#quote-add select[name=fee_code]", "L-REPAIR")
    go(tech, tech.locator("#quote-add button"))
    go(tech, tech.locator("#customer-quote"))
    draw_signature(tech)  # the customer's own mark in customer mode
    go(tech, tech.locator("#accept-quote"))
    tick_all(tech, "#checklist-completion")
    shots(tech, "technician-ready-for-signature")
    # the technician cannot complete: only the customer's signature completes (R-CO-1)
    order = WorkOrder.objects.get(number=number)
    tech.goto(f"{live_server.url}/orders/{number}/")
    act(tech, "complete")
    assert "客户本人签字" in tech.locator(".messages").inner_text()

    # the customer, on their own phone, checks who came, signs and pays (R-PV-2, R-CO-1, R-CO-2)
    customer = browser.new_context(**PHONE).new_page()
    customer.goto(tracking_url(order).replace("http://127.0.0.1:8000", live_server.url))
    assert "GZ-2024-0001" in customer.locator("#technician").inner_text()
    customer.locator("#sign-pad").scroll_into_view_if_needed()
    pad = customer.locator("#sign-pad").bounding_box()
    customer.mouse.move(pad["x"] + 30, pad["y"] + 100)
    customer.mouse.down()
    for i in range(1, 12):
        customer.mouse.move(pad["x"] + 30 + i * 25, pad["y"] + 100 + (30 if i % 2 else -30))
    customer.mouse.up()
    customer.fill("#opinion", "师傅很专业")
    shots(customer, "customer-signs")
    submit(customer, customer.locator("#sign-submit"))
    assert customer.locator("#status").inner_text().strip() == "已完工"
    submit(customer, customer.locator("#pay-wechat"))
    assert customer.locator("#status").inner_text().strip() == "已付款"
    shots(customer, "customer-paid")

    # the first-contact owner makes the callback and closes the order (R-QA-1, R-CO-4)
    page = login(browser, live_server, "agent", DESKTOP)
    page.goto(f"{live_server.url}/orders/{number}/")
    act(page, "record_callback", satisfaction="5", feedback="空调制冷正常")
    act(page, "close")
    assert status_of(page) == "已关闭"
    shots(page, "order-closed")
    order.refresh_from_db()
    kinds = list(order.events.values_list("kind", flat=True))
    moves = [k for k in kinds if k in Action.values]
    assert moves == [
        "triage",
        "dispatch",
        "assign",
        "confirm_appointment",
        "depart",
        "arrive",
        "start_service",
        "complete",
        "pay",
        "record_callback",
        "close",
    ]
    assert {"created", "checklist", "charge_added", "quote_accepted", "signed"} <= set(kinds)
    assert order.signatures.get().method == "customer_link" and order.payment.amount == 80
