"""催单: the customer hurries the order on the tracking link; the first-contact owner answers (R-IN-5).

A hurry is a promise of the desk: it opens a ``Deadline`` of kind ``hurry`` owned by the order's
first-contact owner (R-IN-5; with no owner yet, the centre's desk) and due the policy's
``hurry_reply_minutes`` later, and the customer is told by when they will hear back. It is on the order's
record as the customer's own act. Two hurries of one order are at least ``hurry_interval_minutes`` apart
(counted from the last one; allowed again exactly then). The owner's reply closes every open hurry of the
order, is shown to the customer on the tracking page and on the record, and is sent to them through the
outbox (``channels.notices``: the reply event queues the message in its transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.network.roles import DESK, OWNER_CHANGERS
from doorstep.orders.deadlines import deadline_open
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import TERMINAL, Status
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder
from doorstep.orders.selectors import order_is_visible_to
from doorstep.orders.services import order_lock
from doorstep.visits.consent.channel import Channel

RULE = "R-IN-5"
NOTE_MAX = 150
REPLY_MAX = 300


@dataclass(frozen=True)
class HurryState:
    """What the tracking page shows about 催单 now."""

    last: OrderEvent | None  # the customer's last hurry
    reply_by: datetime | None  # the promised reply time of the open hurry (None: none open)
    answer: OrderEvent | None  # the desk's last reply
    next_at: datetime | None  # the earliest next hurry (None: allowed now)
    allowed: bool  # the order is open and the interval has passed

    @property
    def waiting(self) -> bool:
        return self.reply_by is not None


def _last(order: WorkOrder, kind: EventKind) -> OrderEvent | None:
    return order.events.filter(kind=kind).order_by("-seq").first()


def next_hurry_at(order: WorkOrder) -> datetime | None:
    """R-IN-5: the earliest time of the next hurry; None when there was none yet."""
    last = _last(order, EventKind.HURRY)
    if last is None:
        return None
    return last.at + timedelta(minutes=policy_of(order).hurry_interval_minutes)


def open_hurries(order: WorkOrder) -> list[Deadline]:
    return list(order.deadlines.filter(kind=Deadline.Kind.HURRY, state__in=Deadline.LIVE).order_by("due_at"))


def hurry_state(order: WorkOrder) -> HurryState:
    now, next_at = clock.now(), next_hurry_at(order)
    live = open_hurries(order)
    waiting = next_at is not None and now < next_at
    return HurryState(
        last=_last(order, EventKind.HURRY),
        reply_by=live[0].due_at if live else None,
        answer=_last(order, EventKind.HURRY_ANSWERED),
        next_at=next_at if waiting else None,
        allowed=order.status not in TERMINAL and not waiting,
    )


def customer_hurry(*, order: WorkOrder, channel: Channel, note: str = "") -> Deadline:
    """The customer hurries the order: a reply promised by the owner within the policy's time (R-IN-5).

    Refused on a closed or cancelled order, and before the policy's interval since the last hurry has
    passed; nothing is written then.
    """
    note = " ".join(note.split())[:NOTE_MAX]
    with transaction.atomic():
        order_lock(order)  # two presses at once: the second one sees the first
        order.refresh_from_db()
        if order.status in TERMINAL:
            raise DomainError(ErrorCode.STEP_NOT_NOW, current=Status(order.status).label)
        now, next_at = clock.now(), next_hurry_at(order)
        if next_at is not None and now < next_at:
            raise DomainError(ErrorCode.HURRY_TOO_SOON, time=clock.local(next_at).strftime("%H:%M"))
        reply_by = now + timedelta(minutes=policy_of(order).hurry_reply_minutes)
        owner = order.owner
        deadline = deadline_open(
            order=order, kind=Deadline.Kind.HURRY, due_at=reply_by, owner=owner, rule=RULE
        )
        event = EventKind.HURRY.record(
            order=order,
            actor=channel.actor,
            reason=note,
            rule=RULE,
            customer_visible=True,
            data={
                "reply_by": clock.local(reply_by).isoformat(),
                "owner": owner.name if owner else "",
                "deadline": deadline.pk,
            },
        )
        Deadline.objects.filter(pk=deadline.pk).update(ref=f"hurry:{event.seq}")
    return deadline


def may_answer(order: WorkOrder, actor: Actor) -> bool:
    """The first-contact owner answers; a supervisor may for them; anyone at the desk when nobody owns it."""
    if actor.role not in DESK or actor.staff is None:
        return False
    return order.owner_id in (None, actor.staff.pk) or actor.role in OWNER_CHANGERS


def hurry_answer(*, order: WorkOrder, actor: Actor, reply: str) -> OrderEvent:
    """The owner's reply to the customer's hurry: it closes the open hurries and the customer reads it."""
    if not order_is_visible_to(order, actor):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    if actor.role not in DESK or actor.staff is None:
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=_("回复催单"))
    if not may_answer(order, actor):
        raise Forbidden(ErrorCode.HURRY_NOT_OWNER, owner=order.owner.name if order.owner else "")
    text = " ".join(reply.split())[:REPLY_MAX]
    if not text:
        raise Invalid(ErrorCode.HURRY_REPLY_REQUIRED, field="reply")
    with transaction.atomic():
        order_lock(order)
        live = open_hurries(order)
        if not live:
            raise DomainError(ErrorCode.HURRY_NONE)
        now = clock.now()
        Deadline.objects.filter(pk__in=[d.pk for d in live]).update(state=Deadline.State.MET, met_at=now)
        return EventKind.HURRY_ANSWERED.record(
            order=order,
            actor=actor,
            reason=text,
            rule=RULE,
            customer_visible=True,
            data={
                "reply": text,
                "deadlines": [d.pk for d in live],
                "in_time": all(now <= d.due_at for d in live),
            },
        )
