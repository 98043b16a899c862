"""The appointment time (R-DI-3) and the clocks that count from it (R-DI-7, R-AR-5, R-DI-9).

The customer books a window; beforehand the technician confirms a time inside it with the customer —
by default the planned arrival — and the customer is told it (a customer-visible event on the order's
record, shown on the tracking page). From then on every rule that counts from "the appointment" counts
from that time (``core.punctuality.appointment_of``); until then from the start of the window.

Confirming (or re-confirming) the time re-opens the visit's clocks: departure (R-DI-7, owner the
technician), arrival (R-AR-5), the day's risk checks before the appointment and at the start of the
late-call window (R-DI-9, R-AR-5: the technician's app prompts the call then when the ETA is past it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.daymodel import order_location, technician_location
from doorstep.dispatch.models import PlannedVisit
from doorstep.dispatch.services import late_calls_close, risk_check_open
from doorstep.dispatch.techday import departure_for, technician_day, travel_seconds
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.network.roles import DESK, FIELD, OUTLET, Role
from doorstep.orders.deadlines import deadline_open, deadlines_cancel
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.selectors import order_is_visible_to
from doorstep.orders.services import order_lock

VISIT_CLOCKS = (Deadline.Kind.DEPARTURE, Deadline.Kind.ARRIVAL)
# before the technician leaves: the time is agreed beforehand (R-DI-3), never on the way to dodge lateness
CONFIRMABLE = (Status.ASSIGNED, Status.CONFIRMED)


def planned_arrival(order: WorkOrder) -> datetime | None:
    """The day plan's arrival for this visit when it lies in the booked window (the default to confirm)."""
    if order.technician_id is None or order.window_start is None:
        return None
    plan = PlannedVisit.objects.filter(order=order, technician_id=order.technician_id).first()
    if plan is None:
        return None
    arrive = plan.arrive_at
    if arrive < order.window_start or (order.window_end is not None and arrive > order.window_end):
        return None
    return arrive


def appointment_time_default(order: WorkOrder) -> datetime | None:
    """R-DI-3: what the technician proposes to the customer — the planned arrival, else the window start."""
    return planned_arrival(order) or order.window_start


def _check_actor(order: WorkOrder, actor: Actor) -> None:
    if not order_is_visible_to(order, actor):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    if actor.role not in (FIELD | OUTLET | DESK):
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=_("确认上门时间"))
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        raise Forbidden(ErrorCode.NOT_YOUR_VISIT)


def _check_time(order: WorkOrder, at: datetime) -> None:
    start, end = order.window_start, order.window_end
    if start is None:
        raise Invalid(ErrorCode.WINDOW_REQUIRED, field="appointment_at")
    current = appointment_of(order)
    if current is not None and clock.now() > current:
        raise DomainError(ErrorCode.APPOINTMENT_PASSED, field="appointment_at")
    if at < clock.now():
        raise Invalid(ErrorCode.WINDOW_IN_PAST, field="appointment_at")
    if at < start or (end is not None and at > end):
        raise Invalid(
            ErrorCode.APPOINTMENT_OUTSIDE_WINDOW,
            field="appointment_at",
            start=clock.local(start).strftime("%H:%M"),
            end=clock.local(end).strftime("%H:%M") if end else "",
        )


def appointment_time_confirm(
    *, order: WorkOrder, actor: Actor, at: datetime | None = None, note: str = ""
) -> WorkOrder:
    """R-DI-3: record the time confirmed with the customer (default: the planned arrival) and tell them.

    Refused before a technician is assigned, once the technician has left, after the current appointment
    has passed (that is a reschedule, R-DI-8), in the past, or outside the booked window (both ends
    inclusive). Nothing is written on a refusal.
    """
    _check_actor(order, actor)
    if order.status not in CONFIRMABLE or order.technician_id is None:
        raise DomainError(ErrorCode.STEP_NOT_NOW, current=Status(order.status).label)
    chosen = at or appointment_time_default(order)
    if chosen is None:
        raise Invalid(ErrorCode.WINDOW_REQUIRED, field="appointment_at")
    _check_time(order, chosen)
    with transaction.atomic():
        order_lock(order)
        WorkOrder.objects.filter(pk=order.pk).update(
            appointment_at=chosen, version=F("version") + 1, updated_at=clock.now()
        )
        order.refresh_from_db()
        EventKind.APPOINTMENT_TIME_CONFIRMED.record(
            order=order,
            actor=actor,
            rule="R-DI-3",
            customer_visible=True,  # the customer is told the time (tracking page, 一票到底)
            data={
                "appointment_at": clock.local(chosen).isoformat(),
                "window": [
                    order.window_start.isoformat() if order.window_start else "",
                    _iso(order.window_end),
                ],
                "planned_arrival": at is None and planned_arrival(order) is not None,
                "note": note.strip()[:200],
            },
        )
        late_calls_close(order=order)  # a late call counted from the old time no longer applies
        if order.status == Status.CONFIRMED:
            visit_clocks_open(order)
            risk_checks_open(order)
    return order


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def departure_due(order: WorkOrder, appointment: datetime) -> datetime:
    """R-DI-7: this visit's departure in the technician's day (``dispatch.techday``: from the previous stop,
    no earlier than its end), as the technician's pages and the board show it; else appointment − travel
    from the technician's start − margin."""
    tech = order.technician
    assert tech is not None
    for stop in technician_day(tech, clock.local(appointment).date()):
        if stop.order.pk == order.pk and stop.start == appointment and stop.depart_at is not None:
            return stop.depart_at
    start = technician_location(tech, tech.staff.outlet) if tech.staff.outlet else None
    travel = travel_seconds(order, start, order_location(order))
    return departure_for(appointment, travel, policy_of(order).early_arrival_minutes)


def visit_clocks_open(order: WorkOrder) -> None:
    """The technician owns two live deadlines: leave by the departure time (R-DI-7), arrive by the
    appointment (R-AR-5). A re-confirmed or re-assigned visit starts anew."""
    deadlines_cancel(order=order, kinds=VISIT_CLOCKS)
    appointment = appointment_of(order)
    if appointment is None or order.technician is None:
        return
    owner = order.technician.staff
    departure = departure_due(order, appointment)
    deadline_open(order=order, kind=Deadline.Kind.DEPARTURE, due_at=departure, owner=owner, rule="R-DI-7")
    deadline_open(order=order, kind=Deadline.Kind.ARRIVAL, due_at=appointment, owner=owner, rule="R-AR-5")


def risk_checks_open(order: WorkOrder) -> None:
    """The technician's day is re-checked before the appointment (R-DI-9) and when the late-call window
    opens (R-AR-5): an ETA past the appointment then prompts the call and is logged on the record."""
    appointment = appointment_of(order)
    if appointment is None or order.technician_id is None:
        return
    policy, now = policy_of(order), clock.now()
    for minutes in (policy.risk_check_minutes, policy.late_call_before_minutes):
        risk_check_open(order=order, due_at=max(now, appointment - timedelta(minutes=minutes)))
