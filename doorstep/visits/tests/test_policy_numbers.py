"""The visit reads its numbers from the order's policy (brand + centre) and judges punctuality with the
one function (R-AR-5, R-AR-6, R-AR-7), each threshold one second before and exactly at it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import World
from doorstep.core import clock
from doorstep.network.models import Policy
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.arrival.protocol import apology_record, arrival_record, someone_else_home, wrong_customer
from doorstep.visits.models import EscalationTask

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)


@pytest.fixture
def centre_policy(world: World) -> Policy:
    """A centre that escalates from 10 minutes late and gives its own task deadlines."""
    return Policy.objects.create(
        brand=world.brand,
        centre=world.centre,
        lateness_escalation_minutes=10,
        early_arrival_minutes=8,
        apology_visit_hours=6,
        special_case_due_hours=3,
        wrong_customer_due_hours=2,
    )


@pytest.mark.parametrize(
    ("offset", "lateness", "minutes", "early_enough"),
    [
        (-timedelta(minutes=8), "on_time", 0, True),  # the centre's early margin, exactly (R-DI-7)
        (-timedelta(minutes=8) + S, "on_time", 0, False),
        (timedelta(0), "on_time", 0, False),  # exactly at the appointment
        (S, "late_minor", 1, False),
        (timedelta(minutes=10) - S, "late_minor", 10, False),
        (timedelta(minutes=10), "late_major", 10, False),  # the centre's threshold, not the brand's 15
    ],
)
def test_arrival_record_uses_the_orders_centre_policy_R_AR_5(
    world: World, centre_policy: Policy, offset: timedelta, lateness: str, minutes: int, early_enough: bool
) -> None:
    order = order_in(world, "en_route")
    assert order.window_start is not None
    record = arrival_record(order, order.window_start + offset)
    expected = {"late_minutes": minutes, "lateness": lateness, "early_enough": early_enough}
    assert {k: record[k] for k in expected} == expected
    assert record["margin_missed"] is (lateness == "on_time" and not early_enough)  # R-DI-7, not lateness
    assert record["appointment_at"] == clock.local(order.window_start).isoformat()
    assert ("late_call" in record) is (lateness != "on_time")


def test_arrival_record_without_an_appointment_is_empty(world: World) -> None:
    order = order_in(world, "en_route")
    order.window_start = None
    assert arrival_record(order, clock.now()) == {}


def _due_in(order, kind: str) -> timedelta:  # type: ignore[no-untyped-def]
    task = EscalationTask.objects.get(order=order, kind=kind)
    return task.due_at - clock.now()


def test_special_case_and_wrong_customer_tasks_follow_the_policy_R_AR_6_R_AR_7(
    world: World, centre_policy: Policy
) -> None:
    tech = world.actor("technician")
    with clock.frozen_at(clock.now()):
        nanny = order_in(world, "arrived")
        someone_else_home(order=nanny, actor=tech, name="王阿姨", relation="保姆", confirmed=False)
        assert _due_in(nanny, EscalationTask.Kind.SPECIAL_CASE) == timedelta(hours=3)
        wrong = order_in(world, "arrived")
        wrong_customer(order=wrong, actor=tech, note="门牌不符")
        assert _due_in(wrong, EscalationTask.Kind.WRONG_CUSTOMER) == timedelta(hours=2)


def test_a_refused_apology_opens_the_apology_visit_on_the_one_deadline_R_AR_5(
    world: World, centre_policy: Policy
) -> None:
    order = order_in(world, "en_route")
    assert order.window_start is not None
    with clock.frozen_at(order.window_start + timedelta(minutes=4)):  # a minor lateness: no task yet
        order = order_transition(order=order, actor=world.actor("technician"), action="arrive")
        apology_record(order=order, actor=world.actor("technician"), reason="堵车", accepted=False)
        assert _due_in(order, EscalationTask.Kind.LATENESS) == timedelta(hours=6)
