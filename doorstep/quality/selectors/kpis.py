"""KPIs and star levels (R-QA-4), computed from the order's event log (一票到底) and the quality rows.

Per technician, outlet and the actor's whole scope, for a period ``[since, until)``:

- on_time: visits (``arrive``) not late by R-AR-5 (``core.punctuality``): arrived at or before the
  appointment time (the time confirmed with the customer, else the window's start), as the ARRIVE
  event judged it; an arrival inside the window but after a confirmed time is late;
- first_fix: completions after exactly one service start and no take-back;
- repeat: completions followed within N days by a reopen or another order for the same product;
- satisfaction: the customer's survey mean (R-QA-2), else the callback score (R-QA-1);
- complaints: complaints opened (R-QA-3) per completion;
- callbacks: completions called back (or answered online) within the callback window (R-QA-1);
- promises: deadlines due in the period met in time (R-IN-4, R-IN-8, R-AN-2, R-QA-1);
- language: confirmed forbidden-phrase flags (R-LG-2).

Every figure keeps the orders behind it, for the dashboard's drill-down.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.policy import Policy, StarRule
from doorstep.core.punctuality import Lateness, assess_with
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Technician
from doorstep.network.policy import policy_for, policy_of
from doorstep.network.roles import Role
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder
from doorstep.orders.selectors import orders_visible_to
from doorstep.quality.models import LanguageFlag

METRICS: dict[str, Any] = {
    "on_time": _("准时到达率"),
    "first_fix": _("一次修复率"),
    "repeat": _("30天重复维修率"),
    "satisfaction": _("满意度"),
    "complaints": _("投诉率"),
    "callbacks": _("回访完成率"),
    "promises": _("承诺时限达成率"),
    "language": _("确认禁语次数"),
}
COUNT_METRICS = frozenset({"language"})
LOWER_IS_BETTER = frozenset({"repeat", "complaints", "language"})
K = EventKind
HISTORY_KINDS = (
    K.DISPATCH, K.TRANSFER, K.ASSIGN, K.CONFIRM_APPOINTMENT, K.RESCHEDULE, K.ARRIVE, K.START_SERVICE,
    K.TAKE_BACK, K.COMPLETE, K.REOPEN, K.RECORD_CALLBACK, K.SURVEY_SUBMITTED, K.COMPLAINT_OPENED,
)  # fmt: skip
PERIOD_KINDS = (K.ARRIVE, K.COMPLETE, K.RECORD_CALLBACK, K.SURVEY_SUBMITTED, K.COMPLAINT_OPENED)


@dataclass
class Figure:
    """One KPI for one group: ``ok`` of ``total`` (or a sum of scores), and the orders behind it."""

    ok: int = 0
    total: int = 0
    score_sum: float = 0.0
    orders: dict[int, bool] = field(default_factory=dict)

    def add(self, order_id: int, ok: bool, score: float | None = None) -> None:
        self.total += 1
        self.ok += int(ok)
        self.score_sum += score or 0.0
        self.orders[order_id] = ok or self.orders.get(order_id, False)

    def hit(self, order_id: int) -> None:
        """A counted event (a complaint) whose denominator is counted elsewhere."""
        self.ok += 1
        self.orders[order_id] = True

    def rate(self, metric: str) -> float | None:
        if metric == "satisfaction":
            return self.score_sum / self.total if self.total else None
        if metric in COUNT_METRICS:
            return float(self.ok)
        return self.ok / self.total if self.total else None


@dataclass
class KpiRow:
    group: str  # "scope", "outlet" or "technician"
    key: int
    label: str
    figures: dict[str, Figure] = field(default_factory=lambda: {m: Figure() for m in METRICS})
    stars: int | None = None

    def value(self, metric: str) -> float | None:
        return self.figures[metric].rate(metric)

    @property
    def completions(self) -> int:
        return self.figures["first_fix"].total


@dataclass
class KpiReport:
    since: datetime
    until: datetime
    scope: KpiRow
    outlets: list[KpiRow]
    technicians: list[KpiRow]

    def row(self, group: str, key: int) -> KpiRow | None:
        if group == "scope":
            return self.scope
        rows = self.outlets if group == "outlet" else self.technicians
        return next((r for r in rows if r.key == key), None)


class _Tally:
    """Collects observations into the scope row and the outlet / technician rows they belong to."""

    def __init__(self, scope_label: str) -> None:
        self.scope = KpiRow("scope", 0, scope_label)
        self.rows: dict[tuple[str, int], KpiRow] = {}
        self._policies: dict[tuple[int, int], Policy] = {}

    def policy(self, order: WorkOrder) -> Policy:
        """The order's numbers (brand + centre), read once per brand and centre."""
        key = (order.brand_id, order.centre_id)
        if key not in self._policies:
            self._policies[key] = policy_of(order)
        return self._policies[key]

    def hit(self, metric: str, order_id: int, *, outlet: Any, tech: Any) -> None:
        for row in self._rows(outlet, tech):
            row.figures[metric].hit(order_id)

    def count(self, metric: str, *, outlet: Any, tech: Any) -> None:
        for row in self._rows(outlet, tech):
            row.figures[metric].total += 1

    def add(
        self, metric: str, order_id: int, ok: bool, *, outlet: Any, tech: Any, score: float | None = None
    ) -> None:
        for row in self._rows(outlet, tech):
            row.figures[metric].add(order_id, ok, score)

    def _rows(self, outlet: Any, tech: Any) -> Iterable[KpiRow]:
        yield self.scope
        for group, key in (("outlet", outlet), ("technician", tech)):
            if isinstance(key, int):
                yield self.rows.setdefault((group, key), KpiRow(group, key, ""))


# --- entry point ------------------------------------------------------------------------------------------
def kpi_report(*, actor: Actor, since: datetime, until: datetime) -> KpiReport:
    """All KPIs of the actor's scope (centre, or an outlet manager's outlet) for ``[since, until)``."""
    scope = orders_visible_to(actor)
    tally = _Tally(str(_scope_label(actor)))
    histories = _histories(scope, since, until)
    completions = _walk(histories, tally, since, until)
    _repeats(completions, tally)
    _promises(scope, tally, since, until)
    _language(actor, tally, since, until)
    return _report(actor, tally, since, until)


def _scope_label(actor: Actor) -> Any:
    if actor.role == Role.OUTLET_MANAGER and actor.staff is not None and actor.staff.outlet is not None:
        return actor.staff.outlet.name
    return actor.staff.centre.name if actor.staff is not None else _("全部")


def _histories(scope: Any, since: datetime, until: datetime) -> dict[int, list[OrderEvent]]:
    """Full histories (relevant kinds) of the scoped orders with something to count in the period."""
    active = OrderEvent.objects.filter(
        order__in=scope.values("pk"), kind__in=PERIOD_KINDS, at__gte=since, at__lt=until
    ).values("order_id")
    events = (
        OrderEvent.objects.filter(order_id__in=active, kind__in=HISTORY_KINDS)
        .select_related("order__brand")
        .order_by("order_id", "seq")
    )
    out: dict[int, list[OrderEvent]] = defaultdict(list)
    for event in events:
        out[event.order_id].append(event)
    return out


@dataclass
class _Completion:
    order: WorkOrder
    at: datetime
    outlet: int | None
    tech: int | None
    reopened_at: datetime | None = None


@dataclass
class _State:
    outlet: int | None = None
    tech: int | None = None
    window_start: datetime | None = None
    starts: int = 0
    taken_back: bool = False
    completions: list[_Completion] = field(default_factory=list)
    called_back: list[datetime] = field(default_factory=list)
    score: tuple[bool, float] | None = None  # (from survey, value)


def _walk(
    histories: dict[int, list[OrderEvent]], tally: _Tally, since: datetime, until: datetime
) -> list[_Completion]:
    every: list[_Completion] = []
    for events in histories.values():
        state = _State()
        for event in events:
            _step(state, event, tally, since <= event.at < until)
        order = events[0].order
        _after_walk(order, state, tally, since, until)
        every += [c for c in state.completions if since <= c.at < until]
    return every


def _step(s: _State, e: OrderEvent, tally: _Tally, in_period: bool) -> None:
    d, kind = e.data or {}, e.kind
    if kind in (EventKind.DISPATCH, EventKind.TRANSFER):
        s.outlet = d.get("outlet", s.outlet)
    elif kind == EventKind.ASSIGN:
        s.tech = d.get("technician", s.tech)
    elif kind in (EventKind.CONFIRM_APPOINTMENT, EventKind.RESCHEDULE) and d.get("window"):
        s.window_start = parse_datetime(d.get("appointment_at") or d["window"][0])
    elif kind == EventKind.APPOINTMENT_TIME_CONFIRMED and d.get("appointment_at"):
        s.window_start = parse_datetime(d["appointment_at"])  # R-DI-3: the rules count from it
    elif kind == EventKind.ARRIVE and in_period and (d.get("lateness") or s.window_start is not None):
        tally.add("on_time", e.order_id, _arrived_on_time(e, s, tally), outlet=s.outlet, tech=s.tech)
    elif kind == EventKind.START_SERVICE:
        s.starts += 1
    elif kind == EventKind.TAKE_BACK:
        s.taken_back = True
    elif kind == EventKind.COMPLETE:
        _complete(s, e, tally, in_period)
    elif kind == EventKind.REOPEN:
        _reopen(s, e)
    else:
        _feedback(s, e, tally, in_period)


def _arrived_on_time(e: OrderEvent, s: _State, tally: _Tally) -> bool:
    """R-QA-4 on-time arrival = not late by R-AR-5 (core.punctuality): the judgement the ARRIVE event
    recorded against the appointment time of that moment; for an arrival recorded without it, the same
    rule on the arrival the event recorded (the phone's time of an offline action) or the event's time."""
    d = e.data or {}
    if d.get("lateness"):
        return bool(d["lateness"] == Lateness.ON_TIME)
    assert s.window_start is not None
    arrived = parse_datetime(str(d.get("arrived_at") or "")) or e.at
    return assess_with(tally.policy(e.order), s.window_start, arrived).on_time


def _complete(s: _State, e: OrderEvent, tally: _Tally, in_period: bool) -> None:
    s.completions.append(_Completion(e.order, e.at, s.outlet, s.tech))
    if in_period:
        tally.add("first_fix", e.order_id, s.starts == 1 and not s.taken_back, outlet=s.outlet, tech=s.tech)
    s.starts, s.taken_back = 0, False


def _reopen(s: _State, e: OrderEvent) -> None:
    if s.completions and s.completions[-1].reopened_at is None:
        s.completions[-1].reopened_at = e.at
    s.tech, s.window_start = None, None


def _feedback(s: _State, e: OrderEvent, tally: _Tally, in_period: bool) -> None:
    d, kind = e.data or {}, e.kind
    if kind in (EventKind.RECORD_CALLBACK, EventKind.SURVEY_SUBMITTED):
        s.called_back.append(e.at)
    if kind == EventKind.SURVEY_SUBMITTED and in_period:
        s.score = (True, float(d.get("mean") or 0))
    elif (
        kind == EventKind.RECORD_CALLBACK
        and in_period
        and d.get("satisfaction")
        and (s.score is None or not s.score[0])
    ):
        s.score = (False, float(d["satisfaction"]))
    elif kind == EventKind.COMPLAINT_OPENED and in_period:
        outlet, tech = d.get("outlet", s.outlet), d.get("technician", s.tech)
        tally.hit("complaints", e.order_id, outlet=outlet, tech=tech)


def _after_walk(order: WorkOrder, s: _State, tally: _Tally, since: datetime, until: datetime) -> None:
    last = s.completions[-1] if s.completions else None
    outlet, tech = (last.outlet, last.tech) if last else (s.outlet, s.tech)
    if s.score is not None:
        tally.add("satisfaction", order.pk, s.score[1] >= 4, outlet=outlet, tech=tech, score=s.score[1])
    window = timedelta(days=tally.policy(order).callback_max_days)
    now = clock.now()
    for c in s.completions:
        if not since <= c.at < until:
            continue
        done = any(c.at <= at <= c.at + window for at in s.called_back)
        if done or c.at + window < now:  # a callback still within its window is not yet counted
            tally.add("callbacks", order.pk, done, outlet=c.outlet, tech=c.tech)
        tally.count("complaints", outlet=c.outlet, tech=c.tech)  # the complaint rate's denominator


def _repeats(completions: list[_Completion], tally: _Tally) -> None:
    """A completion is a repeat repair if the order reopened, or the product came back, within N days."""
    products = {c.order.product_id for c in completions if c.order.product_id}
    later = list(
        WorkOrder.objects.filter(product_id__in=products)
        .exclude(status="cancelled")
        .values_list("pk", "product_id", "created_at")
    )
    for c in completions:
        days = timedelta(days=tally.policy(c.order).repeat_repair_days)
        back = any(
            pid == c.order.product_id and pk != c.order.pk and c.at < at <= c.at + days
            for pk, pid, at in later
        )
        reopened = c.reopened_at is not None and c.reopened_at <= c.at + days
        tally.add("repeat", c.order.pk, back or reopened, outlet=c.outlet, tech=c.tech)


def _promises(scope: Any, tally: _Tally, since: datetime, until: datetime) -> None:
    """Deadlines (promises of the standard) due in the period: met in time, or not (R-IN-4, R-IN-8 …)."""
    now = clock.now()
    rows = (
        Deadline.objects.filter(order__in=scope.values("pk"), due_at__gte=since, due_at__lt=min(until, now))
        .filter(kind__in=Deadline.PROMISE_KINDS)
        .exclude(state=Deadline.State.CANCELLED)
        .values_list("order_id", "order__outlet_id", "state", "overdue_at", "met_at", "due_at")
    )
    for order_id, outlet, state, overdue_at, met_at, due_at in rows:
        ok = state == Deadline.State.MET and overdue_at is None and (met_at is None or met_at <= due_at)
        tally.add("promises", order_id, ok, outlet=outlet, tech=None)


def _language(actor: Actor, tally: _Tally, since: datetime, until: datetime) -> None:
    flags = LanguageFlag.objects.filter(
        centre_id=actor.centre_id,
        state=LanguageFlag.State.CONFIRMED,
        created_at__gte=since,
        created_at__lt=until,
    ).select_related("author__technician")
    if actor.role == Role.OUTLET_MANAGER:
        flags = flags.filter(
            Q(author__outlet_id=actor.outlet_id or 0) | Q(order__outlet_id=actor.outlet_id or 0)
        )
    for flag in flags:
        author = flag.author
        tech = getattr(author, "technician", None) if author is not None else None
        outlet = author.outlet_id if author is not None else None
        tally.add("language", flag.order_id or 0, True, outlet=outlet, tech=tech.pk if tech else None)


def _report(actor: Actor, tally: _Tally, since: datetime, until: datetime) -> KpiReport:
    outlet_ids = [k for g, k in tally.rows if g == "outlet"]
    tech_ids = [k for g, k in tally.rows if g == "technician"]
    outlet_names = dict(Outlet.objects.filter(pk__in=outlet_ids).values_list("pk", "name"))
    tech_names = dict(Technician.objects.filter(pk__in=tech_ids).values_list("pk", "staff__name"))
    if actor.role == Role.OUTLET_MANAGER:  # an outlet manager sees their own outlet's people only
        outlet_ids = [k for k in outlet_ids if k == actor.outlet_id]
        tech_ids = list(
            Technician.objects.filter(pk__in=tech_ids, staff__outlet_id=actor.outlet_id or 0).values_list(
                "pk", flat=True
            )
        )
    rules = star_rules_of(actor)
    outlets = [_named(tally.rows[("outlet", k)], outlet_names.get(k, str(k)), rules) for k in outlet_ids]
    techs = [_named(tally.rows[("technician", k)], tech_names.get(k, str(k)), rules) for k in tech_ids]
    tally.scope.stars = star_level(tally.scope, rules)
    return KpiReport(
        since, until, tally.scope, sorted(outlets, key=_order_key), sorted(techs, key=_order_key)
    )


def _named(row: KpiRow, label: str, rules: Sequence[StarRule]) -> KpiRow:
    row.label = label
    row.stars = star_level(row, rules)
    return row


def _order_key(row: KpiRow) -> tuple[int, str]:
    return (-(row.stars or 0), row.label)


# --- star levels ------------------------------------------------------------------------------------------
def star_rules_of(actor: Actor) -> tuple[StarRule, ...]:
    """The star levels of the actor's centre (R-QA-4), highest first; none without a centre."""
    if actor.staff is None:
        return ()
    return policy_for(brand=actor.staff.centre.brand_id, centre=actor.staff.centre_id).star_rules


def star_level(row: KpiRow, rules: Iterable[StarRule]) -> int:
    """The highest star level whose every threshold the row meets (R-QA-4); 0 if none."""
    for rule in sorted(rules, key=lambda r: -r.stars):
        if _meets(row, rule):
            return rule.stars
    return 0


def _meets(row: KpiRow, rule: StarRule) -> bool:
    if row.completions < rule.min_orders:
        return False
    minimums = (
        ("on_time", rule.min_on_time),
        ("first_fix", rule.min_first_fix),
        ("satisfaction", rule.min_satisfaction),
    )
    maximums = (("repeat", rule.max_repeat), ("complaints", rule.max_complaint_rate))
    for metric, floor in minimums:
        value = row.value(metric)
        if floor > 0 and (value is None or Decimal(str(value)) < floor):
            return False
    for metric, ceiling in maximums:
        value = row.value(metric)
        if value is not None and Decimal(str(value)) > ceiling:
            return False
    return row.figures["language"].ok <= rule.max_language_flags


def kpi_orders(
    *, actor: Actor, since: datetime, until: datetime, metric: str, group: str, key: int
) -> list[dict[str, Any]]:
    """The orders behind one figure (drill-down), each with whether it counted for or against it."""
    if metric not in METRICS:
        return []
    row = kpi_report(actor=actor, since=since, until=until).row(group, key)
    if row is None:
        return []
    behind = row.figures[metric].orders
    orders = orders_visible_to(actor).filter(pk__in=list(behind)).order_by("-created_at")
    return [{"order": o, "ok": behind[o.pk]} for o in orders]
