"""The one date parser (R-IN-2 purchase date, R-DI-3 appointment, R-IN-8 promised reply): a table at the
pinned day (Wednesday 2026-12-02), the same words across a month and a year boundary, and the refusals."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from doorstep.core import clock
from doorstep.core.dates import (
    DayPart,
    Precision,
    day_part_hours,
    moment_check,
    parse_day,
    parse_when,
    resolve_in_text,
)
from doorstep.core.errors import ErrorCode, Invalid

WED = date(2026, 12, 2)  # the pinned day (doorstep/tests/pinned_time.py), given explicitly: a pure function
SHANGHAI = timezone(timedelta(hours=8))

PAST = [
    ("2022年5月1日", date(2022, 5, 1)),
    ("22年5月1号", date(2022, 5, 1)),
    ("2022.5.1", date(2022, 5, 1)),
    ("2022/05/01", date(2022, 5, 1)),
    ("2022-05-01", date(2022, 5, 1)),
    ("２０２２年５月１日", date(2022, 5, 1)),
    ("2022 年 5 月 1 日", date(2022, 5, 1)),
    ("二〇二二年五月一日", date(2022, 5, 1)),
    ("二零二二年十二月三十一日", date(2022, 12, 31)),
    ("5月1日", date(2026, 5, 1)),  # the most recent 1 May
    ("十二月三日", date(2025, 12, 3)),  # tomorrow's date last year: a purchase is in the past
    ("12月2日", date(2026, 12, 2)),  # today counts
    ("3号", date(2026, 11, 3)),
    ("今天", WED),
    ("昨天", date(2026, 12, 1)),
    ("前天", date(2026, 11, 30)),
    ("三天前", date(2026, 11, 29)),
    ("两周前", date(2026, 11, 18)),
    ("上周三", date(2026, 11, 25)),
    ("周一", date(2026, 11, 30)),
    ("去年5月3号", date(2025, 5, 3)),
    ("上个月15号", date(2026, 11, 15)),
]


@pytest.mark.parametrize("typed, expected", PAST)
def test_a_date_in_the_past_is_understood(typed: str, expected: date) -> None:
    when = parse_day(typed, today=WED, expect="past")
    assert (when.day, when.precision, when.text) == (expected, Precision.DAY, typed)


FUTURE = [
    ("今天", WED, None),
    ("明天", date(2026, 12, 3), None),
    ("明天下午", date(2026, 12, 3), DayPart.AFTERNOON),
    ("后天上午", date(2026, 12, 4), DayPart.MORNING),
    ("大后天晚上", date(2026, 12, 5), DayPart.EVENING),
    ("今晚", WED, DayPart.EVENING),
    ("下周三", date(2026, 12, 9), None),
    ("这周五", date(2026, 12, 4), None),
    ("星期天", date(2026, 12, 6), None),
    ("下下周一", date(2026, 12, 14), None),
    ("5月1日", date(2027, 5, 1), None),  # the next 1 May
    ("十二月三日", date(2026, 12, 3), None),
    ("12/3", date(2026, 12, 3), None),
    ("3号", date(2026, 12, 3), None),
    ("1号", date(2027, 1, 1), None),
    ("三天后", date(2026, 12, 5), None),
    ("2026年12月10日中午", date(2026, 12, 10), DayPart.NOON),
]


@pytest.mark.parametrize("typed, expected, part", FUTURE)
def test_a_date_to_come_is_understood(typed: str, expected: date, part: DayPart | None) -> None:
    when = parse_day(typed, today=WED, expect="future")
    assert (when.day, when.part, when.at) == (expected, part, None)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("明天下午3点", datetime(2026, 12, 3, 15, 0)),
        ("明天下午三点半", datetime(2026, 12, 3, 15, 30)),
        ("后天上午十点", datetime(2026, 12, 4, 10, 0)),
        ("后天10点一刻", datetime(2026, 12, 4, 10, 15)),
        ("2026-12-03T14:00", datetime(2026, 12, 3, 14, 0)),
        ("2026-12-03 14:00", datetime(2026, 12, 3, 14, 0)),
        ("2026-12-03 14:00:00", datetime(2026, 12, 3, 14, 0)),  # a spreadsheet's cell
        ("12月3日 9:30", datetime(2026, 12, 3, 9, 30)),
        ("明晚7点", datetime(2026, 12, 3, 19, 0)),
    ],
)
def test_a_clock_time_is_understood(typed: str, expected: datetime) -> None:
    when = parse_when(typed, today=WED, expect="future")
    assert datetime.combine(when.day, when.at or time()) == expected
    moment = when.moment()
    assert moment is not None and moment.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "typed, label, precision",
    [
        ("去年", "2025", Precision.YEAR),
        ("上个月", "2026-11", Precision.MONTH),
        ("去年5月", "2025-05", Precision.MONTH),
    ],
)
def test_a_month_or_a_year_is_understood_but_is_not_a_day(
    typed: str, label: str, precision: Precision
) -> None:
    when = parse_when(typed, today=WED, expect="past")
    assert (when.label(), when.precision, when.exact) == (label, precision, False)
    with pytest.raises(Invalid) as refused:
        parse_day(typed, today=WED, expect="past")
    assert refused.value.code == ErrorCode.DATE_NOT_A_DAY and label in refused.value.text()


@pytest.mark.parametrize(
    "typed, expect, code",
    [
        ("2月30日", "past", ErrorCode.DATE_IMPOSSIBLE),
        ("2023-02-29", "past", ErrorCode.DATE_IMPOSSIBLE),
        ("2022年13月1日", "past", ErrorCode.DATE_IMPOSSIBLE),
        ("32号", "future", ErrorCode.DATE_IMPOSSIBLE),
        ("明天下午25点", "future", ErrorCode.DATE_IMPOSSIBLE),
        ("明天下五", "future", ErrorCode.DATE_UNREADABLE),  # a typo
        ("好几年了", "past", ErrorCode.DATE_UNREADABLE),
        ("asdf", "past", ErrorCode.DATE_UNREADABLE),
        ("", "past", ErrorCode.DATE_UNREADABLE),
        ("明天", "past", ErrorCode.DATE_IN_FUTURE),  # a purchase date in the future
        ("2030年1月1日", "past", ErrorCode.DATE_IN_FUTURE),
        ("昨天下午", "future", ErrorCode.DATE_IN_PAST),  # an appointment in the past
        ("2026-12-01", "future", ErrorCode.DATE_IN_PAST),
        ("上个月", "future", ErrorCode.DATE_IN_PAST),
    ],
)
def test_what_cannot_be_a_date_is_refused_with_the_reason(typed: str, expect: str, code: ErrorCode) -> None:
    with pytest.raises(Invalid) as refused:
        parse_when(typed, today=WED, expect=expect)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert typed in refused.value.text()


def test_the_refusal_says_what_the_words_meant() -> None:
    with pytest.raises(Invalid) as refused:
        parse_when("明天", today=WED, expect="past")
    assert (
        refused.value.text("zh-hans") == "「明天」是 2026-12-03（周四），还没有到；这里要填已经过去的日期。"
    )
    assert "2026-12-03" in refused.value.text("en")


def test_a_time_already_gone_today_is_in_the_past() -> None:
    now = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
    moment_check(parse_when("今天上午10点", today=WED, expect="future"), now=now)  # at the minute: fine
    with pytest.raises(Invalid) as refused:
        moment_check(parse_when("今天上午9点59分", today=WED, expect="future"), now=now)
    assert refused.value.code == ErrorCode.DATE_IN_PAST
    moment_check(parse_when("今天上午10点01分", today=WED, expect="future"), now=now)


def test_the_labels_write_the_day_and_the_part_back() -> None:
    assert parse_when("明天下午", today=WED, expect="future").label() == "2026-12-03（周四）下午"
    assert parse_when("后天10点", today=WED, expect="future").label() == "2026-12-04（周五） 10:00"
    assert parse_when("2022年5月1日", today=WED, expect="past").label() == "2022-05-01（周日）"


@pytest.mark.parametrize(
    "moment, typed, expect, expected",
    [
        # the last evening of November in Shanghai (the UTC date is the same day)
        (datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI), "明天", "future", date(2026, 12, 1)),
        (datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI), "3号", "future", date(2026, 12, 3)),
        (datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI), "31号", "future", date(2026, 12, 31)),
        (datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI), "31号", "past", date(2026, 10, 31)),
        # 00:30 on New Year's Day in Shanghai is still 31 December in UTC: the service's zone decides
        (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "今天", "future", date(2027, 1, 1)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "昨天", "past", date(2026, 12, 31)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "12月31日", "past", date(2026, 12, 31)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "12月31日", "future", date(2027, 12, 31)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "下周一", "future", date(2027, 1, 4)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "去年5月1日", "past", date(2026, 5, 1)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "上个月3号", "past", date(2026, 12, 3)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "2月29日", "past", date(2024, 2, 29)),
    ],
)
def test_relative_words_at_a_month_and_a_year_boundary(
    moment: datetime, typed: str, expect: str, expected: date
) -> None:
    with clock.frozen_at(moment):
        assert parse_day(typed, expect=expect).day == expected  # type: ignore[arg-type]


def test_free_text_gets_its_relative_dates_written_out() -> None:
    assert (
        resolve_in_text("客户要求 明天下午 上门，尽快", today=WED)
        == "客户要求 2026-12-03（周四）下午 上门，尽快"
    )
    assert resolve_in_text("下周三上午或周五", today=WED) == "2026-12-09（周三）上午或2026-12-04（周五）"
    # already absolute, or no date at all: kept as typed
    assert resolve_in_text("2026-12-03 下午 13:00-18:00", today=WED) == "2026-12-03 下午 13:00-18:00"
    assert resolve_in_text("尽快，请先电话联系", today=WED) == "尽快，请先电话联系"
    assert resolve_in_text("", today=WED) == ""


def test_parts_of_the_day_follow_the_service_hours() -> None:
    start, end = time(9), time(18)  # R-DI-3
    assert day_part_hours(DayPart.MORNING, start=start, end=end) == (time(9), time(12))
    assert day_part_hours(DayPart.AFTERNOON, start=start, end=end) == (time(13), time(18))
    assert day_part_hours(DayPart.EVENING, start=start, end=end) == (time(18), time(21))
