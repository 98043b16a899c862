"""Purchase date parsing and checks (R-IN-2 "purchase date").

R-IN-2 accepts exactly ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD`` and ``YYYY年M月D日`` (one- or two-digit
month and day, full-width digits folded, 号 for 日, surrounding spaces ignored). A blank or "don't know"
answer is ``purchase_date.missing``; a date written any other way ("去年夏天", "好几年了", "2023年5月") is
``purchase_date.vague``; a well-formed date that does not exist (2025-02-29) is ``purchase_date.impossible``;
a date after today is ``purchase_date.future``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .issues import Issue, Problem, problem
from .text import clean, says_unknown

FIELD = "purchase_date"
_UNKNOWN = {"不知道", "不记得", "忘了", "不清楚", "记不清", "没有", "无", "未知", "?", "-", "/", "暂无"}
_ACCEPTED = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$"),
)


# words around a written date that do not make it vague: 购于2023-05-01, 2023年5月1日买的, a time of day
_AROUND = re.compile(
    r"^(?:购于|购买于|买于|购买日期|购买时间|购买|购入)?\s*[:：]?\s*(.*?)\s*"
    r"(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:购买的|购买|购入|买的|买)?$"
)


@dataclass(frozen=True, slots=True)
class DateResult:
    """Parsed purchase date; ``value`` is set only for an accepted, existing, past date."""

    raw: str
    value: date | None = None
    exact: bool = False
    issues: tuple[Issue, ...] = field(default=())


def parse_purchase_date(
    raw: object, *, today: date, launch_date: date | None = None, field_name: str = FIELD
) -> DateResult:
    """Parse a purchase date written to R-IN-2; ``launch_date`` is accepted for callers and not a rule."""
    text = clean(raw)
    if says_unknown(text, _UNKNOWN):
        return DateResult(text, issues=(problem(Problem.DATE_MISSING, field_name=field_name),))
    parts = _accepted(text)
    if parts is None:
        return DateResult(
            text, issues=(problem(Problem.DATE_VAGUE, zh=text, en=text, field_name=field_name),)
        )
    value = _safe_date(*parts)
    if value is None:
        return DateResult(
            text, issues=(problem(Problem.DATE_IMPOSSIBLE, zh=text, en=text, field_name=field_name),)
        )
    if value > today:
        return DateResult(
            text, value, True, (problem(Problem.DATE_FUTURE, zh=text, en=text, field_name=field_name),)
        )
    return DateResult(text, value, True)


def _accepted(text: str) -> tuple[int, int, int] | None:
    around = _AROUND.match(text)
    core = around.group(1) if around else text
    for pattern in _ACCEPTED:
        match = pattern.match(core)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return year, month, day
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_LEADING_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")


def exact_date(text: str) -> date | None:
    """The calendar date a text starts with (``2025-06-20 上午``), or None."""
    match = _LEADING_DATE.match(clean(text))
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    return _safe_date(year, month, day)
