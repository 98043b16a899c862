"""Callbacks (R-QA-1), the customer's survey (R-QA-2) and complaints (R-QA-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from conftest import World
from doorstep.core import clock
from doorstep.core.errors import DomainError, Forbidden, Invalid
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.notify.models import Message
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline
from doorstep.quality.models import CallbackAttempt, Complaint, Survey
from doorstep.quality.selectors.feedback import callback_queue
from doorstep.quality.services.complaints import complaint_confirm, complaint_open, complaint_respond
from doorstep.quality.services.feedback import callback_record, survey_submit
from doorstep.quality.tests.helpers import Visit, drive

GOOD = {"timeliness": 5, "skill": 5, "attitude": 4, "fees": 4}


def _completed(world: World):  # type: ignore[no-untyped-def]
    return drive(
        world, Visit(day=clock.local(clock.now()).date() - timedelta(days=2))
    )  # callable now (R-QA-1)


# --- callbacks ----------------------------------------------------------------------------------------------
def test_completion_schedules_a_callback_within_the_policy_window_and_queues_it_R_QA_1(world: World) -> None:
    order = _completed(world)
    deadline = order.deadlines.get(kind=Deadline.Kind.CALLBACK)
    done = order.events.get(kind="complete").at
    assert deadline.due_at - done == timedelta(days=3) and deadline.not_before - done == timedelta(days=1)
    assert deadline.owner == world.staff["agent"]
    (row,) = callback_queue(actor=world.actor("agent"), mine_only=True)
    assert row.order == order and row.due_at == deadline.due_at and not row.overdue
    assert callback_queue(actor=world.actor("dispatcher")) == []


@pytest.mark.django_db(transaction=True)
def test_an_unmade_callback_turns_overdue_in_the_worker_and_leads_the_queue_R_QA_1(world: World) -> None:
    late = _completed(world)
    fresh = _completed(world)
    deadline = late.deadlines.get(kind=Deadline.Kind.CALLBACK)
    Deadline.objects.filter(pk=deadline.pk).update(due_at=clock.now() - timedelta(minutes=1))
    DBTaskResult.objects.filter(args_kwargs__args=[deadline.pk]).update(
        run_after=clock.now() - timedelta(seconds=1)
    )
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.OVERDUE
    rows = callback_queue(actor=world.actor("quality"))
    assert [r.order for r in rows] == [late, fresh] and rows[0].overdue and not rows[1].overdue


def test_a_reached_customer_is_recorded_with_the_callback_move(world: World) -> None:
    order = _completed(world)
    attempt = callback_record(
        order=order, actor=world.actor("agent"), outcome="reached", satisfaction="5", product_works=True
    )
    order.refresh_from_db()
    assert order.status == Status.CALLBACK_DONE and attempt.satisfaction == 5
    assert order.deadlines.get(kind=Deadline.Kind.CALLBACK).state == Deadline.State.MET
    assert order.events.get(kind="record_callback").data["satisfaction"] == 5


def test_an_unreachable_customer_is_retried_then_sent_the_questionnaire_R_QA_1(world: World) -> None:
    order = _completed(world)
    agent = world.actor("agent")
    first = callback_record(order=order, actor=agent, outcome="unreachable")
    assert first.next_try_at is not None and first.next_try_at - first.at == timedelta(hours=4)
    (row,) = callback_queue(actor=agent)
    assert row.attempts == 1 and row.retry_later
    callback_record(order=order, actor=agent, outcome="busy")
    third = callback_record(order=order, actor=agent, outcome="unreachable")
    assert third.next_try_at is None
    sent = order.events.get(kind="callback_questionnaire_sent")
    assert sent.customer_visible and sent.data["attempts"] == 3 and "link" not in sent.data
    # the link goes to the customer's phone (the outbox, once), not onto the record
    sms = Message.objects.get(order_id=order.pk, template="callback_questionnaire")
    assert sms.to_phone == order.customer.phone and "/t/" in sms.text and "/t/" not in sms.shown_text
    assert order.events.filter(kind="callback_attempt").count() == 3


def test_a_problem_found_on_the_callback_must_reopen_or_complain_R_QA_1(world: World) -> None:
    order = _completed(world)
    agent = world.actor("agent")
    with pytest.raises(Invalid) as err:
        callback_record(order=order, actor=agent, outcome="reached", satisfaction=2, product_works=False)
    assert err.value.field == "follow_up"
    callback_record(
        order=order, actor=agent, outcome="reached", satisfaction=2, product_works=False,
        feedback="空调又不制冷了", follow_up="reopen",
    )  # fmt: skip
    order.refresh_from_db()
    assert order.status == Status.TRIAGED and order.events.last().kind in ("reopen", "language_flagged")
    other = _completed(world)
    callback_record(
        order=other, actor=agent, outcome="reached", satisfaction=1, product_works=False,
        feedback="师傅态度差，还没修好", follow_up="complaint",
    )  # fmt: skip
    complaint = Complaint.objects.get(order=other)
    assert complaint.channel == "callback" and complaint.technician == world.tech


def test_only_desk_and_quality_make_callbacks(world: World) -> None:
    order = _completed(world)
    with pytest.raises(Forbidden):
        callback_record(order=order, actor=world.actor("technician"), outcome="reached", satisfaction=5)


# --- surveys ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["agent", "quality", "admin", "technician", "outlet_manager"])
def test_staff_can_never_answer_the_survey_for_the_customer_R_QA_2(world: World, role: str) -> None:
    order = _completed(world)
    with pytest.raises(Forbidden) as err:
        survey_submit(order=order, actor=world.actor(role), scores=GOOD)
    assert err.value.code == "survey_customer_only"
    assert not Survey.objects.exists()


def test_the_customer_rates_once_and_it_attaches_to_order_technician_and_outlet_R_QA_2(world: World) -> None:
    order = _completed(world)
    survey = survey_submit(order=order, actor=Actor.customer("刘女士"), scores=GOOD, comment="很好")
    assert (survey.technician, survey.outlet, survey.mean) == (world.tech, world.outlet, 4.5)
    event = order.events.get(kind="survey_submitted")
    assert event.customer_visible and event.rule == "R-QA-2" and event.data["technician"] == world.tech.pk
    assert order.deadlines.get(kind=Deadline.Kind.CALLBACK).state == Deadline.State.MET  # online callback
    assert not Complaint.objects.exists()
    with pytest.raises(DomainError) as err:
        survey_submit(order=order, actor=Actor.customer("刘女士"), scores=GOOD)
    assert err.value.code == "survey_already_submitted"
    order.refresh_from_db()  # the customer's own questionnaire completed the callback (R-QA-1)
    assert order.status == Status.CALLBACK_DONE
    assert order.events.get(kind="record_callback").actor_role == "customer"


def test_a_bad_score_is_refused_with_the_field_and_nothing_written(world: World) -> None:
    order = _completed(world)
    with pytest.raises(Invalid) as err:
        survey_submit(order=order, actor=Actor.customer("刘女士"), scores={**GOOD, "fees": 6})
    assert err.value.field == "fees" and not Survey.objects.exists()


def test_a_low_score_opens_a_complaint_of_the_matching_category_R_QA_2_R_QA_3(world: World) -> None:
    order = _completed(world)
    survey_submit(
        order=order, actor=Actor.customer("刘女士"), scores={**GOOD, "timeliness": 1}, comment="迟到半小时"
    )
    complaint = Complaint.objects.get(order=order)
    assert complaint.category == "lateness" and complaint.channel == "survey"
    assert "及时性" in complaint.description and "迟到半小时" in complaint.description


def test_no_survey_before_the_service_is_done(world: World) -> None:
    order = drive(world, Visit(day=clock.local(clock.now()).date() - timedelta(days=1)))
    order.status = Status.IN_SERVICE
    with pytest.raises(DomainError):
        survey_submit(order=order, actor=Actor.customer("刘女士"), scores=GOOD)


# --- complaints ---------------------------------------------------------------------------------------------
def test_a_complaint_is_owned_by_the_outlet_manager_with_a_deadline_on_the_record_R_QA_3(
    world: World,
) -> None:
    order = _completed(world)
    c = complaint_open(
        order=order,
        actor=world.actor("agent"),
        channel="phone",
        category="no_arguing",
        description="与客户争吵",
    )
    assert c.owner == world.staff["outlet_manager"] and c.level == 1 and c.technician == world.tech
    assert c.response_due_at - c.opened_at == timedelta(hours=24)
    assert order.events.get(kind="complaint_opened").data["category"] == "no_arguing"
    with pytest.raises(Invalid):
        complaint_open(
            order=order, actor=world.actor("agent"), channel="phone", category="nope", description="x"
        )


def test_answer_then_customer_confirms_resolves_it_or_rejects_and_escalates(world: World) -> None:
    order = _completed(world)
    c = complaint_open(
        order=order, actor=Actor.customer("刘女士"), channel="web", category="fees", description="多收费"
    )
    with pytest.raises(Forbidden):
        complaint_respond(complaint=c, actor=world.actor("other_manager"), response="好的")
    c = complaint_respond(
        complaint=c, actor=world.actor("outlet_manager"), response="已核实，退还多收的 35 元"
    )
    c = complaint_confirm(complaint=c, actor=Actor.customer("刘女士"), accepted=False, note="还是不满意")
    assert (c.state, c.level, c.owner) == ("open", 2, world.staff["quality"])
    c = complaint_respond(complaint=c, actor=world.actor("quality"), response="主管致电道歉并退款")
    c = complaint_confirm(complaint=c, actor=Actor.customer("刘女士"), accepted=True)
    assert c.state == Complaint.State.RESOLVED and c.confirmed_by == "客户本人"
    kinds = [e.kind for e in order.events.filter(kind__startswith="complaint_").order_by("seq")]
    assert kinds == [
        "complaint_opened",
        "complaint_responded",
        "complaint_not_accepted",
        "complaint_responded",
        "complaint_resolved",
    ]


@pytest.mark.django_db(transaction=True)
def test_an_unanswered_complaint_escalates_on_its_deadline_in_the_worker_R_QA_3(world: World) -> None:
    order = _completed(world)
    c = complaint_open(
        order=order, actor=world.actor("agent"), channel="phone", category="lateness", description="迟到"
    )
    task = DBTaskResult.objects.get(args_kwargs__args=[c.deadline_id])  # the clock's own check
    assert task.run_after == c.response_due_at + timedelta(seconds=1)  # due at T, overdue after T
    assert c.deadline.kind == Deadline.Kind.COMPLAINT_ANSWER and c.deadline.owner == c.owner
    _due_now(c)
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=clock.now() - timedelta(seconds=1))
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    c.refresh_from_db()
    assert (c.level, c.owner) == (2, world.staff["quality"]) and c.response_due_at > clock.now()
    event = order.events.get(kind="complaint_escalated")
    assert event.data["from_level"] == 1 and event.customer_visible is False and event.rule == "R-QA-3"
    assert Deadline.objects.filter(ref=f"quality.Complaint:{c.pk}", state="overdue").count() == 1
    # the next rung: a visit to apologise, due on the policy's apology deadline (R-AR-5)
    _due_now(c)
    call_command("complaints_sweep", verbosity=0)
    c.refresh_from_db()
    assert c.level == Complaint.Level.APOLOGY_VISIT
    hours = policy_of(order).apology_visit_hours  # one number for R-AR-5's apology visit (24 h)
    assert timedelta(hours=hours - 1) < c.response_due_at - clock.now() <= timedelta(hours=hours)
    call_command("complaints_sweep", verbosity=0)  # idempotent: nothing due any more
    assert order.events.filter(kind="complaint_escalated").count() == 2


def test_an_answered_complaint_does_not_escalate(world: World) -> None:
    from doorstep.quality.services.complaints import complaint_escalate

    order = _completed(world)
    c = complaint_open(
        order=order, actor=world.actor("agent"), channel="phone", category="attitude", description="态度差"
    )
    complaint_respond(complaint=c, actor=world.actor("outlet_manager"), response="已向客户致歉")
    _due_now(c)
    assert complaint_escalate(complaint_id=c.pk, level=1) is False
    assert c.deadline is not None and Deadline.objects.get(pk=c.deadline.pk).state == Deadline.State.MET


def _due_now(c: Complaint) -> None:
    c.refresh_from_db()
    Deadline.objects.filter(complaint=c).update(due_at=clock.now() - timedelta(seconds=1))


def test_callback_attempt_outcomes_are_choices() -> None:
    assert set(CallbackAttempt.Outcome.values) == {"reached", "unreachable", "busy", "wrong_number"}
