"""The customer's own changes of the appointment on the tracking link (declared in ``RULES``, read by the
rulebook): confirm, move, cancel and rebook after nobody-home.

R-DI-8 asks the company for at least ``reschedule_notice_minutes`` of notice before changing an appointment;
the same notice is asked of the customer who changes it online (``Policy.customer_change_notice_minutes``):
later than that the technician may already be on the way, and the customer calls the hotline instead. A
proposed time is confirmed online at least ``Policy.customer_confirm_notice_minutes`` before it. Staff moves
are not touched here (R-DI-8's company notice is ``doorstep.dispatch.moves.reschedule_notice_rule``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode
from doorstep.core.punctuality import appointment_of
from doorstep.network.policy import policy_of
from doorstep.network.roles import Party
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.rulebook import MoveContext, Rule, guard

A, S = Action, Status
# statuses in which an appointment is still ahead of the customer: a change needs notice (R-DI-8)
PENDING = (S.ASSIGNED, S.CONFIRMED, S.RESCHEDULED)


def minutes_before(order: WorkOrder, moment: datetime | None) -> float | None:
    """Minutes from now until ``moment`` (None without one)."""
    if moment is None:
        return None
    return (moment - clock.now()) / timedelta(minutes=1)


def change_in_time(order: WorkOrder) -> None:
    """R-DI-8: the customer changes a pending appointment online only with the policy's notice."""
    if order.status not in PENDING:
        return
    policy = policy_of(order)
    left = minutes_before(order, appointment_of(order))
    if left is not None and left < policy.customer_change_notice_minutes:
        raise DomainError(
            ErrorCode.CUSTOMER_CHANGE_TOO_LATE,
            field="window_start",
            minutes=policy.customer_change_notice_minutes,
            hotline=order.brand.hotline,
        )


def confirm_in_time(order: WorkOrder, start: datetime | None) -> None:
    """R-DI-8: a time is confirmed online at least the policy's confirmation notice before it."""
    policy = policy_of(order)
    left = minutes_before(order, start)
    if left is not None and left < policy.customer_confirm_notice_minutes:
        raise DomainError(
            ErrorCode.CUSTOMER_CONFIRM_TOO_LATE,
            field="window_start",
            minutes=policy.customer_confirm_notice_minutes,
            hotline=order.brand.hotline,
        )


def _by_customer(ctx: MoveContext) -> bool:
    return ctx.actor.role == Party.CUSTOMER


def customer_change_notice(ctx: MoveContext) -> dict[str, Any] | None:
    """The customer's own move or cancellation comes early enough before the appointment (R-DI-8)."""
    if not _by_customer(ctx):
        return None
    change_in_time(ctx.order)
    return {"by_customer": True}


def customer_confirm_notice(ctx: MoveContext) -> dict[str, Any] | None:
    """The customer confirms a time early enough before it; choosing another time is a change (R-DI-8)."""
    if not _by_customer(ctx):
        return None
    order = ctx.order
    proposed = ctx.param("window_start")
    start = proposed if isinstance(proposed, datetime) else order.window_start
    if start != order.window_start:  # another time than the one on the order: a move, with its notice
        change_in_time(order)
    confirm_in_time(order, start)
    return {"by_customer": True}


def customer_rebooks(ctx: MoveContext) -> dict[str, Any] | None:
    """The customer rebooks a missed visit on the link (R-AR-2): the missed window goes to the record.

    The new time is then confirmed by the customer (``confirm_appointment`` with the chosen slot), so no
    notice is counted from the window that was missed."""
    if not _by_customer(ctx):
        return None
    order = ctx.order
    missed = [clock.local(order.window_start).isoformat()] if order.window_start else []
    ctx.updates.update(window_start=None, window_end=None)
    return {"missed_window": missed, "by_customer": True}


RULES: list[Rule] = [
    guard((A.RESCHEDULE, A.CANCEL), customer_change_notice, "R-DI-8"),
    guard(A.REBOOK, customer_rebooks, "R-AR-2"),
    guard(A.CONFIRM_APPOINTMENT, customer_confirm_notice, "R-DI-8"),
]
