"""The standard's promises at their thresholds, to the second: due at T may be met at T, overdue from T + 1 s
(R-IN-4 response, R-AN-2 consultation follow-up, R-QA-1 callback window of 1–3 days)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conftest import World
from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode
from doorstep.network.policy import policy_of
from doorstep.orders.deadlines import deadlines_sweep
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import intake
from doorstep.quality.services.feedback import callback_record
from doorstep.quality.tests.helpers import Visit, drive

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)
K, State = Deadline.Kind, Deadline.State


def _row(order: WorkOrder, kind: str) -> Deadline:
    return Deadline.objects.filter(order=order, kind=kind).latest("pk")


def _swept_at(order: WorkOrder, kind: str, when: datetime) -> str:
    with clock.frozen_at(when):
        deadlines_sweep(kinds=[kind])
    return _row(order, kind).state


# --- R-IN-4: the response promise per urgency ------------------------------------------------------------
def test_response_promise_is_due_at_the_policy_minutes_and_overdue_one_second_after_R_IN_4(
    world: World,
) -> None:
    t0 = clock.now().replace(microsecond=0)
    with clock.frozen_at(t0):
        order = intake(world)
    due = t0 + timedelta(minutes=policy_of(order).response_minutes(order.service_type, order.priority))
    assert _row(order, K.RESPONSE).due_at == due
    assert _swept_at(order, K.RESPONSE, due - S) == State.OPEN
    assert _swept_at(order, K.RESPONSE, due) == State.OPEN  # due at T: may still be met at T
    assert _swept_at(order, K.RESPONSE, due + S) == State.OVERDUE


def test_dispatching_exactly_at_the_promise_meets_it_in_time_R_IN_4(world: World) -> None:
    t0 = clock.now().replace(microsecond=0)
    with clock.frozen_at(t0):
        order = intake(world)
    due = _row(order, K.RESPONSE).due_at
    with clock.frozen_at(due):
        deadlines_sweep()
        order_transition(
            order=WorkOrder.objects.get(pk=order.pk),
            actor=world.actor("agent"),
            action="dispatch",
            params={"outlet": world.outlet.pk},
        )
    row = _row(order, K.RESPONSE)
    assert row.state == State.MET and row.overdue_at is None and row.met_at == due


# --- R-AN-2: every consulted customer is called again three hours later ---------------------------------
def test_consultation_follow_up_is_due_three_hours_later_to_the_second_R_AN_2(world: World) -> None:
    order = intake(world)
    t0 = clock.now().replace(microsecond=0)
    with clock.frozen_at(t0):
        order_transition(
            order=order,
            actor=world.actor("agent"),
            action="resolve_by_phone",
            params={"answer": "已指导复位"},
        )
    due = t0 + timedelta(minutes=policy_of(order).consultation_followup_minutes)
    row = _row(order, K.CONSULT_FOLLOWUP)
    assert row.due_at == due and row.rule == "R-AN-2"
    assert _swept_at(order, K.CONSULT_FOLLOWUP, due) == State.OPEN
    with clock.frozen_at(due):
        order_transition(
            order=WorkOrder.objects.get(pk=order.pk), actor=world.actor("agent"), action="followup_resolved"
        )
    row = _row(order, K.CONSULT_FOLLOWUP)
    assert row.state == State.MET and row.overdue_at is None


def test_consultation_follow_up_one_second_late_is_overdue_R_AN_2(world: World) -> None:
    order = intake(world)
    t0 = clock.now().replace(microsecond=0)
    with clock.frozen_at(t0):
        order_transition(
            order=order,
            actor=world.actor("agent"),
            action="resolve_by_phone",
            params={"answer": "已指导复位"},
        )
    due = t0 + timedelta(minutes=policy_of(order).consultation_followup_minutes)
    assert _swept_at(order, K.CONSULT_FOLLOWUP, due + S) == State.OVERDUE


# --- R-QA-1: the callback within 1–3 days after service ---------------------------------------------------
def _completed(world: World) -> tuple[WorkOrder, Deadline]:
    order = drive(world, Visit(day=clock.local(clock.now()).date() - timedelta(days=1)))
    return order, _row(order, K.CALLBACK)


@pytest.mark.parametrize(
    ("edge", "offset", "timing"),
    [
        ("not_before", -S, "early"),
        ("not_before", timedelta(0), "in_window"),  # one day after service, exactly
        ("due_at", timedelta(0), "in_window"),  # three days after service, exactly
        ("due_at", S, "late"),
    ],
)
def test_callback_window_to_the_second_R_QA_1(
    world: World, edge: str, offset: timedelta, timing: str
) -> None:
    order, row = _completed(world)
    completed = order.events.get(kind="complete").at
    policy = policy_of(order)
    assert row.not_before == completed + timedelta(days=policy.callback_min_days)
    assert row.due_at == completed + timedelta(days=policy.callback_max_days)
    when = getattr(row, edge) + offset
    assert _swept_at(order, K.CALLBACK, when) == (State.OVERDUE if timing == "late" else State.OPEN)
    if timing == "early":  # the earliest time is enforced: a second before it the call is refused
        with clock.frozen_at(when), pytest.raises(DomainError) as refused:
            callback_record(
                order=WorkOrder.objects.get(pk=order.pk),
                actor=world.actor("agent"),
                outcome="reached",
                satisfaction="5",
                product_works=True,
            )
        assert refused.value.code == ErrorCode.CALLBACK_TOO_EARLY
        assert _row(order, K.CALLBACK).state == State.OPEN and not order.events.filter(kind="record_callback")
        return
    with clock.frozen_at(when):
        callback_record(
            order=WorkOrder.objects.get(pk=order.pk),
            actor=world.actor("agent"),
            outcome="reached",
            satisfaction="5",
            product_works=True,
        )
    assert order.events.get(kind="record_callback").data["callback_timing"] == timing
    row = _row(order, K.CALLBACK)
    assert row.state == State.MET and (row.overdue_at is None) is (timing != "late")
