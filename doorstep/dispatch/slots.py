"""Free appointment slots from real capacity, travel included (R-DI-3, R-DI-7, R-AN-4).

A start time is offered when at least one eligible technician (skills, qualifications, equipment,
calendar, shift, leave — R-DI-2, R-PR-2) can insert the visit into their day: every appointment already
promised still starts on time, travel between places is driven at city speed, the lunch break still
fits and the technician is home by the end of the shift. The routing core times each candidate day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, NotFound
from doorstep.core.policy import Policy
from doorstep.dispatch.calendar import day_info, work_day
from doorstep.dispatch.daymodel import (
    DayModel,
    _lunch,
    midnight,
    order_location,
    technician_location,
    travel_provider,
)
from doorstep.dispatch.eligibility import Job, job_reasons, profile_of
from doorstep.dispatch.routing import Location, Problem, Technician, Visit, build_route
from doorstep.dispatch.selectors import PLANNED, UNDER_WAY, outlet_suggestions, outlet_technicians
from doorstep.network.actors import Actor
from doorstep.network.models import Brand, Outlet
from doorstep.network.models import Technician as TechnicianRow
from doorstep.network.policy import policy_for
from doorstep.orders.models import WorkOrder
from doorstep.orders.selectors import order_is_visible_to


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    technicians: tuple[int, ...]

    @property
    def capacity(self) -> int:
        return len(self.technicians)


@dataclass(frozen=True)
class Request:
    outlet: Outlet
    brand: Brand
    job: Job
    location: Location
    minutes: int
    exclude_order_id: int | None = None

    @property
    def policy(self) -> Policy:
        """The numbers of the outlet's centre for this brand (one read per use)."""
        return policy_for(brand=self.brand, centre=self.outlet.centre_id)


def free_slots(req: Request, *, start_day: date | None = None, days: int | None = None) -> list[Slot]:
    """Slots over ``days`` days from ``start_day`` (default: today), earliest first."""
    policy = req.policy
    now = clock.now()
    first = start_day or timezone.localtime(now).date()
    earliest = now + timedelta(minutes=policy.slot_lead_minutes)
    found: dict[datetime, set[int]] = {}
    techs = [t for t in outlet_technicians(req.outlet) if technician_location(t, req.outlet) is not None]
    for offset in range(days or policy.slot_days):
        day = first + timedelta(days=offset)
        for tech in techs:
            for start in technician_starts(req, tech, day, policy, earliest):
                found.setdefault(start, set()).add(tech.pk)
    length = timedelta(minutes=policy.slot_minutes)
    return [Slot(s, s + length, tuple(sorted(found[s]))) for s in sorted(found)]


def technician_starts(
    req: Request,
    tech: TechnicianRow,
    day: date,
    policy: Policy,
    earliest: datetime,
    only: list[datetime] | None = None,
) -> list[datetime]:
    """Start times on ``day`` at which ``tech`` can take the visit without breaking a promise."""
    if job_reasons(req.job, profile_of(tech, day, policy)):
        return []
    hours = work_day(tech, day, policy, day_info(day))
    if not hours.works or hours.start is None or hours.end is None:
        return []
    booked = _booked(tech, day, req.exclude_order_id)
    if len(booked) >= policy.max_visits_per_technician:
        return []
    step, span = timedelta(minutes=policy.slot_step_minutes), timedelta(minutes=req.minutes)
    grid, t = [], hours.start
    while t + span <= hours.end:
        grid.append(t)
        t += step
    candidates = [
        c for c in (grid if only is None else only) if c >= earliest and hours.start <= c <= hours.end - span
    ]
    if not candidates:
        return []
    return _feasible(req, tech, day, policy, booked, candidates, max(hours.start, earliest), hours.end)


def _booked(tech: TechnicianRow, day: date, exclude: int | None) -> list[WorkOrder]:
    start = midnight(day)
    qs = WorkOrder.objects.filter(
        technician=tech,
        status__in=(*PLANNED, *UNDER_WAY),
        window_start__gte=start,
        window_start__lt=start + timedelta(days=1),
    ).select_related("address", "brand")
    return [o for o in qs.exclude(pk=exclude or 0) if order_location(o) is not None]


def _feasible(
    req: Request,
    tech: TechnicianRow,
    day: date,
    policy: Policy,
    booked: list[WorkOrder],
    candidates: list[datetime],
    shift_start: datetime,
    shift_end: datetime,
) -> list[datetime]:
    """One routing problem per technician-day: the booked visits plus one visit per candidate start."""
    home = technician_location(tech, req.outlet)
    assert home is not None
    model = DayModel(req.outlet, day, Problem([], [], travel_provider(req.policy)), {}, {}, {}, set())
    lo, hi = model.secs(shift_start), model.secs(shift_end)
    fixed = [o for o in booked if o.window_start is not None and o.window_start >= shift_start]
    visits = [_promise(model, o, policy) for o in sorted(fixed, key=lambda o: o.window_start)]  # type: ignore[arg-type, return-value]
    visits += [
        Visit(f"c{k}", req.location, model.secs(c), model.secs(c), req.minutes * 60)
        for k, c in enumerate(candidates)
    ]
    problem = Problem(
        [Technician(str(tech.pk), home, lo, hi, lunch=_lunch(model, policy, lo, hi))],
        visits,
        model.problem.travel,
        early_margin=policy.early_arrival_minutes * 60,
    )
    base = list(range(len(fixed)))
    if build_route(problem, 0, base) is None:
        return []  # the day is already over-full: nothing more is offered (R-AN-4)
    out = []
    for k, c in enumerate(candidates):
        i = len(fixed) + k
        pos = sum(1 for j in base if problem.visits[j].window_start <= problem.visits[i].window_start)
        if build_route(problem, 0, [*base[:pos], i, *base[pos:]]) is not None:
            out.append(c)
    return out


def _promise(model: DayModel, order: WorkOrder, policy: Policy) -> Visit:
    where = order_location(order)
    assert where is not None and order.window_start is not None
    ws = model.secs(order.window_start)
    return Visit(str(order.pk), where, ws, ws, policy.service_minutes(order.service_type) * 60)


def request_for_order(order: WorkOrder, outlet: Outlet | None = None) -> Request | None:
    from doorstep.dispatch.eligibility import job_of

    outlet = outlet or order.outlet or _best_outlet(order)
    where = order_location(order)
    if outlet is None or where is None:
        return None
    job = job_of(order)
    job = Job(outlet.pk, job.line_id, job.service_type, job.qualifications, job.equipment)
    minutes = policy_for(brand=order.brand_id, centre=outlet.centre_id).service_minutes(order.service_type)
    return Request(outlet, order.brand, job, where, minutes, exclude_order_id=order.pk)


def _best_outlet(order: WorkOrder) -> Outlet | None:
    ranked = outlet_suggestions(order)
    return ranked[0][0] if ranked and ranked[0][1]["covers"] and not ranked[0][1]["declined"] else None


def order_slots(*, order: WorkOrder, actor: Actor, days: int | None = None) -> list[Slot]:
    """Slots for an existing order (the agent's page, the customer's self-service page)."""
    if not order_is_visible_to(order, actor):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    req = request_for_order(order)
    return free_slots(req, days=days) if req is not None else []


def slots_for_address(
    *,
    brand: Brand,
    outlet: Outlet,
    line_id: int | None,
    service_type: str,
    lat: float,
    lng: float,
    days: int | None = None,
) -> list[Slot]:
    """Slots before an order exists (intake, self-booking), for the outlet routing chose (R-DI-1)."""
    reqs = [r for r in brand.job_requirements.all() if r.applies(line_id, service_type)]
    job = Job(
        outlet.pk,
        line_id,
        service_type,
        frozenset(r.qualification for r in reqs if r.qualification),
        frozenset(r.equipment for r in reqs if r.equipment),
    )
    minutes = policy_for(brand=brand, centre=outlet.centre_id).service_minutes(service_type)
    return free_slots(Request(outlet, brand, job, Location.from_latlng(lat, lng), minutes), days=days)


def technicians_free_at(order: WorkOrder, start: datetime, exclude: int | None = None) -> list[TechnicianRow]:
    """Eligible technicians of the order's outlet who can take it at ``start`` (R-AN-4, R-DI-9)."""
    req = request_for_order(order)
    if req is None:
        return []
    policy = req.policy
    day = timezone.localtime(start).date()
    return [
        t
        for t in outlet_technicians(req.outlet)
        if t.pk != exclude
        and technician_location(t, req.outlet) is not None
        and technician_starts(req, t, day, policy, min(start, clock.now()), only=[start])
    ]
