"""The desk beyond intake: call log with promised replies (R-IN-8), ownership hand-over (R-IN-5), and
recording the cause of each fault so the knowledge base learns (R-AN-1)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.kb import kb_feed_back
from doorstep.core import clock
from doorstep.core.errors import Forbidden, Invalid
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
        raise Forbidden("role_not_allowed", _("只有客服可以登记通话。"))
    if direction not in CallRecord.Direction.values:
        raise Invalid("direction_invalid", _("通话方向无效。"), field="direction")
    if not question.strip():
        raise Invalid("question_required", _("请记录客户的问题。"), field="question")
    if promised_reply_at is not None and promised_reply_at <= clock.now():
        raise Invalid("promise_in_past", _("承诺回复时间必须晚于现在。"), field="promised_reply_at")
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
        raise Forbidden("role_not_allowed", _("只有客服可以登记回复。"))
    Deadline.objects.filter(call=call, state__in=[Deadline.State.OPEN, Deadline.State.OVERDUE]).update(
        state=Deadline.State.MET, met_at=clock.now()
    )
    return call


def order_hand_over(*, order: WorkOrder, actor: Actor, new_owner: Staff, reason: str) -> WorkOrder:
    """First-contact ownership moves only by a supervisor, with a reason, on the record (R-IN-5)."""
    if actor.role not in OWNER_CHANGERS:
        raise Forbidden("handover_supervisor_only", _("首问负责只能由客服主管转交。"))
    if not reason.strip():
        raise Invalid("reason_required", _("转交首问负责必须填写原因。"), field="reason")
    if new_owner.role not in DESK or new_owner.centre_id != order.centre_id:
        raise Invalid("owner_invalid", _("新负责人必须是本中心的客服。"), field="new_owner")
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
        raise Invalid("fault_unknown", _("故障项不属于该工单。"), field="fault")
    if not cause.strip():
        raise Invalid("cause_required", _("请填写故障原因。"), field="cause")
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
