"""What the customer is told, and when: every message of the standard, declared once (R-CO-4).

Each :class:`Notice` is a message template (Chinese text built from the manuals' standard phrases,
R-LG-1: "您好", "非常感谢您的耐心等待", "打扰您了", "给您手机联系未接通，您看到短信与我们及时联系"), the
event that causes it and the rule it serves. The message is queued in the notification outbox
(``doorstep.notify``) in the same transaction as its event:

- for a lifecycle move, by the rulebook effect :func:`notices_for_move` (``manage.py rulebook`` lists it);
- for an event written outside a move (order created, late call, unanswered call, quote, complaint,
  questionnaire), by the ``post_save`` of the event row (:func:`on_event_saved`), in its transaction.

The worker delivers it; each delivery outcome is put on the order's record (:func:`on_receipt`), and a
message that cannot be delivered tells the desk (:func:`on_stuck`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from doorstep.core import clock
from doorstep.core.privacy import mask_phone
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.notify.models import Channel, Contact, Message, Receipt, WebhookEndpoint
from doorstep.notify.outbox import Draft, enqueue
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder
from doorstep.orders.rulebook import ALL_ACTIONS, MoveContext, Rule, effect
from doorstep.orders.tracking import tracking_url
from doorstep.visits.consent.signing import SIGN_CODE_TEXT

A, K = Action, EventKind
Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Notice:
    """One message template: its code (also the providers' template key), text and parameters."""

    code: str
    kind: str  # the EventKind that causes it
    text: str  # str.format with the parameter names
    params: Callable[[WorkOrder, OrderEvent], Params | None]  # None: this event sends nothing
    rule: str
    urgent: bool = False  # time-critical: sent even in quiet hours
    occasion: Callable[[WorkOrder, OrderEvent], str] = field(default=lambda o, e: f"event:{e.seq}")


# --- parameters ----------------------------------------------------------------------------------------
def _t(dt: datetime | None) -> str:
    return timezone.localtime(dt).strftime("%m月%d日 %H:%M") if dt else ""


def _window(order: WorkOrder) -> str:
    if not order.window_start:
        return ""
    end = timezone.localtime(order.window_end).strftime("%H:%M") if order.window_end else ""
    return f"{_t(order.window_start)}–{end}" if end else _t(order.window_start)


def _tech(order: WorkOrder) -> str:
    return order.technician.staff.name if order.technician_id else "服务工程师"  # type: ignore[union-attr]


def _hotline(order: WorkOrder) -> str:
    outlet = order.outlet
    return getattr(outlet, "phone", "") or order.centre.hotline or order.brand.hotline


def _base(order: WorkOrder) -> Params:
    return [("brand", order.brand.name), ("number", order.number)]


def received(order: WorkOrder, event: OrderEvent) -> Params:
    return [*_base(order), ("link", tracking_url(order))]


def confirmed(order: WorkOrder, event: OrderEvent) -> Params | None:
    if not order.technician_id or not order.window_start:
        return None
    permit = order.technician.permit_no  # type: ignore[union-attr]
    return [
        *_base(order),
        ("window", _window(order)),
        ("technician", _tech(order)),
        ("permit", permit),
        ("link", tracking_url(order)),
    ]


def rescheduled(order: WorkOrder, event: OrderEvent) -> Params:
    reason = (event.reason or "工作安排调整").strip()[:40]
    new = f"新的预约时间为 {_window(order)}" if order.window_start else "客服将尽快与您联系确认新的上门时间"
    return [*_base(order), ("reason", reason), ("new_time", new)]


def travel_eta(order: WorkOrder, event: OrderEvent) -> datetime | None:
    """Departure + the travel estimate (R-DI-7's numbers) from where the technician set off (the place sent
    with the move, else their home or outlet) to the customer's address; None when a place is unknown."""
    from doorstep.dispatch.daymodel import order_location, technician_location
    from doorstep.dispatch.routing import Location
    from doorstep.dispatch.techday import travel_seconds

    tech = order.technician
    if tech is None:
        return None
    lat, lng = event.data.get("lat"), event.data.get("lng")
    outlet = tech.staff.outlet
    here = Location.from_latlng(lat, lng) if lat is not None and lng is not None else None
    here = here or (technician_location(tech, outlet) if outlet else None)
    seconds = travel_seconds(order, here, order_location(order))
    if not seconds:
        return None
    departed = event.data.get("departed_at")
    return (datetime.fromisoformat(departed) if departed else event.at) + timedelta(seconds=seconds)


def on_the_way(order: WorkOrder, event: OrderEvent) -> Params:
    eta = travel_eta(order, event) or order.window_start
    return [*_base(order), ("technician", _tech(order)), ("eta", _t(eta) if eta else "预约时间")]


def late(order: WorkOrder, event: OrderEvent) -> Params:
    eta = event.data.get("eta") or ""
    minutes = event.data.get("expected_minutes")
    when = _t(datetime.fromisoformat(eta)) if eta else (f"{minutes} 分钟后" if minutes else "稍后")
    reason = str(event.data.get("reason") or event.data.get("note") or "路况原因").strip()[:40]
    return [*_base(order), ("technician", _tech(order)), ("reason", reason), ("eta", when)]


def unreachable(order: WorkOrder, event: OrderEvent) -> Params | None:
    """R-DI-5: a call not answered; before the visit only once the retries are used up (the customer is
    unreachable: ``visits.previsit``), on the way or at the door at once (R-AR-1)."""
    if event.data.get("answered", True):
        return None
    if event.data.get("stage") == "before" and not event.data.get("exhausted"):
        return None
    return [*_base(order), ("technician", _tech(order)), ("hotline", _hotline(order))]


def nobody_home(order: WorkOrder, event: OrderEvent) -> Params:
    arrived = order.events.filter(kind=K.ARRIVE).order_by("-seq").values_list("at", flat=True).first()
    return [
        *_base(order),
        ("technician", _tech(order)),
        ("arrived", _t(arrived)),
        ("left", _t(event.at)),
        ("hotline", _hotline(order)),
    ]


def quote(order: WorkOrder, event: OrderEvent) -> Params:
    return [*_base(order), ("link", tracking_url(order))]


def payment_link(order: WorkOrder, event: OrderEvent) -> Params | None:
    from doorstep.visits.selectors import amount_due

    due = amount_due(order)
    if due <= 0:
        return None
    return [*_base(order), ("amount", f"{due:.2f}"), ("link", tracking_url(order))]


def receipt(order: WorkOrder, event: OrderEvent) -> Params | None:
    amount = str(event.data.get("amount") or "")
    if not amount or float(amount) <= 0:
        return None
    return [*_base(order), ("amount", amount), ("link", tracking_url(order))]


def refunded(order: WorkOrder, event: OrderEvent) -> Params | None:
    amount = str(event.data.get("amount") or "")
    if not amount or float(amount) <= 0:
        return None
    reason = str(event.data.get("reason") or "").strip()[:40] or "退款申请已受理"
    return [*_base(order), ("amount", amount), ("reason", reason), ("hotline", _hotline(order))]


def questionnaire(order: WorkOrder, event: OrderEvent) -> Params:
    return [*_base(order), ("link", tracking_url(order))]


def complaint_received(order: WorkOrder, event: OrderEvent) -> Params:
    return [*_base(order), ("hours", str(policy_of(order).complaint_response_hours))]


def complaint_answered(order: WorkOrder, event: OrderEvent) -> Params:
    response = str(event.data.get("response") or "").strip()[:60] or "请查看工单详情"
    return [*_base(order), ("response", response), ("hotline", _hotline(order))]


def hurry_answered(order: WorkOrder, event: OrderEvent) -> Params:
    reply = str(event.data.get("reply") or "").strip()[:60] or "请查看服务进度"
    return [*_base(order), ("reply", reply), ("link", tracking_url(order))]


# --- the messages --------------------------------------------------------------------------------------
NOTICES: tuple[Notice, ...] = (
    Notice(
        "order_received",
        K.CREATED,
        "【{brand}】您好，您的报修已受理，工单号 {number}。服务进度请点击 {link} "
        "查询。非常感谢您的耐心等待。",
        received,
        "R-IN-1, R-CO-4",
    ),
    Notice(
        "appointment_confirmed",
        K.CONFIRM_APPOINTMENT,
        "【{brand}】您好，您的上门服务已预约在 {window}，"
        "服务工程师 {technician}，上岗证号 {permit}。工程师照片和证件请点击 {link} 核对。请您届时安排人在家，"
        "谢谢！",
        confirmed,
        "R-DI-3, R-PV-2",
    ),
    Notice(
        "rescheduled",
        K.RESCHEDULE,
        "【{brand}】您好，非常抱歉，因{reason}，工单 {number} 的上门时间需要调整，"
        "{new_time}。给您带来不便，敬请谅解。",
        rescheduled,
        "R-DI-8",
    ),
    Notice(
        "on_the_way",
        K.DEPART,
        "【{brand}】您好，服务工程师 {technician} 已出发，预计 {eta} 到达，请您保持电话畅通，谢谢！",
        on_the_way,
        "R-DI-7",
        urgent=True,
    ),
    Notice(
        "late_notice",
        K.LATE_CALL,
        "【{brand}】您好，非常抱歉，服务工程师 {technician} 因{reason}将晚到，"
        "预计 {eta} 到达。给您带来不便，敬请谅解。",
        late,
        "R-AR-5",
        urgent=True,
    ),
    Notice(
        "unreachable",
        K.CUSTOMER_CALLED,
        "【{brand}】您好，我是{brand}服务工程师{technician}，给您手机联系未接通，"
        "您看到短信请与我们及时联系，当地服务电话 {hotline}，谢谢！",
        unreachable,
        "R-DI-5",
        urgent=True,
        occasion=lambda o, e: f"unreachable:{o.window_start.isoformat() if o.window_start else e.seq}",
    ),
    Notice(
        "nobody_home",
        K.NOBODY_HOME,
        "【{brand}】您好，服务工程师 {technician} 于 {arrived} 上门，家中无人，"
        "于 {left} 离开。请您看到后拨打 {hotline} 与我们联系，重新预约上门时间。打扰您了，谢谢！",
        nobody_home,
        "R-AR-2",
        urgent=True,
    ),
    Notice(
        "quote_awaiting",
        K.CHARGE_ADDED,
        "【{brand}】您好，工单 {number} 的维修报价已生成，请您点击 {link} "
        "查看明细并确认，确认后工程师再开始施工。",
        quote,
        "R-SV-2",
        occasion=lambda o, e: "quote",
    ),
    Notice(
        "sign_code",  # queued by visits.consent.signing with the code itself (the event never holds it)
        K.SIGN_CODE_SENT,
        SIGN_CODE_TEXT,
        lambda o, e: None,
        "R-CO-1",
        urgent=True,
    ),
    Notice(
        "payment_link",
        K.COMPLETE,
        "【{brand}】您好，工单 {number} 的服务已完成，应付金额 {amount} 元，"
        "费用明细和在线支付请点击 {link}。非常感谢！",
        payment_link,
        "R-CO-2",
    ),
    Notice(
        "receipt",
        K.PAY,
        "【{brand}】您好，已收到工单 {number} 的付款 {amount} 元，电子收据请点击 {link} 查看。感谢您的支持！",
        receipt,
        "R-CO-2",
    ),
    Notice(
        "refunded",
        K.PAYMENT_REFUNDED,
        "【{brand}】您好，工单 {number} 的付款 {amount} 元已办理退款（{reason}），"
        "款项将按原支付方式退回。如有疑问请拨打 {hotline}。感谢您的支持！",
        refunded,
        "R-CO-2",
        occasion=lambda o, e: f"refund:{e.data.get('refund_no') or e.seq}",
    ),
    Notice(
        "callback_questionnaire",
        K.CALLBACK_QUESTIONNAIRE_SENT,
        "【{brand}】您好，感谢您选择我们的上门服务。"
        "请您点击 {link} 对工单 {number} 的服务进行评价，您的意见对我们非常重要。",
        questionnaire,
        "R-QA-1",
    ),
    Notice(
        "complaint_received",
        K.COMPLAINT_OPENED,
        "【{brand}】您好，您对工单 {number} 的投诉已受理，我们将在 {hours} 小时内给您答复。感谢您的反馈。",
        complaint_received,
        "R-QA-3",
    ),
    Notice(
        "complaint_answered",
        K.COMPLAINT_RESPONDED,
        "【{brand}】您好，您对工单 {number} 的投诉答复如下："
        "{response}。如有疑问请拨打 {hotline}。感谢您的耐心等待。",
        complaint_answered,
        "R-QA-3",
    ),
    Notice(
        "hurry_answered",
        K.HURRY_ANSWERED,
        "【{brand}】您好，关于工单 {number} 的催单，客服回复如下：{reply}。"
        "服务进度请点击 {link} 查看。非常感谢您的耐心等待。",
        hurry_answered,
        "R-IN-5",
    ),
)
BY_KIND: dict[str, list[Notice]] = {}
for _n in NOTICES:
    BY_KIND.setdefault(str(_n.kind), []).append(_n)
MOVE_KINDS = {str(a.value) for a in Action}


def render(notice: Notice, params: Params) -> str:
    return notice.text.format(**dict(params))


def queue_for(order: WorkOrder, event: OrderEvent) -> list[Message]:
    """Queue the messages this event causes (in the caller's transaction); none twice."""
    queued = []
    for notice in BY_KIND.get(str(event.kind), []):
        params = notice.params(order, event)
        if params is None or not order.customer.phone:
            continue
        queued.append(_queue(order, notice, params, notice.occasion(order, event)))
    queued.extend(partner_webhooks(order, event))
    return queued


def _queue(order: WorkOrder, notice: Notice, params: Params, occasion: str) -> Message:
    phone = order.customer.phone
    contact = Contact.objects.filter(phone=phone).first()
    wechat = contact is not None and contact.prefers_wechat
    policy = policy_of(order)
    msg, _created = enqueue(
        Draft(
            template=notice.code,
            channel=Channel.WECHAT if wechat else Channel.SMS,
            recipient=phone,
            occasion=occasion,
            text=render(notice, params),
            params=[[k, v] for k, v in params],
            order_id=order.pk,
            order_number=order.number,
            to_phone=phone,
            to_openid=contact.wechat_openid if wechat and contact else "",
            centre=str(order.centre_id),
            urgent=notice.urgent,
            quiet=(policy.quiet_hours_start, policy.quiet_hours_end),
            link=dict(params).get("link", ""),
            rule=notice.rule,
        ),
        new_order=order.inserted_here,
    )
    return msg


# --- partner webhooks (order status changes) ---------------------------------------------------------------
def partner_webhooks(order: WorkOrder, event: OrderEvent) -> list[Message]:
    """A move of an order a partner pushed is posted to that partner's endpoints (signed, from the outbox)."""
    if str(event.kind) not in MOVE_KINDS or not event.to_status:
        return []
    if order.inserted_here:  # a partner's reference is written after the intake that inserts the order
        return []  # (channels.partner.push_judged): its first move has no reference to post to yet
    from doorstep.channels.models import PartnerOrder

    ref = PartnerOrder.objects.filter(order=order).select_related("partner").first()
    if ref is None:
        return []
    out = []
    for endpoint in WebhookEndpoint.objects.filter(partner_ref=str(ref.partner_id), active=True):
        body = {
            "event": "order.status_changed",
            "order": order.number,
            "external_ref": ref.external_ref,
            "from": event.from_status,
            "to": event.to_status,
            "action": str(event.kind),
            "seq": event.seq,
            "at": event.at.isoformat(),
        }
        msg, _created = enqueue(
            Draft(
                template="order_status",
                channel=Channel.WEBHOOK,
                recipient=f"endpoint:{endpoint.pk}",
                occasion=f"event:{event.seq}",
                text=f"{order.number}: {event.from_status} → {event.to_status}",
                params=[[k, str(v)] for k, v in body.items()],
                order_id=order.pk,
                order_number=order.number,
                to_url=endpoint.url,
                centre=str(order.centre_id),
                urgent=True,
                rule="R-CO-4",
            )
        )
        out.append(msg)
    return out


# --- hooks -----------------------------------------------------------------------------------------------
def notices_for_move(ctx: MoveContext) -> None:
    """The customer is told of the move (and a partner's endpoints of the status change), from the outbox."""
    assert ctx.event is not None
    queue_for(ctx.order, ctx.event)


def on_event_saved(sender: type[OrderEvent], instance: OrderEvent, created: bool, **kwargs: Any) -> None:
    """An event written outside a move (order created, late call, complaint …) queues its messages."""
    if created and str(instance.kind) not in MOVE_KINDS and str(instance.kind) in BY_KIND:
        queue_for(instance.order, instance)


_TIMELINE = {
    Receipt.Kind.SENT: (K.MESSAGE_SENT, True),
    Receipt.Kind.DELIVERED: (K.MESSAGE_DELIVERED, True),
    Receipt.Kind.UNDELIVERED: (K.MESSAGE_FAILED, False),
    Receipt.Kind.FAILED: (K.MESSAGE_FAILED, False),
    Receipt.Kind.DEAD: (K.MESSAGE_FAILED, False),
}


def on_receipt(sender: type[Message], message: Message, receipt: Receipt, **kwargs: Any) -> None:
    """Each message and its delivery receipt on the order's record (一票到底, R-CO-4)."""
    if message.order_id is None or receipt.kind not in _TIMELINE:
        return
    order = WorkOrder.objects.filter(pk=message.order_id).first()
    if order is None:
        return
    kind, visible = _TIMELINE[Receipt.Kind(receipt.kind)]
    to = mask_phone(message.to_phone) if message.channel != Channel.WEBHOOK else message.recipient
    kind.record(
        order=order,
        actor=Actor.system(),
        rule="R-CO-4",
        customer_visible=visible and message.channel != Channel.WEBHOOK,
        data={
            "message": message.pk,
            "template": message.template,
            "channel": message.channel,
            "to": to,
            "provider": receipt.provider,
            "code": receipt.code,
            "text": message.shown_text if message.channel != Channel.WEBHOOK else "",
        },
    )


def on_stuck(sender: type[Message], message: Message, receipt: Receipt, **kwargs: Any) -> None:
    """A message that cannot reach the customer (invalid number, dead letter) tells the desk once: the
    order's owner gets a task to check the contact (R-IN-5)."""
    if message.order_id is None or message.desk_told or message.channel == Channel.WEBHOOK:
        return
    Message.objects.filter(pk=message.pk).update(desk_told=True)
    message.desk_told = True
    order = WorkOrder.objects.filter(pk=message.order_id).first()
    if order is None or order.status in (Status.CLOSED, Status.CANCELLED):
        return
    from doorstep.orders.deadlines import deadline_open

    deadline_open(
        order=order,
        kind=Deadline.Kind.VERIFY,
        due_at=clock.now() + timedelta(hours=policy_of(order).verify_hours),
        owner=order.owner,
        rule="R-IN-2, R-DI-5",
        ref=f"notify.Message:{message.pk}",
    )


RULES: list[Rule] = [
    # every move: the customer's messages of NOTICES, and the status change to a partner's endpoints
    effect(ALL_ACTIONS, notices_for_move, "R-CO-4"),
]
