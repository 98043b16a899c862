"""The customer follows the visit on the tracking link: the technician's card (R-PV-2), the ETA once the
technician has left (R-DI-7) without reloading the page, 催单 with the promised reply time; the first-contact
owner sees it on the desk and replies, and the customer reads the reply, again without a reload (R-IN-5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.dispatch.tests.helpers import placed
from doorstep.orders.models import Deadline
from doorstep.orders.tracking import tracking_token
from doorstep.visits.tests.browsing import GUANGZHOU, go, login, messages, status, tick_all
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REPLY = "已联系李师傅，他正在路上，请您稍候。"


def _poll(page) -> None:  # type: ignore[no-untyped-def]
    """Let the page's polling interval pass on the phone's clock (the live part refreshes itself)."""
    page.clock.fast_forward("00:31")
    page.wait_for_load_state("networkidle")


def test_customer_sees_eta_hurries_and_reads_the_reply(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    start = (clock.now() + timedelta(minutes=60)).replace(second=0, microsecond=0)
    order = placed(world, status="confirmed", start=start)
    customer = browser.new_context(**PHONE).new_page()
    customer.goto(f"{live_server.url}/t/{tracking_token(order)}/")
    assert status(customer) == "已预约"
    card = customer.locator("#technician").inner_text()  # who is coming (R-PV-2)
    assert world.tech.staff.name in card and world.tech.permit_no in card and world.brand.hotline in card
    assert customer.locator("#eta").count() == 0  # before departure: the booked time only
    shots(customer, "before-departure")

    tech = login(browser, live_server, "tech", PHONE, geolocation=GUANGZHOU, permissions=["geolocation"])
    tech.goto(f"{live_server.url}/visits/{order.number}/")
    tick_all(tech, "#checklist-kit")
    go(tech, tech.locator("#depart-form button"))  # the technician leaves (R-DI-7)

    _poll(customer)  # no reload: the live part shows the departure and the ETA
    customer.locator("#eta").wait_for(timeout=15000)
    assert status(customer) == "已出发"
    assert "预计" in customer.locator("#eta").inner_text() and "到达" in customer.locator("#eta").inner_text()
    shots(customer, "eta-after-departure")

    go(customer, customer.locator("#hurry-button"))  # 催单 (R-IN-5)
    deadline = Deadline.objects.get(order=order, kind="hurry")
    promised = clock.local(deadline.due_at).strftime("%H:%M")
    assert f"客服将在 {promised} 前回复您" in messages(customer)
    assert promised in customer.locator("#hurry-promise").inner_text()
    assert customer.locator("#hurry-button").count() == 0  # the policy's interval before the next one
    shots(customer, "hurried")

    agent = login(browser, live_server, "agent", DESKTOP)  # the first-contact owner (R-IN-5)
    assert "客户催单回复" in agent.locator("main").inner_text()  # on the owner's list of deadlines
    go(agent, agent.locator(f"a[href='/orders/{order.number}/']").first)
    assert "客户催单" in agent.locator("#hurry-panel").inner_text()
    agent.fill("#hurry-reply", REPLY)
    go(agent, agent.locator("#hurry-answer-submit"))
    assert "已回复客户" in messages(agent)
    shots(agent, "desk-replied")
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET

    _poll(customer)  # the reply reaches the customer's open page
    customer.locator("#hurry-answer").wait_for(timeout=15000)
    assert REPLY in customer.locator("#hurry-answer").inner_text()
    assert customer.locator("#hurry-promise").count() == 0
    assert REPLY in customer.locator("#timeline").inner_text()  # and on the record, also without a reload
    shots(customer, "reply-read")
    assert customer.evaluate("() => document.documentElement.scrollWidth") <= 390  # fits the phone
