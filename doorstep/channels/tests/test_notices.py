"""The customer's messages: queued with their event, none twice, quiet hours, WeChat first, on the record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.channels.notices import NOTICES, queue_for, render, travel_eta
from doorstep.core import clock
from doorstep.dispatch.tests.helpers import at, placed
from doorstep.notify.models import Channel, Contact, Message, State
from doorstep.notify.outbox import deliver_due
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, WorkOrder
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


def _when_due(order: WorkOrder):  # type: ignore[no-untyped-def]
    """The instant the order-received message is due: now, or the morning after quiet hours (R-CO-4's
    record does not depend on the hour the suite runs at)."""
    due = Message.objects.get(order_number=order.number, template="order_received").next_at
    return max(due, clock.now())


def test_a_delivered_message_is_on_the_order_record_R_CO_4(world) -> None:  # type: ignore[no-untyped-def]
    order = intake(world)
    assert deliver_due(now=_when_due(order)) >= 1
    msg = Message.objects.get(order_number=order.number, template="order_received")
    assert msg.state == State.SENT and msg.provider == "console"
    sent = order.events.get(kind=EventKind.MESSAGE_SENT)
    assert sent.data["template"] == "order_received" and sent.customer_visible
    assert sent.data["text"] == msg.shown_text and msg.link not in sent.data["text"]  # the link: phone only


def test_a_message_that_cannot_be_delivered_gives_the_desk_a_task(world, settings) -> None:  # type: ignore[no-untyped-def]
    from doorstep.notify.tests.fakes import Scripted

    order = intake(world)
    with Scripted.use(settings, "invalid"):
        deliver_due(now=_when_due(order))
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
    "hours": "24", "response": "已安排工程师再次上门检修", "reply": "工程师已出发，约 20 分钟到达",
    "code": "042917", "minutes": "10",
}  # fmt: skip


@pytest.mark.parametrize("notice", NOTICES, ids=[n.code for n in NOTICES])
def test_every_message_passes_the_language_check_R_LG_2(notice) -> None:  # type: ignore[no-untyped-def]
    text = render(notice, list(SAMPLE.items()))
    assert "您好" in text  # the standard greeting (R-LG-1)
    assert language_matcher().check(text) == []


# --- the other messages, each from its event ---------------------------------------------------------------
def _only_notices():  # type: ignore[no-untyped-def]
    """Moves with only the messages' rule: these tests are about what the customer is told, not the guards."""
    from doorstep.orders import rulebook

    return rulebook.only(lambda r: r.app == "channels")


def test_on_the_way_gives_the_eta_and_nobody_home_the_times_and_hotline_R_AR_2(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    tech = world.actor("technician")
    with _only_notices():
        with clock.frozen_at(at(13, 30)):
            order_transition(order=order, actor=tech, action="depart")
        with clock.frozen_at(at(13, 55)):
            order_transition(order=order, actor=tech, action="arrive")
        with clock.frozen_at(at(14, 20)):
            order_transition(order=order, actor=tech, action="nobody_home", reason="敲门无人应答")
    way = Message.objects.get(order_number=order.number, template="on_the_way")
    depart = order.events.get(kind=EventKind.DEPART)
    eta = travel_eta(order, depart)  # 13:30 + the travel estimate from the technician's base to the address
    assert eta is not None and at(13, 30) < eta < at(14, 30)
    assert "李师傅" in way.text and timezone.localtime(eta).strftime("%H:%M") in way.text and way.urgent
    note = Message.objects.get(order_number=order.number, template="nobody_home")
    hotline = world.outlet.phone or world.centre.hotline
    assert "13:55" in note.text and "14:20" in note.text and hotline in note.text


@pytest.mark.parametrize(
    ("kind", "data", "template", "expected"),
    [
        (EventKind.LATE_CALL, {"reason": "路上堵车", "expected_minutes": 10}, "late_notice", "路上堵车"),
        (EventKind.CHARGE_ADDED, {"name": "启动电容", "amount": "35"}, "quote_awaiting", "/t/"),
        (EventKind.CALLBACK_QUESTIONNAIRE_SENT, {"attempts": 3}, "callback_questionnaire", "/t/"),
        (EventKind.COMPLAINT_OPENED, {"category": "attitude"}, "complaint_received", "24 小时"),
        (EventKind.COMPLAINT_RESPONDED, {"response": "已安排主管上门致歉"}, "complaint_answered", "上门致歉"),
        (EventKind.HURRY_ANSWERED, {"reply": "工程师已出发"}, "hurry_answered", "工程师已出发"),  # R-IN-5
        (
            EventKind.PAYMENT_REFUNDED,
            {"amount": "80.00", "reason": "重复支付"},
            "refunded",
            "80.00 元",
        ),  # R-CO-2
    ],
)
def test_events_outside_moves_tell_the_customer(world, kind, data, template, expected) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="in_service")
    kind.record(order=order, actor=world.actor("agent"), data=data)
    msg = Message.objects.get(order_number=order.number, template=template)
    assert expected in msg.text


def test_payment_link_and_receipt_only_when_money_is_involved_R_CO_2(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.orders.models import OrderEvent

    order = placed(world, status="paid")
    paid = OrderEvent(order=order, seq=99, kind=EventKind.PAY, data={"amount": "115.00"}, at=clock.now())
    free = OrderEvent(order=order, seq=98, kind=EventKind.PAY, data={"amount": "0.00"}, at=clock.now())
    assert [m.template for m in queue_for(order, free)] == []
    receipt = queue_for(order, paid)[0]
    assert receipt.template == "receipt" and "115.00" in receipt.text
    done = OrderEvent(order=order, seq=97, kind=EventKind.COMPLETE, data={}, at=clock.now())
    assert queue_for(order, done) == []  # nothing due: no payment link


# --- partner webhooks ------------------------------------------------------------------------------------
def test_a_partner_is_told_of_its_orders_status_changes(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.channels.models import PartnerAccount, PartnerOrder
    from doorstep.notify.models import WebhookEndpoint

    account, _key = PartnerAccount.issue(brand=world.brand, code="retail", name="零售合作方")
    order = intake(world)
    PartnerOrder.objects.create(partner=account, external_ref="R-1", order=order, outcome="created")
    endpoint = WebhookEndpoint.objects.create(
        name="零售合作方", partner_ref=str(account.pk), url="http://p.invalid/"
    )
    order_transition(
        order=order, actor=world.actor("dispatcher"), action="dispatch", params={"outlet": world.outlet.pk}
    )
    hook = Message.objects.get(order_number=order.number, channel=Channel.WEBHOOK)
    assert hook.recipient == f"endpoint:{endpoint.pk}" and dict(hook.params)["to"] == "dispatched"
    assert dict(hook.params)["external_ref"] == "R-1" and len(endpoint.secret) == 64


# --- the desk's page and the delivery reports -------------------------------------------------------------
def test_the_desk_sees_the_messages_and_sends_a_dead_one_again(world, client) -> None:  # type: ignore[no-untyped-def]
    order = intake(world)
    msg = Message.objects.get(order_number=order.number, template="order_received")
    Message.objects.filter(pk=msg.pk).update(state=State.DEAD, attempts=6)
    client.force_login(world.staff["agent"].user)
    page = client.get("/notices/?state=stuck")
    assert page.status_code == 200 and msg.shown_text in page.content.decode()
    assert msg.link not in page.content.decode()
    assert client.post(f"/notices/{msg.pk}/retry/").status_code == 302
    msg.refresh_from_db()
    assert msg.state == State.QUEUED and msg.attempts == 0
    client.force_login(world.staff["technician"].user)
    assert client.get("/notices/").status_code == 404


def test_a_delivery_report_is_recorded_once_and_on_the_record(world, client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_SMS_CALLBACK_TOKEN = "t0ken"
    order = intake(world)
    deliver_due()
    msg = Message.objects.get(order_number=order.number, template="order_received")
    Message.objects.filter(pk=msg.pk).update(provider="aliyun", provider_ref="biz-9")
    report = [{"phone_number": "13800000000", "success": True, "err_code": "DELIVERED", "biz_id": "biz-9"}]
    assert client.post("/hooks/sms/aliyun/wrong/", report, content_type="application/json").status_code == 404
    for _ in range(2):  # the provider repeats its reports
        r = client.post("/hooks/sms/aliyun/t0ken/", report, content_type="application/json")
        assert r.json() == {"code": 0, "msg": "成功"}
    msg.refresh_from_db()
    assert msg.state == State.DELIVERED and order.events.filter(kind=EventKind.MESSAGE_DELIVERED).count() == 1


# --- the WeChat service account: followers and template-message reports ----------------------------------
def _wechat_event(openid: str, event: str, extra: str = "") -> bytes:
    from doorstep.channels.tests.test_wechat import now_ts

    return (
        f"<xml><ToUserName><![CDATA[gh_acme]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{now_ts()}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{extra}</xml>"
    ).encode()


def test_a_customer_writing_to_the_account_gets_wechat_first_until_they_leave(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.channels.models import WeChatAccount
    from doorstep.channels.tests.test_wechat import FULL, TOKEN, message, post

    WeChatAccount.objects.create(brand=world.brand, app_id="wx1234", original_id="gh_acme", token=TOKEN)
    assert post(message(FULL, openid="oFan")).status_code == 200
    contact = Contact.objects.get(wechat_openid="oFan")
    assert contact.prefers_wechat and contact.phone.endswith("13800138000")
    order = WorkOrder.objects.get(channel="wechat")
    EventKind.COMPLAINT_OPENED.record(order=order, actor=world.actor("agent"), data={})
    assert (
        Message.objects.get(order_number=order.number, template="complaint_received").channel
        == Channel.WECHAT
    )
    reply = post(_wechat_event("oFan", "unsubscribe"))
    assert reply.status_code == 200 and reply.content == b"success"
    contact.refresh_from_db()
    assert not contact.prefers_wechat
    EventKind.COMPLAINT_RESPONDED.record(order=order, actor=world.actor("agent"), data={"response": "已处理"})
    assert (
        Message.objects.get(order_number=order.number, template="complaint_answered").channel == Channel.SMS
    )


def test_a_template_message_report_is_recorded(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.channels.models import WeChatAccount
    from doorstep.channels.tests.test_wechat import TOKEN, post

    WeChatAccount.objects.create(brand=world.brand, app_id="wx1234", original_id="gh_acme", token=TOKEN)
    order = intake(world)
    deliver_due()
    msg = Message.objects.get(order_number=order.number, template="order_received")
    Message.objects.filter(pk=msg.pk).update(provider="wechat", provider_ref="200163836")
    report = "<MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>"
    assert post(_wechat_event("oFan", "TEMPLATESENDJOBFINISH", report)).status_code == 200
    msg.refresh_from_db()
    assert msg.state == State.DELIVERED
