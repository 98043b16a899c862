"""One clock for the whole system, so tests and demo data can move time (deadlines, lateness, windows)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

_frozen: list[datetime] = []

# The phone's clock (offline actions are sent later with the time they were done): how old such a time
# may be, and how far a phone's clock may run ahead of the server's, before the server's time is used.
OFFLINE_SLACK = timedelta(hours=12)
CLIENT_AHEAD = timedelta(minutes=2)


def now() -> datetime:
    return _frozen[-1] if _frozen else timezone.now()


def local(dt: datetime) -> datetime:
    return timezone.localtime(dt)


def today() -> date:
    """The date of ``now()`` in the service's time zone."""
    return local(now()).date()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make ``now()`` return ``moment`` inside the block (demo histories, tests)."""
    _frozen.append(moment)
    try:
        yield
    finally:
        _frozen.pop()


def acted_at(raw: Any) -> datetime:
    """When a field action happened: the phone's time of a queued offline action (``client_at``), if
    plausible against the server's clock, else now. The one clock of arrival, knocking, lateness."""
    server = now()
    at = parse_datetime(str(raw)) if raw else None
    if at is None or at.tzinfo is None or not server - OFFLINE_SLACK <= at <= server + CLIENT_AHEAD:
        return server
    return min(at, server)
