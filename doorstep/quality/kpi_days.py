"""What the KPIs' reads and writes share (R-QA-4): the local day of a moment, and which promises count."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from doorstep.core import clock
from doorstep.orders.models import Deadline

PROMISE_OK = Q(state=Deadline.State.MET, overdue_at__isnull=True) & (
    Q(met_at__isnull=True) | Q(met_at__lte=F("due_at"))
)


def day_of(at: datetime) -> date:
    return clock.local(at).date()


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def promises_due(qs: Any, since: datetime, until: datetime) -> Any:
    """The promises (deadlines) due in ``[since, until)`` that count: not cancelled (R-IN-4, R-QA-1 …)."""
    return qs.filter(due_at__gte=since, due_at__lt=until, kind__in=Deadline.PROMISE_KINDS).exclude(
        state=Deadline.State.CANCELLED
    )
