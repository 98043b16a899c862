"""Dispatch thresholds exactly at, one unit before and one unit after the policy number (R-DI-1, R-DI-3).

The visit is placed at the technician's home so travel never hides a boundary; the unit is one visit for
counts and one second for times."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import World
from doorstep.core import clock
from doorstep.core.policy import DEFAULT
from doorstep.dispatch.calendar import day_info, work_day
from doorstep.dispatch.models import SafetyEquipment
from doorstep.dispatch.slots import free_slots, request_for_order, technician_starts
from doorstep.dispatch.tests.helpers import DAY, at, placed
from doorstep.network.models import Policy
from doorstep.network.policy import policy_of
from doorstep.orders.services import order_transition

S = timedelta(seconds=1)
HOME = (23.13, 113.27)  # the fixture technicians' home


def _tech_row(world: World, req):  # type: ignore[no-untyped-def]
    from doorstep.dispatch.selectors import outlet_technicians

    return next(t for t in outlet_technicians(req.outlet) if t.pk == world.tech.pk)


@pytest.mark.parametrize(("booked", "offered"), [(1, True), (2, False), (3, False)])
def test_a_technician_at_the_daily_visit_limit_is_offered_no_more_slots_R_DI_1(
    world: World, booked: int, offered: bool
) -> None:
    """R-DI-1: with ``max_visits_per_technician`` = 2, one booked visit leaves room; two or three do not."""
    Policy.objects.create(brand=world.brand, centre=world.centre, max_visits_per_technician=2)
    for hour in (9, 12, 15)[:booked]:
        placed(world, status="confirmed", start=at(hour), where=HOME)
    order = placed(world, status="dispatched", where=HOME)
    assert policy_of(order).max_visits_per_technician == 2
    req = request_for_order(order)
    assert req is not None
    slots = free_slots(req, start_day=DAY, days=1)
    assert any(world.tech.pk in slot.technicians for slot in slots) is offered


def test_the_first_start_offered_is_exactly_the_lead_time_from_now_R_DI_3(world: World) -> None:
    """R-DI-3: a start exactly ``slot_lead_minutes`` from now is offered; one second earlier is not."""
    order = placed(world, status="dispatched", where=HOME)
    req = request_for_order(order)
    assert req is not None
    policy = req.policy
    tech = _tech_row(world, req)
    with clock.frozen_at(at(9)):  # a working morning: the lead lands inside service hours at any date
        earliest = clock.now() + timedelta(minutes=policy.slot_lead_minutes)
        starts = technician_starts(
            req, tech, DAY, policy, earliest, only=[earliest - S, earliest, earliest + S]
        )
    assert starts == [earliest, earliest + S]


def test_the_last_start_of_the_day_leaves_exactly_the_service_time_R_DI_3(world: World) -> None:
    """R-DI-3: the last start on the grid ends exactly at the end of service hours; one second later is not
    offered."""
    order = placed(world, status="dispatched", where=HOME)
    req = request_for_order(order)
    assert req is not None
    policy = req.policy
    tech = _tech_row(world, req)
    hours = work_day(tech, DAY, policy, day_info(DAY))
    assert hours.end is not None
    last = hours.end - timedelta(minutes=req.minutes)
    far_past = clock.now() - timedelta(days=1)
    grid = technician_starts(req, tech, DAY, policy, far_past)
    assert grid and grid[-1] == last
    assert technician_starts(req, tech, DAY, policy, far_past, only=[last - S, last, last + S]) == [
        last - S,
        last,
    ]


def _months_before(day: date, months: int) -> date:
    month0 = day.year * 12 + day.month - 1 - months
    return date(month0 // 12, month0 % 12 + 1, min(day.day, 28))


@pytest.mark.parametrize(
    ("kind", "months"),
    [("helmet", DEFAULT.helmet_max_months), ("insulating_shoes", DEFAULT.shoes_test_months)],
)
@pytest.mark.parametrize(("offset", "valid"), [(-1, True), (0, True), (1, False)])
def test_safety_equipment_is_valid_through_its_last_day_R_PR_2(
    kind: str, months: int, offset: int, valid: bool
) -> None:
    """R-PR-2: a helmet ``helmet_max_months`` after issue, or shoes ``shoes_test_months`` after their test,
    are still valid on that very day and not the day after."""
    issued = _months_before(DAY, months).replace(day=1)
    equipment = SafetyEquipment(
        kind=kind, issued_on=issued, tested_on=issued if kind == "insulating_shoes" else None
    )
    last = equipment.valid_until(DEFAULT)
    assert last is not None and last.day == 1
    assert (last.year * 12 + last.month) - (issued.year * 12 + issued.month) == months
    assert equipment.is_valid(last + timedelta(days=offset), DEFAULT) is valid


def _rescheduled(world: World, *, notice: timedelta, delay: timedelta) -> dict:  # type: ignore[type-arg]
    order = placed(world, status="confirmed", start=at(14))
    new_start = at(14) + delay
    with clock.frozen_at(at(14) - notice):
        order = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="reschedule", reason="前一单超时",
            params={"window_start": new_start, "window_end": new_start + timedelta(hours=2)},
        )  # fmt: skip
    return order.events.get(kind="reschedule").data


@pytest.mark.parametrize(("offset", "breach"), [(S, False), (timedelta(0), False), (-S, True)])
def test_a_company_reschedule_told_exactly_the_required_minutes_ahead_is_in_time_R_DI_8(
    world: World, offset: timedelta, breach: bool
) -> None:
    """R-DI-8: notice of exactly ``reschedule_notice_same_day_minutes`` for a delay within half a day is
    enough; one second less is a breach."""
    required = DEFAULT.reschedule_notice_same_day_minutes
    data = _rescheduled(world, notice=timedelta(minutes=required) + offset, delay=timedelta(hours=1))
    assert data["required_minutes"] == required and data["notice_breach"] is breach


@pytest.mark.parametrize(("offset", "same_day"), [(-S, True), (timedelta(0), True), (S, False)])
def test_a_delay_of_exactly_half_a_day_is_still_within_half_a_day_R_DI_8(
    world: World, offset: timedelta, same_day: bool
) -> None:
    """R-DI-8: a delay up to ``reschedule_half_day_minutes`` (inclusive) needs the short notice; one second
    longer needs the long one."""
    delay = timedelta(minutes=DEFAULT.reschedule_half_day_minutes) + offset
    data = _rescheduled(world, notice=timedelta(hours=3), delay=delay)
    expected = DEFAULT.reschedule_notice_same_day_minutes if same_day else DEFAULT.reschedule_notice_minutes
    assert data["required_minutes"] == expected


@pytest.mark.parametrize(("level", "eligible"), [(1, False), (2, False), (3, True)])
def test_after_a_refused_entry_only_a_strictly_more_senior_technician_is_eligible_R_DI_10(
    world: World, level: int, eligible: bool
) -> None:
    """R-DI-10: the customer refused a technician of seniority 2: one level below and the same level are
    not eligible (the reason names the rule), one level above is; the routing core's tokens agree."""
    from doorstep.dispatch.eligibility import job_of, profile_of, technician_ineligibility
    from doorstep.network.models import Technician
    from doorstep.orders.models import WorkOrder

    order = placed(world, status="dispatched", start=at(10), where=HOME)
    WorkOrder.objects.filter(pk=order.pk).update(senior_than=2)
    order.refresh_from_db()
    Technician.objects.filter(pk=world.tech.pk).update(seniority=level)
    tech = Technician.objects.get(pk=world.tech.pk)
    why = technician_ineligibility(order=order, technician=tech, on=DAY)
    assert (not [w for w in why if "R-DI-10" in w]) is eligible
    job = job_of(order)
    tokens = profile_of(tech, DAY, policy_of(order)).tokens([job])
    assert job.tokens() <= tokens or not eligible
    assert ("senior>2" in tokens) is eligible
