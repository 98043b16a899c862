"""The arrival time the customer is shown on the tracking page (R-DI-7's numbers, R-DI-9's chain).

Before the technician leaves, the customer sees the agreed time (R-DI-3) and, when the technician's day
plan puts the visit inside the booked window, the plan's arrival — a re-plan or a reschedule changes it.
Once the technician has left, the estimate is the departure (the move's recorded time) plus the travel
estimate the plan uses: from the previous stop of the day (the ETA chain of ``dispatch.risk``), else from
the technician's start. An estimate already past reads "now": the technician is about to arrive.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from doorstep.core import clock
from doorstep.dispatch.appointment import planned_arrival
from doorstep.dispatch.daymodel import order_location, technician_location
from doorstep.dispatch.techday import technician_etas, travel_seconds
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder

BEFORE_DEPARTURE = (Status.ASSIGNED, Status.CONFIRMED, Status.RESCHEDULED)


def departed_at(order: WorkOrder) -> datetime | None:
    """When the technician left for this visit (the last departure move; its recorded time)."""
    event = order.events.filter(kind=EventKind.DEPART).order_by("-seq").first()
    if event is None:
        return None
    raw = event.data.get("departed_at")
    return datetime.fromisoformat(raw) if raw else event.at


def arrival_eta(order: WorkOrder) -> datetime | None:
    """R-DI-7: departure + travel, for a technician on the way to this order (None otherwise)."""
    tech = order.technician
    if order.status != Status.EN_ROUTE or tech is None:
        return None
    left = departed_at(order)
    if left is None:
        return None
    now = clock.now()
    for eta in technician_etas(tech, now):  # the day's chain: from the previous stop, at city speed
        if eta.order.pk == order.pk:
            return eta.eta
    outlet = tech.staff.outlet
    start = technician_location(tech, outlet) if outlet is not None else None
    travel = timedelta(seconds=travel_seconds(order, start, order_location(order)))
    return max(now, left + travel)


def plan_arrival(order: WorkOrder) -> datetime | None:
    """Before departure: the day plan's arrival when it lies in the booked window (changes on a re-plan)."""
    if order.status not in BEFORE_DEPARTURE:
        return None
    return planned_arrival(order)
