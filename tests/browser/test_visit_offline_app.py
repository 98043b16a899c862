"""The technician app offline (walk finding 6): a queued step opens the next one, a reload offline shows the
kept app, and back online the queue is sent in order with each item's status; the server still checks
every rule (R-PR-1 before R-DI-7's departure, R-AR-5 at arrival) and a refusal shows on its item."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import actor_for, order_in
from doorstep.visits.models import Checklist
from doorstep.visits.tests.browsing import go, login, status
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEPT = "() => !!document.documentElement.dataset.offlineKept"


def _kept_offline(page: Any, live_server: Any, order: WorkOrder) -> None:
    """Today's page once online: the service worker keeps it, today's visit pages and the app's files."""
    page.goto(f"{live_server.url}/visits/")
    page.wait_for_function(KEPT)
    page.goto(f"{live_server.url}/visits/{order.number}/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => !!navigator.serviceWorker.controller")


def _waiting(page: Any, n: int) -> None:
    page.wait_for_function(
        f"() => document.getElementById('offline-banner').textContent.includes('离线待发送 {n} ')"
    )


def _items(page: Any) -> list[tuple[str, str]]:
    return [
        (str(li.get_attribute("data-label")), str(li.get_attribute("data-state")))
        for li in page.locator("#offline-queue li").all()
    ]


def _back_online(page: Any) -> None:
    """The connection returns: the queue is sent and the page reloads as the server now has it."""
    page.evaluate("() => { document.querySelector('main').dataset.stale = '1'; }")
    page.context.set_offline(False)
    page.wait_for_function(
        "() => !document.querySelector('main').dataset.stale && document.readyState === 'complete'",
        timeout=20000,
    )


def test_offline_checklist_opens_depart_and_arrive_and_a_reload_shows_the_app_R_DI_7(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    later = order_in(world, "confirmed")  # today's other visit, never opened online
    page = login(browser, live_server, "tech", PHONE)
    _kept_offline(page, live_server, order)

    page.context.set_offline(True)
    for box in page.locator("#checklist-kit input[name=item]").all():
        box.check()
    page.locator("#checklist-kit button[type=submit]").click()
    _waiting(page, 1)
    depart = page.locator("#depart-form button")
    assert depart.is_enabled()  # finding 6 (a): it stayed disabled "请先完成自检"
    shots(page, "checklist-queued-depart-open")
    depart.click()
    _waiting(page, 2)
    assert page.locator("#arrive-form").is_visible() and "已出发" in status(page)

    # the server's copy changes meanwhile: the reload shows the page the phone kept (not the network's)
    name = order.customer.name
    type(order.customer).objects.filter(pk=order.customer.pk).update(name="改过的名字")
    page.reload()  # finding 6 (c): the browser's offline page
    assert page.locator("h1").inner_text().startswith(order.number)
    assert name in page.locator(".kv").inner_text() and "改过的名字" not in page.content()
    _waiting(page, 2)
    assert page.locator("#arrive-form").is_visible() and depart.is_disabled()
    assert page.locator("#checklist-kit input[name=item]:checked").count() > 0
    shots(page, "reloaded-offline")
    page.locator("#arrive-form button").click()
    _waiting(page, 3)
    assert _items(page) == [("kit", "waiting"), ("depart", "waiting"), ("arrive", "waiting")]

    page.locator("a", has_text="← 今日上门").click()  # finding 6 (b): the link did nothing
    page.wait_for_function(
        "() => location.pathname === '/visits/' && !!document.querySelector('.open-visit')"
    )
    assert page.locator(f".card[data-order='{order.number}']").is_visible()
    _waiting(page, 3)
    shots(page, "today-offline")
    page.locator(f".card[data-order='{later.number}'] a.open-visit").click()
    page.wait_for_function(f"() => location.pathname === '/visits/{later.number}/'")
    assert page.locator("h1").inner_text().startswith(later.number)
    page.go_back()
    page.wait_for_function("() => location.pathname === '/visits/'")
    page.locator(f".card[data-order='{order.number}'] a.open-visit").click()
    page.wait_for_function(f"() => location.pathname === '/visits/{order.number}/'")
    page.wait_for_load_state("networkidle")
    assert WorkOrder.objects.get(pk=order.pk).status == "confirmed"  # nothing sent yet

    _back_online(page)
    assert status(page) == "已到达"
    assert _items(page) == [("kit", "sent"), ("depart", "sent"), ("arrive", "sent")]
    sent = page.locator("#offline-queue").inner_text()
    assert "已发送" in sent and "此前已提交" not in sent  # finding 6 (d): each action is sent once
    kinds = list(
        order.events.filter(kind__in=["checklist", "depart", "arrive"]).values_list("kind", flat=True)
    )
    assert [k for k in kinds if k in ("depart", "arrive")] == ["depart", "arrive"]
    assert Checklist.objects.filter(order=order, kind="kit").count() == 1
    shots(page, "queue-sent")

    # log-out: the phone forgets the kept pages, the worker and the queue
    page.locator("header form[action='/logout/'] button").click()
    page.wait_for_url("**/login/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("async () => (await caches.keys()).length") == 0
    assert page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0
    assert page.evaluate("() => localStorage.length") == 0


def test_a_refused_queued_item_shows_the_server_s_reason_and_nothing_is_written_R_PR_1(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    page = login(browser, live_server, "tech", PHONE)
    _kept_offline(page, live_server, order)

    page.context.set_offline(True)
    for box in page.locator("#checklist-kit input[name=item]").all():
        box.check()
    page.locator("#checklist-kit button[type=submit]").click()
    _waiting(page, 1)
    page.locator("#depart-form button").click()
    _waiting(page, 2)
    # meanwhile the desk cancels the visit: the departure the phone kept is refused when it is sent
    order_transition(order=order, actor=actor_for(world, "agent"), action="cancel", reason="客户来电取消")

    _back_online(page)
    items = page.locator("#offline-queue li")
    assert _items(page)[1] == ("depart", "refused")
    reason = items.nth(1).locator(".how").inner_text()
    assert reason.startswith("被拒绝：") and len(reason) > len("被拒绝：")
    shots(page, "depart-refused")
    order.refresh_from_db()
    assert order.status == "cancelled" and not order.events.filter(kind="depart").exists()

    # an incomplete checklist sent from the queue is refused with the rule's reason, and not stored
    other = order_in(world, "confirmed")
    page.goto(f"{live_server.url}/visits/{other.number}/")
    page.context.set_offline(True)
    page.locator("#checklist-kit input[name=item]").first.check()
    page.locator("#checklist-kit button[type=submit]").click()
    _waiting(page, 1)
    assert page.locator("#depart-form button").is_disabled()  # not complete: nothing to open
    _back_online(page)
    last = page.locator("#offline-queue li").last
    assert last.get_attribute("data-state") == "refused"
    assert "检查项尚未完成" in last.inner_text()  # the server's own reason (R-PR-1)
    assert not Checklist.objects.filter(order=other).exists()
    page.locator("#offline-clear").click()
    assert page.locator("#offline-queue").count() == 0


def test_another_user_on_the_same_phone_never_sees_the_kept_pages(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """The technician's session ends without a log-out and a colleague signs in on the same phone: offline,
    the colleague gets the offline notice, not the technician's kept visit (the customer's name, address)."""
    order = order_in(world, "confirmed")
    page = login(browser, live_server, "tech", PHONE)
    _kept_offline(page, live_server, order)
    page.context.clear_cookies(name="sessionid")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "doorstep-pass")
    go(page, page.locator("button[type=submit]", has_text="登录"))

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/visits/{order.number}/")
    shots(page, "colleague-offline")
    assert page.locator("#offline-page").is_visible()
    assert order.customer.name not in page.content() and order.number not in page.content()
