"""Callbacks on an unpaid order, the callback's earliest time, and a survey saying the product still
fails (R-QA-1, R-QA-2, R-CO-2). Walk findings 5 and 23: the agent could neither record a callback nor send
someone back on an unpaid order, the "earliest" time was shown but not enforced, and a customer's "still
broken" survey closed the callback instead of sending someone back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import World
from doorstep.catalog.models import FeeItem
from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.network.actors import Actor
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.quality.models import CallbackAttempt
from doorstep.quality.selectors.feedback import callback_queue
from doorstep.quality.services.feedback import callback_from_survey, callback_record, survey_submit
from doorstep.quality.tests.helpers import Visit, drive
from doorstep.visits.models import ChargeLine

GOOD = {"timeliness": 5, "skill": 5, "attitude": 4, "fees": 4}


def _completed(world: World, days_ago: int = 2) -> WorkOrder:
    return drive(world, Visit(day=clock.local(clock.now()).date() - timedelta(days=days_ago)))


def _unpaid(world: World) -> WorkOrder:
    order = _completed(world)
    fee = FeeItem.objects.get(brand=order.brand, code="L-REPAIR")
    ChargeLine.objects.create(
        order=order, fee_item=fee, quantity=Decimal(1), unit_price=fee.price, amount=fee.amount(Decimal(1)),
        covered=False, added_at=clock.now(),
    )  # fmt: skip
    return order


def test_a_satisfied_callback_on_an_unpaid_order_says_how_much_and_who_collects_R_CO_2(world: World) -> None:
    order = _unpaid(world)
    with pytest.raises(DomainError) as err:
        callback_record(order=order, actor=world.actor("agent"), outcome="reached", satisfaction="5")
    assert err.value.code == "callback_awaits_payment"
    assert world.tech.staff.name in err.value.text() and "¥" in err.value.text()
    assert not CallbackAttempt.objects.filter(order=order).exists()  # nothing half-written
    (row,) = callback_queue(actor=world.actor("agent"))
    assert row.unpaid > 0


def test_a_product_that_still_fails_sends_someone_back_though_unpaid_R_QA_1(world: World) -> None:
    order = _unpaid(world)
    attempt = callback_record(
        order=order, actor=world.actor("agent"), outcome="reached", satisfaction="2", product_works=False,
        feedback="热水器还是打不着火", follow_up="reopen",
    )  # fmt: skip
    order.refresh_from_db()
    assert order.status == Status.TRIAGED and attempt.feedback == "热水器还是打不着火"
    assert order.events.filter(kind="reopen").exists()


def test_a_survey_saying_still_broken_keeps_the_callback_open_then_sends_someone_back_R_QA_2(
    world: World,
) -> None:
    order = _completed(world)  # nothing owed: the survey alone would have closed the callback
    survey_submit(order=order, actor=Actor.customer("刘女士"), scores=GOOD, product_works=False)
    order.refresh_from_db()
    assert order.status == Status.COMPLETED  # not callback_done: the agent sends someone back
    order = callback_from_survey(order=order, actor=world.actor("agent"))
    assert order.status == Status.TRIAGED
    assert order.events.filter(kind="reopen").exists()


def test_a_survey_saying_still_broken_sends_someone_back_on_an_unpaid_order_R_QA_1(world: World) -> None:
    order = _unpaid(world)
    survey_submit(order=order, actor=Actor.customer("刘女士"), scores=GOOD, product_works=False)
    order = callback_from_survey(order=WorkOrder.objects.get(pk=order.pk), actor=world.actor("agent"))
    assert order.status == Status.TRIAGED


@pytest.mark.parametrize(("offset", "allowed"), [(-1, False), (0, True), (1, True)])
def test_the_callback_is_made_from_its_earliest_time_exactly_R_QA_1(
    world: World, offset: int, allowed: bool
) -> None:
    order = _completed(world, days_ago=1)
    not_before = order.deadlines.get(kind=Deadline.Kind.CALLBACK).not_before
    assert not_before is not None
    with clock.frozen_at(not_before + timedelta(seconds=offset)):
        if allowed:
            callback_record(order=order, actor=world.actor("agent"), outcome="unreachable")
        else:
            with pytest.raises(DomainError) as err:
                callback_record(order=order, actor=world.actor("agent"), outcome="unreachable")
            assert err.value.code == "callback_too_early"
    assert CallbackAttempt.objects.filter(order=order).exists() is allowed
