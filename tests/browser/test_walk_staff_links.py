"""A new user's walk, the customer's link in staff hands, a quote across languages and finding an order (walk
findings 1, 2, 9): each test walks the steps that went wrong and fails on the behaviour the walk found."""

from __future__ import annotations

import pytest

from doorstep.orders.tests.helpers import intake, order_in
from doorstep.orders.tracking import tracking_token
from doorstep.visits.models import Signature
from doorstep.visits.tests.browsing import go, login
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_technician_cannot_sign_or_pay_on_the_customer_link_R_CO_1(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    """Finding 2: the technician opened 完整工单, tapped the customer's tracking link shown there, drew on
    the pad and 签字确认 completed the order as "客户签字：罗英"; 微信支付 was offered to him too."""
    order = order_in(world, "in_service")
    page = login(browser, live_server, "tech", PHONE)
    page.goto(f"{live_server.url}/orders/{order.number}/")
    assert page.locator("#tracking-link").count() == 0  # the order page no longer offers him the link
    href = f"/t/{tracking_token(order)}/"  # still, the link may reach him (the customer's SMS shown to him)
    page.goto(live_server.url + href)
    shots(page, "tracking-link-as-the-technician")
    assert page.locator("#staff-viewing").is_visible()
    assert page.locator("#sign-form").count() == 0 and page.locator("#sign-pad").count() == 0
    assert page.locator("#pay-form, [data-pay]").count() == 0

    # Even a hand-made POST from the technician's session signs nothing (R-CO-1).
    answer = page.request.post(
        live_server.url + href[href.index("/t/") :].rstrip("/") + "/sign/",
        form={"signer_name": order.customer.name, "image": "data:image/png;base64,AAAA"},
        headers={"X-CSRFToken": next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")},
    )
    assert answer.status == 403 and "customer_link_staff_session" in answer.text()
    assert not Signature.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert order.status == "in_service"


def test_dispatcher_and_managers_find_an_order_by_number_phone_or_name(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    """Finding 9: the order list had only a 状态 dropdown (``?q=`` ignored), the board no search, and a
    lower-case order number gave Django's bare English "Not Found" page."""
    wanted = intake(world, phone="13700137000", customer_name="司马青")
    intake(world, phone="13600136000", customer_name="欧阳明")

    dispatcher = login(browser, live_server, "dispatcher", DESKTOP)
    dispatcher.goto(f"{live_server.url}/dispatch/")
    box = dispatcher.locator("#staff-search")
    box.fill(wanted.number.lower())  # the number in lower case, as the walk typed it
    box.press("Enter")
    dispatcher.wait_for_url(f"**/orders/{wanted.number}/")
    assert wanted.number in dispatcher.title()
    shots(dispatcher, "board-search-by-number")

    dispatcher.goto(f"{live_server.url}/orders/")
    box = dispatcher.locator("#staff-search")
    box.fill("137 0013 7000")  # a phone as people say it
    box.press("Enter")
    dispatcher.wait_for_url(f"**/orders/{wanted.number}/")

    manager = login(browser, live_server, "quality", DESKTOP)
    manager.goto(f"{live_server.url}/orders/")
    box = manager.locator("#staff-search")
    box.fill("司马")  # a name fragment: one match opens it, more give a list
    box.press("Enter")
    manager.wait_for_load_state("networkidle")
    assert wanted.number in manager.content()
    assert "司马青" in manager.locator("main").inner_text()

    # A number with a digit missing: a styled Chinese page with a way back, not Django's bare one.
    manager.goto(f"{live_server.url}/orders/{wanted.number[:-1]}/")
    shots(manager, "order-not-found")
    assert manager.locator("#error-page").is_visible()
    assert "Not Found" not in manager.locator("body").inner_text()
    go(manager, manager.locator("#go-home"))
    assert manager.locator("#staff-search").is_visible()


def test_a_quote_accepted_in_english_holds_on_the_chinese_app_and_back_R_SV_2(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    """Finding 1: the customer accepted the quote on a phone set to English; the technician's Chinese app
    still said 报价未经客户确认 and 开始施工 was refused, and again once the technician chose English."""
    from doorstep.visits.diagnosis.quote import quote_line_add

    order = order_in(world, "in_service")
    quote_line_add(order=order, actor=world.actor("technician"), fee_code="M-PIPE", quantity="2")

    customer = browser.new_context(**{**PHONE, "locale": "en-US"}).new_page()
    customer.goto(f"{live_server.url}/t/{tracking_token(order)}/")
    assert customer.locator("html").get_attribute("lang") == "en"
    go(customer, customer.locator("#track-accept-quote"))
    shots(customer, "quote-accepted-in-english")
    assert customer.locator("#quote-accepted").is_visible()

    tech = login(browser, live_server, "tech", PHONE)
    tech.goto(f"{live_server.url}/visits/{order.number}/")
    shots(tech, "quote-on-the-chinese-app")
    assert tech.locator("#quote-accepted").is_visible()
    assert "报价未经客户确认" not in tech.locator("main").inner_text()

    with tech.expect_navigation():  # the technician switches the app to English: still accepted
        tech.select_option("select[name=language]", "en")
    tech.wait_for_load_state("networkidle")
    assert tech.locator("html").get_attribute("lang") == "en"
    assert tech.locator("#quote-accepted").is_visible()
    assert "quote not confirmed" not in tech.locator("main").inner_text().lower()
