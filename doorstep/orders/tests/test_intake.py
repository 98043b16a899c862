"""Intake end to end (R-IN-1, R-IN-2, R-IN-4, R-IN-5, R-IN-6, R-AN-7): duplicates, retries, warranty and
urgency through ``order_create`` (the labelled corpus through every channel is tests/intake_corpus)."""

from __future__ import annotations

from datetime import date, timedelta

from doorstep.core import clock
from doorstep.orders.intake import IntakeRequest, Outcome, order_create
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, OrderEvent, UrgencyRule, WorkOrder
from doorstep.orders.tests.helpers import intake
from doorstep.tests import dates

BOUGHT = dates.years_ago(3)  # inside the 6-year whole-unit warranty
OLD = dates.years_ago(7)  # out of it, the compressor's 10 years still running
BASE = dict(
    channel="phone",
    service_type="repair",
    customer_name="周女士",
    phone="13926668888",
    address_text="广州市海珠区新港西路 135 号 3 栋 502",
    model_code="KFR-35GW",
    purchase_date=BOUGHT.isoformat(),
    faults=["空调不制冷"],
    requirement="周日上午",
)


def test_same_customer_and_product_with_an_open_order_is_linked_not_duplicated(world) -> None:
    first, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    second, outcome = order_create(
        actor=world.actor("agent"),
        req=IntakeRequest(
            brand="acme", **{**BASE, "channel": "wechat", "faults": ["空调不制冷", "遥控器没反应"]}
        ),
    )
    assert outcome == Outcome.LINKED and second == first and WorkOrder.objects.count() == 1
    assert list(first.faults.values_list("symptom", flat=True)) == ["空调不制冷", "遥控器没反应"]
    assert first.events.filter(kind="duplicate_linked").exists()


def test_a_closed_order_does_not_swallow_a_new_request(world) -> None:
    first, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    WorkOrder.objects.filter(pk=first.pk).update(status=Status.CLOSED)
    second, outcome = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    assert outcome == Outcome.CREATED and second != first


def test_a_retry_with_the_same_key_returns_the_same_order(world) -> None:
    req = IntakeRequest(brand="acme", **BASE)
    first, _ = order_create(actor=world.actor("agent"), req=req, idempotency_key="k-1")
    again, outcome = order_create(actor=world.actor("agent"), req=req, idempotency_key="k-1")
    assert (again, outcome) == (first, Outcome.REPLAYED)
    assert OrderEvent.objects.filter(kind="created").count() == 1


def test_warranty_decided_and_explained_at_intake_R_AN_7(world) -> None:
    order, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    assert (
        order.warranty_status == "in_warranty"
        and f"保修至 {dates.years_after(BOUGHT, 6)}" in order.warranty_detail["explanation"]
    )
    old, _ = order_create(
        actor=world.actor("agent"),
        req=IntakeRequest(brand="acme", **{**BASE, "phone": "13926660001", "purchase_date": OLD.isoformat()}),
    )
    assert old.warranty_status == "paid" and old.warranty_detail["parts"] == {
        "压缩机": dates.years_after(OLD, 10).isoformat()
    }
    unknown, _ = order_create(
        actor=world.actor("agent"),
        req=IntakeRequest(brand="acme", **{**BASE, "phone": "13926660002", "purchase_date": ""}),
    )
    assert unknown.warranty_status == "needs_proof"


def test_human_damage_is_excluded_from_warranty_R_AN_7(world) -> None:
    order, _ = order_create(
        actor=world.actor("agent"), req=IntakeRequest(brand="acme", exclusion="human_damage", **BASE)
    )
    assert order.warranty_status == "paid" and "人为损坏" in order.warranty_detail["explanation"]


def test_urgency_rule_makes_summer_not_cooling_urgent_with_a_shorter_promise_R_IN_4(world) -> None:
    UrgencyRule.objects.create(brand=world.brand, line=world.line, keywords="不制冷,不凉", months="6,7,8,9")
    july = dates.at(date(clock.today().year, 7, 15), 10)
    with clock.frozen_at(july):
        hot, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    november = dates.at(date(clock.today().year, 11, 15), 10)
    with clock.frozen_at(november):
        cool, _ = order_create(
            actor=world.actor("agent"), req=IntakeRequest(brand="acme", **{**BASE, "phone": "13926660003"})
        )
    assert (hot.priority, cool.priority) == ("urgent", "normal")
    promise = hot.deadlines.get(kind=Deadline.Kind.RESPONSE)
    assert promise.due_at - july == timedelta(hours=4)


def test_first_receiver_owns_the_order_R_IN_5(world) -> None:
    order, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(brand="acme", **BASE))
    assert order.owner == world.staff["agent"]


def test_carry_in_tells_the_customer_what_to_bring_and_the_opening_hours_R_IN_7(world) -> None:
    world.centre.address, world.centre.opening_hours = "广州市天河区体育东路 1 号", "周一至周六 9:00–17:30"
    world.centre.save()
    order, _ = order_create(
        actor=world.actor("agent"), req=IntakeRequest(brand="acme", carry_in=True, **BASE)
    )
    event = order.events.get(kind="carry_in_instructions")
    assert event.customer_visible and event.rule == "R-IN-7"
    assert event.data["hours"] == "周一至周六 9:00–17:30" and "购机发票或保修卡" in event.data["bring"]


def test_every_problem_the_customer_names_is_a_fault_item_of_one_order_R_IN_6(world) -> None:
    """R-IN-6: the agent asks for further problems; all of them go on one order as numbered fault items,
    so one visit deals with them all."""
    faults = ["空调不制冷", "遥控器没反应", "外机噪音大"]
    order = intake(world, faults=faults)
    assert list(order.faults.order_by("position").values_list("symptom", flat=True)) == faults
    assert list(order.faults.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    assert WorkOrder.objects.filter(customer=order.customer).count() == 1
