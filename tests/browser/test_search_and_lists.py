"""Search and lists (walk finding 22, issue 15 part 4): the agent finds an order by a phone typed in another
format than the intake stored, from the search box of the staff header; and pages through all 62 of her
deadlines to the last one (the list used to stop at 20, with no way to the rest and no search at all)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.orders.models import Deadline
from doorstep.orders.tests.helpers import intake
from tests.browser.conftest import DESKTOP
from tests.browser.test_spine_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_the_agent_finds_an_order_by_phone_and_pages_to_her_last_deadline(
    world, live_server, browser, shots
) -> None:  # type: ignore[no-untyped-def]
    wanted = intake(world, phone="13800138000", customer_name="欧阳娜娜")
    intake(world, phone="13900139000")
    agent = world.staff["agent"]
    Deadline.objects.filter(owner=agent).delete()
    now = clock.now()
    Deadline.objects.bulk_create(
        Deadline(
            order=wanted,
            kind=Deadline.Kind.CALLBACK,
            rule="R-QA-1",
            owner=agent,
            due_at=now + timedelta(hours=k - 43),  # 43 overdue, 19 still reachable (the walk's 62)
            state=Deadline.State.OVERDUE if k < 43 else Deadline.State.OPEN,
        )
        for k in range(62)
    )
    order = ["-state", "due_at", "pk"]
    last = Deadline.objects.filter(owner=agent).order_by(*order).last()
    assert last is not None and last.state == Deadline.State.OPEN

    page = login(browser, live_server, "agent", DESKTOP)
    page.goto(f"{live_server.url}/orders/")
    box = page.locator("#staff-search")
    box.fill("+86 138-0013-8000")  # the intake stored +8613800138000
    box.press("Enter")
    _settle(page)
    page.wait_for_url(f"**/orders/{wanted.number}/")
    assert wanted.number in page.title() and "欧阳娜娜" in page.locator("main").inner_text()
    shots(page, "found-by-phone")

    page.goto(f"{live_server.url}/orders/")
    page.locator("[data-all-deadlines]").click()
    _settle(page)
    page.select_option("#sort", "overdue")
    page.locator("#deadline-filters button[type=submit]").click()
    _settle(page)
    seen: list[str] = []
    while True:
        seen += page.locator("#deadline-list tr[data-deadline]").evaluate_all(
            "rows => rows.map(r => r.dataset.deadline)"
        )
        more = page.locator("[data-pager=next]")
        if more.count() == 0:
            break
        assert "sort=overdue" in (more.get_attribute("href") or "")
        more.click()
        _settle(page)
    assert len(seen) == len(set(seen)) == 62
    assert page.locator(f"tr[data-deadline='{last.pk}']").is_visible()
    assert "第 2 页" in page.locator("#pager").inner_text()
    shots(page, "last-deadline")
