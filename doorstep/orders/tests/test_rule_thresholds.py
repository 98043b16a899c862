"""Intake thresholds exactly at, one unit before and one unit after the policy number (R-IN-2, R-IN-4,
R-AN-2). The unit is one second."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.network.policy import policy_of
from doorstep.orders.intake import IntakeRequest, Outcome, order_create
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.tests.test_intake import BASE

S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("offset", "outcome"), [(S, Outcome.LINKED), (timedelta(0), Outcome.LINKED), (-S, Outcome.CREATED)]
)
def test_an_open_order_inside_the_duplicate_window_is_linked_R_IN_2(
    world, offset: timedelta, outcome: Outcome
) -> None:  # type: ignore[no-untyped-def]
    """R-IN-2: a request for the same customer and product links to an open order created up to
    ``duplicate_window_hours`` ago (that instant included); one second older and a new order is created."""
    now = clock.now()
    first, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    hours = policy_of(first).duplicate_window_hours
    WorkOrder.objects.filter(pk=first.pk).update(created_at=now - timedelta(hours=hours) + offset)
    with clock.frozen_at(now):
        second, got = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    assert got == outcome and (second == first) is (outcome == Outcome.LINKED)


def test_the_response_promise_is_due_exactly_the_policy_minutes_after_intake_R_IN_4(world) -> None:  # type: ignore[no-untyped-def]
    """R-IN-4: the response promise falls due exactly ``response_minutes(priority)`` after intake."""
    taken = clock.now()
    with clock.frozen_at(taken):
        order, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    deadline = order.deadlines.get(kind=Deadline.Kind.RESPONSE)
    minutes = policy_of(order).response_minutes(order.service_type, order.priority)
    assert deadline.due_at - taken == timedelta(minutes=minutes)


def test_an_incomplete_record_is_verified_within_exactly_the_policy_hours_R_IN_2(world) -> None:  # type: ignore[no-untyped-def]
    """R-IN-2: a record missing information opens a verification deadline ``verify_hours`` after intake."""
    taken = clock.now()
    with clock.frozen_at(taken):
        order, _ = order_create(
            actor=world.actor("agent"), req=IntakeRequest(brand="acme", **{**BASE, "model_code": ""})
        )
    assert order.missing_items
    deadline = order.deadlines.get(kind=Deadline.Kind.VERIFY)
    assert deadline.due_at - taken == timedelta(hours=policy_of(order).verify_hours)


@pytest.mark.parametrize(
    ("service_type", "priority", "field"),
    [
        ("install", "normal", "response_minutes_install_normal"),
        ("consultation", "urgent", "response_minutes_consultation_urgent"),
        ("repair", "normal", "response_minutes_normal"),
    ],
)
def test_the_response_promise_is_read_from_the_table_by_service_type_and_urgency_R_IN_4(
    world, service_type: str, priority: str, field: str
) -> None:  # type: ignore[no-untyped-def]
    """R-IN-4: the promise is the policy table's cell for the order's service type and urgency: due
    exactly that many minutes after intake — not one minute before, not one after — and the same urgency
    of another type has another number."""
    from doorstep.network.models import Brand, Policy

    brand = Brand.objects.get(code="acme")
    row, _ = Policy.objects.get_or_create(brand=brand, centre=None)
    setattr(row, field, 333)
    row.save()
    taken = clock.now()
    req = {**BASE, "service_type": service_type, "priority": priority}
    with clock.frozen_at(taken):
        order, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **req))
    assert (order.service_type, order.priority) == (service_type, priority)
    due = order.deadlines.get(kind=Deadline.Kind.RESPONSE).due_at
    assert due - taken == timedelta(minutes=333)
    assert due - taken != timedelta(minutes=332) and due - taken != timedelta(minutes=334)
    other = "repair" if service_type != "repair" else "install"
    assert policy_of(order).response_minutes(other, priority) != 333


def test_each_service_type_has_its_own_row_of_promises_R_IN_4() -> None:
    """R-IN-4: the default table distinguishes installation, repair, maintenance and consultation."""
    from doorstep.core.policy import DEFAULT

    table = dict(DEFAULT.response_table())
    assert set(table) == {"install", "repair", "maintenance", "consultation"}
    assert table["install"]["normal"] != table["repair"]["normal"]
    assert table["consultation"]["urgent"] < table["repair"]["urgent"]
    assert all(row["urgent"] < row["normal"] < row["low"] for row in table.values())
