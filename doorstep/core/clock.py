"""One clock for the whole system, so tests and demo data can move time (deadlines, lateness, windows)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.utils import timezone

_frozen: list[datetime] = []


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
