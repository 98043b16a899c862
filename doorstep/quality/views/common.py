"""Helpers shared by the quality pages: the actor, a scoped order, role checks, the period, POST handling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from doorstep.core import clock
from doorstep.core.errors import DomainError

DEFAULT_PERIOD_DAYS = 30


def attempt(request: HttpRequest, fn: Callable[[], Any], success: str, back: str, *args: Any) -> HttpResponse:
    """Run a service; a DomainError becomes a flash message; then redirect to ``back``."""
    try:
        fn()
    except DomainError as err:
        messages.error(request, err.text())
    else:
        messages.success(request, success)
    return redirect(back, *args)


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
