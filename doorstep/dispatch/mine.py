"""The technician's own day: when to leave for each visit (R-DI-7), a reminder, ETAs (R-DI-9), the call
before being late (R-AR-5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.core import clock
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.daymodel import order_location, technician_location, travel_provider
from doorstep.dispatch.models import LateCall, PlannedVisit
from doorstep.dispatch.risk import LATE, Eta, technician_etas
from doorstep.dispatch.routing import Location, departure_time
from doorstep.dispatch.services import late_call_bounds, late_call_made_in_window
from doorstep.network.actors import Actor
from doorstep.network.models import Technician
from doorstep.network.policy import policy_of
from doorstep.orders.models import Deadline, WorkOrder


@dataclass
class MyStop:
    eta: Eta
    depart_at: datetime
    travel_minutes: int
    remind: bool  # leave within the policy's reminder time (R-DI-7), or already due
    late_call: LateCall | None
    appointment: datetime | None = None  # the confirmed time, else the window's start (R-DI-3)
    call_now: bool = False  # R-AR-5: ETA past the appointment and the late-call window has opened
    call_from: datetime | None = None
    call_until: datetime | None = None
    early_minutes: int = 0  # R-DI-7: the policy's early margin for this visit


def departure_for(order_window_start: datetime, travel_s: int, early_margin_min: int) -> datetime:
    """R-DI-7: departure = appointment − travel − early margin (the routing core's rule, in datetimes)."""
    ref = order_window_start.replace(hour=0, minute=0, second=0, microsecond=0)
    secs = int((order_window_start - ref).total_seconds())
    return ref + timedelta(seconds=departure_time(secs, travel_s, early_margin_min * 60))


def my_day_stops(actor: Actor) -> list[MyStop]:
    tech = Technician.objects.filter(pk=actor.technician_id or 0).select_related("staff__outlet").first()
    if tech is None:
        return []
    now = clock.now()
    etas = technician_etas(tech, now)
    planned = {p.order_id: p for p in PlannedVisit.objects.filter(technician=tech)}
    calls = {
        c.order_id: c
        for c in LateCall.objects.select_related("deadline").filter(
            technician=tech, deadline__state__in=Deadline.LIVE
        )
    }
    here: Location | None = technician_location(tech, tech.staff.outlet) if tech.staff.outlet else None
    out = []
    for eta in etas:
        order, policy = eta.order, policy_of(eta.order)
        appointment = appointment_of(order)
        assert appointment is not None
        where = order_location(order)
        travel = travel_seconds(order, here, where)
        depart = departure_for(appointment, travel, policy.early_arrival_minutes)
        plan = planned.get(order.pk)
        if plan is not None:
            depart = plan.depart_at
        remind = order.status in ("assigned", "confirmed") and now >= depart - timedelta(
            minutes=policy.departure_reminder_minutes
        )
        bounds = late_call_bounds(order)
        call = calls.get(order.pk)
        call_now = (
            bounds is not None
            and (eta.state == LATE or call is not None)
            and bounds[0] <= now
            and not late_call_made_in_window(order)
        )
        out.append(
            MyStop(
                eta,
                depart,
                -(-travel // 60),
                remind,
                call,
                appointment,
                call_now,
                bounds[0] if bounds else None,
                bounds[1] if bounds else None,
                policy.early_arrival_minutes,
            )
        )
        here = where or here
    return out


def travel_seconds(order: WorkOrder, a: Location | None, b: Location | None) -> int:
    """Driving seconds from ``a`` to ``b`` by the order's policy (0 when either place is unknown)."""
    if a is None or b is None:
        return 0
    return int(travel_provider(policy_of(order)).matrix([a, b]).durations[0, 1])
