"""Purchase date checks (R-IN-2 "purchase date") over the one date parser (``doorstep.core.dates``).

A purchase date is read as people say it — ``2023-05-01``, ``2023年5月1日``, ``23年5月1号``, ``5月1日`` (the
most recent one), ``二〇二三年五月一日``, ``三天前``, ``去年5月3号`` — with the words around it ignored
(购于…, …买的, a time of day). A blank or "don't know" answer is ``purchase_date.missing``; a month or a year
alone ("2023年5月", "去年") or words the parser cannot read ("去年夏天", "好几年了", "5月1日左右") are
``purchase_date.vague``; a day that does not exist (2025-02-29) is ``purchase_date.impossible``; a date after
today is ``purchase_date.future``. Each problem carries the parser's reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .issues import Issue, Problem, problem
from .text import clean, says_unknown

FIELD = "purchase_date"
_UNKNOWN = {"不知道", "不记得", "忘了", "不清楚", "记不清", "没有", "无", "未知", "?", "-", "/", "暂无"}


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
    from doorstep.core.dates import parse_day, parse_when
    from doorstep.core.errors import ErrorCode, Invalid

    text = clean(raw)
    if says_unknown(text, _UNKNOWN):
        return DateResult(text, issues=(problem(Problem.DATE_MISSING, field_name=field_name),))
    around = _AROUND.match(text)
    core = around.group(1) if around else text
    try:
        return DateResult(text, parse_day(core, today=today, expect="past").day, True)
    except Invalid as err:
        zh, en = err.text("zh-hans"), err.text("en")
        if err.code == ErrorCode.DATE_IMPOSSIBLE:
            found = problem(Problem.DATE_IMPOSSIBLE, zh=zh, en=en, field_name=field_name)
            return DateResult(text, issues=(found,))
        if err.code == ErrorCode.DATE_IN_FUTURE:
            value = parse_when(core, today=today, expect="future").day
            found = problem(Problem.DATE_FUTURE, zh=zh, en=en, field_name=field_name)
            return DateResult(text, value, True, (found,))
        return DateResult(text, issues=(problem(Problem.DATE_VAGUE, zh=zh, en=en, field_name=field_name),))


def typed_purchase_date(raw: object, *, today: date) -> date | str:
    """What a form hands on for a typed purchase date: the day when one is said; the words as typed when
    the customer does not know it, or says it only roughly (``去年``, ``2023年5月``, ``去年夏天``: R-IN-2
    judges them, the order is then incomplete). Numbers that make no date (a typo: ``2022年5越1日``), a
    day that does not exist or a day after today are refused (``Invalid``) with the reason, so the person
    typing can correct it at once."""
    from doorstep.core.dates import normalise, parse_day
    from doorstep.core.errors import ErrorCode, Invalid

    text = clean(raw)
    if says_unknown(text, _UNKNOWN):
        return text
    around = _AROUND.match(text)
    try:
        return parse_day(around.group(1) if around else text, today=today, expect="past").day
    except Invalid as err:
        rough = err.code == ErrorCode.DATE_UNREADABLE and not re.search(r"\d", normalise(text))
        if err.code == ErrorCode.DATE_NOT_A_DAY or rough:
            return text
        raise


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
