"""Dates as people type them, Chinese first: one parser for every date field (R-IN-2, R-DI-3, R-IN-8).

``parse_when`` reads what an agent or a customer types — ``2022年5月1日``, ``22年5月1号``, ``2022.5.1``,
``二〇二二年五月一日``, ``5月1日``, ``3号``, ``今天``, ``明天下午``, ``后天上午10点半``, ``下周三``,
``三天前``, ``去年5月``, ``上个月``, ``2026-12-03T14:00`` — against today's date in the service's time zone,
and answers a :class:`When`: the day, how precise it is (a day, a month, a year), the part of the day or
the clock time when one was said. A date without a year (``5月1日``) or without a month (``3号``) is the
most recent such day for a date in the past (a purchase) and the next one for a date to come (an
appointment, a promised call-back).

Input it cannot read, a day that does not exist (``2月30日``), a past date where one to come is asked for
and the other way round is refused with an :class:`~doorstep.core.errors.Invalid` whose message says
which; the caller stores the date, never the typed text. ``resolve_in_text`` rewrites the relative phrases
of a free text (``明天下午`` → ``2026-12-03（周四）下午``), so a text read next week names the same day.

``dateparser`` was tried first: it misses ``5月1日``, ``下周三``, ``三天前``, ``22年5月1号``, Chinese
numerals and the part of the day (``明天下午`` came back as tomorrow at the current time), so this is a
small grammar instead.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Invalid

Expect = Literal["past", "future"]
WEEKDAYS = "一二三四五六日"


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class DayPart(StrEnum):
    """Parts of the day as customers say them; their hours come from the policy (``day_part_hours``)."""

    MORNING = "morning"
    NOON = "noon"
    AFTERNOON = "afternoon"
    EVENING = "evening"


PART_WORDS: dict[str, DayPart] = {
    "上午": DayPart.MORNING,
    "早上": DayPart.MORNING,
    "早晨": DayPart.MORNING,
    "早": DayPart.MORNING,
    "中午": DayPart.NOON,
    "下午": DayPart.AFTERNOON,
    "午后": DayPart.AFTERNOON,
    "晚上": DayPart.EVENING,
    "傍晚": DayPart.EVENING,
    "晚": DayPart.EVENING,
}
PART_LABELS = {
    DayPart.MORNING: "上午",
    DayPart.NOON: "中午",
    DayPart.AFTERNOON: "下午",
    DayPart.EVENING: "晚上",
}


@dataclass(frozen=True, slots=True)
class When:
    """A typed date, understood. ``day`` is the first day of the month or year for a coarser precision."""

    text: str
    day: date
    precision: Precision = Precision.DAY
    part: DayPart | None = None
    at: time | None = None

    @property
    def exact(self) -> bool:
        return self.precision is Precision.DAY

    def label(self) -> str:
        """How the system writes it back: ``2026-12-03（周四）下午``, ``2026-12-03（周四） 14:30``,
        ``2022-05``, ``2022``."""
        if self.precision is Precision.YEAR:
            return f"{self.day.year}"
        if self.precision is Precision.MONTH:
            return f"{self.day:%Y-%m}"
        text = f"{self.day.isoformat()}（周{WEEKDAYS[self.day.weekday()]}）"
        if self.at is not None:
            return f"{text} {self.at:%H:%M}"
        return f"{text}{PART_LABELS[self.part]}" if self.part else text

    def moment(self) -> datetime | None:
        """The instant meant when a clock time was said (aware, in the service's zone), else None."""
        if self.at is None:
            return None
        from django.utils import timezone

        return timezone.make_aware(datetime.combine(self.day, self.at))


# --- Chinese numerals ------------------------------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"(?<![周期拜])[〇零○一二两三四五六七八九十]+(?=[年月日号天个周星点时分半刻])")


def cn_number(text: str) -> int:
    """``二〇二二`` → 2022, ``十二`` → 12, ``二十三`` → 23, ``十`` → 10."""
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _sep, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _fold(text: str) -> str:
    """Full-width digits and date punctuation to ASCII, one character for one (positions are kept)."""
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        out.append(folded if len(folded) == 1 and folded in "0123456789-/.: " else char)
    return "".join(out)


def _arabic(text: str) -> tuple[str, list[int]]:
    """Chinese numerals before a unit as digits (星期三/周三/礼拜三 keep their weekday), with each character's
    position in ``text`` (and one past the end)."""
    out: list[str] = []
    where: list[int] = []
    last = 0
    for match in _CN_NUMBER.finditer(text):
        try:
            digits = str(cn_number(match.group(0)))
        except (KeyError, ValueError):
            continue
        out.extend(text[last : match.start()])
        where.extend(range(last, match.start()))
        out.extend(digits)
        where.extend([match.start()] * len(digits))
        last = match.end()
    out.extend(text[last:])
    where.extend(range(last, len(text) + 1))
    return "".join(out), where


def normalise(raw: object) -> str:
    text = re.sub(r"\s+", " ", _fold(str(raw or "")).strip())
    return _arabic(text)[0]


# --- the grammar ------------------------------------------------------------------------------------------

_REL_DAY = {"今天": 0, "今日": 0, "今儿": 0, "明天": 1, "明日": 1, "明儿": 1, "后天": 2, "大后天": 3}
_REL_DAY |= {"昨天": -1, "昨日": -1, "昨儿": -1, "前天": -2, "大前天": -3}
_REL_SHORT = {"今早": (0, "早"), "今晚": (0, "晚"), "明早": (1, "早"), "明晚": (1, "晚"), "昨晚": (-1, "晚")}
_REL_YEAR = {"今年": 0, "去年": -1, "前年": -2, "明年": 1, "后年": 2}
_REL_MONTH = {"本月": 0, "这个月": 0, "这月": 0, "上个月": -1, "上月": -1, "下个月": 1, "下月": 1}
_WEEK_PREFIX = {"": None, "这": 0, "本": 0, "这个": 0, "上": -1, "上个": -1, "下": 1, "下个": 1, "下下": 2}

_alt = "|".join
_DAY_WORD = _alt(sorted(_REL_DAY, key=len, reverse=True))
_SHORT_WORD = _alt(_REL_SHORT)
_YEAR_WORD = _alt(_REL_YEAR)
_MONTH_WORD = _alt(sorted(_REL_MONTH, key=len, reverse=True))
_PART_WORD = _alt(sorted((w for w in PART_WORDS if len(w) > 1), key=len, reverse=True))
_WEEK_PREFIX_WORD = _alt(sorted((p for p in _WEEK_PREFIX if p), key=len, reverse=True))

_DATE = (
    rf"(?P<iso>(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}}))"
    rf"|(?P<ymd>(?P<y>\d{{4}}|\d{{2}})\s*[/.年]\s*(?P<m>\d{{1,2}})\s*[/.月]\s*(?P<d>\d{{1,2}})\s*[日号]?)"
    rf"|(?P<ym>(?P<y2>\d{{4}}|\d{{2}})\s*年\s*(?P<m2>\d{{1,2}})\s*月份?)"
    rf"|(?P<yo>(?P<y3>\d{{4}})\s*年)"
    rf"|(?P<ry>{_YEAR_WORD})\s*(?:(?P<rym>\d{{1,2}})\s*月份?\s*(?:(?P<rymd>\d{{1,2}})\s*[日号])?)?"
    rf"|(?P<rm>{_MONTH_WORD})\s*(?:(?P<rmd>\d{{1,2}})\s*[日号])?"
    rf"|(?P<md>(?P<m4>\d{{1,2}})\s*月\s*(?P<d4>\d{{1,2}})\s*[日号]?)"
    rf"|(?P<mo>(?P<m5>\d{{1,2}})\s*/\s*(?P<d5>\d{{1,2}}))"
    rf"|(?P<short>{_SHORT_WORD})"
    rf"|(?P<rd>{_DAY_WORD})"
    rf"|(?P<wk>(?P<wp>{_WEEK_PREFIX_WORD})?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天]))"
    rf"|(?P<ago>(?P<n>\d{{1,3}}|半)\s*(?P<unit>天|日|周|个?星期|个?礼拜|个月|年)\s*(?P<dir>以前|之前|前|以后|之后|后))"
    rf"|(?P<dm>(?P<d6>\d{{1,2}})\s*[日号])"
)
_TIME = (
    rf"(?P<part>{_PART_WORD})?\s*"
    rf"(?:(?P<h>\d{{1,2}})\s*(?::(?P<mi>\d{{2}})(?::\d{{2}})?|[点时]\s*(?:(?P<mi2>\d{{1,2}})\s*分?|(?P<half>半)|(?P<q>1刻|3刻))?))?"
)
_WHOLE = re.compile(rf"^(?:{_DATE})(?:\s*[T ]?\s*(?:{_TIME}))?$")
_FIND = re.compile(rf"(?:{_DATE})(?:\s*(?:{_TIME}))?")


def parse_when(raw: object, *, expect: Expect, today: date | None = None) -> When:
    """What ``raw`` means at ``today`` (R-IN-2, R-DI-3); refused (``Invalid``) with the reason otherwise.

    ``expect`` says which way an incomplete date points: ``past`` (a purchase: the most recent ``5月1日``; a
    date after today is refused) or ``future`` (an appointment, a promised reply: the next ``5月1日``; a day
    before today, or a clock time already gone today, is refused).
    """
    today = today or clock.today()  # Asia/Shanghai's date of clock.now()
    typed = str(raw or "").strip()
    text = normalise(typed)
    match = _WHOLE.match(text)
    if not text or match is None:
        raise Invalid(ErrorCode.DATE_UNREADABLE, text=typed)
    when = _resolve(match, typed, today=today, expect=expect)
    _check_direction(when, today=today, expect=expect)
    return when


def parse_day(raw: object, *, expect: Expect, today: date | None = None) -> When:
    """``parse_when`` that also refuses a month or a year alone: the field needs a day."""
    when = parse_when(raw, today=today, expect=expect)
    if not when.exact:
        raise Invalid(ErrorCode.DATE_NOT_A_DAY, text=when.text, said=when.label())
    return when


def _check_direction(when: When, *, today: date, expect: Expect) -> None:
    first, last = _span(when)
    if expect == "past" and first > today:
        raise Invalid(ErrorCode.DATE_IN_FUTURE, text=when.text, said=when.label())
    if expect == "future" and last < today:
        raise Invalid(ErrorCode.DATE_IN_PAST, text=when.text, said=when.label())


def _span(when: When) -> tuple[date, date]:
    if when.precision is Precision.YEAR:
        return when.day, date(when.day.year, 12, 31)
    if when.precision is Precision.MONTH:
        last = calendar.monthrange(when.day.year, when.day.month)[1]
        return when.day, when.day.replace(day=last)
    return when.day, when.day


def _year(raw: str) -> int:
    year = int(raw)
    return 2000 + year if len(raw) == 2 else year


def _day(typed: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise Invalid(ErrorCode.DATE_IMPOSSIBLE, text=typed) from None


def _month(typed: str, year: int, month: int) -> date:
    return _day(typed, year, month, 1)


def _nearest(typed: str, today: date, month: int | None, day: int, expect: Expect) -> date:
    """The most recent (past) or next (future) date with this month (or any month) and day."""
    step = -1 if expect == "past" else 1
    if month is not None:
        if not 1 <= month <= 12 or day > calendar.monthrange(2024, month)[1] or day < 1:
            raise Invalid(ErrorCode.DATE_IMPOSSIBLE, text=typed)
        for k in range(0, 9):  # 2月29日 waits for a leap year
            year = today.year + step * k
            if day <= calendar.monthrange(year, month)[1]:
                found = date(year, month, day)
                if (found <= today) if expect == "past" else (found >= today):
                    return found
        raise Invalid(ErrorCode.DATE_IMPOSSIBLE, text=typed)
    if not 1 <= day <= 31:
        raise Invalid(ErrorCode.DATE_IMPOSSIBLE, text=typed)
    year, mon = today.year, today.month
    for _k in range(0, 14):
        if day <= calendar.monthrange(year, mon)[1]:
            found = date(year, mon, day)
            if (found <= today) if expect == "past" else (found >= today):
                return found
        mon += step
        if mon == 0:
            year, mon = year - 1, 12
        elif mon == 13:
            year, mon = year + 1, 1
    raise Invalid(ErrorCode.DATE_IMPOSSIBLE, text=typed)  # pragma: no cover - some month has every day


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _weekday(today: date, prefix: str | None, wd: str, expect: Expect) -> date:
    target = 6 if wd in "日天" else WEEKDAYS.index(wd)
    if prefix is None or prefix == "":
        offset = (target - today.weekday()) % 7
        return today + timedelta(days=offset) if expect == "future" else today - timedelta(days=(-offset) % 7)
    weeks = _WEEK_PREFIX[prefix] or 0
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks + target)


def _ago(g: dict[str, str | None], today: date) -> tuple[date, Precision]:
    sign = -1 if (g["dir"] or "").endswith("前") else 1
    unit = g["unit"] or ""
    n = g["n"] or "0"
    if n == "半":
        if unit == "年":
            return _add_months(today, sign * 6), Precision.MONTH
        if unit == "个月":
            return today + timedelta(days=sign * 15), Precision.DAY
        raise Invalid(ErrorCode.DATE_UNREADABLE, text=g["ago"] or "")
    count = int(n)
    if unit in ("天", "日"):
        return today + timedelta(days=sign * count), Precision.DAY
    if unit.endswith(("周", "星期", "礼拜")):
        return today + timedelta(days=sign * 7 * count), Precision.DAY
    if unit == "个月":
        return _add_months(today, sign * count).replace(day=1), Precision.MONTH
    return date(today.year + sign * count, 1, 1), Precision.YEAR


def _resolve(match: re.Match[str], typed: str, *, today: date, expect: Expect) -> When:
    g = match.groupdict()
    precision = Precision.DAY
    if g["iso"]:
        day = _day(typed, int(g["iy"] or 0), int(g["im"] or 0), int(g["id"] or 0))
    elif g["ymd"]:
        day = _day(typed, _year(g["y"] or ""), int(g["m"] or 0), int(g["d"] or 0))
    elif g["ym"]:
        day, precision = _month(typed, _year(g["y2"] or ""), int(g["m2"] or 0)), Precision.MONTH
    elif g["yo"]:
        day, precision = date(int(g["y3"] or 0), 1, 1), Precision.YEAR
    elif g["ry"]:
        year = today.year + _REL_YEAR[g["ry"]]
        if g["rymd"]:
            day = _day(typed, year, int(g["rym"] or 0), int(g["rymd"]))
        elif g["rym"]:
            day, precision = _month(typed, year, int(g["rym"])), Precision.MONTH
        else:
            day, precision = date(year, 1, 1), Precision.YEAR
    elif g["rm"]:
        first = _add_months(today.replace(day=1), _REL_MONTH[g["rm"]])
        if g["rmd"]:
            day = _day(typed, first.year, first.month, int(g["rmd"]))
        else:
            day, precision = first, Precision.MONTH
    elif g["md"]:
        day = _nearest(typed, today, int(g["m4"] or 0), int(g["d4"] or 0), expect)
    elif g["mo"]:
        day = _nearest(typed, today, int(g["m5"] or 0), int(g["d5"] or 0), expect)
    elif g["short"]:
        offset, word = _REL_SHORT[g["short"]]
        return _with_time(When(typed, today + timedelta(days=offset), part=PART_WORDS[word]), g, typed)
    elif g["rd"]:
        day = today + timedelta(days=_REL_DAY[g["rd"]])
    elif g["wk"]:
        day = _weekday(today, g["wp"], g["wd"] or "", expect)
    elif g["ago"]:
        day, precision = _ago(g, today)
    else:
        day = _nearest(typed, today, None, int(g["d6"] or 0), expect)
    when = When(typed, day, precision)
    return _with_time(when, g, typed) if precision is Precision.DAY else _no_time(when, g)


def _no_time(when: When, g: dict[str, str | None]) -> When:
    if g.get("part") or g.get("h"):
        raise Invalid(ErrorCode.DATE_NOT_A_DAY, text=when.text, said=when.label())
    return when


def _with_time(when: When, g: dict[str, str | None], typed: str) -> When:
    word = g.get("part")
    part = PART_WORDS[word] if word else when.part
    if not g.get("h"):
        return When(when.text, when.day, when.precision, part, None)
    hour = int(g["h"] or 0)
    minute = int(g.get("mi") or g.get("mi2") or 0)
    if g.get("half"):
        minute = 30
    elif g.get("q"):
        minute = 15 if (g["q"] or "").startswith("1") else 45
    late = part in (DayPart.AFTERNOON, DayPart.EVENING) and hour < 12
    if late or (part is DayPart.NOON and hour < 3):
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise Invalid(ErrorCode.DATE_IMPOSSIBLE, text=typed)
    return When(when.text, when.day, when.precision, part, time(hour, minute))


def moment_check(when: When, *, now: datetime) -> None:
    """A date to come with a clock time already gone today is in the past (R-DI-3)."""
    at = when.moment()
    if at is not None and at < now:
        raise Invalid(ErrorCode.DATE_IN_PAST, text=when.text, said=when.label())


def by_when(when: When, *, start: time, end: time) -> datetime:
    """The instant a promise made with these words falls due (R-IN-8): the clock time said; else the end of
    the part of the day said (``明天下午`` → tomorrow at the end of the afternoon); else the end of the
    service hours that day (R-DI-3)."""
    from django.utils import timezone

    if when.at is not None:
        hour = when.at
    elif when.part is not None:
        hour = day_part_hours(when.part, start=start, end=end)[1]
    else:
        hour = end
    return timezone.make_aware(datetime.combine(when.day, hour))


def day_part_hours(part: DayPart, *, start: time, end: time) -> tuple[time, time]:
    """The hours a part of the day stands for, from the policy's service hours (R-DI-3): morning from the
    start of service to noon, noon 11:30–13:30, afternoon from 13:00 to the end of service, evening from the
    end of service to 21:00 (by agreement only)."""
    noon, one = time(12, 0), time(13, 0)
    return {
        DayPart.MORNING: (start, noon),
        DayPart.NOON: (time(11, 30), time(13, 30)),
        DayPart.AFTERNOON: (one, end),
        DayPart.EVENING: (end, time(21, 0)),
    }[part]


_RELATIVE = re.compile(
    rf"{_DAY_WORD}|{_SHORT_WORD}|{_YEAR_WORD}|{_MONTH_WORD}|周|星期|礼拜|前|后|^\d{{1,2}}\s*[月日号/]"
)


def resolve_in_text(text: str, *, today: date | None = None, expect: Expect = "future") -> str:
    """A free text with its relative dates written out (``明天下午`` → ``2026-12-03（周四）下午``): read
    later, on the order or the service report, it still names the same day (R-IN-2 "customer's requirement").
    The rest of the text is kept as typed; a phrase that names no real day is left as it is."""
    today = today or clock.today()
    original = str(text or "")
    folded, where = _arabic(_fold(original))
    out, last = [], 0
    for match in _FIND.finditer(folded):
        phrase = match.group(0).rstrip()
        if not phrase or not _RELATIVE.search(phrase):
            continue
        try:
            when = _resolve(match, phrase, today=today, expect=expect)
        except Invalid:
            continue
        start, end = where[match.start()], where[match.start() + len(phrase)]
        out.extend([original[last:start], when.label()])
        last = end
    out.append(original[last:])
    return "".join(out).strip()
