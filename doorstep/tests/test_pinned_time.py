"""The pinned instant: every clock the code reads agrees on it, and frozen_at still moves clock.now."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from django.utils import timezone

from doorstep.core import clock
from doorstep.tests import dates, pinned_time
from doorstep.tests.factories import TechnicianFactory, WorkOrderFactory


def test_every_clock_reads_the_pinned_instant() -> None:
    pinned = pinned_time.instant()
    if pinned is None:  # DOORSTEP_TEST_NOW=off
        return
    for seen in (
        clock.now(),
        timezone.now(),
        datetime.now(pinned.tzinfo),
        datetime.fromtimestamp(time.time(), pinned.tzinfo),
    ):
        assert abs(seen - pinned) < timedelta(seconds=30), seen
    assert date.today() == clock.today() == timezone.localdate() == clock.local(pinned).date()


def test_each_test_starts_at_the_pinned_instant_again() -> None:
    pinned = pinned_time.instant()
    if pinned is None:
        return
    assert abs(clock.now() - pinned) < timedelta(seconds=30)  # not the time the suite has been running


def test_frozen_at_moves_clock_now_inside_the_block() -> None:
    moment = dates.at(clock.today() + timedelta(days=3), 9, 15)
    with clock.frozen_at(moment):
        assert clock.now() == moment and clock.today() == moment.date()
    assert clock.now() != moment


def test_relative_dates_fall_where_they_say() -> None:
    day = dates.working_day(after=7)
    assert day.weekday() == 2 and day >= clock.today() + timedelta(days=7) and dates.is_workday(day)
    rest = dates.rest_day(day)
    assert rest.weekday() >= 5 and not dates.is_workday(rest)
    assert dates.years_after(date(2028, 2, 29), 1) == date(2029, 2, 28)


def test_factories_build_on_the_world(world) -> None:  # type: ignore[no-untyped-def]
    tech = TechnicianFactory.create(outlet=world.outlet)
    assert tech.staff.centre == world.centre and list(tech.product_lines.all()) == [world.line]
    permit = tech.qualifications.get()
    assert permit.valid_from < clock.today() < permit.valid_until
    order = WorkOrderFactory.create(world=world, status="confirmed")
    assert (order.status, order.outlet, order.technician) == ("confirmed", world.outlet, world.tech)
    assert order.window_start is not None and order.window_start > clock.now()
    assert order.product.purchase_date == dates.years_ago(3)
