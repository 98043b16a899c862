"""A new user's walk, technician and dispatcher (walk findings 12 and 13): the technician's today page, the
departures page and the dispatcher's board read one plan of the day (``dispatch.techday``) — the same visits
in the same route order with the same R-DI-7 departures; today holds only today's visits; later days and
the visits with no time yet are on the departures page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from doorstep.core import clock
from doorstep.dispatch.tests.helpers import FAR, NEAR, placed
from doorstep.tests import dates
from doorstep.visits.tests.browsing import go, login
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _orders(page: Any, selector: str) -> list[str]:
    return [str(e.get_attribute("data-order")) for e in page.locator(selector).all()]


def _departures(page: Any, selector: str) -> dict[str, str]:
    """Order number → the departure shown for it (HH:MM)."""
    out = {}
    for card in page.locator(selector).all():
        marker = card.locator("[data-depart]")
        if marker.count():
            out[str(card.get_attribute("data-order"))] = str(marker.first.get_attribute("data-depart"))
    return out


def test_the_technicians_pages_and_the_board_show_one_day_R_DI_7(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 12: 今日上门, 出发提醒 and the board gave three different days (8 cards, 5 blocks, a 15:00
    visit on the board only, the 11:00 visit's departure before the technician had left for the 10:30 one).
    Finding 13: 今日上门 led with completed visits of two weeks ago, out of order; an assigned order with no
    time and the visits of later days appeared nowhere."""
    today = clock.today()
    at = lambda hh, mm=0, day=today: dates.at(day, hh, mm)  # noqa: E731
    old_done = placed(world, status="completed", start=at(9, day=today - timedelta(days=14)))
    old_paid = placed(world, status="paid", start=at(15, day=today - timedelta(days=11)))
    done_today = placed(world, status="callback_done", start=at(7), where=(23.16, 113.33))
    first = placed(world, status="confirmed", start=at(10, 30), where=NEAR)
    second = placed(world, status="assigned", start=at(11), where=FAR)  # overlaps: not yet confirmed
    afternoon = placed(world, status="assigned", start=at(15), where=NEAR)
    tomorrow = placed(world, status="confirmed", start=at(9, 30, day=today + timedelta(days=1)))
    no_time = placed(world, status="assigned")
    route = [done_today.number, first.number, second.number, afternoon.number]

    with clock.frozen_at(at(8)):  # the morning of the pinned day, whatever time the suite runs at
        tech = login(browser, live_server, "tech", PHONE)
        tech.goto(f"{live_server.url}/visits/")
        shots(tech, "today")
        today_cards = _orders(tech, ".card.visit")
        assert today_cards == route  # only today's visits, in route order
        assert old_done.number not in today_cards and old_paid.number not in today_cards
        assert _orders(tech, "#unpaid li") == [old_done.number]  # 待收款, apart from the day
        on_today = _departures(tech, ".card.visit")

        go(tech, tech.locator("#upcoming-link"))  # 以后几天 →
        shots(tech, "my-day-and-upcoming")
        assert _orders(tech, "#today-stops .card.visit") == route
        assert _departures(tech, "#today-stops .card.visit") == on_today
        for number, leave in on_today.items():  # "出发时间 10:20 / 预计到达 09:32" no more (R-DI-9)
            card = tech.locator(f"#today-stops .card.visit[data-order='{number}']")
            assert str(card.locator("[data-eta]").get_attribute("data-eta")) > leave
        later = tech.locator(".upcoming-day", has=tech.locator(f"[data-order='{tomorrow.number}']"))
        assert later.is_visible() and (today + timedelta(days=1)).isoformat() in later.inner_text()
        assert tech.locator(f"#unscheduled ~ .card.visit[data-order='{no_time.number}']").is_visible()

        desk = login(browser, live_server, "dispatcher", DESKTOP)
        desk.goto(f"{live_server.url}/dispatch/?outlet={world.outlet.pk}&day={today.isoformat()}")
        row = f".tl-row[data-tech='{world.tech.pk}']"
        shots(desk, "board")
        assert _orders(desk, f"{row} .visit-block") == route
        assert "4 单" in desk.locator(f"{row} .tl-name").inner_text()
        assert {
            str(m.get_attribute("data-order")): str(m.get_attribute("data-depart"))
            for m in desk.locator(f"{row} .depart[data-order]").all()
        } == on_today

    # R-DI-7 along the route: the 11:00 visit leaves when the 10:30 repair is done, not from home at 09:46
    assert set(on_today) == {first.number, second.number, afternoon.number}
    assert on_today[first.number] < "10:25" and on_today[second.number] >= "11:30"
