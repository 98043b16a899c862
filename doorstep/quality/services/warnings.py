"""Early warning on repair rates (R-QA-5): a model whose repairs in the last window rise significantly above
its own trailing baseline, or a purchase-month cohort over-represented among the model's repairs.

Two one-sided tests (scipy): the model's count in the window against a Poisson with the mean of the
trailing windows the centre's records cover (none covered — a new centre, a demo month — no baseline,
no rate warning: the page says there is not enough history yet); a cohort's share of the window's
repairs against its share of the installed base (binomial). Each warning keeps the orders behind it.
Run by a task and by ``quality_early_warning``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min
from django.tasks import task
from scipy.stats import binomtest, poisson

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Forbidden
from doorstep.core.policy import Policy
from doorstep.customers.models import OwnedProduct
from doorstep.network.actors import Actor
from doorstep.network.models import ServiceCentre
from doorstep.network.policy import policy_for
from doorstep.network.roles import QUALITY_TEAM
from doorstep.orders.models import ServiceType, WorkOrder
from doorstep.quality.models import EarlyWarning

BASELINE_FLOOR = 0.5  # a model with no repairs yet is compared against half a repair per window


@dataclass(frozen=True)
class Repair:
    order_id: int
    model_id: int
    created_at: datetime
    cohort: str


def poisson_p(observed: int, expected: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(expected): how surprising this many repairs would be."""
    return float(poisson.sf(observed - 1, max(expected, BASELINE_FLOOR)))


def early_warning_scan(*, centre: ServiceCentre, now: datetime | None = None) -> list[EarlyWarning]:
    """Scan the centre's repair orders and store a warning for every significant rise (idempotent)."""
    now = now or clock.now()
    policy = policy_for(brand=centre.brand_id, centre=centre.pk)
    window = timedelta(days=policy.warning_window_days)
    start = now - window * (policy.warning_baseline_windows + 1)
    repairs = _repairs(centre, start, now)
    first = WorkOrder.objects.filter(centre=centre).aggregate(first=Min("created_at"))["first"]
    covered = baseline_windows(policy, first, now)
    found: list[EarlyWarning] = []
    by_model: dict[int, list[Repair]] = defaultdict(list)
    for repair in repairs:
        by_model[repair.model_id].append(repair)
    for model_id, rows in by_model.items():
        found += _scan_model(centre, policy, model_id, rows, now, window, covered)
    return found


def baseline_missing(centre_id: int | None, now: datetime | None = None) -> bool:
    """The centre's records do not cover one baseline window yet: no repair-rate warning can be raised."""
    centre = ServiceCentre.objects.filter(pk=centre_id or 0).first()
    if centre is None:
        return False
    policy = policy_for(brand=centre.brand_id, centre=centre.pk)
    first = WorkOrder.objects.filter(centre=centre).aggregate(first=Min("created_at"))["first"]
    return baseline_windows(policy, first, now or clock.now()) == 0


def baseline_windows(policy: Policy, first: datetime | None, now: datetime) -> int:
    """How many trailing baseline windows the centre's records cover from their start (R-QA-5): a window
    before the first order is no history (not zero repairs)."""
    if first is None:
        return 0
    window = timedelta(days=policy.warning_window_days)
    return sum(1 for k in range(1, policy.warning_baseline_windows + 1) if now - window * (k + 1) >= first)


def _repairs(centre: ServiceCentre, since: datetime, until: datetime) -> list[Repair]:
    rows = (
        WorkOrder.objects.filter(
            centre=centre, service_type=ServiceType.REPAIR, created_at__gte=since, created_at__lt=until,
            product__model__isnull=False,
        )
        .exclude(status="cancelled")
        .values_list("pk", "product__model_id", "created_at", "product__purchase_date")
    )  # fmt: skip
    return [Repair(pk, m, at, f"{bought:%Y-%m}" if bought else "") for pk, m, at, bought in rows]


def _scan_model(
    centre: ServiceCentre,
    policy: Policy,
    model_id: int,
    rows: list[Repair],
    now: datetime,
    window: timedelta,
    covered: int,
) -> list[EarlyWarning]:
    current = [r for r in rows if r.created_at >= now - window]
    counts = [
        sum(1 for r in rows if now - window * (k + 1) <= r.created_at < now - window * k)
        for k in range(1, covered + 1)
    ]
    expected = sum(counts) / len(counts) if counts else 0.0
    found = []
    p = poisson_p(len(current), expected) if counts else 1.0  # no baseline yet: nothing to rise above
    if len(current) >= policy.warning_min_count and p < policy.warning_alpha:
        found.append(
            _store(centre, model_id, "", current, max(expected, BASELINE_FLOOR), p, "poisson", now, window)
        )
    found += _scan_cohorts(centre, policy, model_id, current, now, window)
    return found


def _scan_cohorts(
    centre: ServiceCentre,
    policy: Policy,
    model_id: int,
    current: list[Repair],
    now: datetime,
    window: timedelta,
) -> list[EarlyWarning]:
    """A purchase-month cohort with more of this window's repairs than its share of the installed base."""
    base = Counter(
        f"{d:%Y-%m}"
        for d in OwnedProduct.objects.filter(model_id=model_id, purchase_date__isnull=False).values_list(
            "purchase_date", flat=True
        )
    )
    total, n = sum(base.values()), len(current)
    found = []
    for cohort, rows in _group(current).items():
        if not cohort or len(rows) < policy.warning_min_count or not total:
            continue
        share = base.get(cohort, 0) / total
        if share >= 1:
            continue
        p = float(binomtest(len(rows), n, max(share, 1 / (total + 1)), alternative="greater").pvalue)
        if p < policy.warning_alpha:
            found.append(_store(centre, model_id, cohort, rows, n * share, p, "binomial", now, window))
    return found


def _group(rows: list[Repair]) -> dict[str, list[Repair]]:
    groups: dict[str, list[Repair]] = defaultdict(list)
    for r in rows:
        groups[r.cohort].append(r)
    return groups


def _store(
    centre: ServiceCentre, model_id: int, cohort: str, rows: list[Repair], expected: float, p: float,
    test: str, now: datetime, window: timedelta,
) -> EarlyWarning:  # fmt: skip
    window_end = now.replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        warning, _created = EarlyWarning.objects.update_or_create(
            centre=centre, product_model_id=model_id, cohort=cohort, window_end=window_end,
            defaults={
                "window_start": now - window, "observed": len(rows), "expected": expected, "p_value": p,
                "test": test, "order_ids": sorted(r.order_id for r in rows), "created_at": now,
            },
        )  # fmt: skip
    return warning


def early_warning_acknowledge(*, warning: EarlyWarning, actor: Actor) -> EarlyWarning:
    """The quality team has taken the warning up (and routed it, R-QA-5)."""
    if actor.role not in QUALITY_TEAM or actor.centre_id != warning.centre_id:
        raise Forbidden(ErrorCode.WARNING_FORBIDDEN)
    warning.state = EarlyWarning.State.ACKNOWLEDGED
    warning.save(update_fields=["state"])
    return warning


def early_warning_scan_all(now: datetime | None = None) -> int:
    return sum(
        len(early_warning_scan(centre=c, now=now)) for c in ServiceCentre.objects.select_related("brand")
    )


@task()
def scan_early_warnings() -> int:
    return early_warning_scan_all()
