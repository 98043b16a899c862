"""The technician's day: visits in route order with departure times (R-DI-7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from doorstep.core import clock
from doorstep.core.policy import Policy
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.daymodel import travel_provider
from doorstep.dispatch.routing.geo import Location
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.selectors import orders_visible_to

ON_THE_WAY = [Status.EN_ROUTE, Status.ARRIVED, Status.IN_SERVICE, Status.RETURNED, Status.COMPLETED]
PLANNED = [Status.ASSIGNED, Status.CONFIRMED, Status.RESCHEDULED, Status.NOBODY_HOME]


@dataclass
class Stop:
    order: WorkOrder
    travel_minutes: int | None
    depart_at: datetime | None
    arrive_by: datetime | None


def travel_seconds(
    order: WorkOrder, origin: tuple[float, float] | None, policy: Policy | None = None
) -> int | None:
    """Haversine × road factor at city speed (the dispatch routing provider), per brand settings."""
    addr = order.address
    if origin is None or addr.lat is None or addr.lng is None:
        return None
    provider = travel_provider(policy or policy_of(order))
    points = [Location.from_latlng(*origin), Location.from_latlng(addr.lat, addr.lng)]
    return int(provider.matrix(points).durations[0, 1])


def _start_point(actor: Actor) -> tuple[float, float] | None:
    tech = getattr(actor.staff, "technician", None)
    if tech is not None and tech.home_lat is not None and tech.home_lng is not None:
        return (tech.home_lat, tech.home_lng)
    outlet = actor.staff.outlet if actor.staff else None
    if outlet is not None and outlet.lat is not None and outlet.lng is not None:
        return (outlet.lat, outlet.lng)
    return None


def day_visits(actor: Actor) -> list[WorkOrder]:
    day = clock.local(clock.now()).date()
    qs = orders_visible_to(actor).filter(
        Q(status__in=ON_THE_WAY) | Q(status__in=PLANNED, window_start__date=day) | Q(status=Status.TAKEN_BACK)
    )
    return list(qs.prefetch_related("faults").order_by("window_start", "pk"))


def day_plan(actor: Actor) -> list[Stop]:
    """Stops in route order (by appointment); departure = window start − travel − early margin (R-DI-7)."""
    stops: list[Stop] = []
    here = _start_point(actor)
    policies: dict[tuple[int, int], Policy] = {}  # read once per brand and centre, not per stop
    for order in day_visits(actor):
        key = (order.brand_id, order.centre_id)
        if key not in policies:
            policies[key] = policy_of(order)
        policy = policies[key]
        seconds = travel_seconds(order, here, policy)
        depart = arrive_by = None
        appointment = appointment_of(order)
        if appointment is not None:  # R-DI-7: arrive the early margin before the appointment
            arrive_by = appointment - timedelta(minutes=policy.early_arrival_minutes)
            depart = arrive_by - timedelta(seconds=seconds or 0)
        stops.append(Stop(order, None if seconds is None else -(-seconds // 60), depart, arrive_by))
        if order.address.lat is not None and order.address.lng is not None:
            here = (order.address.lat, order.address.lng)
    return stops
