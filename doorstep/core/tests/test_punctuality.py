"""One definition of "on time" (R-AR-5, R-DI-7), each boundary one second before and exactly at it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from doorstep.core.policy import DEFAULT
from doorstep.core.punctuality import (
    Lateness,
    appointment_of,
    assess,
    assess_seconds,
    assess_with,
    call_in_window,
    is_early_enough,
    late_call_window,
)

APPOINTMENT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def _at(offset: timedelta) -> Lateness:
    arrival = assess(
        APPOINTMENT, APPOINTMENT + offset, early_arrival_minutes=5, lateness_escalation_minutes=15
    )
    return arrival.lateness


@pytest.mark.parametrize(
    ("offset", "lateness"),
    [
        (-S, Lateness.ON_TIME),
        (timedelta(0), Lateness.ON_TIME),  # exactly at the appointment: not late
        (S, Lateness.LATE_MINOR),  # one second after: late (R-AR-5 < 15 min: apologise)
        (timedelta(minutes=15) - S, Lateness.LATE_MINOR),
        (timedelta(minutes=15), Lateness.LATE_MAJOR),  # R-AR-5: late ≥ 15 minutes
        (timedelta(hours=3), Lateness.LATE_MAJOR),
    ],
)
def test_lateness_class_at_each_threshold_R_AR_5(offset: timedelta, lateness: Lateness) -> None:
    assert _at(offset) is lateness


@pytest.mark.parametrize(
    ("offset", "early_enough"),
    [
        (-timedelta(minutes=5) - S, True),
        (-timedelta(minutes=5), True),  # exactly the margin before: early enough (R-DI-7)
        (-timedelta(minutes=5) + S, False),  # on time, but not early enough
        (timedelta(0), False),
    ],
)
def test_early_enough_at_the_margin_R_DI_7(offset: timedelta, early_enough: bool) -> None:
    arrival = assess(
        APPOINTMENT, APPOINTMENT + offset, early_arrival_minutes=5, lateness_escalation_minutes=15
    )
    assert arrival.early_enough is early_enough
    assert arrival.on_time  # every case here is at or before the appointment


@pytest.mark.parametrize(
    ("offset", "minutes", "seconds"),
    [
        (timedelta(0), 0, 0),
        (S, 1, 1),  # every begun minute counts: "late" ⇔ late_minutes > 0
        (timedelta(seconds=60), 1, 60),
        (timedelta(seconds=61), 2, 61),
        (timedelta(minutes=20), 20, 1200),
        (-timedelta(minutes=10), 0, 0),
    ],
)
def test_late_minutes_count_begun_minutes(offset: timedelta, minutes: int, seconds: int) -> None:
    arrival = assess(
        APPOINTMENT, APPOINTMENT + offset, early_arrival_minutes=5, lateness_escalation_minutes=15
    )
    assert (arrival.late_minutes, arrival.late_seconds) == (minutes, seconds)


def test_the_class_is_decided_on_seconds_not_on_rounded_minutes_R_AR_5() -> None:
    arrival = assess(
        APPOINTMENT, APPOINTMENT + timedelta(minutes=14, seconds=30), early_arrival_minutes=5,
        lateness_escalation_minutes=15,
    )  # fmt: skip
    assert arrival.late_minutes == 15 and arrival.lateness is Lateness.LATE_MINOR


def test_seconds_of_the_day_and_datetimes_agree() -> None:
    """The routing core and the board judge seconds of the day with the same function."""
    for offset in (-301, -300, -299, 0, 1, 899, 900):
        by_seconds = assess_seconds(36_000, 36_000 + offset, early_margin_s=300, major_after_s=900)
        by_datetime = assess(
            APPOINTMENT, APPOINTMENT + timedelta(seconds=offset), early_arrival_minutes=5,
            lateness_escalation_minutes=15,
        )  # fmt: skip
        assert by_seconds == by_datetime
        assert is_early_enough(36_000, 36_000 + offset, early_margin_s=300) is by_datetime.early_enough


def test_the_policy_supplies_the_numbers() -> None:
    late = assess_with(
        DEFAULT, APPOINTMENT, APPOINTMENT + timedelta(minutes=DEFAULT.lateness_escalation_minutes)
    )
    assert late.lateness is Lateness.LATE_MAJOR
    early = assess_with(DEFAULT, APPOINTMENT, APPOINTMENT - timedelta(minutes=DEFAULT.early_arrival_minutes))
    assert early.early_enough


def _order(confirmed: datetime | None) -> SimpleNamespace:
    end = APPOINTMENT + timedelta(hours=2)
    return SimpleNamespace(window_start=APPOINTMENT, window_end=end, appointment_at=confirmed)


def test_appointment_is_the_window_start_until_a_time_is_confirmed_R_DI_3() -> None:
    """STANDARD.md "Appointment time": the confirmed time, else the start of the booked window."""
    assert appointment_of(SimpleNamespace(window_start=APPOINTMENT)) == APPOINTMENT
    assert appointment_of(SimpleNamespace(window_start=None)) is None
    assert appointment_of(_order(None)) == APPOINTMENT


@pytest.mark.parametrize(
    ("confirmed", "counts"),
    [
        (APPOINTMENT - S, False),  # before the window: belonged to another window
        (APPOINTMENT, True),  # the window's ends are inside it
        (APPOINTMENT + timedelta(minutes=38), True),
        (APPOINTMENT + timedelta(hours=2), True),
        (APPOINTMENT + timedelta(hours=2) + S, False),
    ],
)
def test_the_confirmed_time_counts_only_inside_the_window_R_DI_3(confirmed: datetime, counts: bool) -> None:
    assert appointment_of(_order(confirmed)) == (confirmed if counts else APPOINTMENT)


def test_lateness_counts_from_the_confirmed_time_not_the_window_start_R_AR_5() -> None:
    """Walk finding 11: arriving at 10:21 in a 10:00–12:00 window after confirming 10:25 is on time."""
    order = _order(APPOINTMENT + timedelta(minutes=25))
    appointment = appointment_of(order)
    assert appointment is not None
    on_time = assess_with(DEFAULT, appointment, APPOINTMENT + timedelta(minutes=21))
    assert on_time.on_time and not on_time.early_enough and on_time.margin_missed  # R-DI-7, not lateness
    late = assess_with(DEFAULT, appointment, APPOINTMENT + timedelta(minutes=25) + S)
    assert late.lateness is Lateness.LATE_MINOR and late.late_seconds == 1


@pytest.mark.parametrize(
    ("offset", "inside"),
    [
        (-timedelta(minutes=2) - S, False),
        (-timedelta(minutes=2), True),  # both ends inclusive (R-AR-5)
        (-timedelta(seconds=90), True),
        (-timedelta(minutes=1), True),
        (-timedelta(minutes=1) + S, False),
        (timedelta(0), False),
    ],
)
def test_late_call_window_to_the_second_R_AR_5(offset: timedelta, inside: bool) -> None:
    called = APPOINTMENT + offset
    assert call_in_window(called, APPOINTMENT, earliest_minutes=2, latest_minutes=1) is inside
    lo, hi = late_call_window(APPOINTMENT, earliest_minutes=2, latest_minutes=1)
    assert (lo <= called <= hi) is inside


def test_a_late_arrival_is_lateness_not_a_missed_margin_R_DI_7() -> None:
    late = assess_with(DEFAULT, APPOINTMENT, APPOINTMENT + S)
    assert not late.early_enough and not late.margin_missed and not late.on_time


def test_part_of_a_second_late_is_late_by_a_begun_second_R_AR_5() -> None:
    late = assess_with(DEFAULT, APPOINTMENT, APPOINTMENT + timedelta(milliseconds=500))
    assert (late.lateness, late.late_seconds, late.late_minutes) == (Lateness.LATE_MINOR, 1, 1)
