"""Helpers shared by the quality pages: the period of the dashboard."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.http import HttpRequest
from django.utils import timezone

from doorstep.core import clock

DEFAULT_PERIOD_DAYS = 30


def period(request: HttpRequest) -> tuple[date, date, datetime, datetime]:
    """The period of the dashboard from ``?since=YYYY-MM-DD&until=YYYY-MM-DD`` (until inclusive)."""
    today = clock.local(clock.now()).date()
    until = _date(request.GET.get("until")) or today
    since = _date(request.GET.get("since")) or until - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if since > until:
        since, until = until, since
    start = timezone.make_aware(datetime.combine(since, time.min))
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min))
    return since, until, start, end


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
