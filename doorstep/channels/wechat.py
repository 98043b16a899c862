"""WeChat official-account messages (R-IN-1 "WeChat"): verify, keep, link or create, answer.

The WeChat server signs every callback with ``sha1(sorted(token, timestamp, nonce))``. A text message
becomes an order (channel ``wechat``) from what it gives (R-IN-2: missing items → information
incomplete); a message from an openid with an open order is put on that order's record instead; a
text without a phone number is answered with a request for one and creates nothing. A repeated
delivery (WeChat retries after 5 s) finds the stored message and gets the same answer.

Replay: the signature covers the token, the timestamp and the nonce, not the body. So a callback is
taken only while its timestamp (and the message's own ``CreateTime``) is within
``DOORSTEP_WECHAT_WINDOW_SECONDS`` of now, either way, and each (account, timestamp, nonce) carries one
message: the same nonce again with another message is refused (403, nothing kept); the same nonce with
the same message is a retry of that delivery and gets the same answer. A MsgId already handled — even
by a request running at the same moment — gets the first answer and never a second order.
"""

from __future__ import annotations

import hashlib
import hmac
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from doorstep.catalog.models import ProductModel
from doorstep.channels.extract import Extracted, extract, labelled
from doorstep.channels.models import InboundMessage, WeChatAccount, WeChatNonce
from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden
from doorstep.customers.parsing.product_match import Catalogue
from doorstep.network.actors import Actor
from doorstep.notify.models import Contact
from doorstep.notify.outbox import status_report
from doorstep.orders.events import EventKind
from doorstep.orders.intake import IntakeRequest, intake_submit
from doorstep.orders.lifecycle import TERMINAL
from doorstep.orders.models import WorkOrder
from doorstep.orders.tracking import tracking_url

MAX_BODY = 64 * 1024
NONCE_MAX = 64  # WeChatNonce.nonce
FIELDS = (
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Content",
    "MsgId",
    "Event",
    "MsgID",
    "Status",
)


class BadMessage(ValueError):
    """The body is not a WeChat XML message."""


def signature_valid(token: str, *, signature: str, timestamp: str, nonce: str) -> bool:
    """The WeChat server signature: sha1 of the sorted token, timestamp and nonce, hex."""
    if not (token and signature and timestamp and nonce):
        return False
    expected = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return hmac.compare_digest(expected, signature.lower())


def window_seconds() -> int:
    return int(getattr(settings, "DOORSTEP_WECHAT_WINDOW_SECONDS", 300))


def time_fresh(value: str) -> bool:
    """A WeChat time (Unix seconds) within the window of now, either way (the edge itself included)."""
    try:
        moment = int(value)
    except ValueError:
        return False
    return abs(int(clock.now().timestamp()) - moment) <= window_seconds()


def stale() -> Forbidden:
    return Forbidden(ErrorCode.WECHAT_STALE, seconds=window_seconds())


def parse_message(body: bytes) -> dict[str, str]:
    """The message's fields; no DTDs or entities are accepted (WeChat never sends them)."""
    if len(body) > MAX_BODY or b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BadMessage("refused")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        raise BadMessage(str(err)) from None
    if root.tag != "xml":
        raise BadMessage("not a message")
    fields = {name: (root.findtext(name) or "").strip() for name in FIELDS}
    if not fields["FromUserName"] or not fields["MsgType"]:
        raise BadMessage("no sender")
    return fields


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def reply_xml(message: dict[str, str], content: str) -> str:
    """A passive text reply to the sender (to the openid, from the account)."""
    return (
        f"<xml><ToUserName>{_cdata(message['FromUserName'])}</ToUserName>"
        f"<FromUserName>{_cdata(message['ToUserName'])}</FromUserName>"
        f"<CreateTime>{int(clock.now().timestamp())}</CreateTime>"
        f"<MsgType>{_cdata('text')}</MsgType><Content>{_cdata(content)}</Content></xml>"
    )


Handled = tuple[str, str, WorkOrder | None, dict[str, Any]]  # outcome, reply text, order, parsed facts


def _external_id(message: dict[str, str]) -> str:
    """MsgId for messages; events have none, so WeChat's own rule applies (sender + CreateTime)."""
    return message["MsgId"] or f"{message['FromUserName']}:{message['CreateTime']}"


def receive_callback(*, account: WeChatAccount, body: bytes, timestamp: str, nonce: str) -> str:
    """A signed POST from the WeChat server: fresh (timestamp and CreateTime), its nonce not used for
    another message; then ``receive``. Refusals are ``Forbidden`` and keep no message."""
    if not time_fresh(timestamp):
        raise stale()
    if not 0 < len(nonce) <= NONCE_MAX:
        raise BadMessage("nonce")
    message = parse_message(body)
    if not time_fresh(message["CreateTime"]):
        raise stale()
    _nonce_use(account, timestamp, nonce, _external_id(message))
    return receive(account=account, body=body, message=message)


def _nonce_use(account: WeChatAccount, timestamp: str, nonce: str, external_id: str) -> None:
    """Record the nonce in its own transaction (a later failure leaves it used); prune expired ones."""
    now = clock.now()
    WeChatNonce.objects.filter(
        account=account, seen_at__lt=now - timedelta(seconds=2 * window_seconds())
    ).delete()
    try:
        with transaction.atomic():
            WeChatNonce.objects.create(
                account=account, timestamp=timestamp, nonce=nonce, external_id=external_id, seen_at=now
            )
    except IntegrityError:
        first = WeChatNonce.objects.filter(account=account, timestamp=timestamp, nonce=nonce).first()
        if first is None or first.external_id != external_id:
            raise Forbidden(ErrorCode.WECHAT_REPLAYED) from None


def receive(*, account: WeChatAccount, body: bytes, message: dict[str, str] | None = None) -> str:
    """Handle one verified message; returns the reply XML. See the module docstring."""
    message = message or parse_message(body)
    external_id = _external_id(message)
    stored = _stored(external_id)
    if stored is not None:
        return stored.reply
    try:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            return _handle(account, message, external_id, body.decode("utf-8", "replace"))
    except IntegrityError:
        # the same MsgId handled by a request running at the same moment: its order and this one's
        # writes are rolled back with the transaction (inbound_message_once); answer what it answered
        stored = _stored(external_id)
        if stored is None:
            raise
        return stored.reply


def _stored(external_id: str) -> InboundMessage | None:
    return InboundMessage.objects.filter(channel="wechat", external_id=external_id).first()


def _handle(account: WeChatAccount, message: dict[str, str], external_id: str, raw: str) -> str:
    outcome, text, order, parsed = _answer(account, message)
    record = InboundMessage.objects.create(
        channel="wechat",
        account=account,
        external_id=external_id,
        openid=message["FromUserName"],
        raw_body=raw,
        parsed={"message": message, **parsed},
        order=order,
        outcome=outcome,
        reply=reply_xml(message, text) if text else "success",  # an event: no reply
    )
    return record.reply


def _answer(account: WeChatAccount, message: dict[str, str]) -> Handled:
    if message["MsgType"] == "event" and message["Event"] in ACCOUNT_EVENTS:
        account_event(message)
        return InboundMessage.Outcome.IGNORED, "", None, {"event": message["Event"]}
    if message["MsgType"] != "text" or not message["Content"]:
        return InboundMessage.Outcome.IGNORED, _("请用文字描述您的需求：电话、地址和故障现象。"), None, {}
    open_order = _open_order(message["FromUserName"])
    if open_order is not None:
        return _link(open_order, message)
    return _create(account, message)


# --- the service account's followers and the delivery of its template messages (doorstep.notify) --------
ACCOUNT_EVENTS = ("subscribe", "unsubscribe", "TEMPLATESENDJOBFINISH")


def account_event(message: dict[str, str]) -> None:
    """Following the account (WeChat first for this customer's messages), leaving it (SMS again), and the
    delivery report of a template message sent to them."""
    openid, event = message["FromUserName"], message["Event"]
    if event == "TEMPLATESENDJOBFINISH":
        status = message["Status"]
        status_report(
            provider_name="wechat", ref=message["MsgID"], delivered=status == "success", code=status
        )
        return
    Contact.objects.filter(wechat_openid=openid).update(follows_account=event == "subscribe")


def contact_follows(phone: str, openid: str) -> None:
    """A customer who writes to the service account follows it: their messages go there first."""
    if phone and openid:
        Contact.objects.update_or_create(
            phone=phone, defaults={"wechat_openid": openid, "follows_account": True}
        )


def _open_order(openid: str) -> WorkOrder | None:
    """The latest order this openid created or wrote about that is not closed or cancelled."""
    latest = (
        InboundMessage.objects.filter(channel="wechat", openid=openid, order__isnull=False)
        .exclude(order__status__in=TERMINAL)
        .select_related("order")
        .order_by("-received_at", "-pk")
        .first()
    )
    return latest.order if latest else None


def _link(order: WorkOrder, message: dict[str, str]) -> Handled:
    """The customer writes again: the text goes on the order's record for the desk (not shown back)."""
    contact_follows(order.customer.phone, message["FromUserName"])
    EventKind.CUSTOMER_MESSAGE.record(
        order=order,
        actor=Actor.customer(_("微信用户")),
        customer_visible=False,
        rule="R-IN-1",
        data={"channel": "wechat", "openid": message["FromUserName"], "text": message["Content"][:1000]},
    )
    text = _("已收到，您的留言已记入工单 %(number)s，客服会尽快处理。进度查询：%(url)s") % {
        "number": order.number,
        "url": tracking_url(order),
    }
    return InboundMessage.Outcome.LINKED, text, order, {}


def _catalogue(account: WeChatAccount) -> Catalogue:
    return Catalogue(ProductModel.objects.filter(brand=account.brand).values_list("code", flat=True))


def _request(account: WeChatAccount, found: Extracted) -> IntakeRequest:
    return IntakeRequest(
        brand=account.brand.code,
        channel="wechat",
        service_type=found.service_type,
        customer_name=found.name,
        phone=found.phone,
        address_text=found.address,
        model_code=found.model,
        faults=found.faults,
        requirement=found.requirement,
    )


def _labelled_request(account: WeChatAccount, fields: dict[str, str]) -> IntakeRequest:
    symptom = fields.get("symptom", "")
    return IntakeRequest(
        brand=account.brand.code,
        channel="wechat",
        service_type=fields.get("service_type", ""),
        customer_name=fields.get("customer_name", ""),
        phone=fields.get("phone", ""),
        address_text=fields.get("address", ""),
        model_code=fields.get("product_model", ""),
        purchase_date=fields.get("purchase_date", ""),
        faults=[symptom] if symptom else [],
        requirement=fields.get("preferred_time", ""),
    )


def _create(account: WeChatAccount, message: dict[str, str]) -> Handled:
    """R-IN-1/R-IN-2: the message's raw strings go through the one intake pipeline; a rejected request
    (neither a valid phone nor a usable name) asks for the phone number and makes no order."""
    fields = labelled(message["Content"])
    parsed: dict[str, Any]
    if fields is not None:
        req = _labelled_request(account, fields)
        parsed = {"labelled": fields}
    else:
        centre = account.brand.centres.order_by("pk").first()
        region = f"{centre.province}{centre.city}" if centre else ""
        found = extract(message["Content"], catalogue=_catalogue(account), region_hint=region)
        parsed = {"extracted": found.as_dict()}
        if not found.phone:
            return InboundMessage.Outcome.NEED_PHONE, _need_phone_text(), None, parsed
        req = _request(account, found)
    try:
        with transaction.atomic():
            result = intake_submit(actor=Actor.customer(req.customer_name or _("微信用户")), req=req)
    except DomainError as err:
        parsed["error"] = {"code": err.code, "field": err.field, "message": err.text()}
        text = _("未能登记：%(reason)s。请补充后重新发送，或拨打 %(hotline)s。") % {
            "reason": err.text(),
            "hotline": account.brand.hotline,
        }
        return InboundMessage.Outcome.REJECTED, text, None, parsed
    parsed["intake"] = result.as_dict()
    if result.order is None:
        return InboundMessage.Outcome.NEED_PHONE, _need_phone_text(), None, parsed
    contact_follows(result.order.customer.phone, message["FromUserName"])
    return InboundMessage.Outcome.CREATED, _created_text(result.order), result.order, parsed


def _need_phone_text() -> str:
    return _("您好，已收到您的消息。请回复您的手机号码，以及上门地址和故障现象，我们将为您登记服务工单。")


def _created_text(order: WorkOrder) -> str:
    text = _("已为您登记服务工单 %(number)s。进度查询：%(url)s") % {
        "number": order.number,
        "url": tracking_url(order),
    }
    if order.missing_items:
        text += _("（部分信息待客服来电核实）")
    return text
