"""The desk beyond intake: call log with promised replies (R-IN-8), ownership hand-over (R-IN-5), and
recording the cause of each fault so the knowledge base learns (R-AN-1)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.kb import kb_feed_back
from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Forbidden, Invalid
from doorstep.network.actors import Actor
from doorstep.network.models import Staff
from doorstep.network.roles import DESK, OWNER_CHANGERS
from doorstep.orders import deadlines
from doorstep.orders.events import EventKind
from doorstep.orders.intake import normalise_phone_or_raise
from doorstep.orders.models import CallRecord, Deadline, FaultItem, WorkOrder


def call_log(
    *,
    actor: Actor,
    direction: str,
    phone: str,
    question: str,
    caller_name: str = "",
    product: str = "",
    promised_reply_at: datetime | None = None,
    read_back_confirmed: bool = False,
    order: WorkOrder | None = None,
) -> CallRecord:
    """Record a call; a promised reply time becomes the agent's deadline (R-IN-8)."""
    if actor.role not in DESK or actor.staff is None:
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=_("登记通话"))
    if direction not in CallRecord.Direction.values:
        raise Invalid(ErrorCode.DIRECTION_INVALID, field="direction")
    if not question.strip():
        raise Invalid(ErrorCode.QUESTION_REQUIRED, field="question")
    if promised_reply_at is not None and promised_reply_at <= clock.now():
        raise Invalid(ErrorCode.PROMISE_IN_PAST, field="promised_reply_at")
    with transaction.atomic():
        call = CallRecord.objects.create(
            direction=direction,
            agent=actor.staff,
            phone=normalise_phone_or_raise(phone),
            caller_name=caller_name.strip(),
            product=product.strip(),
            question=question.strip()[:500],
            promised_reply_at=promised_reply_at,
            read_back_confirmed=read_back_confirmed,
            order=order,
            at=clock.now(),
        )
        if promised_reply_at is not None:
            deadlines.deadline_open(
                call=call,
                order=order,
                kind=Deadline.Kind.CALL_REPLY,
                owner=actor.staff,
                due_at=promised_reply_at,
            )
        if order is not None:
            EventKind.CALL.record(
                order=order,
                actor=actor,
                customer_visible=False,
                rule="R-IN-8",
                data={"direction": direction, "question": call.question, "read_back": read_back_confirmed},
            )
    return call


def call_replied(*, call: CallRecord, actor: Actor) -> CallRecord:
    """The promised reply was given: the deadline closes itself."""
    if actor.staff is None or actor.role not in DESK:
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=_("登记回复"))
    Deadline.objects.filter(call=call, state__in=[Deadline.State.OPEN, Deadline.State.OVERDUE]).update(
        state=Deadline.State.MET, met_at=clock.now()
    )
    return call


def order_hand_over(*, order: WorkOrder, actor: Actor, new_owner: Staff, reason: str) -> WorkOrder:
    """First-contact ownership moves only by a supervisor, with a reason, on the record (R-IN-5)."""
    if actor.role not in OWNER_CHANGERS:
        raise Forbidden(ErrorCode.HANDOVER_SUPERVISOR_ONLY)
    if not reason.strip():
        raise Invalid(ErrorCode.REASON_REQUIRED, action=_("转交首问负责"), field="reason")
    if new_owner.role not in DESK or new_owner.centre_id != order.centre_id:
        raise Invalid(ErrorCode.OWNER_INVALID, field="new_owner")
    old = order.owner
    with transaction.atomic():
        WorkOrder.objects.filter(pk=order.pk).update(owner=new_owner)
        order.deadlines.filter(owner=old, kind__in=Deadline.PROMISE_KINDS, state__in=Deadline.LIVE).update(
            owner=new_owner
        )
        EventKind.OWNER_HANDED_OVER.record(
            order=order,
            actor=actor,
            reason=reason.strip(),
            rule="R-IN-5",
            customer_visible=False,
            data={"from": old.name if old else "", "to": new_owner.name},
        )
    order.refresh_from_db()
    return order


def fault_record_cause(
    *, order: WorkOrder, actor: Actor, fault: FaultItem, cause: str, resolution: str
) -> FaultItem:
    """The cause found on site; it feeds the knowledge base (R-AN-1)."""
    if fault.order_id != order.pk:
        raise Invalid(ErrorCode.FAULT_UNKNOWN, field="fault")
    if not cause.strip():
        raise Invalid(ErrorCode.CAUSE_REQUIRED, field="cause")
    with transaction.atomic():
        fault.cause, fault.resolution = cause.strip()[:300], resolution.strip()[:300]
        fault.save(update_fields=["cause", "resolution"])
        line = order.product.model.line if order.product and order.product.model else None
        if line is not None:
            kb_feed_back(
                line=line,
                key=f"{order.number}-{fault.position}",
                symptom=fault.symptom,
                cause=fault.cause,
                measures=[fault.resolution] if fault.resolution else [],
            )
        EventKind.FAULT_CAUSE.record(
            order=order,
            actor=actor,
            rule="R-AN-1",
            data={"fault": fault.position, "cause": fault.cause, "resolution": fault.resolution},
        )
    return fault
