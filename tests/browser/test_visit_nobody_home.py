"""Nobody home on a flaky connection: the arrival is queued offline and replayed once; the knock protocol,
the note left, the desk told, and the rebooking (R-AR-1, R-AR-2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.models import EscalationTask, ProcessedAction
from doorstep.visits.testing import appointment_passed
from doorstep.visits.tests.browsing import go, login, messages, status, tick_all
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_nobody_home_offline_arrival_and_rebooking(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    appointment_passed(order)  # nobody home counts from the appointment on (R-AR-2)
    page = login(browser, live_server, "tech", PHONE)
    page.goto(f"{live_server.url}/visits/{order.number}/")
    tick_all(page, "#checklist-kit")
    go(page, page.locator("#depart-form button"))
    assert status(page) == "已出发"

    # the connection drops at the door: the arrival is kept on the phone, then replayed once
    page.context.set_offline(True)
    page.locator("#arrive-form button").click()
    page.wait_for_function(
        "() => document.getElementById('offline-banner').textContent.includes('离线待发送 1')"
    )
    shots(page, "arrival-queued-offline")
    assert WorkOrder.objects.get(pk=order.pk).status == "en_route"
    page.evaluate("() => { document.querySelector('main').dataset.stale = '1'; }")
    page.context.set_offline(False)
    page.wait_for_function(
        "() => !document.querySelector('main').dataset.stale && document.readyState === 'complete'"
    )
    assert status(page) == "已到达"
    assert ProcessedAction.objects.count() >= 1 and order.events.filter(kind="arrive").count() == 1

    # R-AR-1: knock, the 30 s / 5 min timer, then phone the customer
    go(page, page.locator("#knock-form button"))
    assert page.locator("#knock-timer").is_visible()
    shots(page, "knock-started")
    page.fill(
        "#nobody-home-form textarea[name=note_left]",
        "您好，工程师 14:02 到达，14:10 离开，请致电 020-1 重新预约。",
    )
    go(page, page.locator("#nobody-home-form button"))
    assert "敲门后须等待" in messages(page)
    # five minutes pass at the door (the protocol counts from the first knock)
    EventKind.KNOCK_STARTED.record(
        order=order,
        actor=Actor.system(),
        data={"at": (clock.now() - timedelta(minutes=6)).isoformat()},
        customer_visible=False,
    )
    page.reload()
    shots(page, "knock-protocol")
    go(page, page.locator("#call-form button"))
    page.fill(
        "#nobody-home-form textarea[name=note_left]",
        "您好，工程师 14:02 到达，14:10 离开，请致电 020-1 重新预约。",
    )
    page.check("#nobody-home-form input[name=neighbours_asked]")
    shots(page, "nobody-home-note")
    go(page, page.locator("#nobody-home-form button"))
    assert status(page) == "无人在家", messages(page)
    task = EscalationTask.objects.get(order=order, kind="rebook")
    assert task.owner == order.owner and task.state == "open"
    shots(page, "nobody-home-recorded")

    # the desk sees the task and rebooks; the task is done, the order awaits a new appointment
    desk = login(browser, live_server, "agent", DESKTOP)
    desk.goto(f"{live_server.url}/orders/{order.number}/")
    assert "无人在家重新预约" in desk.locator("#visit-block").inner_text()
    go(desk, desk.locator("form[data-action=rebook] button[type=submit]"))
    assert status(desk) == "改约待确认"
    task.refresh_from_db()
    assert task.state == "done"
    shots(desk, "desk-rebooked")
