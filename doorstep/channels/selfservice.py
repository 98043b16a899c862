"""The customer's self-service on the signed tracking link: confirm, move or cancel the appointment, and
rebook after nobody was home (R-DI-3, R-DI-8, R-AR-2).

Every act is a lifecycle move made by the customer (``Actor.customer`` through ``link_channel``: a staff
session on the link is refused), so it goes through the rulebook and lands on the order's record as the
customer's own; the technician and the desk see it there. The notice times are the guards of
``doorstep.channels.moves``; the free times offered for a move or a rebooking come from the slot finder of
dispatch (``doorstep.dispatch.slots``), kept to the technician already sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from doorstep.channels.moves import PENDING
from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Invalid
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.slots import Slot, free_slots, request_for_order, technician_starts
from doorstep.network.policy import policy_of
from doorstep.network.roles import Party
from doorstep.orders.lifecycle import Action, Status, find_move
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.visits.consent.channel import Channel

S = Status
MOVE_REASON = "客户本人在线改约"
REBOOK_REASON = "客户本人在线重新预约（上次上门无人在家）"
CANCEL_REASONS = {
    "solved": _("问题已自行解决"),
    "not_needed": _("不需要上门服务了"),
    "time": _("时间不合适，稍后再约"),
    "other": _("其他原因"),
}


@dataclass(frozen=True)
class Choices:
    """What the customer may do on the link now, and until when (shown on the tracking page)."""

    confirm: bool
    move: bool
    cancel: bool
    rebook: bool
    change_until: datetime | None  # a move or cancellation online until then (R-DI-8)
    confirm_until: datetime | None

    @property
    def any(self) -> bool:
        return self.confirm or self.move or self.cancel or self.rebook


def _customer_may(order: WorkOrder, action: Action) -> bool:
    move = find_move(order.status, action)
    return move is not None and Party.CUSTOMER in move.roles


def choices(order: WorkOrder) -> Choices:
    """The acts offered to the customer for this order at this moment (the moves still check everything)."""
    policy = policy_of(order)
    appointment = appointment_of(order)
    now = clock.now()
    change_until = confirm_until = None
    in_time = confirm_in_time = True
    if appointment is not None and order.status in PENDING:
        change_until = appointment - timedelta(minutes=policy.customer_change_notice_minutes)
        confirm_until = appointment - timedelta(minutes=policy.customer_confirm_notice_minutes)
        in_time, confirm_in_time = now <= change_until, now <= confirm_until
    has_window = order.window_start is not None
    return Choices(
        confirm=order.status in (S.ASSIGNED, S.RESCHEDULED) and has_window and confirm_in_time,
        move=order.status in PENDING and order.technician_id is not None and in_time,
        cancel=_customer_may(order, Action.CANCEL) and in_time,
        rebook=order.status == S.NOBODY_HOME and order.technician_id is not None,
        change_until=change_until,
        confirm_until=confirm_until,
    )


def customer_slots(order: WorkOrder, *, days: int | None = None) -> list[Slot]:
    """Free times for this order from the outlet's real capacity, kept to the technician already sent."""
    req = request_for_order(order)
    if req is None:
        return []
    slots = free_slots(req, days=days)
    if order.technician_id is None:
        return slots
    return [s for s in slots if order.technician_id in s.technicians]


def _slot_window(order: WorkOrder, start: datetime | None) -> tuple[datetime, datetime]:
    """The chosen start, if the technician can still take the visit then (R-DI-3, R-AN-4)."""
    if start is None:
        raise Invalid(ErrorCode.WINDOW_REQUIRED, field="window_start")
    req, tech = request_for_order(order), order.technician
    policy = policy_of(order)
    earliest = clock.now() + timedelta(minutes=policy.slot_lead_minutes)
    last_day = clock.today() + timedelta(days=policy.slot_days)
    offered = (
        req is not None
        and tech is not None
        and earliest <= start
        and clock.local(start).date() < last_day
        and bool(technician_starts(req, tech, clock.local(start).date(), policy, earliest, only=[start]))
    )
    if not offered:
        raise Invalid(
            ErrorCode.SLOT_NOT_OFFERED, field="window_start", start=clock.local(start).strftime("%m-%d %H:%M")
        )
    return start, start + timedelta(minutes=policy.slot_minutes)


def customer_confirm(*, order: WorkOrder, channel: Channel) -> WorkOrder:
    """The customer confirms the time proposed to them (R-DI-3; R-DI-8 after a reschedule)."""
    params = {}
    if order.status == S.ASSIGNED:  # the booked window becomes the agreed one
        params = {"window_start": order.window_start, "window_end": order.window_end}
    return order_transition(
        order=order, actor=channel.actor, action=Action.CONFIRM_APPOINTMENT, params=params
    )


def customer_move(*, order: WorkOrder, channel: Channel, start: datetime | None) -> WorkOrder:
    """The customer moves the appointment to a free time of the same technician, and it is agreed at once
    (R-DI-8: a change asked for by the customer, with the customer's notice)."""
    new_start, new_end = _slot_window(order, start)
    window = {"window_start": new_start, "window_end": new_end}
    actor = channel.actor
    with transaction.atomic():
        if order.status == S.CONFIRMED:  # the record shows the change, then the new agreed time
            order = order_transition(
                order=order,
                actor=actor,
                action=Action.RESCHEDULE,
                reason=MOVE_REASON,
                params={**window, "requested_by": Party.CUSTOMER.value},
            )
            return order_transition(order=order, actor=actor, action=Action.CONFIRM_APPOINTMENT)
        return order_transition(order=order, actor=actor, action=Action.CONFIRM_APPOINTMENT, params=window)


def customer_rebook(*, order: WorkOrder, channel: Channel, start: datetime | None) -> WorkOrder:
    """After nobody was home, the customer picks the next visit themselves (R-AR-2)."""
    new_start, new_end = _slot_window(order, start)
    actor = channel.actor
    with transaction.atomic():
        order = order_transition(order=order, actor=actor, action=Action.REBOOK, reason=REBOOK_REASON)
        return order_transition(
            order=order,
            actor=actor,
            action=Action.CONFIRM_APPOINTMENT,
            params={"window_start": new_start, "window_end": new_end},
        )


def customer_cancel(*, order: WorkOrder, channel: Channel, reason: str, note: str = "") -> WorkOrder:
    """The customer cancels the service (with the notice of R-DI-8 while a visit is booked)."""
    if reason not in CANCEL_REASONS:
        raise Invalid(ErrorCode.REASON_REQUIRED, field="reason", action=Action.CANCEL.label)
    with translation.override("zh-hans"):  # the record is kept in Chinese, whatever the customer reads
        text = str(CANCEL_REASONS[reason])
    note = " ".join(note.split())[:150]
    return order_transition(
        order=order,
        actor=channel.actor,
        action=Action.CANCEL,
        reason=f"客户本人在线取消：{text}" + (f"（{note}）" if note else ""),
    )
