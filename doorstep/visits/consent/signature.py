"""The customer's signature completes the order; staff can never sign (R-CO-1)."""

from __future__ import annotations

import base64
import binascii

from django.db import transaction

from doorstep.core import clock
from doorstep.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid
from doorstep.network.actors import Actor
from doorstep.network.roles import Party
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_lock, order_transition
from doorstep.visits.common import SIGNABLE
from doorstep.visits.models import Signature

MAX_SIGNATURE_BYTES = 400_000


def _png_bytes(image: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not image.startswith(prefix):
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image")
    try:
        raw = base64.b64decode(image[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image") from None
    if not raw.startswith(b"\x89PNG") or len(raw) < 100 or len(raw) > MAX_SIGNATURE_BYTES:
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image")
    return raw


def signature_capture(
    *, order: WorkOrder, actor: Actor, image: str, signer_name: str, method: str, opinion: str = ""
) -> WorkOrder:
    """The customer signs; the signature completes the order (R-CO-1). Staff can never sign (R-CO-1)."""
    if actor.role != Party.CUSTOMER:
        raise Forbidden(ErrorCode.SIGNATURE_BY_STAFF)
    if method not in Signature.Method.values:
        raise Invalid(ErrorCode.SIGNATURE_METHOD_INVALID, field="method")
    if order.status not in SIGNABLE:
        raise DomainError(ErrorCode.NOT_READY_FOR_SIGNATURE)
    if not signer_name.strip():
        raise Invalid(ErrorCode.SIGNER_REQUIRED, field="signer_name")
    _png_bytes(image)
    with transaction.atomic():
        order_lock(order)  # one signature per order: a concurrent one waits here, then finds it signed
        if Signature.objects.filter(order=order).exists():
            raise Conflict(ErrorCode.ALREADY_SIGNED)
        Signature.objects.create(
            order=order,
            method=method,
            signer_name=signer_name.strip(),
            image=image,
            opinion=opinion.strip()[:300],
            at=clock.now(),
        )
        EventKind.SIGNED.record(
            order=order,
            actor=actor,
            rule="R-CO-1",
            data={"method": method, "signer": signer_name.strip(), "opinion": opinion.strip()[:300]},
        )
        return order_transition(order=order, actor=actor, action=Action.COMPLETE)
