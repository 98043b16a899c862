"""Call log (R-IN-8), first-contact hand-over (R-IN-5), knowledge base (R-AN-1), verification (R-IN-2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from doorstep.catalog.kb import kb_seed, kb_suggest
from doorstep.core import clock
from doorstep.core.errors import DomainError, Forbidden, Invalid
from doorstep.network.models import Role
from doorstep.orders.correction import order_correct
from doorstep.orders.desk import call_log, call_replied, fault_record_cause, order_hand_over
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import intake, order_in


def test_promised_reply_becomes_the_agents_deadline_and_closes_when_replied_R_IN_8(world) -> None:
    promise = clock.now() + timedelta(hours=2)
    call = call_log(
        actor=world.actor("agent"),
        direction="in",
        phone="020-8888 1234",
        caller_name="梁先生",
        product="KFR-35GW",
        question="保修期多久",
        promised_reply_at=promise,
        read_back_confirmed=True,
    )
    assert call.phone == "+862088881234"
    deadline = Deadline.objects.get(call=call)
    assert (deadline.owner, deadline.due_at, deadline.rule) == (world.staff["agent"], promise, "R-IN-8")
    call_replied(call=call, actor=world.actor("agent"))
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET


def test_call_log_refuses_bad_input_and_writes_nothing(world) -> None:
    with pytest.raises(Invalid) as err:
        call_log(actor=world.actor("agent"), direction="in", phone="abc", question="x")
    assert err.value.field == "phone"
    with pytest.raises(Invalid):
        call_log(
            actor=world.actor("agent"),
            direction="in",
            phone="13800138000",
            question="问",
            promised_reply_at=clock.now() - timedelta(minutes=1),
        )
    with pytest.raises(Forbidden):
        call_log(actor=world.actor("technician"), direction="in", phone="13800138000", question="问")
    assert not Deadline.objects.filter(kind=Deadline.Kind.CALL_REPLY).exists()


def test_overdue_call_promise_without_order_stays_in_the_owners_list(world) -> None:
    from doorstep.orders.deadlines import deadlines_sweep

    call = call_log(
        actor=world.actor("agent"),
        direction="out",
        phone="13800138000",
        question="回电确认",
        promised_reply_at=clock.now() + timedelta(minutes=5),
    )
    Deadline.objects.filter(call=call).update(due_at=clock.now() - timedelta(minutes=1))
    assert deadlines_sweep() == 1
    assert Deadline.objects.get(call=call).state == Deadline.State.OVERDUE


def test_only_a_supervisor_hands_over_ownership_with_a_reason_R_IN_5(world) -> None:
    from conftest import make_staff

    supervisor = make_staff("sup", "钱芳", Role.SUPERVISOR, world.centre, None)
    colleague = make_staff("agent2", "孔杰", Role.AGENT, world.centre, None)
    order = intake(world)
    with pytest.raises(Forbidden):
        order_hand_over(order=order, actor=world.actor("agent"), new_owner=colleague, reason="休假")
    with pytest.raises(Invalid):
        order_hand_over(
            order=order,
            actor=world.actor("agent").__class__.for_user(supervisor.user),
            new_owner=colleague,
            reason=" ",
        )
    from doorstep.network.actors import Actor

    order = order_hand_over(
        order=order, actor=Actor.for_user(supervisor.user), new_owner=colleague, reason="休假"
    )
    assert order.owner == colleague
    assert order.deadlines.get(kind=Deadline.Kind.RESPONSE).owner == colleague
    event = order.events.get(kind="owner_handed_over")
    assert event.reason == "休假" and event.data == {"from": "王丽", "to": "孔杰"}


def test_knowledge_base_suggests_causes_for_a_colloquial_symptom_R_AN_1(world) -> None:
    assert kb_seed() > 5  # the "空调" line of the fixture gets the air-conditioner cases
    hits = kb_suggest(symptom="空调开了半天不凉快", line=world.line)
    assert hits and any("制冷剂" in "".join(h.case.causes) or "滤网" in "".join(h.case.causes) for h in hits)
    assert kb_suggest(symptom="", line=world.line) == []


def test_cause_recorded_at_closure_feeds_the_knowledge_base_R_AN_1(world) -> None:
    kb_seed()
    order = order_in(world, Status.IN_SERVICE)
    fault = order.faults.get(position=2)  # "有异响"
    fault_record_cause(
        order=order,
        actor=world.actor("technician"),
        fault=fault,
        cause="室外机风扇叶片碰到防护网",
        resolution="调整风扇叶片并紧固",
    )
    hits = kb_suggest(symptom="外机有异响", line=world.line, k=5)
    assert any("风扇叶片碰到防护网" in "".join(h.case.causes) for h in hits)


def test_desk_cannot_verify_so_the_technician_does_R_IN_2(world) -> None:
    order = intake(world, model_code="")
    assert order.status == Status.INFO_INCOMPLETE
    with pytest.raises(DomainError):  # dispatching unverified data needs the reason
        order_transition(
            order=order,
            actor=world.actor("dispatcher"),
            action="dispatch",
            params={"outlet": world.outlet.pk},
        )
    order = order_transition(
        order=order,
        actor=world.actor("dispatcher"),
        action="dispatch",
        reason="客户电话未接通，由工程师上门前核实",
        params={"outlet": world.outlet.pk},
    )
    assert order.status == Status.DISPATCHED and order.missing_items
    assert order.deadlines.get(kind=Deadline.Kind.VERIFY).state == Deadline.State.CANCELLED
    order = order_transition(
        order=order,
        actor=world.actor("outlet_manager"),
        action="assign",
        params={"technician": world.tech.pk},
    )
    # R-IN-2: the technician calls the customer and corrects the model (saying "verified" settles nothing)
    done = order_correct(
        order=order, actor=world.actor("technician"), values={"product_model": "KFR-35GW"}, how="phone_call"
    )
    order = done.order
    assert order.missing_items == [] and order.product.model.code == "KFR-35GW"
    event = order.events.get(kind="info_corrected")
    assert event.data["verified_by"] == world.tech.staff.name and event.data["how"] == "phone_call"
    assert order.deadlines.get(kind=Deadline.Kind.VERIFY).state == Deadline.State.CANCELLED


def test_load_fault_cases_command(world) -> None:
    call_command("load_fault_cases", verbosity=0)
    from doorstep.catalog.models import FaultCase

    assert FaultCase.objects.filter(line=world.line).count() > 5
