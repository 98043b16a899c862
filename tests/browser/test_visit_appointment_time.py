"""A technician confirms the visit time with the customer on the phone (R-DI-3); lateness then counts from
that time, not from the start of the booked window (R-AR-5), and the customer's page shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from doorstep.core import clock
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.orders.tracking import tracking_token
from doorstep.visits.tests.browsing import GUANGZHOU, go, login, status, tick_all
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_confirmed_time_moves_the_appointment_R_DI_3_R_AR_5(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    start = (clock.now() + timedelta(minutes=10)).replace(second=0, microsecond=0)
    WorkOrder.objects.filter(pk=order.pk).update(window_start=start, window_end=start + timedelta(hours=2))
    agreed = start + timedelta(minutes=50)
    page = login(browser, live_server, "tech", PHONE, geolocation=GUANGZHOU, permissions=["geolocation"])
    page.goto(f"{live_server.url}/visits/{order.number}/")
    assert page.locator("#appointment-time").is_visible()
    page.fill("#appointment-at", clock.local(agreed).strftime("%Y-%m-%dT%H:%M"))
    go(page, page.locator("#appointment-time button"))
    assert clock.local(agreed).strftime("%H:%M") in page.locator("#appointment").inner_text()
    shots(page, "appointment-confirmed")
    assert WorkOrder.objects.get(pk=order.pk).appointment_at == agreed

    # half an hour later (the window moved back): inside the window, before the agreed time
    shift = timedelta(minutes=30)
    WorkOrder.objects.filter(pk=order.pk).update(
        window_start=start - shift,
        window_end=start - shift + timedelta(hours=2),
        appointment_at=agreed - shift,
    )
    agreed -= shift
    page.reload()
    tick_all(page, "#checklist-kit")
    go(page, page.locator("#depart-form button"))
    go(page, page.locator("#arrive-form button"))  # 20 minutes after the window's start: on time
    assert status(page) == "已到达"
    assert page.locator("#lateness").count() == 0
    data = WorkOrder.objects.get(pk=order.pk).events.get(kind="arrive").data
    assert data["lateness"] == "on_time" and data["appointment_at"] == clock.local(agreed).isoformat()

    customer = browser.new_page()
    customer.goto(live_server.url + reverse("web:track", args=[tracking_token(order)]))
    assert clock.local(agreed).strftime("%H:%M") in customer.locator("#appointment-time").inner_text()
    shots(customer, "tracking-shows-the-time")
