"""One technician's day (``dispatch.techday``), the plan the today page, the departures page and the board
read (walk findings 12 and 13): which visits belong to a day, their route order, R-DI-7 departures along the
route, and a fixed number of queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.core import clock
from doorstep.dispatch.board import technician_rows
from doorstep.dispatch.mine import my_day_stops
from doorstep.dispatch.models import PlannedVisit
from doorstep.dispatch.routing.plan_times import departure_time
from doorstep.dispatch.techday import (
    plan_days,
    technician_day,
    unpaid_before,
    unscheduled,
    upcoming,
)
from doorstep.dispatch.tests.helpers import FAR, NEAR, placed
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.tests import dates

pytestmark = pytest.mark.django_db

TODAY = clock.today()  # the pinned day (doorstep/tests/pinned_time.py)


def at(hh: int, mm: int = 0, day: date = TODAY) -> datetime:
    return dates.at(day, hh, mm)


def numbers(stops: list[Any]) -> list[str]:
    return [s.order.number for s in stops]


# --- which visits are on a day -----------------------------------------------------------------------------
def test_a_day_holds_the_visits_booked_on_that_local_day(world: Any) -> None:
    """Finding 13: today held visits from other days. The day is the service's local day: a 07:00 visit is
    today (the day before in UTC), a visit five minutes after midnight is tomorrow's."""
    early = placed(world, status="confirmed", start=at(7))
    late = placed(world, status="confirmed", start=at(22))
    yesterday = placed(world, status="confirmed", start=at(10, day=TODAY - timedelta(days=1)))
    tomorrow = placed(world, status="confirmed", start=at(0, 5, day=TODAY + timedelta(days=1)))
    week = placed(world, status="assigned", start=at(14, day=TODAY + timedelta(days=6)))
    with clock.frozen_at(at(6)):
        assert numbers(technician_day(world.tech)) == [early.number, late.number]
        later = upcoming(world.tech)
    assert [d.day for d in later] == [TODAY + timedelta(days=1), TODAY + timedelta(days=6)]
    assert [numbers(d.stops) for d in later] == [[tomorrow.number], [week.number]]
    assert yesterday.number not in {s.order.number for d in later for s in d.stops}


def test_just_before_midnight_tomorrows_first_visit_is_not_today(world: Any) -> None:
    tonight = placed(world, status="confirmed", start=at(22, 30))  # windows never overlap (R-DI-3)
    after_midnight = placed(world, status="confirmed", start=at(0, 30, day=TODAY + timedelta(days=1)))
    with clock.frozen_at(at(23, 59)):
        assert numbers(technician_day(world.tech)) == [tonight.number]
        (next_day,) = upcoming(world.tech)
    assert numbers(next_day.stops) == [after_midnight.number]
    with clock.frozen_at(at(0, 1, day=TODAY + timedelta(days=1))):  # a minute later it is today's
        assert numbers(technician_day(world.tech)) == [after_midnight.number]


def test_a_window_across_midnight_is_on_the_day_of_its_confirmed_time_R_DI_3(world: Any) -> None:
    """A window booked 23:00–01:00 counts from the confirmed time (R-DI-3): confirmed at 00:30 the visit is
    tomorrow's, confirmed at 23:30 tonight's. The day reads windows of the day before only when they reach
    into it (one that ends before midnight holds no appointment of the next day)."""
    tomorrow = TODAY + timedelta(days=1)
    late = placed(world, status="confirmed", start=at(23))
    WorkOrder.objects.filter(pk=late.pk).update(
        window_end=at(1, day=tomorrow), appointment_at=at(0, 30, day=tomorrow)
    )
    evening = placed(world, status="confirmed", start=at(20, 30))  # ends 22:00: never tomorrow's
    with clock.frozen_at(at(6)):
        assert numbers(technician_day(world.tech)) == [evening.number]
        assert numbers(plan_days([world.tech], tomorrow, limit=40)[(world.tech.pk, tomorrow)]) == [
            late.number
        ]
    WorkOrder.objects.filter(pk=late.pk).update(appointment_at=at(23, 30))
    with clock.frozen_at(at(6)):
        assert numbers(technician_day(world.tech)) == [evening.number, late.number]
        assert numbers(plan_days([world.tech], tomorrow, limit=40)[(world.tech.pk, tomorrow)]) == []


def test_completed_earlier_today_stays_last_week_goes_to_unpaid(world: Any) -> None:
    """Finding 13: "今日上门" listed completed visits of two weeks ago. Today's completed visit stays on
    today (done); last week's unpaid one is under 待收款; a paid one from last week is on neither."""
    done_today = placed(world, status="completed", start=at(8))
    last_week = placed(world, status="completed", start=at(9, day=TODAY - timedelta(days=7)))
    paid = placed(world, status="paid", start=at(15, day=TODAY - timedelta(days=7)))
    returned = placed(world, status="returned", start=at(14, day=TODAY - timedelta(days=10)))
    ahead = placed(world, status="confirmed", start=at(11))
    with clock.frozen_at(at(10)):
        stops = technician_day(world.tech)
        assert numbers(stops) == [done_today.number, ahead.number]
        assert stops[0].done and not stops[1].done
        assert [o.number for o in unpaid_before(world.tech, TODAY)] == [last_week.number]
    assert paid.number not in numbers(stops) and returned.number not in numbers(stops)


def test_a_visit_under_way_is_on_today_whatever_day_it_was_booked_for(world: Any) -> None:
    """The technician is at it now: in service since yesterday (never closed), it heads today's route."""
    stale = placed(world, status="in_service", start=at(16, day=TODAY - timedelta(days=1)))
    here = placed(world, status="in_service", start=at(9))
    ahead = placed(world, status="confirmed", start=at(11))
    with clock.frozen_at(at(9, 30)):
        EventKind.START_SERVICE.record(order=here, actor=world.actor("technician"))
        stops = technician_day(world.tech)
    assert numbers(stops) == [stale.number, here.number, ahead.number]
    assert [s.sequence for s in stops] == [1, 2, 3]
    assert stops[1].eta is None and stops[2].eta is not None  # the ETA chain drives on from the service
    assert stops[2].eta.eta >= at(9, 30) + timedelta(minutes=60)  # a repair is not over before 10:30


def test_a_visit_without_a_time_is_on_no_day_until_a_plan_places_it_R_DI_3(world: Any) -> None:
    loose = placed(world, status="assigned")
    with clock.frozen_at(at(8)):
        assert loose.number not in numbers(technician_day(world.tech))
        assert upcoming(world.tech) == []
        assert [o.number for o in unscheduled(world.tech)] == [loose.number]
        PlannedVisit.objects.create(
            order=loose,
            technician=world.tech,
            sequence=1,
            depart_at=at(13, 30),
            arrive_at=at(13, 55),
            start_at=at(14),
            proposed=True,
        )
        (stop,) = technician_day(world.tech)
        assert unscheduled(world.tech) == []
    assert stop.order == loose and stop.proposed and stop.start == at(14) and stop.appointment is None
    assert stop.eta is None  # no promise to be late for


def test_cancelled_and_other_technicians_visits_are_not_on_the_day(world: Any) -> None:
    placed(world, status="cancelled", start=at(11))
    placed(world, status="confirmed", start=at(12), tech=world.other_tech)
    mine = placed(world, status="confirmed", start=at(13))
    with clock.frozen_at(at(8)):
        assert numbers(technician_day(world.tech)) == [mine.number]


# --- route order and R-DI-7 departures ----------------------------------------------------------------------
def test_departures_follow_the_route_R_DI_7(world: Any) -> None:
    """Finding 12: the 11:00 visit said "09:46 出发", before the technician had left for the 10:30 one.
    The first departure is appointment − travel from home − 5 minutes; the next leaves from the previous
    stop, no earlier than that visit's end."""
    first = placed(world, status="confirmed", start=at(10, 30), where=NEAR)
    second = placed(world, status="assigned", start=at(11), where=FAR)  # not confirmed: windows overlap
    third = placed(world, status="assigned", start=at(16), where=NEAR)
    with clock.frozen_at(at(7)):
        stops = technician_day(world.tech)
    assert numbers(stops) == [first.number, second.number, third.number]
    one, two, three = stops
    assert one.depart_at is not None and one.travel_minutes is not None
    travel = at(10, 30) - timedelta(minutes=5) - one.depart_at  # R-DI-7: 5 minutes early
    assert timedelta(minutes=one.travel_minutes - 1) < travel <= timedelta(minutes=one.travel_minutes)
    assert one.arrive_at == at(10, 25) and one.remind_at == one.depart_at - timedelta(minutes=15)
    assert two.depart_at is not None and two.depart_at >= at(11, 30)  # the 10:30 repair takes an hour
    assert two.arrive_at is not None and two.arrive_at > at(11)  # the route is late: the board shows it
    assert three.depart_at is not None and three.travel_minutes is not None
    rule = departure_time(16 * 3600, three.travel_minutes * 60, 5 * 60)  # the routing core's R-DI-7
    assert abs((three.depart_at - dates.at(TODAY, 0)).total_seconds() - rule) < 60
    # Finding 12: "出发时间 10:20 / 预计到达 09:32". The ETA leaves at the departure, not at 07:00 (R-DI-9)
    for stop in stops:
        assert stop.eta is not None and stop.eta.eta == stop.arrive_at
    assert (one.eta.state, two.eta.state) == ("ok", "late")  # the route makes the 11:00 visit late


def test_a_departure_already_passed_is_reached_from_now_R_DI_9(world: Any) -> None:
    visit = placed(world, status="confirmed", start=at(10, 30), where=FAR)
    with clock.frozen_at(at(10, 20)):
        (stop,) = technician_day(world.tech)
    assert stop.depart_at is not None and stop.depart_at < at(10, 20)
    assert stop.order == visit and stop.eta is not None
    assert stop.eta.eta > at(10, 30) and stop.eta.state == "late"  # from now, not from the missed departure


def test_the_three_pages_read_the_same_stops(world: Any) -> None:
    """Finding 12: the board, the today page and the departures page gave three different days."""
    for hh in (16, 9, 11, 14):
        placed(world, status="confirmed", start=at(hh))
    placed(world, status="callback_done", start=at(8))
    placed(world, status="completed", start=at(9, day=TODAY - timedelta(days=14)))
    with clock.frozen_at(at(7)):
        day = technician_day(world.tech)
        (row,) = [
            r for r in technician_rows(world.actor("dispatcher"), world.outlet, TODAY) if r.tech == world.tech
        ]
        mine = my_day_stops(world.actor("technician"))
    assert len(day) == 5
    assert numbers(row.blocks) == numbers(day) == numbers(mine)
    assert [b.stop.depart_at for b in row.blocks] == [s.depart_at for s in day] == [m.depart_at for m in mine]


def test_the_day_costs_the_same_queries_at_any_length(world: Any) -> None:
    def count() -> int:
        with clock.frozen_at(at(7)), CaptureQueriesContext(connection) as captured:
            plan_days([world.tech, world.other_tech], TODAY, 3)
        return len(captured)

    for hh in (9, 11):
        placed(world, status="confirmed", start=at(hh))
    placed(world, status="in_service", start=at(7))
    small = count()
    for hh in (13, 15, 17):
        placed(world, status="confirmed", start=at(hh))
        placed(world, status="assigned", start=at(hh, day=TODAY + timedelta(days=1)), tech=world.other_tech)
    placed(world, status="en_route", start=at(8, 30), tech=world.other_tech)
    assert count() == small
    assert WorkOrder.objects.filter(technician__isnull=False).count() >= 10


def test_the_three_pages_cost_the_same_queries_at_any_length(world: Any) -> None:
    """The today page, the departures page (late visits with their R-AR-5 call window open included) and
    the board read the day in a fixed number of queries."""
    from django.test import Client

    tech, desk = Client(), Client()
    tech.force_login(world.staff["technician"].user)
    desk.force_login(world.staff["dispatcher"].user)
    board = {"outlet": world.outlet.pk, "day": TODAY.isoformat()}

    def counts() -> list[int]:
        out = []
        with clock.frozen_at(at(10, 29)):  # the 10:30 visit's late-call window is open
            for client, url, params in (
                (tech, "/visits/", {}),
                (tech, "/visits/my-day/", {}),
                (desk, "/dispatch/", board),
            ):
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url, params).status_code == 200
                out.append(len(captured))
        return out

    for k in range(3):
        placed(world, status="assigned", start=at(10, 30) + timedelta(minutes=40 * k), where=FAR)
    small = counts()
    for k in range(3, 12):
        placed(world, status="assigned", start=at(10, 30) + timedelta(minutes=40 * k), where=FAR)
    assert counts() == small


# --- a day the pages read bounded ---------------------------------------------------------------------------
def test_a_page_reads_at_most_the_limit_per_day_under_way_first_and_counts_the_rest(world: Any) -> None:
    """A backlog wrongly booked onto one day must not make the pages read and draw all of it: at most
    ``limit`` visits per technician and booked day, the visit under way always among them, the rest
    counted."""
    first, second, third, fourth = (placed(world, status="assigned", start=at(hh)) for hh in (8, 10, 12, 14))
    under_way = placed(world, status="in_service", start=at(16))
    tomorrow = placed(world, status="assigned", start=at(9, day=TODAY + timedelta(days=1)))
    with clock.frozen_at(at(7)):
        stops = plan_days([world.tech], TODAY, 2, limit=3)
        whole = plan_days([world.tech], TODAY, 2)
    assert numbers(stops[(world.tech.pk, TODAY)]) == [first.number, second.number, under_way.number]
    assert stops[(world.tech.pk, TODAY)].hidden == 2  # the 12:00 and 14:00 visits
    assert numbers(stops[(world.tech.pk, TODAY + timedelta(days=1))]) == [tomorrow.number]
    assert stops[(world.tech.pk, TODAY + timedelta(days=1))].hidden == 0
    assert len(whole[(world.tech.pk, TODAY)]) == 5 and whole[(world.tech.pk, TODAY)].hidden == 0
    assert third.number not in numbers(stops[(world.tech.pk, TODAY)]) and fourth.pk


def test_the_board_and_the_today_page_say_how_many_visits_they_did_not_show(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client

    monkeypatch.setattr("doorstep.dispatch.board.DAY_STOPS_SHOWN", 2)
    monkeypatch.setattr("doorstep.visits.views.tech.DAY_STOPS_SHOWN", 2)
    for hh in (8, 10, 12, 14, 16):
        placed(world, status="assigned", start=at(hh))
    for days_ago in (9, 8, 7):
        placed(world, status="completed", start=at(9, day=TODAY - timedelta(days=days_ago)))
    with clock.frozen_at(at(7)):
        (row,) = [
            r for r in technician_rows(world.actor("dispatcher"), world.outlet, TODAY) if r.tech == world.tech
        ]
        tech = Client()
        tech.force_login(world.staff["technician"].user)
        page = tech.get("/visits/").content.decode()
    assert len(row.blocks) == 2 and row.hidden == 3
    assert "今天另有 3 个上门未列出" in page
    assert "另有 1 个待收款的上门未列出" in page


def test_unpaid_visits_are_listed_oldest_first_up_to_the_limit(world: Any) -> None:
    older, old, recent = (
        placed(world, status="completed", start=at(9, day=TODAY - timedelta(days=d))) for d in (9, 8, 2)
    )
    with clock.frozen_at(at(7)):
        shown = unpaid_before(world.tech, TODAY, limit=2)
        every = unpaid_before(world.tech, TODAY)
    assert [o.number for o in shown] == [older.number, old.number] and shown.hidden == 1
    assert [o.number for o in every] == [older.number, old.number, recent.number] and every.hidden == 0


def test_the_departures_page_says_how_many_visits_it_did_not_list_today_and_on_later_days(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client

    monkeypatch.setattr("doorstep.dispatch.mine.DAY_STOPS_SHOWN", 2)
    monkeypatch.setattr("doorstep.dispatch.techday.DAY_STOPS_SHOWN", 2)
    for hh in (8, 10, 12):
        placed(world, status="assigned", start=at(hh))
    for hh in (8, 10, 12, 14):
        placed(world, status="assigned", start=at(hh, day=TODAY + timedelta(days=2)))
    with clock.frozen_at(at(7)):
        tech = Client()
        tech.force_login(world.staff["technician"].user)
        page = tech.get("/visits/my-day/").content.decode()
    assert page.count('class="muted day-hidden"') == 2
    assert "另有 1 单未列出" in page and "另有 2 单未列出" in page
