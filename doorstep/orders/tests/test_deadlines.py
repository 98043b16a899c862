"""Deadlines as rows, fired by the real database task worker (R-IN-4, R-AN-2, R-QA-1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from doorstep.core import clock
from doorstep.orders import deadlines
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline
from doorstep.orders.selectors import deadlines_for_owner
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import intake, order_in

pytestmark = pytest.mark.django_db(transaction=True)


def _run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_intake_opens_the_response_promise_owned_by_the_first_agent_R_IN_4_R_IN_5(world) -> None:
    order = intake(world, priority="urgent")
    deadline = order.deadlines.get(kind=Deadline.Kind.RESPONSE)
    assert deadline.owner == world.staff["agent"] and deadline.rule == "R-IN-4"
    assert timedelta(hours=3, minutes=59) < deadline.due_at - clock.now() <= timedelta(hours=4)
    assert DBTaskResult.objects.filter(args_kwargs__args=[deadline.pk]).exists()


def test_a_deadlines_queued_check_commits_and_rolls_back_with_it(world) -> None:
    """The database queue: the check's task row is written in the deadline's own transaction (issue 16: no
    commit of its own per intake), for one second after it falls due; a rolled-back deadline leaves none."""
    due = clock.now() + timedelta(hours=2)
    order = intake(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        gone = deadlines.deadline_open(order=order, kind=Deadline.Kind.HURRY, due_at=due, owner=None)
        assert DBTaskResult.objects.filter(args_kwargs__args=[gone.pk]).exists()  # before the commit
        raise RuntimeError("the caller fails after opening it")
    assert not Deadline.objects.filter(pk=gone.pk).exists()
    assert not DBTaskResult.objects.filter(args_kwargs__args=[gone.pk]).exists()
    kept = deadlines.deadline_open(order=order, kind=Deadline.Kind.HURRY, due_at=due, owner=None)
    task = DBTaskResult.objects.get(args_kwargs__args=[kept.pk])
    assert task.run_after == due + timedelta(seconds=1) and task.task_path.endswith("check_deadline")


def test_dispatch_meets_the_response_promise_and_it_closes_itself(world) -> None:
    order = intake(world)
    order_transition(
        order=order, actor=world.actor("dispatcher"), action="dispatch", params={"outlet": world.outlet.pk}
    )
    deadline = order.deadlines.get(kind=Deadline.Kind.RESPONSE)
    assert deadline.state == Deadline.State.MET and deadline.met_at is not None
    Deadline.objects.filter(pk=deadline.pk).update(due_at=clock.now() - timedelta(minutes=1))
    _run_worker()
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET  # a met deadline never turns overdue


def test_phone_consultation_gets_a_follow_up_three_hours_later_R_AN_2(world) -> None:
    order = order_in(world, Status.TRIAGED)
    order = order_transition(
        order=order,
        actor=world.actor("agent"),
        action="resolve_by_phone",
        params={"answer": "模式键切换到制冷"},
    )
    followup = order.deadlines.get(kind=Deadline.Kind.CONSULT_FOLLOWUP)
    assert timedelta(hours=2, minutes=59) < followup.due_at - clock.now() <= timedelta(hours=3)
    order_transition(order=order, actor=world.actor("agent"), action="convert_to_visit", reason="仍不制冷")
    followup.refresh_from_db()
    assert followup.state == Deadline.State.MET


def test_unmet_deadline_turns_overdue_in_the_worker_and_is_visible_to_its_owner(world) -> None:
    order = order_in(world, Status.TRIAGED)
    order = order_transition(
        order=order, actor=world.actor("agent"), action="resolve_by_phone", params={"answer": "清洗滤网"}
    )
    followup = order.deadlines.get(kind=Deadline.Kind.CONSULT_FOLLOWUP)
    # the worker was down when the deadline passed: the queued check is a row, nothing is lost
    Deadline.objects.filter(pk=followup.pk).update(due_at=clock.now() - timedelta(seconds=1))
    DBTaskResult.objects.filter(args_kwargs__args=[followup.pk]).update(
        run_after=clock.now() - timedelta(seconds=1)
    )
    _run_worker()
    followup.refresh_from_db()
    assert followup.state == Deadline.State.OVERDUE
    event = order.events.get(kind="deadline_overdue")
    assert event.rule == "R-AN-2" and event.customer_visible is False
    mine = list(deadlines_for_owner(actor=world.actor("agent")))
    assert mine[0] == followup


def test_worker_does_not_fire_a_deadline_before_it_is_due(world) -> None:
    order = intake(world)
    _run_worker()
    assert order.deadlines.get(kind=Deadline.Kind.RESPONSE).state == Deadline.State.OPEN


def test_sweep_fires_due_deadlines_even_without_a_queued_check(world) -> None:
    order = intake(world)
    DBTaskResult.objects.all().delete()
    Deadline.objects.filter(order=order).update(due_at=clock.now() - timedelta(minutes=5))
    call_command("deadlines_sweep", verbosity=0)
    assert order.deadlines.get(kind=Deadline.Kind.RESPONSE).state == Deadline.State.OVERDUE
    call_command("deadlines_sweep", verbosity=0)  # idempotent: one overdue event only
    assert order.events.filter(kind="deadline_overdue").count() == 1


def test_callback_deadline_met_by_recording_the_callback_R_QA_1(world) -> None:
    order = order_in(world, Status.COMPLETED)
    Deadline.objects.create(
        order=order,
        kind=Deadline.Kind.CALLBACK,
        rule="R-QA-1",
        owner=world.staff["agent"],
        due_at=clock.now() + timedelta(days=3),
    )
    order = order_transition(
        order=order,
        actor=world.actor("agent"),
        action="record_callback",
        params={"satisfaction": 4, "product_works": True, "feedback": "满意"},
    )
    assert order.deadlines.get(kind=Deadline.Kind.CALLBACK).state == Deadline.State.MET
