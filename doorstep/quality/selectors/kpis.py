"""KPIs and star levels (R-QA-4), computed from the order's event log (一票到底) and the quality rows.

Per technician, outlet and the actor's whole scope, for a period ``[since, until)``:

- on_time: visits (``arrive``) not late by R-AR-5 (``core.punctuality``): arrived at or before the
  appointment time (the time confirmed with the customer, else the window's start), as the ARRIVE
  event judged it; an arrival inside the window but after a confirmed time is late;
- first_fix: jobs fixed at the first visit and still fixed (one service start, no take-back, not reopened,
  not still broken at the callback, no other order for the product within the repeat window);
- repeat: completions followed within N days by a reopen or another order for the same product;
- satisfaction: the customer's survey mean (R-QA-2), else the callback score (R-QA-1);
- complaints: complaints opened (R-QA-3) per completion;
- callbacks: completions called back (or answered online) within the callback window (R-QA-1);
- promises: deadlines due in the period met in time (R-IN-4, R-IN-8, R-AN-2, R-QA-1);
- language: confirmed forbidden-phrase flags (R-LG-2).

The figures are read from the facts and daily sums that the events keep (``services.kpis``): a fixed
number of queries, one row per day, metric and person for a centre's whole days. The drill-down lists
the orders behind a figure from the same facts, a keyset page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.policy import StarRule
from doorstep.core.punctuality import Lateness, appointment_of, assess_seconds
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Technician
from doorstep.network.policy import policy_for
from doorstep.network.roles import CENTRE_STAFF, Role
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder
from doorstep.orders.selectors import orders_visible_to
from doorstep.quality.kpi_days import PROMISE_OK, day_of, midnight, promises_due
from doorstep.quality.models import KpiDaily, KpiFact, KpiSettled, LanguageFlag

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
    """Sums into the scope row and the outlet / technician rows they belong to."""

    def __init__(self, scope_label: str) -> None:
        self.scope = KpiRow("scope", 0, scope_label)
        self.rows: dict[tuple[str, int], KpiRow] = {}

    def add(self, metric: str, outlet: Any, tech: Any, ok: int, total: int, score: float = 0.0) -> None:
        if not (ok or total or score):
            return
        for row in self._rows(outlet, tech):
            fig = row.figures[metric]
            fig.ok, fig.total, fig.score_sum = fig.ok + ok, fig.total + total, fig.score_sum + score

    def _rows(self, outlet: Any, tech: Any) -> Iterable[KpiRow]:
        yield self.scope
        for group, key in (("outlet", outlet), ("technician", tech)):
            if isinstance(key, int) and key:
                yield self.rows.setdefault((group, key), KpiRow(group, key, ""))


# --- entry point ------------------------------------------------------------------------------------------
def kpi_report(*, actor: Actor, since: datetime, until: datetime) -> KpiReport:
    """All KPIs of the actor's scope (centre, or an outlet manager's outlet) for ``[since, until)``.

    A centre reads the daily sums for the whole days of the period and the facts for its ragged ends
    and for the callbacks whose window closed since the last settlement; an outlet manager the same rows
    of their outlet (the daily sums are kept per outlet: what the outlet's people did, and the promises of
    the orders it has). Another scope reads its orders' facts. Promises not yet summed are read from the
    deadlines. A fixed number of queries, and rows by the day, not by the order (issue 16).
    """
    tally = _Tally(str(_scope_label(actor)))
    now = clock.now()
    centre = actor.centre_id if actor.staff is not None else None
    if centre and actor.role in CENTRE_STAFF:
        _centre_sums(centre, tally, since, until, now)
    elif centre and actor.role == Role.OUTLET_MANAGER and actor.outlet_id:
        _centre_sums(centre, tally, since, until, now, outlet=actor.outlet_id)
    else:
        scope = orders_visible_to(actor).values("pk")
        facts = KpiFact.objects.filter(order__in=scope, at__gte=since, at__lt=until).filter(_counted(now))
        _add_sums(tally, facts)
        _add_promises(tally, Deadline.objects.filter(order__in=scope), since, min(until, now))
    _language(actor, tally, since, until)
    return _report(actor, tally, since, until)


def _counted(now: datetime) -> Q:
    """Facts that count now: all but callbacks whose window is still open (R-QA-1)."""
    return Q(pending_until__isnull=True) | Q(pending_until__lt=now)


def whole_days(since: datetime, until: datetime) -> tuple[date, date]:
    """The first and the day after the last whole day of ``[since, until)`` (equal when none)."""
    first = day_of(since) if midnight(day_of(since)) == since else day_of(since) + timedelta(days=1)
    end = day_of(until)
    return first, max(first, end)


def _centre_sums(
    centre: int, tally: _Tally, since: datetime, until: datetime, now: datetime, *, outlet: int | None = None
) -> None:
    """The centre's figures, or with ``outlet`` those of one of its outlets, from the daily sums."""
    first, end = whole_days(since, until)
    own = Q(outlet_id=outlet) if outlet else Q()
    if first < end:
        daily = KpiDaily.objects.filter(own, centre_id=centre, day__gte=first, day__lt=end)
        _add_sums(tally, daily, zero_is_none=True)
    # the ragged ends (each a part of a day), and the callbacks whose window closed since the last settlement
    if first < end:
        ends = Q(at__gte=since, at__lt=midnight(first)) | Q(at__gte=midnight(end), at__lt=until)
    else:
        ends = Q(at__gte=since, at__lt=until)
    closed = Q(pending_until__isnull=False, pending_until__lt=now, at__gte=since, at__lt=until)
    facts = KpiFact.objects.filter(own, centre_id=centre)
    _add_sums(tally, facts.filter((ends & Q(pending_until__isnull=True)) | closed))
    settled = KpiSettled.objects.filter(centre_id=centre).values_list("promises_through", flat=True).first()
    deadlines = Deadline.objects.filter(order__centre_id=centre)
    if outlet:
        deadlines = deadlines.filter(order__outlet_id=outlet)
    summed_end = min(end, settled + timedelta(days=1)) if settled else first
    last = min(until, now)
    if first < summed_end:  # those days' promises are in the daily sums: the days before and after them
        _add_promises(tally, deadlines, since, min(midnight(first), last))
        _add_promises(tally, deadlines, midnight(summed_end), last)
    else:
        _add_promises(tally, deadlines, since, last)


def _add_sums(tally: _Tally, rows: Any, *, zero_is_none: bool = False) -> None:
    sums = (
        rows.values("metric", "outlet_id", "technician_id")
        .annotate(s_ok=Sum("ok"), s_total=Sum("total"), s_score=Sum("score"))
        .order_by()
    )
    for r in sums:
        tally.add(
            r["metric"], r["outlet_id"], r["technician_id"], r["s_ok"], r["s_total"], r["s_score"] or 0.0
        )


def _add_promises(tally: _Tally, deadlines: Any, since: datetime, until: datetime) -> None:
    """Deadlines (promises of the standard) due in the period: met in time, or not (R-IN-4, R-IN-8 …)."""
    if until <= since:
        return
    # counted on what the promise index holds (orders.Deadline, "deadline_promise_due_idx"), not the key
    rows = (
        promises_due(deadlines, since, until)
        .values("order__outlet_id")
        .annotate(n=Count("*"), met=Count("due_at", filter=PROMISE_OK))
        .order_by()
    )
    for r in rows:
        tally.add("promises", r["order__outlet_id"], None, r["met"], r["n"])


def _scope_label(actor: Actor) -> Any:
    if actor.role == Role.OUTLET_MANAGER and actor.staff is not None and actor.staff.outlet is not None:
        return actor.staff.outlet.name
    return actor.staff.centre.name if actor.staff is not None else _("全部")


def _language_flags(actor: Actor, since: datetime, until: datetime) -> Any:
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
    return flags


def _flag_keys(flag: LanguageFlag) -> tuple[int | None, int | None]:
    author = flag.author
    tech = getattr(author, "technician", None) if author is not None else None
    return (author.outlet_id if author is not None else None), (tech.pk if tech else None)


def _language(actor: Actor, tally: _Tally, since: datetime, until: datetime) -> None:
    """Confirmed forbidden-phrase flags (R-LG-2): few, read as they are."""
    for flag in _language_flags(actor, since, until):
        outlet, tech = _flag_keys(flag)
        tally.add("language", outlet, tech, 1, 1)


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
    *,
    actor: Actor,
    since: datetime,
    until: datetime,
    metric: str,
    group: str,
    key: int,
    after: str = "",
    size: int | None = None,
) -> list[dict[str, Any]]:
    """The orders behind one figure (drill-down), each with whether it counted for or against it.

    Each order once, at its latest fact of the period, newest first; ``size`` at a time after the cursor
    ``after`` (``drill_cursor`` of the last row): a keyset page read from the facts' index, whatever the
    number of orders behind the figure."""
    if metric not in METRICS or not _group_visible(actor, group, key):
        return []
    behind = _behind(actor, since, until, metric, group, key)
    if behind is None:
        return []
    newer = behind.filter(order_id=OuterRef("order_id")).filter(
        Q(t__gt=OuterRef("t")) | Q(t=OuterRef("t"), pk__gt=OuterRef("pk"))
    )
    rows = behind.filter(~Exists(newer)).order_by("-t", "-pk")
    position = _cursor(after)
    if position is not None:
        at, pk = position
        rows = rows.filter(Q(t__lt=at) | Q(t=at, pk__lt=pk))
    listed = rows.values_list("order_id", "t", "pk")
    page = list(listed[:size] if size else listed)
    ids = [order_id for order_id, _, _ in page]
    orders = orders_visible_to(actor).select_related(None).select_related("outlet", "technician__staff")
    shown = {o.pk: o for o in orders.filter(pk__in=ids)}
    oks = set(behind.filter(order_id__in=ids, ok__gt=0).values_list("order_id", flat=True))
    measured = _arrivals(shown, since, until) if metric == "on_time" else {}
    return [
        {"order": shown[i], "ok": i in oks, "cursor": f"{t.isoformat()}_{pk}", "arrival": measured.get(i)}
        for i, t, pk in page
        if i in shown
    ]


def _arrivals(orders: dict[int, WorkOrder], since: datetime, until: datetime) -> dict[int, dict[str, Any]]:
    """What the on-time figure measured for each order of a drill-down page (walk finding 14): the last
    arrival of the period, the appointment time it was judged against and the begun minutes late (R-AR-5,
    ``core.punctuality``) as the ARRIVE event recorded them — for an arrival recorded without them, against
    the order's appointment, as the figure itself does. One query for the page."""
    out: dict[int, dict[str, Any]] = {}
    events = OrderEvent.objects.filter(
        order_id__in=list(orders), kind=EventKind.ARRIVE, at__gte=since, at__lt=until
    ).order_by("order_id", "seq")
    for e in events.only("order_id", "at", "data"):
        d, order = e.data or {}, orders[e.order_id]
        arrived = parse_datetime(str(d.get("arrived_at") or "")) or e.at
        appointment = parse_datetime(str(d.get("appointment_at") or "")) or appointment_of(order)
        late = 0
        if d.get("lateness"):
            late = 0 if d["lateness"] == Lateness.ON_TIME else int(d.get("late_minutes") or 0)
        elif appointment is not None:  # begun minutes late do not depend on the policy's numbers
            judged = assess_seconds(
                appointment.timestamp(), arrived.timestamp(), early_margin_s=0, major_after_s=0
            )
            late = judged.late_minutes
        out[e.order_id] = {"arrived_at": arrived, "appointment_at": appointment, "late_minutes": late}
    return out


def drill_cursor(row: dict[str, Any]) -> str:
    return str(row["cursor"])


def _cursor(raw: str) -> tuple[datetime, int] | None:
    at, _, pk = raw.rpartition("_")
    parsed = parse_datetime(at) if at else None
    return (parsed, int(pk)) if parsed is not None and pk.isdigit() else None  # a foreign cursor: page one


def _group_visible(actor: Actor, group: str, key: int) -> bool:
    """An outlet manager's rows are their outlet and its people (as in ``kpi_report``)."""
    if actor.role != Role.OUTLET_MANAGER or group == "scope":
        return group in ("scope", "outlet", "technician")
    if group == "outlet":
        return key == actor.outlet_id
    return Technician.objects.filter(pk=key, staff__outlet_id=actor.outlet_id or 0).exists()


def _behind(actor: Actor, since: datetime, until: datetime, metric: str, group: str, key: int) -> Any:
    """The rows behind a figure in the actor's scope, each with its order, whether it counted for it
    (``ok``) and its time (``t``)."""
    now = clock.now()
    centre = actor.centre_id if actor.role in CENTRE_STAFF and actor.staff is not None else None
    scope = orders_visible_to(actor).values("pk")
    if metric == "promises":
        if group == "technician":
            return None  # a promise belongs to the outlet that has the order
        deadlines = (
            Deadline.objects.filter(order__centre_id=centre)
            if centre
            else Deadline.objects.filter(order__in=scope)
        )
        rows = promises_due(deadlines, since, min(until, now)).annotate(
            ok=Case(When(PROMISE_OK, then=1), default=0), t=F("due_at")
        )
        return rows.filter(order__outlet_id=key) if group == "outlet" else rows
    if metric == "language":
        flags = _language_flags(actor, since, until).filter(order__isnull=False)
        ids = [f.order_id for f in flags if group == "scope" or _flag_keys(f)[group == "technician"] == key]
        return _ok_rows(ids)
    facts = KpiFact.objects.filter(metric=metric, at__gte=since, at__lt=until, listed=True).filter(
        _counted(now)
    )
    facts = facts.filter(centre_id=centre) if centre else facts.filter(order__in=scope)
    if group == "outlet":
        facts = facts.filter(outlet_id=key)
    elif group == "technician":
        facts = facts.filter(technician_id=key)
    return facts.annotate(t=F("at"))


def _ok_rows(order_ids: list[int]) -> Any:
    """A query of ``order_id`` / ``ok`` rows for a known list of orders (the language flags' orders)."""
    return WorkOrder.objects.filter(pk__in=order_ids).annotate(
        order_id=F("pk"), ok=Value(1), t=F("created_at")
    )
