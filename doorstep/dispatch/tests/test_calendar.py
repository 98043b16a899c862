"""The working calendar: public holidays and make-up workdays, the override table, shifts and leave."""

from __future__ import annotations

from datetime import date, time

import pytest

from doorstep.dispatch.calendar import coverage_warning, day_info, work_day
from doorstep.dispatch.models import CalendarDay, Leave, Shift
from doorstep.dispatch.tests.helpers import DAY, at
from doorstep.network.policy import policy_for
from doorstep.tests import dates

pytestmark = pytest.mark.django_db

COVERED = date(2026, 11, 25)  # a Wednesday of a year the holiday library covers (a fact of the library)


def test_national_day_is_a_holiday_and_the_make_up_saturday_a_workday() -> None:
    assert day_info(date(2026, 10, 1)).workday is False and day_info(date(2026, 10, 1)).name == "国庆节"
    assert day_info(date(2026, 2, 14)).workday is True  # Saturday worked for the Spring Festival
    assert day_info(COVERED).source == "library"


def test_override_row_wins_over_the_library() -> None:
    CalendarDay.objects.create(day=DAY, is_workday=False, name="台风停工")
    info = day_info(DAY)
    assert (info.workday, info.name, info.source) == (False, "台风停工", "override")


def test_year_not_covered_falls_back_to_weekdays_and_says_so() -> None:
    assert day_info(date(2031, 1, 6)).source == "fallback"  # a Monday
    assert day_info(date(2031, 1, 6)).workday is True and day_info(date(2031, 1, 5)).workday is False
    assert "2031" in coverage_warning(date(2031, 1, 6))
    assert coverage_warning(COVERED) == ""


def test_default_shift_is_the_service_hours_on_working_days_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    wd = work_day(world.tech, DAY, policy_for(brand=world.brand))
    assert (wd.start, wd.end) == (at(9), at(18))
    assert not work_day(world.tech, dates.rest_day(DAY), policy_for(brand=world.brand)).works  # a weekend day


def test_rest_day_shift_makes_a_weekend_rota(world) -> None:  # type: ignore[no-untyped-def]
    Shift.objects.create(technician=world.tech, day_type="workday", start=time(8), end=time(17))
    Shift.objects.create(technician=world.tech, day_type="restday", start=time(10), end=time(16))
    sat = dates.rest_day(DAY)
    wd = work_day(world.tech, sat, policy_for(brand=world.brand))
    assert (wd.start, wd.end) == (at(10, day=sat), at(16, day=sat))


def test_half_day_leave_shortens_the_day(world) -> None:  # type: ignore[no-untyped-def]
    Leave.objects.create(technician=world.tech, kind="personal", starts_at=at(8), ends_at=at(13))
    wd = work_day(world.tech, DAY, policy_for(brand=world.brand))
    assert (wd.start, wd.end) == (at(13), at(18))
