"""During the day: re-computed arrival times, appointments at risk, the call-before-late deadline.

An overrunning service or a late departure pushes every later visit of the technician. The ETA chain
starts from where the technician is now (in service, on the way, or free) and drives on at city speed;
a visit whose earliest arrival is after its appointment is *at risk* before it fails (R-DI-9): the
technician must call the customer 1–2 minutes before the appointment (R-AR-5, a :class:`LateCall`
deadline), and the record gets a proposal — re-plan, or another technician who is free (R-DI-9).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.core.policy import Policy
from doorstep.core.punctuality import Lateness, appointment_of, assess_with
from doorstep.dispatch.daymodel import order_location, travel_provider
from doorstep.dispatch.routing import Location
from doorstep.dispatch.selectors import PLANNED
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder

OK, TIGHT, LATE = "ok", "tight", "late"
ACTIVE = (*PLANNED, Status.EN_ROUTE, Status.ARRIVED, Status.IN_SERVICE)  # visits an ETA is computed for


@dataclass(frozen=True)
class Eta:
    order: WorkOrder
    eta: datetime
    start: datetime
    state: (
        str  # ok | tight (on time, but not the early margin of R-DI-7) | late (after the appointment, R-AR-5)
    )
    late_minutes: int = 0  # begun minutes after the appointment (core.punctuality)


def eta_chain(
    orders: list[WorkOrder],
    start: Location | None,
    now: datetime,
    policy_for_order: Callable[[WorkOrder], Policy],
    moves: dict[tuple[int, str], datetime],
    departures: dict[int, datetime] | None = None,
) -> list[Eta]:
    """ETAs of the remaining visits of a day's route (``orders`` in route order, from ``dispatch.techday``),
    driving on from where the technician is now; ``moves`` holds the last depart/arrive/start-service time
    of each visit under way, by (order pk, event kind). A visit not yet left for is reached from its planned
    departure (R-DI-7, ``departures`` by order pk) or, when that has passed, from now — never before it."""
    departures = departures or {}
    here, free, out = start, now, []
    for order in orders:
        policy = policy_for_order(order)
        where, service = order_location(order), timedelta(minutes=policy.service_minutes(order.service_type))
        if order.status not in ACTIVE:  # done, nobody home, taken back: only the place counts
            here = where or here
            continue
        if order.status in (Status.IN_SERVICE, Status.ARRIVED):
            began = moves.get((order.pk, EventKind.START_SERVICE)) or moves.get((order.pk, EventKind.ARRIVE))
            free, here = max(now, (began or now) + service), where or here  # an overrun frees them no earlier
            continue
        travel = _travel(travel_provider(policy), here, where)
        if order.status == Status.EN_ROUTE:
            eta = max(now, (moves.get((order.pk, EventKind.DEPART)) or now) + travel)
        else:
            eta = max(free, now, departures.get(order.pk, now)) + travel
        appointment = appointment_of(order)
        if appointment is None:
            continue
        begin = max(eta, appointment)
        judged = assess_with(policy, appointment, eta)  # R-AR-5 late / R-DI-7 early enough
        state = LATE if judged.lateness is not Lateness.ON_TIME else (OK if judged.early_enough else TIGHT)
        out.append(Eta(order, eta, begin, state, judged.late_minutes))
        free, here = begin + service, where or here
    return out


def _travel(provider: object, a: Location | None, b: Location | None) -> timedelta:
    if a is None or b is None:
        return timedelta(0)
    seconds = int(provider.matrix([a, b]).durations[0, 1])  # type: ignore[attr-defined]
    return timedelta(seconds=seconds)


def at_risk(etas: list[Eta]) -> list[Eta]:
    return [e for e in etas if e.state == LATE]
