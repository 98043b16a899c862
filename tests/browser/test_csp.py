"""The Content Security Policy is enforced and the pages break none of it: staff pages (navigated through
htmx's boosted links), the customer's tracking page and self-booking report no violation."""

from __future__ import annotations

import pytest

from doorstep.orders.lifecycle import Status
from doorstep.orders.tracking import tracking_url
from doorstep.tests.factories import WorkOrderFactory
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_spine_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


def watched(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every CSP violation the page reported, by event and on the console, plus uncaught page errors."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def violations(page, seen: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    return seen + page.evaluate("() => window.__csp || []")


def test_main_pages_report_no_csp_violation(world, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    order = WorkOrderFactory.create(world=world, status=Status.CONFIRMED)
    page = login(browser, live_server, "dispatcher", DESKTOP)
    page.context.add_init_script(WATCH)
    seen = watched(page)
    page.goto(f"{live_server.url}/orders/")
    page.click(f"a[href='/orders/{order.number}/']")  # boosted: htmx swaps the page in
    page.wait_for_selector("#status")
    page.wait_for_load_state("networkidle")
    assert violations(page, seen) == []
    page.select_option("select[name=language]", "en")  # the language switch submits (web/doorstep.js)
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert violations(page, seen) == []

    desk = login(browser, live_server, "agent", DESKTOP)
    desk.context.add_init_script(WATCH)
    seen = watched(desk)
    desk.click("text=新建工单")
    desk.wait_for_load_state("networkidle")
    desk.goto(f"{live_server.url}/orders/new/")
    assert violations(desk, seen) == []
    desk.goto(f"{live_server.url}/api/docs")  # Swagger UI from the site's own static files
    desk.wait_for_selector(".swagger-ui .info")
    assert violations(desk, seen) == []

    customer = browser.new_context(**PHONE)
    customer.add_init_script(WATCH)
    phone = customer.new_page()
    seen = watched(phone)
    phone.goto(tracking_url(order).replace("http://127.0.0.1:8000", live_server.url))
    phone.wait_for_selector("#timeline")
    phone.goto(f"{live_server.url}/book/{world.brand.code}/")
    phone.wait_for_load_state("networkidle")
    assert violations(phone, seen) == []
