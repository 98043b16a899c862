"""The technician's departures page: today's stops of the one day plan (``dispatch.techday``) with the
departure reminder (R-DI-7), ETAs (R-DI-9) and the call before being late (R-AR-5); then the next days and
the visits still without a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from doorstep.core import clock
from doorstep.dispatch.models import LateCall
from doorstep.dispatch.risk import LATE, Eta
from doorstep.dispatch.services import late_calls_made
from doorstep.dispatch.techday import (
    DAY_STOPS_SHOWN,
    DayOff,
    DayStop,
    Shown,
    technician_day,
    technician_of,
    unscheduled,
    upcoming,
)
from doorstep.network.actors import Actor
from doorstep.orders.models import Deadline, WorkOrder


@dataclass
class MyStop:
    stop: DayStop
    remind: bool = False  # leave within the policy's reminder time (R-DI-7), or already due
    late_call: LateCall | None = None
    call_now: bool = False  # R-AR-5: ETA past the appointment and the late-call window has opened
    call_from: datetime | None = None
    call_until: datetime | None = None

    @property
    def order(self) -> WorkOrder:
        return self.stop.order

    @property
    def eta(self) -> Eta | None:
        return self.stop.eta

    @property
    def depart_at(self) -> datetime | None:
        return self.stop.depart_at

    @property
    def travel_minutes(self) -> int | None:
        return self.stop.travel_minutes


@dataclass
class MyDays:
    today: list[MyStop]
    later: list[DayOff] = field(default_factory=list)
    unscheduled: list[WorkOrder] = field(default_factory=list)


def my_day_stops(actor: Actor) -> Shown[MyStop]:
    tech = technician_of(actor)
    if tech is None:
        return Shown()
    now = clock.now()
    stops = technician_day(tech, actor=actor, now=now, limit=DAY_STOPS_SHOWN)
    calls = {
        c.order_id: c
        for c in LateCall.objects.select_related("deadline").filter(
            technician=tech, deadline__state__in=Deadline.LIVE
        )
    }
    out: Shown[MyStop] = Shown()
    out.hidden = stops.hidden  # the day's visits past the page's limit, said on the page
    for stop in stops:
        mine = MyStop(stop, late_call=calls.get(stop.order.pk))
        mine.remind = stop.before_departure and stop.remind_at is not None and now >= stop.remind_at
        if (
            stop.eta is not None
            and (stop.eta.state == LATE or mine.late_call is not None)
            and stop.call_window
        ):
            mine.call_from, mine.call_until = stop.call_window
            mine.call_now = stop.call_window[0] <= now
        out.append(mine)
    due = {m.order.pk: m.stop.call_window for m in out if m.call_now and m.stop.call_window}
    called = late_calls_made(due)  # R-AR-5: already called in the window — no prompt
    for mine in out:
        mine.call_now = mine.call_now and mine.order.pk not in called
    return out


def my_days(actor: Actor) -> MyDays:
    """Today's stops, the next days with visits and the visits with no time yet (walk finding 13)."""
    tech = technician_of(actor)
    if tech is None:
        return MyDays([])
    return MyDays(my_day_stops(actor), upcoming(tech, actor=actor), unscheduled(tech, actor=actor))
