"""The one instant the test suite runs at, so no test depends on the real date, weekday or hour.

``start()`` (called by the root conftest before collection) sends every clock the code reads
(``clock.now()``, ``timezone.now()``, ``datetime.now()``, ``date.today()``, ``time.time()``) to
``PINNED``; ``reset()`` puts it back there before each test, so every test starts at the same instant
and time still ticks inside it (timeouts, the live server and Playwright keep working).

``DOORSTEP_TEST_NOW`` moves the instant: an ISO 8601 instant with an offset (``2027-12-04T23:30:00+08:00``),
``now`` (the machine's clock when the session starts, e.g. under Debian's ``faketime``), or ``off`` (no
pinning at all). Test data must be built relative to the pinned instant (``clock.now()``,
``clock.today()``, doorstep/tests/dates.py), never from fixed dates near it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import time_machine

ENV = "DOORSTEP_TEST_NOW"
CHINA = timezone(timedelta(hours=8), "CST")
DEFAULT = datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)  # a Wednesday, mid-morning in Guangzhou, a working day


def instant() -> datetime | None:
    """The pinned instant from ``DOORSTEP_TEST_NOW`` (None: not pinned)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT
    if raw.lower() == "off":
        return None
    if raw.lower() == "now":
        return datetime.now(CHINA)
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"{ENV}={raw!r} needs an offset, e.g. 2027-12-04T23:30:00+08:00")
    return moment


_travel: time_machine.travel | None = None
_traveller: time_machine.Traveller | None = None
_pinned: datetime | None = None


def start() -> datetime | None:
    """Travel to the pinned instant for the whole session (None: the real clock is left alone)."""
    global _travel, _traveller, _pinned
    if _travel is not None:
        return _pinned
    _pinned = instant()
    if _pinned is not None:
        _travel = time_machine.travel(_pinned, tick=True)
        _traveller = _travel.start()
    return _pinned


def reset() -> None:
    """Back to the pinned instant (before each test)."""
    if _traveller is not None and _pinned is not None:
        _traveller.move_to(_pinned)


def travel(moment: datetime) -> None:
    """Move every clock of the process (the live server's thread included) on to ``moment``; time ticks on
    from there and the next test starts at the pinned instant again. For a walk that spans days (a visit
    tomorrow, the callback the day after): the time passing is the one thing no page does."""
    if _traveller is None:
        raise RuntimeError(f"the clock is not pinned ({ENV}=off): a test cannot move it")
    _traveller.move_to(moment)


def stop() -> None:
    global _travel, _traveller
    if _travel is not None:
        _travel.stop()
        _travel = _traveller = None
