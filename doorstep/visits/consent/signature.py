"""The customer's signature completes the order; staff can never sign (R-CO-1).

On the customer's own phone (the tracking link) the signature is :func:`signature_capture`; in customer
mode on the technician's phone it needs the one-time code sent to the customer (``signing.py``). Never
by phone, never from a staff channel.
"""

from __future__ import annotations

from django.db import transaction

from doorstep.core import clock
from doorstep.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid
from doorstep.network.roles import Party
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.orders.services import order_lock, order_transition
from doorstep.visits.common import SIGNABLE
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.drawing import MAX_SIGNATURE_BYTES, png_bytes
from doorstep.visits.models import Signature, Source

__all__ = ["MAX_SIGNATURE_BYTES", "current_signature", "signature_capture", "signature_record"]

METHOD = {
    Source.CUSTOMER_LINK: Signature.Method.CUSTOMER_LINK,
    Source.CUSTOMER_DEVICE: Signature.Method.CUSTOMER_MODE_CODE,
}


def current_signature(order: WorkOrder) -> Signature | None:
    """The signature of the order's current completion: the latest one since the order was last reopened
    (R-QA-1: the return visit is signed again), or None."""
    signatures = Signature.objects.filter(order=order)
    reopened = (
        OrderEvent.objects.filter(order=order, kind=EventKind.REOPEN)
        .order_by("-seq")
        .values_list("at", flat=True)
    ).first()
    if reopened is not None:
        signatures = signatures.filter(at__gt=reopened)
    return signatures.order_by("-at", "-pk").first()


def signature_capture(
    *, order: WorkOrder, channel: Channel, image: str, signer_name: str, opinion: str = ""
) -> WorkOrder:
    """The customer signs on their own phone; the signature completes the order (R-CO-1). Any other
    channel — a staff member, a phone agreement, customer mode without the code — is refused."""
    if channel.source != Source.CUSTOMER_LINK or channel.actor.role != Party.CUSTOMER:
        raise Forbidden(ErrorCode.SIGNATURE_BY_STAFF)
    return signature_record(
        order=order, channel=channel, image=image, signer_name=signer_name, opinion=opinion
    )


def signature_record(
    *, order: WorkOrder, channel: Channel, image: str, signer_name: str, opinion: str = ""
) -> WorkOrder:
    """Store the signature with its channel and device, then complete. Callers have established that
    the customer signs: :func:`signature_capture` (link) or ``signing.signature_with_code`` (code)."""
    if channel.source not in METHOD or channel.actor.role != Party.CUSTOMER:
        raise Forbidden(ErrorCode.SIGNATURE_BY_STAFF)
    if order.status not in SIGNABLE:
        raise DomainError(ErrorCode.NOT_READY_FOR_SIGNATURE)
    if not signer_name.strip():
        raise Invalid(ErrorCode.SIGNER_REQUIRED, field="signer_name")
    png_bytes(image)
    method = METHOD[Source(channel.source)]
    with transaction.atomic():
        order_lock(order)  # one signature per order: a concurrent one waits here, then finds it signed
        if current_signature(order) is not None:
            raise Conflict(ErrorCode.ALREADY_SIGNED)
        Signature.objects.create(
            order=order,
            method=method,
            signer_name=signer_name.strip()[:50],
            image=image,
            opinion=opinion.strip()[:300],
            at=clock.now(),
            source=channel.source,
            recorded_by=channel.recorded_by,
            device=channel.device,
        )
        EventKind.SIGNED.record(
            order=order,
            actor=channel.actor,
            rule="R-CO-1",
            data={
                "method": method,
                "source": channel.source,
                "signer": signer_name.strip(),
                "opinion": opinion.strip()[:300],
            },
        )
        return order_transition(order=order, actor=channel.actor, action=Action.COMPLETE)
