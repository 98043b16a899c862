"""An outlet's day as a routing-core :class:`Problem` (Django → pure-Python model), and plan figures.

Times in the problem are seconds since the day's local midnight. A visit with a promised appointment
must start at the appointment time (window [start, start]: arrive by then, R-AR-5; the departure leaves
the early margin, R-DI-7); a visit without one may be placed anywhere in the shift (its time becomes a
proposal to confirm with the customer, R-DI-3). Confirmed visits are pinned to their technician.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core import clock
from doorstep.core.policy import DEFAULT, Policy
from doorstep.core.punctuality import Arrival, Lateness, appointment_of, assess_seconds
from doorstep.dispatch.calendar import day_info, lunch_window, work_day
from doorstep.dispatch.eligibility import Job, job_of, profile_of
from doorstep.dispatch.routing import HaversineTravel, Location, LunchBreak, Plan, Problem, Technician, Visit
from doorstep.dispatch.selectors import PLANNED, outlet_technicians
from doorstep.network.models import Brand, Outlet, Qualification
from doorstep.network.models import Technician as TechnicianRow
from doorstep.network.policy import policy_for
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Priority, WorkOrder

PROMISED = (Status.CONFIRMED, Status.RESCHEDULED)
_PRIORITY = {Priority.URGENT: 3, Priority.NORMAL: 1, Priority.LOW: 0}


def travel_provider(policy: Policy) -> HaversineTravel:
    """Haversine × road factor at city speed (R-DI-7), the policy's numbers (as on the technician's page)."""
    return HaversineTravel(road_factor=policy.travel_road_factor, speed_kmh=policy.travel_speed_kmh)


def outlet_policy(outlet: Outlet) -> Policy:
    """The numbers that apply to an outlet's day: its brand's, with its service centre's overrides."""
    return policy_for(brand=outlet_brand(outlet), centre=outlet.centre_id)


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)))


@dataclass
class DayModel:
    outlet: Outlet
    day: date
    problem: Problem
    orders: dict[str, WorkOrder]
    techs: dict[str, TechnicianRow]
    current: dict[str, list[str]]
    promised: set[str]
    off: list[tuple[TechnicianRow, str]] = field(default_factory=list)
    skipped: list[tuple[WorkOrder, str]] = field(default_factory=list)
    policy: Policy = DEFAULT

    @property
    def origin(self) -> datetime:
        return midnight(self.day)

    def secs(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds())

    def at(self, seconds: int) -> datetime:
        return self.origin + timedelta(seconds=int(seconds))


def outlet_brand(outlet: Outlet) -> Brand:
    brand = outlet.brands.order_by("pk").first()
    if brand is None:
        brand = outlet.centre.brand
    return brand


def technician_location(tech: TechnicianRow, outlet: Outlet) -> Location | None:
    if tech.home_lat is not None and tech.home_lng is not None:
        return Location.from_latlng(tech.home_lat, tech.home_lng)
    if outlet.lat is not None and outlet.lng is not None:
        return Location.from_latlng(outlet.lat, outlet.lng)
    return None


def order_location(order: WorkOrder) -> Location | None:
    addr = order.address
    return Location.from_latlng(addr.lat, addr.lng) if addr.lat is not None and addr.lng is not None else None


def day_candidates(outlet: Outlet, day: date, include_unscheduled: bool) -> list[WorkOrder]:
    start = midnight(day)
    qs = WorkOrder.objects.filter(outlet=outlet).select_related(
        "brand", "address", "product__model", "technician__staff"
    )
    scheduled = list(
        qs.filter(status__in=PLANNED, window_start__gte=start, window_start__lt=start + timedelta(days=1))
    )
    if not include_unscheduled:
        return scheduled
    loose = qs.filter(status__in=(Status.DISPATCHED, Status.ASSIGNED), window_start__isnull=True)
    return scheduled + list(loose.order_by("created_at"))


def build_day(
    outlet: Outlet, day: date, *, include_unscheduled: bool = True, now: datetime | None = None
) -> DayModel:
    """The outlet's technicians and visits on ``day`` as a routing problem."""
    now = now or clock.now()
    policy = outlet_policy(outlet)
    orders = day_candidates(outlet, day, include_unscheduled)
    jobs = {str(o.pk): job_of(o) for o in orders}
    model = DayModel(outlet, day, Problem([], [], travel_provider(policy)), {}, {}, {}, set(), policy=policy)
    model.problem.early_margin = policy.early_arrival_minutes * 60  # R-DI-7
    techs = _technicians(model, policy, list(jobs.values()), now)
    visits = _visits(model, orders, jobs, policy, now)
    model.problem.technicians, model.problem.visits = techs, visits
    model.problem.name = f"{outlet.code} {day.isoformat()}"
    model.current = _current(model)
    return model


def _technicians(model: DayModel, policy: Policy, jobs: list[Job], now: datetime) -> list[Technician]:
    info = day_info(model.day)
    out: list[Technician] = []
    for row in outlet_technicians(model.outlet):
        hours, where = work_day(row, model.day, policy, info), technician_location(row, model.outlet)
        profile = profile_of(row, model.day, policy)
        why = hours.why_not or ("" if where else _("无住址/网点坐标"))
        if not why and Qualification.Kind.WORK_PERMIT not in profile.qualifications:
            why = _("上岗证缺失或已过期")
        if why or hours.start is None or hours.end is None or where is None:
            model.off.append((row, why))
            continue
        if now >= hours.end:
            model.off.append((row, _("今日班次已结束")))
            continue
        start = model.secs(max(hours.start, now))
        out.append(
            Technician(
                id=str(row.pk),
                start=where,
                shift_start=start,
                shift_end=model.secs(hours.end),
                skills=profile.tokens(jobs),
                lunch=_lunch(model, policy, start, model.secs(hours.end)),
            )
        )
        model.techs[str(row.pk)] = row
    return out


def _lunch(model: DayModel, policy: Policy, start: int, end: int) -> LunchBreak | None:
    earliest, latest, length = lunch_window(model.day, policy)
    lo, hi, dur = model.secs(earliest), model.secs(latest), int(length.total_seconds())
    if start > hi or end < lo + dur or dur == 0:
        return None  # the shift starts after lunch or ends before it: no break to plan
    return LunchBreak(duration=dur, earliest_start=max(lo, start), latest_start=hi)


def _visits(
    model: DayModel,
    orders: list[WorkOrder],
    jobs: dict[str, Job],
    policy: Policy,
    now: datetime,
) -> list[Visit]:
    out: list[Visit] = []
    day_lo = model.secs(midnight(model.day) + _td(policy.service_hours_start))
    day_hi = model.secs(midnight(model.day) + _td(policy.service_hours_end))
    for order in orders:
        where = order_location(order)
        if where is None:
            model.skipped.append((order, _("地址无坐标，无法排线")))
            continue
        appointment = appointment_of(order)  # the confirmed time, else the window's start (R-DI-3)
        if appointment is not None and appointment < now:
            continue  # the appointment time has passed: handled by lateness (R-AR-5), not by planning
        vid, minutes = str(order.pk), policy.service_minutes(order.service_type)
        promised = appointment is not None
        ws = model.secs(appointment) if appointment is not None else max(day_lo, model.secs(now))
        we = ws if promised else max(ws, day_hi - minutes * 60)
        pin = str(order.technician_id) if order.status in PROMISED and order.technician_id else None
        out.append(
            Visit(
                id=vid,
                location=where,
                window_start=ws,
                window_end=we,
                service=minutes * 60,
                required_skills=jobs[vid].tokens(),
                priority=10 if promised else _PRIORITY.get(order.priority, 1),  # type: ignore[call-overload]
                pinned_to=pin,
            )
        )
        model.orders[vid] = order
        if promised:
            model.promised.add(vid)
    return out


def _td(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute)


def _current(model: DayModel) -> dict[str, list[str]]:
    """Today's board as it stands: each technician's visits by appointment time."""
    current: dict[str, list[str]] = {t: [] for t in model.techs}
    for vid, order in sorted(model.orders.items(), key=lambda kv: _board_key(kv[1])):
        tid = str(order.technician_id) if order.technician_id else None
        if tid in current:
            current[tid].append(vid)
    return current


def _board_key(order: WorkOrder) -> tuple[int, float]:
    appointment = appointment_of(order)
    return (0, appointment.timestamp()) if appointment else (1, float(order.pk))


# --- figures: km, on-time, jobs per technician (before/after) ------------------------------------------
def evaluate_current(model: DayModel) -> dict[str, object]:
    """Figures of the current assignment, timed in order of appointment (lunch not modelled here)."""
    p, m = model.problem, model.problem.matrix()
    km, on_time, jobs, late_min = 0.0, 0, {}, 0
    for tid, seq in model.current.items():
        t = p.technician_index[tid]
        here, free = p.start_point(t), p.technicians[t].shift_start
        for vid in seq:
            i = p.visit_index[vid]
            visit = p.visits[i]
            km += float(m.distances[here, i]) / 1000
            arrival = free + int(m.durations[here, i])
            start = max(arrival, visit.window_start)
            if vid in model.promised:
                judged = _judge(model, visit.window_start, arrival)
                on_time += judged.lateness is Lateness.ON_TIME
                late_min += judged.late_minutes
            here, free = i, start + visit.service
        km += float(m.distances[here, p.end_point(t)]) / 1000 if seq else 0.0
        jobs[model.techs[tid].staff.name] = len(seq)
    planned = sum(len(s) for s in model.current.values())
    return _figures(model, km, on_time, jobs, model.problem.n_visits - planned, late_min)


def evaluate_plan(model: DayModel, plan: Plan) -> dict[str, object]:
    jobs = {model.techs[t].staff.name: 0 for t in model.techs}
    on_time = 0
    for route in plan.routes:
        jobs[model.techs[route.technician_id].staff.name] = len(route.stops)
        for stop in route.stops:
            visit = model.problem.visits[model.problem.visit_index[stop.visit_id]]
            if stop.visit_id in model.promised:
                on_time += _judge(model, visit.window_start, stop.arrival).lateness is Lateness.ON_TIME
    return _figures(model, plan.distance / 1000, on_time, jobs, len(plan.unassigned), 0)


def _judge(model: DayModel, appointment: int, arrival: int) -> Arrival:
    """R-AR-5 / R-DI-7 by ``core.punctuality``: a promised visit's window is pinned at its appointment
    time (``appointment_of``: the confirmed time, else the window's start)."""
    return assess_seconds(
        appointment,
        arrival,
        early_margin_s=model.problem.early_margin,
        major_after_s=model.policy.lateness_escalation_minutes * 60,
    )


def _figures(
    model: DayModel, km: float, on_time: int, jobs: dict[str, int], unplanned: int, late_min: int
) -> dict[str, object]:
    promised = len(model.promised)
    return {
        "km": round(km, 1),
        "on_time": int(on_time),
        "promised": promised,
        "on_time_pct": round(100 * on_time / promised) if promised else 100,
        "late_minutes": int(late_min),
        "unplanned": unplanned,
        "jobs": jobs,
        "max_jobs": max(jobs.values(), default=0),
    }
