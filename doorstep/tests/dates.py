"""Dates for test data, relative to the pinned instant (doorstep/tests/pinned_time.py).

Nothing here reads the database, so module-level constants can use it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.utils import timezone

from doorstep.core import clock


def is_workday(day: date) -> bool:
    """The holiday library's answer, Monday–Friday where it has no data (as dispatch.calendar does)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


ANY_WEEKDAY = -1


def working_day(after: int = 7, weekday: int = 2) -> date:
    """The first working ``weekday`` (0 = Monday; default Wednesday; ``ANY_WEEKDAY``) at least ``after``
    days from today."""
    day = clock.today() + timedelta(days=after)
    while weekday not in (ANY_WEEKDAY, day.weekday()) or not is_workday(day):
        day += timedelta(days=1)
    return day


def rest_day(after: date) -> date:
    """The first weekend day after ``after`` that is not a make-up working day."""
    day = after + timedelta(days=1)
    while day.weekday() < 5 or is_workday(day):
        day += timedelta(days=1)
    return day


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """``hh:mm`` on ``day`` in the service's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def years_ago(years: int, days: int = 0) -> date:
    """A purchase date ``years`` years (plus ``days``) before today (29 February → 28 February)."""
    return years_after(clock.today(), -years) - timedelta(days=days)


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
