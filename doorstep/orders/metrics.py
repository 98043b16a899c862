"""The order core's figures for ``/metrics`` (doorstep.core.observability): how far the deadline sweep
lags behind the clock, and the timers open or overdue by kind (the standard's TIMER rules)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min

from doorstep.core import clock
from doorstep.core.observability import Gauge

Sample = tuple[tuple[str, ...], float]


def _sweep_lag() -> Iterable[Sample]:
    from doorstep.orders.models import Deadline

    # an OPEN row past its due time is one the sweep has not acted on yet
    oldest = Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lte=clock.now()).aggregate(
        m=Min("due_at")
    )["m"]
    return [((), max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0)]


def _live(state: str) -> Iterable[Sample]:
    from doorstep.orders.models import Deadline

    rows = Deadline.objects.filter(state=state).values_list("kind").annotate(n=Count("id"))
    return [((kind,), n) for kind, n in rows]


GAUGES = (
    Gauge(
        "doorstep_deadline_sweep_lag_seconds",
        "Age of the oldest open deadline already due (0 when the sweep is up to date)",
        (),
        _sweep_lag,
    ),
    Gauge("doorstep_deadlines_open", "Open deadlines, by kind", ("kind",), lambda: _live("open")),
    Gauge(
        "doorstep_deadlines_overdue",
        "Overdue deadlines not yet met, by kind",
        ("kind",),
        lambda: _live("overdue"),
    ),
)
