"""A new user's walk, technician and customer at the door (walk findings 3, 4, 7, 19, 20, 25): each test
walks the steps that went wrong and fails on the behaviour the walk found."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.orders.tracking import tracking_token
from doorstep.tests.factories import WorkOrderFactory
from doorstep.visits.tests.browsing import go, login, messages, status
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_card_confirms_this_visit_only_R_PV_2(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 3: with another order still in service, the card at the door and the tracking page's 核验
    showed that other customer's district, surname and order number."""
    stale = order_in(world, "in_service")  # yesterday's visit, never closed
    here = order_in(world, "arrived")
    later = WorkOrderFactory.create(
        world=world, status="confirmed", window_start=clock.now() + timedelta(days=1, hours=1)
    )
    tech = login(browser, live_server, "tech", PHONE)
    tech.goto(f"{live_server.url}/visits/{here.number}/")
    href = tech.locator("#identity a", has_text="监督卡").get_attribute("href")

    customer = browser.new_context(**PHONE).new_page()  # the customer scans the QR on their own phone
    customer.goto(live_server.url + href[href.index("/visits/card/") :])
    verdict = customer.locator("#current-visit").inner_text()
    shots(customer, "card-at-the-door")
    assert here.number in verdict and "✔" in verdict
    assert stale.number not in customer.content()

    customer.goto(f"{live_server.url}/t/{tracking_token(later)}/")
    href = customer.locator("#verify-technician a", has_text="核验").get_attribute("href")
    customer.goto(live_server.url + href[href.index("/visits/card/") :])  # the public address is the site's
    verdict = customer.locator("#current-visit").inner_text()
    shots(customer, "card-from-tracking-page")
    assert later.number in verdict and stale.number not in customer.content()


def test_nobody_home_waits_for_the_appointment_and_fills_the_note_R_AR_2(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    """Finding 4: "无人在家" was accepted two hours before the window, with the note's blanks left empty."""
    order = order_in(world, "en_route")
    start = clock.now() + timedelta(hours=2)
    WorkOrder.objects.filter(pk=order.pk).update(window_start=start, window_end=start + timedelta(hours=2))
    page = login(browser, live_server, "tech", PHONE)
    page.goto(f"{live_server.url}/visits/{order.number}/")
    go(page, page.locator("#arrive-form button"))
    arrived_at = clock.local(clock.now()).strftime("%H:%M")
    go(page, page.locator("#knock-form button"))
    EventKind.KNOCK_STARTED.record(  # five minutes pass at the door
        order=order,
        actor=Actor.system(),
        data={"at": (clock.now() - timedelta(minutes=6)).isoformat()},
        customer_visible=False,
    )
    page.reload()
    go(page, page.locator("#call-form button"))
    assert page.locator("#nobody-home-too-early").is_visible()
    go(page, page.locator("#nobody-home-form button"))  # the note template as it comes
    shots(page, "nobody-home-too-early")
    assert "还没到" in messages(page) and status(page) == "已到达"

    # the appointment comes and still nobody answers
    start = clock.now() - timedelta(minutes=1)
    WorkOrder.objects.filter(pk=order.pk).update(window_start=start, window_end=start + timedelta(hours=2))
    page.reload()
    go(page, page.locator("#call-form button"))
    go(page, page.locator("#nobody-home-form button"))
    shots(page, "nobody-home-recorded")
    assert status(page) == "无人在家", messages(page)
    note = order.events.get(kind="nobody_home").data["note_left"]
    assert "__" not in note and f"工程师于 {arrived_at} 到达" in note


def test_one_tap_is_one_request_after_boosted_page_changes(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 7: every boosted page change loaded the app script once more, so after three visits one
    tap on 确认完成 sent six POSTs, and the signature alert came up once per visit."""
    order = order_in(world, "confirmed")
    page = login(browser, live_server, "tech", PHONE)
    page.goto(f"{live_server.url}/visits/")
    for _ in range(3):  # 今日上门 → 打开工单 → 今日上门 …, htmx-boosted
        go(page, page.locator(f"[data-order={order.number}] a.open-visit"))
        go(page, page.locator("main a", has_text="今日上门"))
    go(page, page.locator(f"[data-order={order.number}] a.open-visit"))
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    for box in page.locator("#checklist-kit input[type=checkbox][name=item]").all():
        box.check()
    go(page, page.locator("#checklist-kit button[type=submit]"))
    shots(page, "kit-done-once")
    assert [u for u in posts if "/step/checklist_kit/" in u] == [posts[0]] and len(posts) == 1

    # customer mode, reached the same way: one alert for one tap on 签字确认 without a signature
    in_service = order_in(world, "in_service")
    page.goto(f"{live_server.url}/visits/")
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    for _ in range(2):
        page.evaluate(f"() => htmx.ajax('GET', '/visits/{in_service.number}/customer/?do=sign', 'body')")
        page.wait_for_selector("#sign-pad")
        page.evaluate("() => htmx.ajax('GET', '/visits/', 'body')")
        page.wait_for_selector("#offline-banner", state="attached")
    page.evaluate(f"() => htmx.ajax('GET', '/visits/{in_service.number}/customer/?do=sign', 'body')")
    page.wait_for_selector("#sign-pad")
    page.wait_for_timeout(300)
    page.locator("#sign-submit").click()
    page.wait_for_timeout(500)
    assert alerts == ["请先在签名区签字"]


def test_customer_mode_shows_no_staff_navigation_or_log_out(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 25: above the customer-mode banner were 今日上门, 出发提醒, the technician's name and 退出."""
    order = order_in(world, "in_service")
    page = login(browser, live_server, "tech", PHONE)
    for do in ("quote", "sign"):
        page.goto(f"{live_server.url}/visits/{order.number}/customer/?do={do}")
        shots(page, f"customer-mode-{do}")
        assert page.locator("#customer-mode").is_visible()
        assert page.locator("header nav").count() == 0
        assert page.locator("form[action='/logout/']").count() == 0
        assert page.locator("a[href='/visits/']").count() == 0
        assert world.tech.staff.name not in page.locator("header").inner_text()
    go(page, page.locator("#back-to-technician"))  # the one way back
    assert page.url.endswith(f"/visits/{order.number}/") and page.locator("header nav").is_visible()


def test_quote_lines_whole_merged_and_the_reason_shown_R_SV_2_R_AN_7(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    """Finding 20: 1.5 启动电容 accepted (¥52.50); the same item twice made two lines; a line charged for
    人为损坏 reached the customer with no reason."""
    order = order_in(world, "in_service")
    page = login(browser, live_server, "tech", PHONE)
    page.goto(f"{live_server.url}/visits/{order.number}/")

    def add(code: str, qty: str, exclusion: str = "") -> None:
        page.select_option("#quote-add select[name=fee_code]", code)
        page.fill("#quote-add input[name=quantity]", qty)
        page.select_option("#quote-add select[name=exclusion]", exclusion)
        go(page, page.locator("#quote-add button[type=submit]"))

    add("P-CAP", "1.5")
    assert "整数" in messages(page) and page.locator("#quote-lines tr", has_text="启动电容").count() == 0
    add("P-CAP", "1")
    add("P-CAP", "1")
    assert page.locator("#quote-lines tr", has_text="启动电容").count() == 1
    add("L-REPAIR", "1", "human_damage")
    shots(page, "quote-lines")
    page.goto(f"{live_server.url}/visits/{order.number}/customer/?do=quote")
    shots(page, "customer-quote")
    row = page.locator("table.quote tr", has_text="维修")
    assert "收费原因" in row.first.inner_text() and "人为" in row.first.inner_text()


def test_a_refused_diagnosis_keeps_the_form_and_shows_the_error_beside_it(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    """Finding 19: 电源电压 "abc" reloaded the page with every field empty and the error off-screen."""
    order = order_in(world, "in_service")
    page = login(browser, live_server, "tech", PHONE)
    page.goto(f"{live_server.url}/visits/{order.number}/")
    form = page.locator("#diagnosis-form")
    form.locator("input[name=resolution_1]").fill("更换启动电容")
    form.locator("input[name=voltage]").fill("abc")
    form.locator("textarea[name=notes]").fill("外机不启动，电容鼓包")
    form.locator("button[type=submit]").click()
    error = form.locator(".form-error")
    error.wait_for()
    shots(page, "diagnosis-refused")
    assert "电源电压无效：abc" in error.inner_text() and error.is_visible()
    assert error.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    ) or (
        form.locator("input[name=voltage]").evaluate(
            "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
        )
    )
    assert form.locator("textarea[name=notes]").input_value() == "外机不启动，电容鼓包"
    assert form.locator("input[name=resolution_1]").input_value() == "更换启动电容"
    assert form.locator("input[name=voltage]").get_attribute("aria-invalid") == "true"

    form.locator("input[name=voltage]").fill("220")  # corrected: the same form is recorded
    go(page, form.locator("button[type=submit]"))
    assert order.events.filter(kind="diagnosis").exists() or "已诊断" in page.content()
