"""Purchase date parsing and plausibility checks (R-IN-2 "purchase date").

Exact forms: ``2024-05-03``, ``2024/5/3``, ``2024.5.3``, ``20240503``, ``2024年5月3日`` (号),
full-width digits, 今天/昨天/前天. Vague forms (``2024年5月``, ``去年5月``, ``上个月``, ``3天前``,
two-digit years) are resolved to a date but reported as doubtful. Checks: not in the future, not before
the model's launch date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from .issues import Issue, doubtful, missing
from .text import clean, says_unknown

FIELD = "purchase_date"
EARLIEST_PLAUSIBLE = date(1990, 1, 1)
_UNKNOWN = {"不知道", "不记得", "忘了", "不清楚", "记不清", "没有", "无", "未知", "?", "-", "/"}
_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SHORT_YEAR = re.compile(r"^(\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?(?:[初中底末]|左右)?$")
_RELATIVE_MONTH = re.compile(r"^(今年|去年|前年)\s*(\d{1,2})?\s*(?:月份?)?(?:[初中底末]|左右)?$")
_DAYS_AGO = re.compile(r"^(\d{1,3})\s*天(?:以)?前$")
_MONTHS_AGO = re.compile(r"^(\d{1,2}|半|一|两|三)\s*个?月(?:以)?前$")
_YEAR_OFFSETS = {"今年": 0, "去年": 1, "前年": 2}
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_CN_SMALL = {"半": 0, "一": 1, "两": 2, "三": 3}


@dataclass(frozen=True, slots=True)
class DateResult:
    """Parsed purchase date; ``exact`` is False for vague inputs (month only, relative)."""

    raw: str
    value: date | None = None
    exact: bool = False
    issues: tuple[Issue, ...] = field(default=())


def parse_purchase_date(
    raw: object, *, today: date, launch_date: date | None = None, field_name: str = FIELD
) -> DateResult:
    """Parse a purchase date and check it against ``today`` and the model's ``launch_date``."""
    text = clean(raw)
    if says_unknown(text, _UNKNOWN):
        issue = missing(field_name, "purchase_date.missing", "未提供购买日期", "No purchase date given")
        return DateResult(text, issues=(issue,))
    parsed = _parse(text, today)
    if parsed is None:
        issue = doubtful(
            field_name, "purchase_date.unparseable", f"无法识别购买日期“{text}”", f"Cannot read date {text}"
        )
        return DateResult(text, issues=(issue,))
    value, exact = parsed
    if value is None:
        issue = doubtful(
            field_name, "purchase_date.invalid", f"日期“{text}”不存在", f"Date {text} does not exist"
        )
        return DateResult(text, issues=(issue,))
    return DateResult(text, value, exact, tuple(_checks(text, value, exact, today, launch_date, field_name)))


def _checks(
    text: str, value: date, exact: bool, today: date, launch: date | None, field_name: str
) -> list[Issue]:
    if value > today:
        return [
            doubtful(
                field_name, "purchase_date.in_future", "购买日期晚于今天", "Purchase date is in the future"
            )
        ]
    if launch is not None and _before_launch(value, exact, launch):
        return [
            doubtful(
                field_name,
                "purchase_date.before_launch",
                f"购买日期早于该型号上市日期 {launch.isoformat()}",
                f"Purchase date is before the model's launch date {launch.isoformat()}",
            )
        ]
    if value < EARLIEST_PLAUSIBLE:
        return [
            doubtful(
                field_name, "purchase_date.too_old", "购买日期过早，请核实", "Purchase date implausibly old"
            )
        ]
    if not exact:
        return [
            doubtful(
                field_name,
                "purchase_date.imprecise",
                f"购买日期“{text}”不精确，请核实具体日期",
                f"Purchase date {text} is vague; verify the exact date",
            )
        ]
    return []


def _before_launch(value: date, exact: bool, launch: date) -> bool:
    if exact:
        return value < launch
    return (value.year, value.month) < (launch.year, launch.month)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse(text: str, today: date) -> tuple[date | None, bool] | None:
    for parser in (_exact, _vague_absolute, _relative):
        result = parser(text, today)
        if result is not None:
            return result
    return None


def _exact(text: str, today: date) -> tuple[date | None, bool] | None:
    match = _FULL.match(text) or _COMPACT.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _safe_date(year, month, day), True
    if text in _DAY_WORDS:
        return today - timedelta(days=_DAY_WORDS[text]), True
    return None


def _vague_absolute(text: str, today: date) -> tuple[date | None, bool] | None:
    short = _SHORT_YEAR.match(text)
    if short:
        year, month, day = (int(part) for part in short.groups())
        return _safe_date(2000 + year, month, day), False
    month_only = _MONTH.match(text)
    if month_only:
        return _safe_date(int(month_only.group(1)), int(month_only.group(2)), 1), False
    return None


def _relative(text: str, today: date) -> tuple[date | None, bool] | None:
    rel = _RELATIVE_MONTH.match(text)
    if rel:
        year = today.year - _YEAR_OFFSETS[rel.group(1)]
        return _safe_date(year, int(rel.group(2) or 1), 1), False
    days = _DAYS_AGO.match(text)
    if days:
        return today - timedelta(days=int(days.group(1))), False
    months = _MONTHS_AGO.match(text) or re.match(r"^(上)个?月$", text)
    if months:
        count = _CN_SMALL.get(months.group(1), 1 if months.group(1) == "上" else None)
        return _months_back(today, int(months.group(1)) if count is None else count), False
    return None


def _months_back(today: date, months: int) -> date:
    if months == 0:
        return today - timedelta(days=15)
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


_LEADING_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")


def exact_date(text: str) -> date | None:
    """The calendar date a text starts with (``2025-06-20 上午``), or None."""
    match = _LEADING_DATE.match(clean(text))
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    return _safe_date(year, month, day)
