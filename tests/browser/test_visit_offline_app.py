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
    # a copy the worker was still writing when the log-out answered is dropped by the worker itself (sw.js
    # keep); the browser may also finish clearing just after the login page has loaded
    left: list[str] = []
    for _ in range(50):
        left = page.evaluate("async () => await caches.keys()")
        if not left:
            break
        page.wait_for_timeout(100)
    assert left == []
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


def _offline_to_the_door(page: Any) -> None:
    """Offline at the start of the day: the kit checklist, the departure, the arrival, the first knock."""
    page.context.set_offline(True)
    for box in page.locator("#checklist-kit input[name=item]").all():
        box.check()
    page.locator("#checklist-kit button[type=submit]").click()
    page.locator("#depart-form button").click()
    page.locator("#arrive-form button").click()
    _waiting(page, 3)
    # the arrival is only queued, yet the steps at the door are open (no "appear once it is sent")
    assert "已到达" in status(page)
    page.locator("#knock-form button").click()
    _waiting(page, 4)
    assert page.locator("#call-form").is_visible()
    page.wait_for_function(
        "() => /\\d\\d:\\d\\d/.test(document.querySelector('#knock-timer .clock').textContent)"
    )


def _entry_and_diagnosis(page: Any) -> None:
    for box in page.locator("#checklist-entry input[name=item]").all():
        box.check()
    start = page.locator("#start-form button")
    assert start.is_disabled()  # the entry checklist first (R-AR-4)
    page.locator("#checklist-entry button[type=submit]").click()
    assert start.is_enabled()
    start.click()
    assert page.locator("#diagnosis-form").is_visible() and "服务中" in status(page)
    assert not page.locator("#knock").is_visible()
    form = page.locator("#diagnosis-form")
    form.locator("input[name=cause_text_1]").fill("启动电容容量衰减")
    form.locator("input[name=resolution_1]").fill("更换启动电容，试机正常")
    for name in ("voltage", "current", "pressure", "temp_diff"):
        field = form.locator(f"input[name={name}]")
        if field.count():
            field.fill({"voltage": "221", "current": "6.8", "pressure": "0.45", "temp_diff": "4"}[name])
    form.locator("textarea[name=notes]").fill("压缩机启动困难，电容容量衰减")
    form.locator("button[type=submit]").click()


def test_offline_from_the_kit_to_the_diagnosis_with_a_reload_then_all_sent_in_order_R_AR_1_R_AR_4_R_SV_1(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    page = login(browser, live_server, "tech", PHONE)
    _kept_offline(page, live_server, order)
    _offline_to_the_door(page)

    page.reload()  # offline, in the middle of the visit: the kept page and the phone's queue
    _waiting(page, 4)
    assert "已到达" in status(page) and page.locator("#call-form").is_visible()
    shots(page, "door-reloaded-offline")
    _entry_and_diagnosis(page)
    _waiting(page, 7)
    # steps that need the server say why they wait, instead of being absent
    assert "需要联网" in page.locator("#quote").inner_text()
    assert page.locator("#online-only-steps").is_visible()
    assert "短信" in page.locator("#online-only-steps").inner_text()
    shots(page, "diagnosis-queued-offline")
    assert WorkOrder.objects.get(pk=order.pk).status == "confirmed"  # nothing sent yet

    _back_online(page)
    labels = ["kit", "depart", "arrive", "knock", "entry", "start_service", "diagnosis"]
    assert _items(page) == [(label, "sent") for label in labels]
    assert status(page) == "服务中"
    kinds = list(order.events.order_by("seq").values_list("kind", flat=True))
    moves = [k for k in kinds if k in ("depart", "arrive", "knock_started", "start_service", "diagnosed")]
    assert moves == ["depart", "arrive", "knock_started", "start_service", "diagnosed"], kinds
    assert Checklist.objects.filter(order=order, kind="entry").count() == 1
    assert "需要联网" not in page.locator("#quote").inner_text()  # online again: the link is a link
    shots(page, "visit-sent")


def test_a_refusal_in_the_middle_shows_on_its_item_and_the_later_ones_show_theirs_R_AR_2(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    page = login(browser, live_server, "tech", PHONE)
    _kept_offline(page, live_server, order)
    _offline_to_the_door(page)
    # the note's photo cannot travel in the phone's queue: offline its field says so (never dropped silently)
    assert page.locator("#nobody-home-form input[type=file]").is_disabled()
    assert "联网" in page.locator("#nobody-home-form").inner_text()
    page.locator("#nobody-home-form button").click()  # at once after the first knock: too early (R-AR-2)
    _waiting(page, 5)
    assert "无人在家" in status(page) and page.locator("#nobody-home-queued").is_visible()
    assert not page.locator("#knock").is_visible()

    _back_online(page)
    items = _items(page)
    assert items[:4] == [("kit", "sent"), ("depart", "sent"), ("arrive", "sent"), ("knock", "sent")]
    assert items[4] == ("nobody_home", "refused")
    reason = page.locator("#offline-queue li").nth(4).locator(".how").inner_text()
    assert reason.startswith("被拒绝：") and len(reason) > len("被拒绝：")
    order.refresh_from_db()
    assert order.status == "arrived" and not order.events.filter(kind="nobody_home").exists()
    shots(page, "nobody-home-refused")

    # a cancellation meanwhile: the departure is refused, and every step after it with the server's reason
    other = order_in(world, "confirmed")
    page.locator("#offline-clear").click()
    page.goto(f"{live_server.url}/visits/{other.number}/")
    page.wait_for_load_state("networkidle")
    _offline_to_the_door(page)
    _entry_and_diagnosis(page)
    _waiting(page, 7)
    order_transition(order=other, actor=actor_for(world, "agent"), action="cancel", reason="客户来电取消")
    _back_online(page)
    items = _items(page)
    assert [label for label, _ in items] == [
        "kit",
        "depart",
        "arrive",
        "knock",
        "entry",
        "start_service",
        "diagnosis",
    ]
    assert all(state == "refused" for _, state in items), items  # the kit too: the order has ended
    for li in page.locator("#offline-queue li").all():
        assert "被拒绝：" in li.inner_text()
    other.refresh_from_db()
    assert other.status == "cancelled"
    assert not other.events.filter(
        kind__in=["depart", "arrive", "knock_started", "start_service", "diagnosed"]
    ).exists()
    assert not Checklist.objects.filter(order=other, kind="entry").exists()
    shots(page, "cancelled-refused")


def test_the_departures_page_is_kept_with_today_s_R_DI_7(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """出发提醒 lives under the app's address now: kept with today's page, it opens offline too."""
    order = order_in(world, "confirmed")
    page = login(browser, live_server, "tech", PHONE)
    _kept_offline(page, live_server, order)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/visits/my-day/")
    assert page.locator("#my-day h1").is_visible() and not page.locator("#offline-page").count()
    page.wait_for_function("() => document.getElementById('offline-banner').textContent.includes('当前离线')")
    shots(page, "my-day-offline")


def test_a_late_arrival_kept_offline_asks_for_the_apology_before_the_service_R_AR_5(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from doorstep.core import clock

    order = order_in(world, "confirmed")
    start = clock.now() - timedelta(minutes=30)  # the appointment was half an hour ago
    WorkOrder.objects.filter(pk=order.pk).update(
        window_start=start, window_end=start + timedelta(hours=2), appointment_at=None
    )
    page = login(browser, live_server, "tech", PHONE)
    _kept_offline(page, live_server, order)
    _offline_to_the_door(page)
    apology = page.locator("#apology-form")
    assert apology.is_visible()  # the phone's arrival is after the appointment
    apology.locator("input[name=reason]").fill("前一单维修超时")
    apology.locator("button[type=submit]").click()
    _waiting(page, 5)
    _entry_and_diagnosis(page)
    _waiting(page, 8)
    shots(page, "late-apology-queued")
    _back_online(page)
    assert [state for _, state in _items(page)] == ["sent"] * 8, _items(page)
    assert status(page) == "服务中"
    assert order.events.filter(kind="late_apology").count() == 1
