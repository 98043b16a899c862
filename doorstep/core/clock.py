"""One clock for the whole system, so tests can move time (deadlines, lateness, windows)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def local(dt: datetime) -> datetime:
    return timezone.localtime(dt)
