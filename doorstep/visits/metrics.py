"""The visit's figures for ``/metrics`` (doorstep.core.observability): electronic payments by state — a
growing ``pending`` or ``needs_refund`` count is a provider or callback problem (R-CO-2)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from doorstep.core.observability import Gauge


def _intents() -> Iterable[tuple[tuple[str, ...], float]]:
    from doorstep.visits.models import PaymentIntent

    rows = PaymentIntent.objects.values_list("state").annotate(n=Count("id"))
    return [((state,), n) for state, n in rows]


GAUGES = (Gauge("doorstep_payment_intents", "Electronic payment intents, by state", ("state",), _intents),)
