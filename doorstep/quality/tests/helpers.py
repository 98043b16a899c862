"""Drive orders through the real lifecycle at chosen moments, so the event log is a hand-checkable history.

The visit capability's own guards (kit checklist, entry protocol, quote …) are set aside while driving:
these tests are about what the quality loop reads from the record, not about the visit's checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from conftest import World
from doorstep.core import clock
from doorstep.orders import rulebook
from doorstep.orders.models import WorkOrder
from doorstep.orders.rulebook import Rule
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import add_consent, add_signature, intake

_phones = iter(range(13900000000, 13999999999))


def streamed(response: Any) -> bytes:
    """The body of a streamed response (an export)."""
    return b"".join(response.streaming_content)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class Visit:
    """One order from intake to completion: window at ``hour``; arrival ``arrive_early`` minutes before it."""

    day: date
    hour: int = 10
    arrive_early: int = 10
    tech: str = "technician"
    manager: str = "outlet_manager"
    take_back: bool = False


# Of the other capabilities' rules, only what the record read here needs: the assigned technician and
# the customer's signature.
_KEPT_ELSEWHERE = {"technician_eligible", "signed_by_the_customer"}


@contextmanager
def quality_hooks_only() -> Iterator[None]:
    """Run the lifecycle with the order core's and this capability's rules, setting the visit's aside."""

    def keep(r: Rule) -> bool:
        return r.app in ("orders", "quality") or r.fn.__name__ in _KEPT_ELSEWHERE

    with rulebook.only(keep):
        yield


def drive(world: World, v: Visit, **intake_fields: Any) -> WorkOrder:
    """Intake at 08:00, dispatch, assign, confirm the window, depart, arrive, serve and complete."""
    with quality_hooks_only():
        return _drive(world, v, **intake_fields)


def _drive(world: World, v: Visit, **intake_fields: Any) -> WorkOrder:
    outlet = world.outlet if v.manager == "outlet_manager" else world.other_outlet
    tech = world.tech if v.tech == "technician" else world.other_tech
    fields = {"phone": str(next(_phones)), **intake_fields}
    with clock.frozen_at(at(v.day, 8)):
        order = intake(world, **fields)
    order = _move(order, world, "dispatcher", "dispatch", at(v.day, 8, 10), outlet=outlet.pk)
    order = _move(order, world, v.manager, "assign", at(v.day, 8, 20), technician=tech.pk)
    start = at(v.day, v.hour)
    order = _move(
        order, world, v.manager, "confirm_appointment", at(v.day, 8, 30),
        window_start=start, window_end=start + timedelta(hours=2),
    )  # fmt: skip
    order = _move(order, world, v.tech, "depart", start - timedelta(minutes=40))
    order = _move(order, world, v.tech, "arrive", start - timedelta(minutes=v.arrive_early))
    order = _move(order, world, v.tech, "start_service", start + timedelta(minutes=5))
    if v.take_back:
        with clock.frozen_at(start + timedelta(minutes=20)):
            add_consent(order)
        order = _move(
            order, world, v.tech, "take_back", start + timedelta(minutes=30), reason="主板需返厂检测"
        )
        order = _move(order, world, v.tech, "return_unit", start + timedelta(days=1))
    done = start + timedelta(days=1 if v.take_back else 0, minutes=60)
    with clock.frozen_at(done - timedelta(minutes=5)):
        add_signature(order)
    return _move(order, world, v.tech, "complete", done)


def _move(
    order: WorkOrder, world: World, role: str, action: str, when: datetime, reason: str = "", **params: Any
) -> WorkOrder:
    with clock.frozen_at(when):
        return order_transition(
            order=order, actor=world.actor(role), action=action, reason=reason, params=params
        )
