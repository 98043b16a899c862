"""A new user's walk, the desk (walk findings 5, 15, 16, 23, 24): each test walks the steps that went
wrong and fails on the behaviour the walk found."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from doorstep.catalog.models import FeeItem
from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.quality.services.feedback import survey_submit
from doorstep.quality.tests.helpers import Visit, drive
from doorstep.visits.models import ChargeLine
from tests.browser.conftest import DESKTOP
from tests.browser.test_spine_flow import act, login, status_of, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = {"timeliness": 5, "skill": 5, "attitude": 4, "fees": 4}


def _completed(world, days_ago: int) -> WorkOrder:  # type: ignore[no-untyped-def]
    return drive(world, Visit(day=clock.local(clock.now()).date() - timedelta(days=days_ago)))


def _owes(order: WorkOrder) -> None:
    fee = FeeItem.objects.get(brand=order.brand, code="L-REPAIR")
    ChargeLine.objects.create(
        order=order, fee_item=fee, quantity=Decimal(1), unit_price=fee.price, amount=fee.amount(Decimal(1)),
        covered=False, added_at=clock.now(),
    )  # fmt: skip


def _record(page, order: WorkOrder, outcome: str, **fields: str) -> str:  # type: ignore[no-untyped-def]
    row = page.locator(f"tr[data-order={order.number}]")
    row.locator("select[name=outcome]").select_option(outcome)
    for name, value in fields.items():
        control = row.locator(f"[name={name}]")
        if name == "feedback":
            control.fill(value)
        else:
            control.select_option(value)
    submit(page, row.locator("button[type=submit]"))
    return str(page.locator(".messages").inner_text())


def test_callbacks_on_unpaid_orders_and_still_broken_R_QA_1_R_CO_2(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    """Findings 5 and 23: a callback on an unpaid order was refused with "尚有未收款项，请先收款。" and no
    way to send someone back; the earliest time was not enforced; a "still broken" survey closed the
    callback."""
    unpaid = _completed(world, 2)
    _owes(unpaid)
    broken = _completed(world, 3)
    _owes(broken)
    surveyed = _completed(world, 4)
    survey_submit(order=surveyed, actor=Actor.customer("叶女士"), scores=GOOD, product_works=False)
    fresh = _completed(world, 0)  # completed today: its callback is due from tomorrow

    page = login(browser, live_server, "agent", DESKTOP)
    page.goto(f"{live_server.url}/quality/callbacks/")
    script = page.locator("#script").inner_text()  # finding 24: the agent is not a service engineer
    assert "工程师" not in script and "你" not in script and "我是客服" in script
    assert "待收款" in page.locator(f"tr[data-order={unpaid.number}]").inner_text()
    shots(page, "queue")

    text = _record(page, unpaid, "reached", satisfaction="5")
    assert world.tech.staff.name in text and "收款" in text and "重新上门" in text

    text = _record(
        page, broken, "reached", satisfaction="2", product_works="no", feedback="热水器还是打不着火",
        follow_up="reopen",
    )  # fmt: skip
    assert "已记录回访" in text and page.locator(f"tr[data-order={broken.number}]").count() == 0
    assert WorkOrder.objects.get(pk=broken.pk).status == "triaged"

    row = page.locator(f"tr[data-order={surveyed.number}]")
    submit(page, row.locator("button", has_text="安排重新上门"))
    assert "重新上门" in page.locator(".messages").inner_text()
    assert WorkOrder.objects.get(pk=surveyed.pk).status == "triaged"

    text = _record(page, fresh, "unreachable")
    shots(page, "too-early")
    assert "最早" in text and not fresh.callback_attempts.exists()


def test_typed_night_appointment_and_the_tab_title_R_DI_3(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 15: 预约开始 02:00, 预约结束 03:00 typed by hand was accepted ("已完成：已预约"). Finding 16:
    the order page's tab title carried the page's script."""
    order = order_in(world, "assigned")
    page = login(browser, live_server, "manager", DESKTOP)
    page.goto(f"{live_server.url}/orders/")
    page.locator(f"a[href='/orders/{order.number}/']").first.click()  # a boosted page change
    page.wait_for_load_state("networkidle")
    page.wait_for_function(f"() => document.title.startsWith('{order.number}')")
    assert page.evaluate("() => document.title") == f"{order.number} · Doorstep"

    night = clock.local(clock.now()).replace(hour=2, minute=0) + timedelta(days=1)
    act(
        page,
        "confirm_appointment",
        window_start=night.strftime("%Y-%m-%dT%H:%M"),
        window_end=(night + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    shots(page, "night-window-refused")
    assert status_of(page) == "已派工程师", "a 02:00 window must not be confirmed"
    assert "服务时间" in page.locator(".messages").inner_text()
    assert WorkOrder.objects.get(pk=order.pk).status == "assigned"
