"""A technician's day: the one plan the technician's today page, the departures page and the dispatcher's
board read (walk findings 12 and 13) — the same visits, in the same route order, with the same times.

- **The day's visits.** The technician's orders (never cancelled ones) whose appointment (R-DI-3,
  ``appointment_of``: the confirmed time, else the window's start) falls on that local day; the visits an
  applied plan placed there at a proposed time (no appointment yet, R-DI-3); and, on today, the visit still
  under way (on the way, arrived, in service) whatever day it was booked for — the technician is at it now.
  A visit completed earlier today stays on today; one completed last week does not (the unpaid ones are
  under ``unpaid_before``).
- **Route order.** By start time (the appointment, else the plan's proposed time), then the plan's sequence.
- **Travel.** The dispatch travel model (``travel_provider``: the policy's road factor and city speed) from
  the previous stop, the first from the technician's home, else the outlet.
- **Departure (R-DI-7).** start − travel − early margin (the routing core's ``departure_time``), never
  before the technician is free from the previous visit (its start + service time): departures follow the
  route, and the arrival is then later than the margin (``arrive_at``).
- **ETA (R-DI-9, R-AR-5).** Today only: ``dispatch.risk``'s chain from where the technician is now.

The reads cost a fixed number of queries whatever the number of visits and technicians: the orders, the
plan rows with them, the under-way moves and each brand and centre's policy once. The pages read at most
``DAY_STOPS_SHOWN`` visits per technician and booked day (``limit``): a day of 45–120-minute services
holds a dozen, and a backlog wrongly booked onto one day must not make every page that shows the day read
and draw thousands; the list then says how many more there are (``DayStops.hidden``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone

from doorstep.core import clock
from doorstep.core.policy import Policy
from doorstep.core.punctuality import appointment_of, late_call_window
from doorstep.dispatch.daymodel import midnight, order_location, technician_location, travel_provider
from doorstep.dispatch.models import PlannedVisit
from doorstep.dispatch.risk import Eta, eta_chain
from doorstep.dispatch.routing import Location, departure_time
from doorstep.dispatch.selectors import PLANNED
from doorstep.network.actors import Actor
from doorstep.network.models import Technician
from doorstep.network.policy import policy_of
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.orders.selectors import orders_visible_to

NOW_UNDER_WAY = (Status.EN_ROUTE, Status.ARRIVED, Status.IN_SERVICE)  # on today whatever their booked day
DONE = (
    Status.NOBODY_HOME,
    Status.TAKEN_BACK,
    Status.COMPLETED,
    Status.PAID,
    Status.CALLBACK_DONE,
    Status.CLOSED,
)
UPCOMING_DAYS = 14  # how far ahead the technician's "next days" list reaches
DAY_STOPS_SHOWN = 40  # at most this many visits per technician and booked day on a page (``limit``)
_MOVES = (EventKind.DEPART, EventKind.ARRIVE, EventKind.START_SERVICE)


@dataclass
class DayStop:
    order: WorkOrder
    sequence: int  # the place in the route, from 1
    start: datetime | None  # the appointment (R-DI-3), else the applied plan's proposed time
    proposed: bool  # the start is a plan's proposal, to confirm with the customer (R-DI-3)
    travel_minutes: int | None  # from the previous stop (None: a place without coordinates)
    depart_at: datetime | None  # R-DI-7, following the route
    arrive_at: datetime | None  # depart + travel: the early margin before the start, unless the route is late
    early_minutes: int  # R-DI-7: the policy's early margin for this visit
    remind_at: datetime | None = None  # R-DI-7: the departure reminder (the policy's minutes before it)
    call_window: tuple[datetime, datetime] | None = None  # R-AR-5: when a call before being late is due
    plan: PlannedVisit | None = None
    eta: Eta | None = None  # today's re-computed arrival (R-DI-9)

    @property
    def appointment(self) -> datetime | None:
        return None if self.proposed else self.start

    @property
    def before_departure(self) -> bool:
        return self.order.status in PLANNED

    @property
    def done(self) -> bool:
        return self.order.status in DONE


class Shown[T](list[T]):
    """What a page lists, in order; ``hidden``: how many more there are past the page's limit."""

    hidden: int = 0


DayStops = Shown[DayStop]  # a technician's stops on a day, in route order


@dataclass
class DayOff:
    """A later day of the technician's, for the "next days" list."""

    day: date
    stops: list[DayStop]


def departure_for(appointment: datetime, travel_s: int, early_margin_min: int) -> datetime:
    """R-DI-7: departure = appointment − travel − early margin (the routing core's rule, in datetimes)."""
    ref = appointment.replace(hour=0, minute=0, second=0, microsecond=0)
    secs = int((appointment - ref).total_seconds())
    return ref + timedelta(seconds=departure_time(secs, travel_s, early_margin_min * 60))


def travel_seconds(
    order: WorkOrder, a: Location | None, b: Location | None, policy: Policy | None = None
) -> int:
    """Driving seconds from ``a`` to ``b`` by the order's policy (0 when either place is unknown)."""
    if a is None or b is None:
        return 0
    return int(travel_provider(policy or policy_of(order)).matrix([a, b]).durations[0, 1])


def _start_of(order: WorkOrder, plan: PlannedVisit | None) -> tuple[datetime | None, bool]:
    appointment = appointment_of(order)
    if appointment is not None:
        return appointment, False
    if plan is not None and plan.proposed:
        return plan.start_at, True
    return None, False


DAY_RELATED = ("address", "brand", "customer", "product__model", "outlet")  # what the technician's pages show


def _orders(
    actor: Actor | None, techs: list[Technician], related: tuple[str, ...] = DAY_RELATED
) -> QuerySet[WorkOrder]:
    """The technicians' orders with what their pages show. The technician (and the owner, which no day page
    shows) is not joined per row: each row would carry its own copy of the same few (``_with_technician``)."""
    base = orders_visible_to(actor) if actor is not None else WorkOrder.objects.all()
    return (
        base.filter(technician__in=techs)
        .exclude(status=Status.CANCELLED)
        .select_related(None)
        .select_related(*related)
    )


def _with_technician(orders: list[WorkOrder], techs: dict[int, Technician]) -> list[WorkOrder]:
    for order in orders:
        if order.technician_id in techs:
            order.technician = techs[order.technician_id]
    return orders


def plan_days(
    techs: Iterable[Technician],
    first: date,
    days: int = 1,
    *,
    actor: Actor | None = None,
    now: datetime | None = None,
    faults: bool = False,
    limit: int | None = None,
    related: tuple[str, ...] = DAY_RELATED,
) -> dict[tuple[int, date], DayStops]:
    """Each technician's stops on each of ``days`` days from ``first``, in route order (keyed by the
    technician's pk and the day; a day without visits is an empty list). Scoped to what ``actor`` may see.
    ``limit``: at most that many visits per technician and booked day (visits under way first, then by the
    booked window), the rest counted in ``DayStops.hidden``. ``related``: the rows read with each order (the
    board draws the address only)."""
    techs = list(techs)
    now = now or clock.now()
    today = clock.local(now).date()
    lo, hi = midnight(first), midnight(first + timedelta(days=days))
    # the appointment lies in the booked window (``appointment_of``): a window that starts at most a day
    # earlier, read on the (technician, window_start) index; the day is then the appointment's local day
    booked = Q(window_start__gte=lo - timedelta(days=1), window_start__lt=hi) & (
        Q(window_start__gte=lo) | Q(window_end__gte=lo) | Q(window_end__isnull=True)
    )  # a window of the day before that ends before this day holds no appointment of it: not read at all
    placed = Q(
        window_start__isnull=True, planned__proposed=True, planned__start_at__gte=lo, planned__start_at__lt=hi
    )
    wanted = booked | placed
    if first <= today < first + timedelta(days=days):
        wanted |= Q(status__in=NOW_UNDER_WAY)
    qs = _orders(actor, techs, related).filter(wanted).select_related("planned")  # an applied plan's row
    past: dict[tuple[int, date], int] = {}
    if limit is not None:  # one query whether or not a day is cut: the same queries for any size
        qs, past = _bounded(qs, limit)
    by_pk = {t.pk: t for t in techs}
    orders = _with_technician(list(qs.prefetch_related("faults") if faults else qs), by_pk)
    plans = {o.pk: plan for o in orders if (plan := getattr(o, "planned", None)) is not None}
    out: dict[tuple[int, date], DayStops] = {
        (t.pk, first + timedelta(days=k)): DayStops() for t in techs for k in range(days)
    }
    cut: dict[tuple[int, date], int] = defaultdict(int)
    grouped: dict[tuple[int, date], list[tuple[WorkOrder, datetime | None, bool]]] = defaultdict(list)
    has_today = first <= today < first + timedelta(days=days)
    for order in orders:
        start, proposed = _start_of(order, plans.get(order.pk))
        day = clock.local(start).date() if start is not None else None
        if order.status in NOW_UNDER_WAY and has_today:
            day = today  # the visit the technician is at now, whatever day it was booked for
        key = (order.technician_id or 0, day)
        if day is None or key not in out:
            continue
        grouped[(key[0], day)].append((order, start, proposed))
    for (tech_pk, on), n in past.items():
        if (tech_pk, on) in out:
            cut[(tech_pk, on)] += n
    policies: dict[tuple[int, int], Policy] = {}
    for key, rows in grouped.items():
        rows.sort(key=lambda r: _route_key(r[0], r[1], plans.get(r[0].pk)))
        out[key] = DayStops(_chain(by_pk[key[0]], rows, plans, policies))
        out[key].hidden = cut[key]
    if has_today:
        _with_etas([(by_pk[t], out[(t, today)]) for t in by_pk], now, policies)
    return out


def _local_day() -> TruncDate:
    return TruncDate("window_start", tzinfo=timezone.get_current_timezone())


def _bounded(qs: QuerySet[WorkOrder], limit: int) -> tuple[QuerySet[WorkOrder], dict[tuple[int, date], int]]:
    """At most ``limit`` orders per technician and booked local day, and how many each day over the limit
    has past it. One query ranks and counts the narrow rows (technician, window, status, id) of the days;
    then only the orders kept are read whole. The count is a window over the same rows (a count query of its
    own read them all a second time)."""
    now_first = Case(
        When(status__in=NOW_UNDER_WAY, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    day: list[BaseExpression | F] = [F("technician_id"), _local_day()]
    order: list[BaseExpression | F] = [now_first, F("window_start").asc(), F("pk")]
    kept = (
        qs.order_by()
        .annotate(
            day_rank=Window(RowNumber(), partition_by=day, order_by=order),
            day_total=Window(Count("pk"), partition_by=day),
            local_day=_local_day(),
        )
        .filter(day_rank__lte=limit)
        .values_list("pk", "technician_id", "local_day", "day_total")
    )
    ids, past = [], {}
    for pk, tech, on, total in kept:
        ids.append(pk)
        if total > limit:
            past[(tech, on)] = total - limit
    # the ids first (a query of their own): as a subquery, the planner joined every related row of the
    # whole day before keeping the page's
    return qs.filter(pk__in=ids), past


def _route_key(order: WorkOrder, start: datetime | None, plan: PlannedVisit | None) -> tuple[float, int, int]:
    return (start.timestamp() if start else float("inf"), plan.sequence if plan else 0, order.pk)


def _policy(order: WorkOrder, policies: dict[tuple[int, int], Policy]) -> Policy:
    key = (order.brand_id, order.centre_id)
    if key not in policies:
        policies[key] = policy_of(order)
    return policies[key]


def _home(tech: Technician) -> Location | None:
    """Where the technician's day starts: home, else the outlet (read only when there is no home)."""
    if tech.home_lat is not None and tech.home_lng is not None:
        return Location.from_latlng(tech.home_lat, tech.home_lng)
    outlet = tech.staff.outlet
    return technician_location(tech, outlet) if outlet is not None else None


def _chain(
    tech: Technician,
    rows: list[tuple[WorkOrder, datetime | None, bool]],
    plans: dict[int, PlannedVisit],
    policies: dict[tuple[int, int], Policy],
) -> list[DayStop]:
    """R-DI-7 along the route: each departure from the previous stop, no earlier than its end."""
    here, free = _home(tech), None
    stops = []
    for n, (order, start, proposed) in enumerate(rows, start=1):
        policy = _policy(order, policies)
        where = order_location(order)
        travel = travel_seconds(order, here, where, policy) if here and where else None
        depart = arrive = None
        if start is not None:
            depart = departure_for(start, travel or 0, policy.early_arrival_minutes)
            if free is not None and depart < free:
                depart = free  # still at the previous visit: leave when it ends (routing.plan_times)
            arrive = depart + timedelta(seconds=travel or 0)
        stops.append(
            DayStop(
                order,
                n,
                start,
                proposed,
                None if travel is None else -(-travel // 60),
                depart,
                arrive,
                policy.early_arrival_minutes,
                depart - timedelta(minutes=policy.departure_reminder_minutes) if depart else None,
                _call_window(policy, start) if start is not None and not proposed else None,
                plans.get(order.pk),
            )
        )
        here = where or here
        begins = max(start, arrive) if start is not None and arrive is not None else start
        service = timedelta(minutes=policy.service_minutes(order.service_type))
        free = None if order.status in DONE or begins is None else begins + service
    return stops


def _call_window(policy: Policy, appointment: datetime) -> tuple[datetime, datetime]:
    return late_call_window(
        appointment,
        earliest_minutes=policy.late_call_before_minutes,
        latest_minutes=policy.late_call_latest_minutes,
    )


def _with_etas(
    days: list[tuple[Technician, list[DayStop]]], now: datetime, policies: dict[tuple[int, int], Policy]
) -> None:
    """Today's ETAs (R-DI-9) along each technician's route, from where they are now."""
    moving = [s.order.pk for _, stops in days for s in stops if s.order.status in NOW_UNDER_WAY]
    moves: dict[tuple[int, str], datetime] = {}
    if moving:
        events = OrderEvent.objects.filter(order_id__in=moving, kind__in=_MOVES).order_by("seq")
        for order_id, kind, at in events.values_list("order_id", "kind", "at"):
            moves[(order_id, kind)] = at  # the last of each kind wins
    for tech, stops in days:
        etas = eta_chain(
            [s.order for s in stops if s.start is not None and not s.proposed],
            _home(tech),
            now,
            lambda o: _policy(o, policies),
            moves,
            {s.order.pk: s.depart_at for s in stops if s.depart_at is not None},
        )
        by_pk = {e.order.pk: e for e in etas}
        for stop in stops:
            stop.eta = by_pk.get(stop.order.pk)


def technician_day(
    tech: Technician,
    day: date | None = None,
    *,
    actor: Actor | None = None,
    now: datetime | None = None,
    faults: bool = False,
    limit: int | None = None,
) -> DayStops:
    """One technician's stops on ``day`` (default today) in route order (``limit``: see ``plan_days``)."""
    now = now or clock.now()
    day = day or clock.local(now).date()
    return plan_days([tech], day, actor=actor, now=now, faults=faults, limit=limit)[(tech.pk, day)]


def technician_etas(tech: Technician, now: datetime | None = None) -> list[Eta]:
    """ETAs of the technician's remaining visits today, from where they are now (R-DI-9)."""
    return [s.eta for s in technician_day(tech, now=now) if s.eta is not None]


def upcoming(
    tech: Technician, *, actor: Actor | None = None, now: datetime | None = None, days: int = UPCOMING_DAYS
) -> list[DayOff]:
    """The technician's next days with visits (after today), each in route order."""
    now = now or clock.now()
    first = clock.local(now).date() + timedelta(days=1)
    plan = plan_days([tech], first, days, actor=actor, now=now, limit=DAY_STOPS_SHOWN)
    return [
        DayOff(day, plan[(tech.pk, day)])
        for day in (first + timedelta(days=k) for k in range(days))
        if plan[(tech.pk, day)]
    ]


def unscheduled(tech: Technician, *, actor: Actor | None = None) -> list[WorkOrder]:
    """Assigned visits with no time yet: the technician calls the customer to agree one (R-DI-3)."""
    return list(
        _orders(actor, [tech])
        .filter(status__in=PLANNED, window_start__isnull=True)
        .exclude(planned__proposed=True)
        .order_by("created_at", "pk")
    )


def unpaid_before(
    tech: Technician, day: date, *, actor: Actor | None = None, limit: int | None = None
) -> Shown[WorkOrder]:
    """Visits completed before ``day`` and not yet paid (待收款): off the day, still the technician's, the
    oldest first; ``limit``: at most that many (the oldest), the rest counted in ``hidden``."""
    before = midnight(day)
    rows = (
        _orders(actor, [tech])
        .filter(status=Status.COMPLETED)
        .filter(Q(window_start__lt=before) | Q(window_start__isnull=True, created_at__lt=before))
        .order_by(Coalesce("window_start", "created_at"), "pk")
    )
    read = rows[:limit] if limit is not None else rows
    out = Shown(
        sorted(
            (o for o in read if (appointment_of(o) or o.created_at) < before),
            key=lambda o: (appointment_of(o) or o.created_at, o.pk),
        )
    )
    if limit is not None:  # counted whether or not the list was cut: the same queries for any size
        out.hidden = max(0, rows.count() - limit)
    return out


def technician_of(actor: Actor) -> Technician | None:
    """The acting technician (the staff row's, already read for the actor's role)."""
    if not actor.technician_id or actor.staff is None:
        return None
    tech: Technician = actor.staff.technician
    return tech
