"""The customer's signature in customer mode on the technician's phone (R-CO-1).

The technician cannot sign: the signature is accepted only with a one-time code sent by text message to
the customer's phone on the order, and it is recorded as obtained that way. On their own phone the
customer signs through the tracking link instead (``web:track_sign``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac

from doorstep.core import clock
from doorstep.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid
from doorstep.core.privacy import mask_phone
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.notify.models import Channel as MessageChannel
from doorstep.notify.outbox import Draft, enqueue
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_lock
from doorstep.visits.common import SIGNABLE, require_field_actor
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.signature import signature_record
from doorstep.visits.models import SignCode, Source

# the customer's SMS with the one-time code (template ``sign_code``; listed with every message the customer
# gets in ``channels.notices.NOTICES``, queued here because only this moment knows the code)
SIGN_CODE_TEXT = (
    "【{brand}】您好，工单 {number} 的完工签字验证码 {code}，{minutes} 分钟内有效。"
    "请您本人确认服务完成后在工程师手机上签字并输入；工程师不得代签，请勿将验证码告诉他人。"
)


def _hash(order: WorkOrder, code: str) -> str:
    return salted_hmac("doorstep.visits.sign_code", f"{order.pk}:{code}", algorithm="sha256").hexdigest()


def sign_code_send(*, order: WorkOrder, actor: Actor) -> SignCode:
    """Send a one-time signing code to the customer's phone (never shown to the technician)."""
    require_field_actor(order, actor)
    if order.status not in SIGNABLE:
        raise DomainError(ErrorCode.NOT_READY_FOR_SIGNATURE)
    policy = policy_of(order)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = clock.now()
    with transaction.atomic():
        sign_code = SignCode.objects.create(
            order=order,
            code_hash=_hash(order, code),
            phone=order.customer.phone,
            sent_at=now,
            expires_at=now + timedelta(minutes=policy.sign_code_minutes),
        )
        # by SMS through the outbox and the providers, at once (urgent: the customer is waiting at the door);
        # the code is the message's secret part (``link``): what staff and the record show has it masked
        phone = order.customer.phone
        params = [
            ["brand", order.brand.name],
            ["number", order.number],
            ["code", code],
            ["minutes", str(policy.sign_code_minutes)],
        ]
        enqueue(
            Draft(
                template="sign_code",
                channel=MessageChannel.SMS,
                recipient=phone,
                occasion=f"sign_code:{sign_code.pk}",
                text=SIGN_CODE_TEXT.format(**dict(params)),
                params=params,
                order_id=order.pk,
                order_number=order.number,
                to_phone=phone,
                centre=str(order.centre_id),
                urgent=True,
                link=code,
                rule="R-CO-1",
            )
        )
        EventKind.SIGN_CODE_SENT.record(
            order=order,
            actor=actor,
            rule="R-CO-1",
            data={"phone": mask_phone(order.customer.phone)},
        )
    return sign_code


def signature_with_code(
    *, order: WorkOrder, channel: Channel, code: str, image: str, signer_name: str, opinion: str = ""
) -> WorkOrder:
    """Customer mode: the customer draws their signature and enters the code from their phone
    (``channel``: ``Channel.customer_device``, the technician as the phone's holder)."""
    if channel.source != Source.CUSTOMER_DEVICE or channel.holder is None:
        raise Forbidden(ErrorCode.SIGNATURE_BY_STAFF)
    require_field_actor(order, channel.holder)
    policy = policy_of(order)
    pending = SignCode.objects.filter(order=order, used_at__isnull=True).order_by("-sent_at").first()
    if pending is None or pending.expires_at < clock.now() or pending.attempts >= policy.sign_code_attempts:
        raise DomainError(ErrorCode.SIGN_CODE_MISSING)
    if not constant_time_compare(pending.code_hash, _hash(order, code.strip())):
        SignCode.objects.filter(pk=pending.pk).update(attempts=F("attempts") + 1)
        raise Invalid(ErrorCode.SIGN_CODE_WRONG, field="code")
    with transaction.atomic():
        order_lock(order)
        if SignCode.objects.filter(pk=pending.pk, used_at__isnull=True).update(used_at=clock.now()) != 1:
            raise Conflict(ErrorCode.ALREADY_SIGNED)  # a concurrent request used this code and signed
        return signature_record(
            order=order,
            channel=Channel.customer_device(
                channel.holder, signer_name.strip() or order.customer.name, device=channel.device
            ),
            image=image,
            signer_name=signer_name,
            opinion=opinion,
        )
