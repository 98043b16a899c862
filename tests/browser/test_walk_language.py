"""A new user's walk, the language (walk finding 17): the language is the person's, kept on their profile and
applied at log-in on any device; the browser's language counts only for anonymous visitors (the customer's
pages); the selector names each language in its own words."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.network.models import Staff
from doorstep.orders.tracking import tracking_token
from doorstep.tests.factories import WorkOrderFactory
from doorstep.visits.tests.browsing import go, login
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def language(page: Any) -> str:
    return str(page.locator("html").get_attribute("lang"))


def choose(page: Any, code: str) -> None:
    """The header's selector: choosing submits (doorstep.js) and the page comes back in that language."""
    with page.expect_navigation():
        page.select_option("select[name=language]", code)
    page.wait_for_load_state("networkidle")


def log_out(page: Any) -> None:
    go(page, page.locator("form[action='/logout/'] button"))


def test_the_language_follows_the_person_not_the_browser(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 17: the agent chose English, logged out, and the dispatcher on the same browser got English;
    the agent on a fresh browser was back in Chinese. The selector read "简体中文 / 英语"."""
    office = login(browser, live_server, "agent", DESKTOP)  # the shared desk PC, a Chinese browser
    assert language(office) == "zh-hans"
    options = office.locator("select[name=language] option").all_inner_texts()
    assert options == ["简体中文", "English"]  # each language under its own name, not "英语"
    choose(office, "en")
    shots(office, "agent-chose-english")
    assert language(office) == "en"
    assert "Work orders" in office.locator("header nav").inner_text()
    assert Staff.objects.get(pk=world.staff["agent"].pk).language == "en"

    log_out(office)
    # the log-in page: the browser's language again, not hers
    assert language(office) == "zh-hans"
    assert office.locator("button[type=submit]").inner_text().strip() == "登录"
    # the dispatcher signs in on the same browser and reads Chinese, as on the first day
    office.fill("#id_username", "dispatcher")
    office.fill("#id_password", "doorstep-pass")
    go(office, office.locator("button[type=submit]"))
    shots(office, "dispatcher-same-browser")
    assert language(office) == "zh-hans"
    assert "工单" in office.locator("header nav").inner_text()
    assert Staff.objects.get(pk=world.staff["dispatcher"].pk).language == "zh-hans"  # chosen at first log-in

    phone = login(browser, live_server, "agent", PHONE)  # another device, a Chinese phone
    shots(phone, "agent-on-another-device")
    assert language(phone) == "en"
    assert "Work orders" in phone.locator("header nav").inner_text()
    phone.goto(f"{live_server.url}/orders/")
    assert language(phone) == "en"

    again = login(browser, live_server, "dispatcher", PHONE)  # a Chinese user stays Chinese anywhere
    assert language(again) == "zh-hans"


def test_an_anonymous_customer_reads_the_browser_language(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """The customer's tracking page follows the phone's language (Accept-Language), with no account."""
    order = WorkOrderFactory.create(world=world, status="confirmed")
    url = f"{live_server.url}/t/{tracking_token(order)}/"
    english = browser.new_context(**{**PHONE, "locale": "en-US"}).new_page()
    english.goto(url)
    shots(english, "tracking-english")
    assert language(english) == "en"
    assert "Service supervision hotline" in english.content()
    chinese = browser.new_context(**PHONE).new_page()
    chinese.goto(url)
    assert language(chinese) == "zh-hans"
    assert "服务监督热线" in chinese.content()
