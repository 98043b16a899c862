"""During the day: re-computed arrival times, appointments at risk, the call-before-late deadline.

An overrunning service or a late departure pushes every later visit of the technician. The ETA chain
starts from where the technician is now (in service, on the way, or free) and drives on at city speed;
a visit whose earliest arrival is after its appointment is *at risk* before it fails (R-DI-9): the
technician must call the customer 1–2 minutes before the appointment (R-AR-5, a :class:`LateCall`
deadline), and the record gets a proposal — re-plan, or another technician who is free (R-DI-9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from doorstep.core import clock
from doorstep.core.punctuality import Lateness, appointment_of, assess_with
from doorstep.dispatch.daymodel import midnight, order_location, technician_location, travel_provider
from doorstep.dispatch.models import PlannedVisit
from doorstep.dispatch.routing import Location
from doorstep.dispatch.selectors import DONE_TODAY, PLANNED, UNDER_WAY
from doorstep.network.models import Technician
from doorstep.network.policy import policy_of
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder

OK, TIGHT, LATE = "ok", "tight", "late"


@dataclass(frozen=True)
class Eta:
    order: WorkOrder
    eta: datetime
    start: datetime
    state: (
        str  # ok | tight (on time, but not the early margin of R-DI-7) | late (after the appointment, R-AR-5)
    )
    late_minutes: int = 0  # begun minutes after the appointment (core.punctuality)


def _sequence(tech: Technician, now: datetime) -> list[WorkOrder]:
    start = midnight(timezone.localtime(now).date())
    qs = WorkOrder.objects.filter(
        technician=tech,
        window_start__gte=start,
        window_start__lt=start + timedelta(days=1),
        status__in=(*PLANNED, *UNDER_WAY, *DONE_TODAY),
    ).select_related("address", "brand", "outlet")
    planned = {p.order_id: p.sequence for p in PlannedVisit.objects.filter(technician=tech)}
    return sorted(qs, key=lambda o: (appointment_of(o) or o.window_start, planned.get(o.pk, 0)))


def _event_time(order: WorkOrder, kind: EventKind) -> datetime | None:
    event = order.events.filter(kind=kind).order_by("-seq").first()
    return event.at if event else None


def technician_etas(tech: Technician, now: datetime | None = None) -> list[Eta]:
    """ETAs of the technician's remaining visits today, from where they are now."""
    now = now or clock.now()
    orders = _sequence(tech, now)
    if not orders:
        return []
    policy = policy_of(orders[0])
    provider = travel_provider(policy)
    here: Location | None = technician_location(tech, orders[0].outlet) if orders[0].outlet else None
    free, out = now, []
    for order in orders:
        where, service = order_location(order), timedelta(minutes=policy.service_minutes(order.service_type))
        if order.status in DONE_TODAY or order.status == Status.NOBODY_HOME:
            here = where or here
            continue
        if order.status in (Status.IN_SERVICE, Status.ARRIVED):
            began = _event_time(order, EventKind.START_SERVICE) or _event_time(order, EventKind.ARRIVE) or now
            free, here = max(now, began + service), where or here  # an overrun frees them no earlier than now
            continue
        travel = _travel(provider, here, where)
        if order.status == Status.EN_ROUTE:
            eta = max(now, (_event_time(order, EventKind.DEPART) or now) + travel)
        else:
            eta = max(free, now) + travel
        appointment = appointment_of(order)
        assert appointment is not None
        start = max(eta, appointment)
        judged = assess_with(policy, appointment, eta)  # R-AR-5 late / R-DI-7 early enough
        state = LATE if judged.lateness is not Lateness.ON_TIME else (OK if judged.early_enough else TIGHT)
        out.append(Eta(order, eta, start, state, judged.late_minutes))
        free, here = start + service, where or here
    return out


def _travel(provider: object, a: Location | None, b: Location | None) -> timedelta:
    if a is None or b is None:
        return timedelta(0)
    seconds = int(provider.matrix([a, b]).durations[0, 1])  # type: ignore[attr-defined]
    return timedelta(seconds=seconds)


def at_risk(etas: list[Eta]) -> list[Eta]:
    return [e for e in etas if e.state == LATE]
