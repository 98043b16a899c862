"""The dispatcher board in a real browser: queue with reasons, assign, optimise with progress, apply."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from doorstep.core import clock
from doorstep.dispatch.calendar import day_info
from doorstep.dispatch.models import JobRequirement, PlanRun
from doorstep.dispatch.planning import plan_run_execute
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import intake
from tests.browser.conftest import DESKTOP
from tests.browser.test_spine_flow import login, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_workday() -> date:
    day = clock.today() + timedelta(days=1)
    while not day_info(day).workday:
        day += timedelta(days=1)
    return day


def place(world, status: str, *, start: datetime | None = None, lat: float = 23.135, **fields):  # type: ignore[no-untyped-def]
    order = intake(world, lat=lat, lng=113.30, **fields)
    updates = {"status": status, "outlet": world.outlet}
    if status != "dispatched":
        updates["technician"] = world.tech
    if start is not None:
        updates.update(window_start=start, window_end=start + timedelta(hours=2))
    WorkOrder.objects.filter(pk=order.pk).update(**updates)
    return WorkOrder.objects.get(pk=order.pk)


def test_board_assign_optimise_apply(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    day = next_workday()
    at = lambda h, m=0: timezone.make_aware(datetime.combine(day, time(h, m)))  # noqa: E731
    JobRequirement.objects.create(
        brand=world.brand, service_type="install", equipment="helmet", note="安装需安全帽"
    )
    place(world, "confirmed", start=at(10))
    place(world, "confirmed", start=at(14), lat=23.16)
    repair = place(world, "dispatched", priority="urgent")
    install = place(world, "dispatched", service_type="install", lat=23.12)

    page = login(browser, live_server, "manager", DESKTOP)
    page.click("text=调度看板")
    page.goto(f"{live_server.url}/dispatch/?outlet={world.outlet.pk}&day={day.isoformat()}")
    assert page.locator(f".tl-row[data-tech='{world.tech.pk}'] .visit-block").count() == 2
    item = page.locator(f".queue-item[data-order='{install.number}']")
    item.locator("summary").click()
    assert "安全装备缺失或过期：安全帽" in item.inner_text()  # the dispatcher sees why (R-DI-2, R-PR-2)
    shots(page, "board-queue-and-day")

    submit(page, page.locator(f".queue-item[data-order='{repair.number}'] button[type=submit]"))
    assert "已派工" in page.locator(".messages").inner_text()
    assert page.locator(f".queue-item[data-order='{repair.number}']").count() == 0

    submit(page, page.locator("#optimise-button"))
    run = PlanRun.objects.get()
    assert page.locator("#optimise .run").get_attribute("data-state") == "queued"
    shots(page, "optimise-queued")
    run.seconds = 2
    run.save(update_fields=["seconds"])
    assert plan_run_execute(run_id=run.pk) == "done"  # the background worker's job
    page.wait_for_selector("#compare", timeout=10_000)  # the card polls its progress and swaps in the result
    compare = page.locator("#compare").inner_text()
    assert "行驶里程" in compare and "2/2" in compare
    shots(page, "optimise-before-after")

    submit(page, page.locator("#apply-button"))
    assert "已采用优化方案" in page.locator(".messages").inner_text()
    assert page.locator(f".tl-row[data-tech='{world.tech.pk}'] .depart").count() == 3  # R-DI-7 departures
    shots(page, "plan-applied")
