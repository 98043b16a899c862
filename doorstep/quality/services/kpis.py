"""The KPIs' facts and daily sums (R-QA-4), kept from the order's event log (一票到底).

Each order's history is walked once into facts (``derive``): what ``selectors.kpis`` counts, each at the
moment it happened and for the outlet and technician it belongs to —

- on_time: each arrival (``arrive``) not late by R-AR-5 (``core.punctuality``);
- first_fix: each job fixed at its first visit and still fixed: a completion after exactly one service
  start and no take-back, and within the repeat window not reopened (R-QA-1), not reported still broken
  (callback or survey), nor followed by another order for the same product; the return visit after a
  reopen is the same job (no fact of its own);
- repeat: each completion followed within N days by a reopen or another order for the same product;
- satisfaction: the order's customer survey mean (R-QA-2), else its callback score (R-QA-1), at the time
  it was given, for the technician of the last completion;
- complaints: each complaint opened (R-QA-3) and, as the rate's denominator, each completion;
- callbacks: each completion, called back (or answered online) within the callback window (R-QA-1); one
  not yet called back is pending until its window closes, then counts as missed.

``kpi_refresh`` rewrites an order's facts and moves the daily sums by the difference; it runs in the
transaction of each event that can change them (``on_event_saved``), and for the other orders of the same
product when an order is created or cancelled (a repeat repair is a fact of the earlier order).
``kpi_settle`` (daily, idempotent) counts the callbacks whose window passed unanswered and sums the
promises (deadlines, R-IN-4 …) of the days that are over; ``kpi_rebuild`` recomputes everything.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from doorstep.core import clock
from doorstep.core.policy import Policy
from doorstep.core.punctuality import Lateness, assess_with
from doorstep.network.policy import policy_of
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder
from doorstep.quality.kpi_days import PROMISE_OK, day_of, midnight, promises_due
from doorstep.quality.models import KpiDaily, KpiFact, KpiSettled

K = EventKind
HISTORY_KINDS = (
    K.DISPATCH, K.TRANSFER, K.ASSIGN, K.CONFIRM_APPOINTMENT, K.RESCHEDULE, K.ARRIVE, K.START_SERVICE,
    K.TAKE_BACK, K.COMPLETE, K.REOPEN, K.RECORD_CALLBACK, K.SURVEY_SUBMITTED, K.COMPLAINT_OPENED,
)  # fmt: skip
PRODUCT_KINDS = (K.CREATED, K.CANCEL)  # another order for the product: the earlier ones' repeat repairs
# the promises of a day are summed once the day is this many days over (a deadline can still be met late
# or cancelled just after it fell due; until then the dashboard reads the deadlines themselves)
PROMISE_SETTLE_DAYS = 2
CHUNK = 2000


# --- deriving the facts of one order ---------------------------------------------------------------------
@dataclass
class _Completion:
    at: datetime
    outlet: int | None
    tech: int | None
    first_visit: bool = True  # one service start, no take-back
    return_visit: bool = False  # the completion of a reopened order's return visit (R-QA-1)
    reopened_at: datetime | None = None
    broken_at: datetime | None = None  # a callback or survey found the product still failing (R-QA-1)


@dataclass
class _State:
    outlet: int | None = None
    tech: int | None = None
    window_start: datetime | None = None
    starts: int = 0
    taken_back: bool = False
    reopened: bool = False
    completions: list[_Completion] = field(default_factory=list)
    called_back: list[datetime] = field(default_factory=list)
    score: tuple[bool, float, datetime] | None = None  # (from survey, value, when)


class _Facts:
    def __init__(self, order: WorkOrder) -> None:
        self.order = order
        self.rows: list[KpiFact] = []

    def add(
        self,
        metric: str,
        at: datetime,
        *,
        outlet: Any,
        tech: Any,
        ok: bool = False,
        total: int = 1,
        score: float = 0.0,
        pending_until: datetime | None = None,
        listed: bool = True,
    ) -> None:
        self.rows.append(
            KpiFact(
                centre_id=self.order.centre_id,
                order_id=self.order.pk,
                metric=metric,
                at=at,
                day=day_of(at),
                outlet_id=outlet if isinstance(outlet, int) else None,
                technician_id=tech if isinstance(tech, int) else None,
                ok=int(ok),
                total=total,
                score=score,
                pending_until=pending_until,
                listed=listed,
            )
        )


def derive(
    order: WorkOrder,
    events: Iterable[OrderEvent],
    policy: Policy,
    later: Iterable[tuple[int, int, datetime]],
    now: datetime,
) -> list[KpiFact]:
    """The facts of one order from its history (``HISTORY_KINDS`` in sequence) and the orders for the same
    product (``later``: pk, product, created)."""
    facts, s = _Facts(order), _State()
    for e in events:
        _step(s, e, facts, policy)
    last = s.completions[-1] if s.completions else None
    outlet, tech = (last.outlet, last.tech) if last else (s.outlet, s.tech)
    if s.score is not None:
        _, value, at = s.score
        facts.add("satisfaction", at, outlet=outlet, tech=tech, ok=value >= 4, score=value)
    window = timedelta(days=policy.callback_max_days)
    days = timedelta(days=policy.repeat_repair_days)
    later = list(later)
    for c in s.completions:
        done = any(c.at <= at <= c.at + window for at in s.called_back)
        pending = None if done or c.at + window < now else c.at + window  # R-QA-1: not yet counted
        facts.add("callbacks", c.at, outlet=c.outlet, tech=c.tech, ok=done, pending_until=pending)
        facts.add("complaints", c.at, outlet=c.outlet, tech=c.tech, listed=False)  # the rate's denominator
        back = any(
            pid == order.product_id and pk != order.pk and c.at < at <= c.at + days for pk, pid, at in later
        )
        reopened = c.reopened_at is not None and c.reopened_at <= c.at + days
        facts.add("repeat", c.at, outlet=c.outlet, tech=c.tech, ok=back or reopened)
        if not c.return_visit:  # R-QA-4: fixed at the first visit, and it held
            broken = c.broken_at is not None and c.broken_at <= c.at + days
            fixed = c.first_visit and not (back or reopened or broken)
            facts.add("first_fix", c.at, outlet=c.outlet, tech=c.tech, ok=fixed)
    return facts.rows


def _step(s: _State, e: OrderEvent, facts: _Facts, policy: Policy) -> None:
    d, kind = e.data or {}, e.kind
    if kind in (K.DISPATCH, K.TRANSFER):
        s.outlet = d.get("outlet", s.outlet)
    elif kind == K.ASSIGN:
        s.tech = d.get("technician", s.tech)
    elif kind in (K.CONFIRM_APPOINTMENT, K.RESCHEDULE) and d.get("window"):
        s.window_start = parse_datetime(d.get("appointment_at") or d["window"][0])
    elif kind == K.ARRIVE and (d.get("lateness") or s.window_start is not None):
        facts.add("on_time", e.at, outlet=s.outlet, tech=s.tech, ok=_arrived_on_time(e, s, policy))
    elif kind == K.START_SERVICE:
        s.starts += 1
    elif kind == K.TAKE_BACK:
        s.taken_back = True
    elif kind == K.COMPLETE:
        first = s.starts == 1 and not s.taken_back
        s.completions.append(_Completion(e.at, s.outlet, s.tech, first_visit=first, return_visit=s.reopened))
        s.starts, s.taken_back = 0, False
    elif kind == K.REOPEN:
        if s.completions and s.completions[-1].reopened_at is None:
            s.completions[-1].reopened_at = e.at
        s.tech, s.window_start, s.reopened = None, None, True
    else:
        _feedback(s, e, facts)


def _arrived_on_time(e: OrderEvent, s: _State, policy: Policy) -> bool:
    """R-QA-4 on-time arrival = not late by R-AR-5 (core.punctuality): the judgement the ARRIVE event
    recorded against the appointment time of that moment; for an arrival recorded without it, the same
    rule on the arrival the event recorded (the phone's time of an offline action) or the event's time."""
    d = e.data or {}
    if d.get("lateness"):
        return bool(d["lateness"] == Lateness.ON_TIME)
    assert s.window_start is not None
    arrived = parse_datetime(str(d.get("arrived_at") or "")) or e.at
    return assess_with(policy, s.window_start, arrived).on_time


def _feedback(s: _State, e: OrderEvent, facts: _Facts) -> None:
    d, kind = e.data or {}, e.kind
    if kind in (K.RECORD_CALLBACK, K.SURVEY_SUBMITTED):
        s.called_back.append(e.at)
    if d.get("product_works") is False and s.completions:  # callback or survey: still broken
        s.completions[-1].broken_at = s.completions[-1].broken_at or e.at
    if kind == K.SURVEY_SUBMITTED:  # the customer's own survey beats the callback's score (R-QA-2)
        s.score = (True, float(d.get("mean") or 0), e.at)
    elif kind == K.RECORD_CALLBACK and d.get("satisfaction") and (s.score is None or not s.score[0]):
        s.score = (False, float(d["satisfaction"]), e.at)
    elif kind == K.COMPLAINT_OPENED:
        outlet, tech = d.get("outlet", s.outlet), d.get("technician", s.tech)
        facts.add("complaints", e.at, outlet=outlet, tech=tech, ok=True, total=0)


def _derive_all(orders: list[WorkOrder], now: datetime) -> list[KpiFact]:
    """The facts of these orders, read in a fixed number of queries."""
    by_order: dict[int, list[OrderEvent]] = defaultdict(list)
    events = (
        OrderEvent.objects.filter(order_id__in=[o.pk for o in orders], kind__in=HISTORY_KINDS)
        .only("order_id", "seq", "kind", "at", "data")
        .order_by("order_id", "seq")
    )
    for event in events:
        by_order[event.order_id].append(event)
    products = {
        o.product_id for o in orders if o.product_id and any(e.kind == K.COMPLETE for e in by_order[o.pk])
    }
    later: dict[int, list[tuple[int, int, datetime]]] = defaultdict(list)
    if products:
        rows = (
            WorkOrder.objects.filter(product_id__in=products)
            .exclude(status="cancelled")
            .values_list("pk", "product_id", "created_at")
        )
        for pk, pid, created in rows:
            later[pid].append((pk, pid, created))
    policies: dict[tuple[int, int], Policy] = {}
    facts: list[KpiFact] = []
    for order in orders:
        key = (order.brand_id, order.centre_id)
        if key not in policies:
            policies[key] = policy_of(order)
        if by_order[order.pk]:
            facts += derive(order, by_order[order.pk], policies[key], later[order.product_id or 0], now)
    return facts


# --- the daily sums --------------------------------------------------------------------------------------
SumKey = tuple[int, date, str, int, int]


def _sums(facts: Iterable[Any], sign: int = 1) -> Counter[tuple[SumKey, str]]:
    """Settled facts (model rows or value dicts) summed per daily row."""
    out: Counter[tuple[SumKey, str]] = Counter()
    for f in facts:
        get: Callable[[str], Any] = f.get if isinstance(f, dict) else partial(getattr, f)
        if get("pending_until") is not None:
            continue
        key = (get("centre_id"), get("day"), get("metric"), get("outlet_id") or 0, get("technician_id") or 0)
        out[(key, "ok")] += sign * get("ok")
        out[(key, "total")] += sign * get("total")
        out[(key, "score")] += sign * get("score")
    return out


def _apply(delta: Counter[tuple[SumKey, str]]) -> None:
    """Move the daily rows by ``delta``, in key order (two writers never wait on each other crosswise)."""
    keys = sorted({k for k, _ in delta})
    rows = [(*k, delta[(k, "ok")], delta[(k, "total")], delta[(k, "score")]) for k in keys]
    rows = [r for r in rows if r[5] or r[6] or r[7]]
    if not rows:
        return
    table = KpiDaily._meta.db_table
    sql = (
        f"INSERT INTO {table} (centre_id, day, metric, outlet_id, technician_id, ok, total, score) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (centre_id, day, metric, outlet_id, technician_id) DO UPDATE SET "
        f"ok = {table}.ok + excluded.ok, total = {table}.total + excluded.total, "
        f"score = {table}.score + excluded.score"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


FACT_VALUES = (
    "centre_id",
    "day",
    "metric",
    "outlet_id",
    "technician_id",
    "ok",
    "total",
    "score",
    "pending_until",
)


def kpi_refresh(order_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Rewrite the facts of these orders from their histories and move the daily sums by the difference."""
    ids = sorted(set(order_ids))
    if not ids:
        return
    now = now or clock.now()
    with transaction.atomic():
        orders = list(
            WorkOrder.objects.filter(pk__in=ids).only(
                "pk", "centre_id", "brand_id", "product_id", "created_at"
            )
        )
        new = _derive_all(orders, now)
        old = KpiFact.objects.filter(order_id__in=ids)
        delta = _sums(old.values(*FACT_VALUES), sign=-1)
        old.delete()
        KpiFact.objects.bulk_create(new)
        delta.update(_sums(new))
        _apply(delta)


def on_event_saved(sender: type[OrderEvent], instance: OrderEvent, created: bool, **kwargs: Any) -> None:
    """A new event that can change a KPI rewrites its order's facts, in the event's transaction."""
    if not created:
        return
    kind = str(instance.kind)
    ids = {instance.order_id} if kind in HISTORY_KINDS else set()
    if kind in PRODUCT_KINDS:
        ids |= _same_product_completions(instance)
    if ids:
        kpi_refresh(ids)


def _same_product_completions(event: OrderEvent) -> set[int]:
    """The other orders of this order's product with a completion in the longest repeat-repair window."""
    order_id = event.order_id
    if OrderEvent.order.is_cached(event):  # the writer's own order object: its product is known
        if event.order.customer_new_here:  # the intake's new customer has no other order
            return set()
        product = event.order.product_id
    else:
        product = WorkOrder.objects.filter(pk=order_id).values_list("product_id", flat=True).first()
    if not product:
        return set()
    return set(
        KpiFact.objects.filter(metric="repeat", order__product_id=product)
        .exclude(order_id=order_id)
        .values_list("order_id", flat=True)
        .distinct()
    )


# --- the daily task and the rebuild ----------------------------------------------------------------------
def kpi_settle(*, now: datetime | None = None) -> int:
    """Count the callbacks whose window passed unanswered and sum the promises of the days that are over
    (idempotent: run daily by the worker, ``manage.py kpi_settle``). Returns the facts and days settled."""
    now = now or clock.now()
    with transaction.atomic():
        due = KpiFact.objects.select_for_update(skip_locked=True).filter(pending_until__lt=now)
        rows = list(due.values("pk", *FACT_VALUES))
        KpiFact.objects.filter(pk__in=[r["pk"] for r in rows]).update(pending_until=None)
        _apply(_sums([{**r, "pending_until": None} for r in rows]))
    return len(rows) + _settle_promises(now)


def _settle_promises(now: datetime) -> int:
    through = day_of(now) - timedelta(days=PROMISE_SETTLE_DAYS)
    settled = dict(KpiSettled.objects.values_list("centre_id", "promises_through"))
    firsts = (
        Deadline.objects.filter(kind__in=Deadline.PROMISE_KINDS)
        .values("order__centre_id")
        .annotate(first=Min("due_at"))
        .values_list("order__centre_id", "first")
    )
    done = 0
    for centre_id, first in firsts:
        start = settled[centre_id] + timedelta(days=1) if centre_id in settled else day_of(first)
        if start <= through:
            promises_sum(centre_id, start, through)
            done += (through - start).days + 1
        KpiSettled.objects.update_or_create(centre_id=centre_id, defaults={"promises_through": through})
    return done


def promises_sum(centre_id: int, first: date, last: date) -> None:
    """Replace the centre's daily promise rows of ``[first, last]`` with the sums of the deadlines due on
    those days (R-IN-4, R-IN-8, R-AN-2, R-QA-1): met in time, or not."""
    with transaction.atomic():
        KpiDaily.objects.filter(
            centre_id=centre_id, metric="promises", day__gte=first, day__lte=last
        ).delete()
        rows = (
            promises_due(
                Deadline.objects.filter(order__centre_id=centre_id),
                midnight(first),
                midnight(last + timedelta(days=1)),
            )
            .annotate(day=TruncDate("due_at", tzinfo=timezone.get_current_timezone()))
            .values("day", "order__outlet_id")
            .annotate(total=Count("pk"), ok=Count("pk", filter=PROMISE_OK))
        )
        KpiDaily.objects.bulk_create(
            KpiDaily(
                centre_id=centre_id,
                day=r["day"],
                metric="promises",
                outlet_id=r["order__outlet_id"] or 0,
                ok=r["ok"],
                total=r["total"],
            )
            for r in rows
        )


def kpi_rebuild(*, now: datetime | None = None) -> int:
    """Recompute every fact and daily sum from the event log and the deadlines; returns the facts."""
    now = now or clock.now()
    made = 0
    with transaction.atomic():
        KpiFact.objects.all().delete()
        KpiDaily.objects.all().delete()
        KpiSettled.objects.all().delete()
        for orders in _chunks():
            facts = _derive_all(orders, now)
            KpiFact.objects.bulk_create(facts, batch_size=CHUNK)
            made += len(facts)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {KpiDaily._meta.db_table} "
                "(centre_id, day, metric, outlet_id, technician_id, ok, total, score) "
                "SELECT centre_id, day, metric, COALESCE(outlet_id, 0), COALESCE(technician_id, 0), "
                "SUM(ok), SUM(total), SUM(score) "
                f"FROM {KpiFact._meta.db_table} WHERE pending_until IS NULL "
                "GROUP BY centre_id, day, metric, COALESCE(outlet_id, 0), COALESCE(technician_id, 0)"
            )
        _settle_promises(now)
    if connection.vendor == "postgresql":  # the planner's picture of the tables just rewritten
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {KpiFact._meta.db_table}, {KpiDaily._meta.db_table}")
    return made


def _chunks() -> Iterator[list[WorkOrder]]:
    """Every order, a chunk at a time (keyset on the primary key)."""
    after = 0
    while True:
        orders = list(
            WorkOrder.objects.filter(pk__gt=after)
            .only("pk", "centre_id", "brand_id", "product_id", "created_at")
            .order_by("pk")[:CHUNK]
        )
        if not orders:
            return
        yield orders
        after = orders[-1].pk
