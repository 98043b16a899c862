"""Dispatch test helpers: a working day a week after the pinned today, orders placed at a time and place."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from conftest import World
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import intake
from doorstep.tests import dates

VISIT_WINDOW = timedelta(minutes=90)  # one technician's appointments never overlap (R-DI-3, R-DI-9)
DAY = dates.working_day(after=7)  # a Wednesday that the holiday calendar counts as a working day
NEAR = (23.135, 113.30)  # about 3 km from the fixture technicians' home (23.13, 113.27)
FAR = (23.20, 113.40)  # about 15 km away: some 50 minutes by road at city speed


def at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return dates.at(day, hh, mm)


def placed(
    world: World,
    *,
    status: str,
    start: datetime | None = None,
    where: tuple[float, float] = NEAR,
    tech: Any = None,
    **fields: Any,
) -> WorkOrder:
    """An order at the fixture outlet in ``status`` with an appointment at ``start`` (if given)."""
    order = intake(world, lat=where[0], lng=where[1], **fields)
    updates: dict[str, Any] = {"status": status, "outlet": world.outlet}
    if status != "dispatched":
        updates["technician"] = tech or world.tech
    if start is not None:  # 90 minutes: visits an hour and a half apart do not overlap (R-DI-3)
        updates.update(window_start=start, window_end=start + VISIT_WINDOW)
    WorkOrder.objects.filter(pk=order.pk).update(**updates)
    order.refresh_from_db()
    return order
