"""催单 on the tracking link: the first-contact owner's promised reply (R-IN-5), the policy's interval between
two hurries and its reply time, each at its threshold, one minute before and one after."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.channels import hurry
from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.tests.helpers import at, placed
from doorstep.network.models import Policy as PolicyRow
from doorstep.notify.models import Message
from doorstep.orders.deadlines import deadlines_sweep
from doorstep.orders.models import Deadline
from doorstep.orders.selectors import deadlines_for_owner
from doorstep.visits.consent.channel import Channel

pytestmark = pytest.mark.django_db
LINK = Channel.customer_link("刘女士")
INTERVAL, REPLY = 30, 30  # the defaults: minutes between two hurries, minutes to the promised reply
T0 = at(9)


def _hurried(world):  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(T0):
        deadline = hurry.customer_hurry(order=order, channel=LINK, note="师傅什么时候到？")
    return order, deadline


def test_a_hurry_is_a_promise_of_the_first_contact_owner_R_IN_5(world) -> None:  # type: ignore[no-untyped-def]
    order, deadline = _hurried(world)
    assert order.owner == world.staff["agent"]  # who took the call owns it (R-IN-5)
    assert deadline.kind == Deadline.Kind.HURRY and deadline.rule == "R-IN-5"
    assert deadline.owner == world.staff["agent"] and deadline.due_at == T0 + timedelta(minutes=REPLY)
    event = order.events.get(kind="hurry")  # on the record, as the customer's own act, for them to see
    assert event.actor_role == "customer" and event.customer_visible and event.reason == "师傅什么时候到？"
    assert event.data["reply_by"] == clock.local(T0 + timedelta(minutes=REPLY)).isoformat()
    assert deadline in deadlines_for_owner(actor=world.actor("agent"))  # the owner's desk lists it
    assert Deadline.PROMISE_KINDS.count(Deadline.Kind.HURRY) == 1  # counted by the promise KPI
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        state = hurry.hurry_state(order)
    assert state.waiting and state.reply_by == deadline.due_at and not state.allowed


@pytest.mark.parametrize(
    ("minutes_after", "allowed"), [(INTERVAL - 1, False), (INTERVAL, True), (INTERVAL + 1, True)]
)
def test_two_hurries_are_the_policy_interval_apart_R_IN_5(world, minutes_after, allowed) -> None:  # type: ignore[no-untyped-def]
    order, _first = _hurried(world)
    again = T0 + timedelta(minutes=minutes_after)
    with clock.frozen_at(again):
        assert hurry.hurry_state(order).allowed is allowed
        if not allowed:
            with pytest.raises(DomainError) as err:
                hurry.customer_hurry(order=order, channel=LINK)
            assert err.value.code == "hurry_too_soon"
            assert clock.local(T0 + timedelta(minutes=INTERVAL)).strftime("%H:%M") in err.value.text()
            assert order.events.filter(kind="hurry").count() == 1  # nothing half-written
            assert order.deadlines.filter(kind="hurry").count() == 1
            return
        second = hurry.customer_hurry(order=order, channel=LINK)
    assert second.due_at == again + timedelta(minutes=REPLY)
    assert order.events.filter(kind="hurry").count() == 2


def test_the_interval_and_reply_time_are_policy_settings_R_IN_5(world) -> None:  # type: ignore[no-untyped-def]
    PolicyRow.objects.create(brand=world.brand, hurry_interval_minutes=60, hurry_reply_minutes=15)
    order, deadline = _hurried(world)
    assert deadline.due_at == T0 + timedelta(minutes=15)
    with clock.frozen_at(T0 + timedelta(minutes=59)), pytest.raises(DomainError):
        hurry.customer_hurry(order=order, channel=LINK)
    with clock.frozen_at(T0 + timedelta(minutes=60)):
        hurry.customer_hurry(order=order, channel=LINK)


@pytest.mark.parametrize(
    ("minutes_after", "overdue"), [(REPLY - 1, False), (REPLY, False), (REPLY + 1, True)]
)
def test_the_promised_reply_time_R_IN_5(world, minutes_after, overdue) -> None:  # type: ignore[no-untyped-def]
    order, deadline = _hurried(world)
    with clock.frozen_at(T0 + timedelta(minutes=minutes_after)):
        deadlines_sweep(kinds=[Deadline.Kind.HURRY])
        deadline.refresh_from_db()
        assert (deadline.state == Deadline.State.OVERDUE) is overdue  # due at T: still in time at T
        answer = hurry.hurry_answer(
            order=order, actor=world.actor("agent"), reply="李师傅已出发，约 20 分钟到。"
        )
    assert answer.data["in_time"] is not overdue
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET  # answering closes it, late or not
    assert deadline not in deadlines_for_owner(actor=world.actor("agent"))


def test_the_reply_is_shown_and_sent_to_the_customer_R_IN_5(world) -> None:  # type: ignore[no-untyped-def]
    order, _deadline = _hurried(world)
    with clock.frozen_at(T0 + timedelta(minutes=5)):
        hurry.hurry_answer(order=order, actor=world.actor("agent"), reply="李师傅已出发，约 20 分钟到。")
        state = hurry.hurry_state(order)
    assert not state.waiting and state.answer is not None
    assert state.answer.customer_visible and state.answer.reason == "李师傅已出发，约 20 分钟到。"
    message = Message.objects.get(order_number=order.number, template="hurry_answered")  # through the outbox
    assert "李师傅已出发" in message.text and order.number in message.text
    with pytest.raises(DomainError) as err:  # nothing left to answer
        hurry.hurry_answer(order=order, actor=world.actor("agent"), reply="再次回复")
    assert err.value.code == "hurry_none"


def test_only_the_owner_or_a_supervisor_answers_R_IN_5(world) -> None:  # type: ignore[no-untyped-def]
    from conftest import make_staff

    order, deadline = _hurried(world)
    other = make_staff("agent2", "钱芳", "agent", world.centre, None)
    from doorstep.network.actors import Actor

    with pytest.raises(DomainError) as err:
        hurry.hurry_answer(order=order, actor=Actor.for_user(other.user), reply="好的")
    assert err.value.code == "hurry_not_owner" and "王丽" in err.value.text()
    with pytest.raises(DomainError) as err:
        hurry.hurry_answer(order=order, actor=world.actor("technician"), reply="好的")
    assert err.value.code == "role_not_allowed"
    with pytest.raises(DomainError) as err:
        hurry.hurry_answer(order=order, actor=world.actor("agent"), reply="   ")
    assert err.value.code == "hurry_reply_required"
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.OPEN  # nothing half-written


def test_no_hurry_on_a_closed_or_cancelled_order(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="cancelled", start=at(14))
    assert not hurry.hurry_state(order).allowed
    with pytest.raises(DomainError) as err:
        hurry.customer_hurry(order=order, channel=LINK)
    assert err.value.code == "step_not_now"
    assert not order.deadlines.filter(kind="hurry").exists()


def test_an_unowned_order_s_hurry_is_the_whole_desk_s_until_an_agent_takes_it_R_IN_5(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.orders.models import WorkOrder
    from doorstep.orders.selectors import unowned_hurries

    order, _ = _hurried(world)
    WorkOrder.objects.filter(pk=order.pk).update(owner=None)
    order.refresh_from_db()
    with clock.frozen_at(T0 + timedelta(minutes=INTERVAL)):
        deadline = hurry.customer_hurry(order=order, channel=LINK)
    assert deadline.owner is None and list(unowned_hurries(actor=world.actor("agent"))) == [deadline]
    assert not unowned_hurries(actor=world.actor("technician")).exists()
    hurry.hurry_answer(order=order, actor=world.actor("agent"), reply="已联系网点。")  # anyone at the desk
    assert not unowned_hurries(actor=world.actor("agent")).exists()
