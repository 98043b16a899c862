"""A new user's walk, technician and customer at the door (walk findings 3, 4, 7, 19, 20, 25): each test
walks the steps that went wrong and fails on the behaviour the walk found."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.orders.tests.helpers import order_in
from doorstep.orders.tracking import tracking_token
from doorstep.tests.factories import WorkOrderFactory
from doorstep.visits.tests.browsing import login
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
