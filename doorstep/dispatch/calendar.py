"""The working calendar: Chinese public holidays and make-up workdays (调休), shifts and leave.

Day types come from, in order: the override table (:class:`CalendarDay`), the kept ``chinese_calendar``
library (the State Council's schedule, published each November for the next year), and — for a year the
library does not cover — a clearly flagged fallback of Monday–Friday. A technician works a day's shift for
its day type (:class:`Shift`; default: the brand's service hours on working days, R-DI-3), minus leave.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.policy import Policy
from doorstep.dispatch.models import CalendarDay, Leave, Shift
from doorstep.network.models import Technician

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayInfo:
    day: date
    workday: bool
    name: str
    source: str  # "override" | "library" | "fallback"

    @property
    def day_type(self) -> str:
        return Shift.DayType.WORKDAY if self.workday else Shift.DayType.RESTDAY


def library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def day_info(day: date) -> DayInfo:
    """Working day or not, and why (override row, the holiday library, or the weekday fallback)."""
    row = CalendarDay.objects.filter(day=day).first()
    if row is not None:
        return DayInfo(day, row.is_workday, row.name, "override")
    try:
        workday = chinese_calendar.is_workday(day)
        _holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        log.warning("chinese_calendar has no data for %s; falling back to Monday–Friday", day.year)
        return DayInfo(day, day.weekday() < 5, "", "fallback")
    return DayInfo(day, workday, _holiday_name(name), "library")


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(name: str | None) -> str:
    return _HOLIDAY_NAMES.get(name or "", name or "")


def coverage_warning(day: date) -> str:
    """A warning for the board when the day's year is covered by neither library nor override rows."""
    if library_covers(day.year) or CalendarDay.objects.filter(day__year=day.year).exists():
        return ""
    return _("%(year)s 年的法定节假日和调休尚未收录，暂按周一至周五上班推算；请在“节假日/调休”表中补录。") % {
        "year": day.year
    }


@dataclass(frozen=True)
class WorkDay:
    """A technician's working time on one day (aware datetimes), or why there is none."""

    start: datetime | None
    end: datetime | None
    why_not: str = ""

    @property
    def works(self) -> bool:
        return self.start is not None and self.end is not None and self.start < self.end


def _at(day: date, t: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, t))


def shift_hours(technician: Technician, info: DayInfo, service: Policy) -> tuple[time, time] | None:
    shifts = {s.day_type: s for s in technician.shifts.all()}
    shift = shifts.get(info.day_type)
    if shift is not None:
        return shift.start, shift.end
    if not shifts and info.workday:  # default: the brand's service hours on working days (R-DI-3)
        return service.service_hours_start, service.service_hours_end
    return None


def work_day(technician: Technician, day: date, service: Policy, info: DayInfo | None = None) -> WorkDay:
    """The technician's hours on ``day`` after the calendar, the shift table and leave."""
    info = info or day_info(day)
    hours = shift_hours(technician, info, service)
    if hours is None:
        label = info.name or (_("休息日") if not info.workday else _("工作日"))
        return WorkDay(
            None, None, _("%(day)s 不上班（%(label)s）") % {"day": day.isoformat(), "label": label}
        )
    start, end = _at(day, hours[0]), _at(day, hours[1])
    for leave in _leaves(technician, start, end):
        if leave.starts_at <= start and leave.ends_at >= end:
            return WorkDay(None, None, _("请假：%(kind)s") % {"kind": leave.get_kind_display()})
        if leave.starts_at <= start:
            start = leave.ends_at
        elif leave.ends_at >= end:
            end = leave.starts_at
        else:  # leave in the middle of the day: the shorter remaining part is given up
            if leave.starts_at - start >= end - leave.ends_at:
                end = leave.starts_at
            else:
                start = leave.ends_at
    if start >= end:
        return WorkDay(None, None, _("请假"))
    return WorkDay(start, end)


def _leaves(technician: Technician, start: datetime, end: datetime) -> list[Leave]:
    return [lv for lv in technician.leaves.all() if lv.starts_at < end and lv.ends_at > start]


def on_leave_at(technician: Technician, moment: datetime) -> Leave | None:
    return next((lv for lv in technician.leaves.all() if lv.starts_at <= moment < lv.ends_at), None)


def lunch_window(day: date, policy: Policy) -> tuple[datetime, datetime, timedelta]:
    return (
        _at(day, policy.lunch_earliest),
        _at(day, policy.lunch_latest),
        timedelta(minutes=policy.lunch_minutes),
    )
