"""Was the technician on time? One definition for the arrival screen, the technician's day, the board,
risk scans, routing checks and KPIs (pure Python: no Django, no models).

STANDARD.md, "Appointment time": rules counting from the appointment count from the time confirmed
with the customer, else from the window start. R-DI-7: the technician arrives ``early_arrival_minutes``
(5) before it. R-AR-5: late < ``lateness_escalation_minutes`` (15) is a minor lateness (apologise);
late ≥ 15 minutes is a major one (sincere apology, escalation).

Exact boundaries (to the second):
- on time      ⇔ arrived ≤ appointment (arriving exactly at the appointment is not late);
- late_minor   ⇔ 0 < arrived − appointment < major threshold;
- late_major   ⇔ arrived − appointment ≥ major threshold (exactly 15:00 late is major);
- early enough ⇔ arrived ≤ appointment − early margin (R-DI-7; exactly 5:00 before is early enough);
  an on-time arrival that is not early enough missed the R-DI-7 margin: recorded as such, never as lateness;
- late call    ⇔ appointment − 2 min ≤ called ≤ appointment − 1 min (R-AR-5, both ends inclusive); a late
  arrival without a call in that window is a call breach.
``late_minutes`` counts every begun minute, so "late" ⇔ ``late_minutes > 0`` (30 s late is 1 minute);
the class is decided on seconds, never on the rounded minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class Lateness(StrEnum):
    ON_TIME = "on_time"
    LATE_MINOR = "late_minor"  # R-AR-5: < 15 minutes — apologise
    LATE_MAJOR = "late_major"  # R-AR-5: ≥ 15 minutes — sincere apology, escalation task


@dataclass(frozen=True, slots=True)
class Arrival:
    """An arrival judged against the appointment."""

    lateness: Lateness
    late_seconds: int  # 0 when on time; begun seconds after the appointment otherwise
    late_minutes: int  # begun minutes after the appointment (0 when on time)
    early_enough: bool  # R-DI-7: arrived at least the early margin before the appointment

    @property
    def on_time(self) -> bool:
        return self.lateness is Lateness.ON_TIME

    @property
    def margin_missed(self) -> bool:
        """R-DI-7: on time, but not the early margin before the appointment (not lateness)."""
        return self.on_time and not self.early_enough


def assess_seconds(
    appointment: float, arrived: float, *, early_margin_s: float, major_after_s: float
) -> Arrival:
    """Judge an arrival given both times in seconds on one axis (e.g. seconds of the day)."""
    late = arrived - appointment
    if late <= 0:
        lateness = Lateness.ON_TIME
    elif late < major_after_s:
        lateness = Lateness.LATE_MINOR
    else:
        lateness = Lateness.LATE_MAJOR
    return Arrival(
        lateness=lateness,
        late_seconds=max(math.ceil(late), 0),
        late_minutes=max(math.ceil(late / 60), 0),
        early_enough=is_early_enough(appointment, arrived, early_margin_s=early_margin_s),
    )


def is_early_enough(appointment: float, arrived: float, *, early_margin_s: float) -> bool:
    """R-DI-7: arrived at least ``early_margin_s`` before the appointment (at the margin counts)."""
    return arrived <= appointment - early_margin_s


def assess(
    appointment: datetime, arrived: datetime, *, early_arrival_minutes: int, lateness_escalation_minutes: int
) -> Arrival:
    """Judge an arrival (aware datetimes) with the policy's R-DI-7 margin and R-AR-5 threshold."""
    return assess_seconds(
        appointment.timestamp(),
        arrived.timestamp(),
        early_margin_s=early_arrival_minutes * 60,
        major_after_s=lateness_escalation_minutes * 60,
    )


class _Numbers(Protocol):
    @property
    def early_arrival_minutes(self) -> int: ...
    @property
    def lateness_escalation_minutes(self) -> int: ...


def assess_with(policy: _Numbers, appointment: datetime, arrived: datetime) -> Arrival:
    """:func:`assess` with the numbers taken from a policy object."""
    return assess(
        appointment,
        arrived,
        early_arrival_minutes=policy.early_arrival_minutes,
        lateness_escalation_minutes=policy.lateness_escalation_minutes,
    )


class _Appointed(Protocol):
    @property
    def window_start(self) -> datetime | None: ...
    @property
    def window_end(self) -> datetime | None: ...
    @property
    def appointment_at(self) -> datetime | None: ...


def appointment_of(order: _Appointed) -> datetime | None:
    """The appointment time an order's rules count from (STANDARD.md "Appointment time", R-DI-3).

    The time confirmed with the customer (``appointment_at``) when there is one and it lies in the booked
    window (both ends inclusive), else the start of the window; None without a window. A confirmed time
    outside the current window belonged to an earlier window (the appointment moved) and no longer counts.
    """
    start, end = order.window_start, getattr(order, "window_end", None)
    confirmed = getattr(order, "appointment_at", None)
    if (
        confirmed is not None
        and start is not None
        and start <= confirmed
        and (end is None or confirmed <= end)
    ):
        return confirmed
    return start


def late_call_window(
    appointment: datetime, *, earliest_minutes: int, latest_minutes: int
) -> tuple[datetime, datetime]:
    """R-AR-5: the call before being late falls in [appointment − earliest, appointment − latest], both
    ends inclusive (defaults: 2 and 1 minutes before)."""
    return appointment - timedelta(minutes=earliest_minutes), appointment - timedelta(minutes=latest_minutes)


def call_in_window(
    called: datetime, appointment: datetime, *, earliest_minutes: int, latest_minutes: int
) -> bool:
    """R-AR-5: was a call at ``called`` inside the late-call window (to the second, both ends inclusive)?"""
    lo, hi = late_call_window(appointment, earliest_minutes=earliest_minutes, latest_minutes=latest_minutes)
    return lo <= called <= hi
