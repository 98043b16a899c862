"""The customer's messages: queued with their event, none twice, quiet hours, WeChat first, on the record."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.channels.notices import NOTICES, queue_for, render
from doorstep.core import clock
from doorstep.dispatch.tests.helpers import at, placed
from doorstep.notify.models import Channel, Contact, Message, State
from doorstep.notify.outbox import deliver_due
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import intake
from doorstep.quality.services.language import language_matcher

pytestmark = pytest.mark.django_db


def test_order_received_is_queued_with_its_event_and_never_twice_R_CO_4(world) -> None:  # type: ignore[no-untyped-def]
    order = intake(world)
    msg = Message.objects.get(order_number=order.number, template="order_received")
    assert msg.state == State.QUEUED and msg.channel == Channel.SMS and msg.to_phone == order.customer.phone
    assert order.number in msg.text and "/t/" in msg.link  # the tracking link
    event = order.events.get(kind=EventKind.CREATED)
    queue_for(order, event)  # the same event processed again
    assert Message.objects.filter(order_number=order.number, template="order_received").count() == 1


def test_appointment_confirmed_names_the_technician_and_permit_R_PV_2(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned")
    with clock.frozen_at(at(8)):
        order_transition(
            order=order, actor=world.actor("outlet_manager"), action="confirm_appointment",
            params={"window_start": at(14), "window_end": at(16)},
        )  # fmt: skip
    msg = Message.objects.get(order_number=order.number, template="appointment_confirmed")
    assert "李师傅" in msg.text and "GZ-2024-0001" in msg.text and "14:00–16:00" in msg.text
    assert msg.link and msg.link in msg.text  # the photo and permit are checked on the tracking page


def test_reschedule_tells_the_reason_and_the_new_time_R_DI_8(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(11)):
        order_transition(
            order=order, actor=world.actor("outlet_manager"), action="reschedule", reason="前一单超时",
            params={"window_start": at(16), "window_end": at(18)},
        )  # fmt: skip
    msg = Message.objects.get(order_number=order.number, template="rescheduled")
    assert "前一单超时" in msg.text and "16:00" in msg.text


def test_wechat_first_when_the_customer_follows_the_account(world) -> None:  # type: ignore[no-untyped-def]
    Contact.objects.create(phone="+8613800138000", wechat_openid="o-abc", follows_account=True)
    order = intake(world, phone="13800138000")
    msg = Message.objects.get(order_number=order.number, template="order_received")
    assert msg.channel == Channel.WECHAT and msg.to_openid == "o-abc" and msg.to_phone == order.customer.phone


@pytest.mark.parametrize(
    ("hh", "mm", "deferred"),
    [(20, 59, False), (21, 0, True), (7, 59, True), (8, 0, False)],  # policy quiet hours 21:00–08:00
)
def test_quiet_hours_queue_a_non_urgent_sms_to_the_morning(world, hh, mm, deferred) -> None:  # type: ignore[no-untyped-def]
    now = at(hh, mm)
    with clock.frozen_at(now):
        order = intake(world)
    msg = Message.objects.get(order_number=order.number, template="order_received")
    if not deferred:
        assert msg.next_at == now
        return
    morning = at(8) if hh < 8 else at(8) + timedelta(days=1)
    assert msg.next_at == morning
    with clock.frozen_at(morning - timedelta(minutes=1)):
        assert deliver_due() == 0
    with clock.frozen_at(morning):
        assert deliver_due() == 1


def test_an_urgent_message_ignores_quiet_hours(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="en_route", start=at(22))
    with clock.frozen_at(at(21, 30)):
        EventKind.CUSTOMER_CALLED.record(
            order=order, actor=world.actor("technician"), data={"answered": False}
        )
    msg = Message.objects.get(order_number=order.number, template="unreachable")
    assert msg.urgent and msg.next_at == at(21, 30)
    assert world.outlet.phone in msg.text or world.centre.hotline in msg.text  # the local hotline (R-DI-5)


def test_an_answered_call_sends_nothing_R_DI_5(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="en_route")
    EventKind.CUSTOMER_CALLED.record(order=order, actor=world.actor("technician"), data={"answered": True})
    assert not Message.objects.filter(order_number=order.number, template="unreachable").exists()


def test_a_delivered_message_is_on_the_order_record_R_CO_4(world) -> None:  # type: ignore[no-untyped-def]
    order = intake(world)
    assert deliver_due() >= 1
    msg = Message.objects.get(order_number=order.number, template="order_received")
    assert msg.state == State.SENT and msg.provider == "console"
    sent = order.events.get(kind=EventKind.MESSAGE_SENT)
    assert (
        sent.data["template"] == "order_received" and sent.data["text"] == msg.text and sent.customer_visible
    )


def test_a_message_that_cannot_be_delivered_gives_the_desk_a_task(world, settings) -> None:  # type: ignore[no-untyped-def]
    from doorstep.notify.tests.fakes import Scripted

    order = intake(world)
    with Scripted.use(settings, "invalid"):
        deliver_due()
    msg = Message.objects.get(order_number=order.number, template="order_received")
    assert msg.state == State.FAILED and msg.desk_told and msg.attempts == 0
    task = Deadline.objects.get(order=order, ref=f"notify.Message:{msg.pk}")
    assert task.kind == Deadline.Kind.VERIFY and task.state == Deadline.State.OPEN
    failed = order.events.get(kind=EventKind.MESSAGE_FAILED)
    assert not failed.customer_visible


SAMPLE = {
    "brand": "安可空调", "number": "W202612020001", "link": "https://example.invalid/t/x",
    "window": "12月02日 14:00–16:00", "technician": "服务工程师", "permit": "GZ-2024-0001",
    "reason": "前一单超时", "new_time": "新的预约时间为 12月02日 16:00–18:00", "eta": "12月02日 14:10",
    "hotline": "020-12345678", "arrived": "12月02日 14:00", "left": "12月02日 14:20", "amount": "115.00",
    "hours": "24", "response": "已安排工程师再次上门检修",
}  # fmt: skip


@pytest.mark.parametrize("notice", NOTICES, ids=[n.code for n in NOTICES])
def test_every_message_passes_the_language_check_R_LG_2(notice) -> None:  # type: ignore[no-untyped-def]
    text = render(notice, list(SAMPLE.items()))
    assert "您好" in text  # the standard greeting (R-LG-1)
    assert language_matcher().check(text) == []
