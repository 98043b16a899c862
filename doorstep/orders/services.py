"""Writes on the work order. Every status change goes through ``order_transition``.

A move's rules are not here: they are declared in the rulebook (``doorstep.orders.rulebook``; the order
core's own in ``doorstep.orders.moves``, each capability's in its ``moves`` module). Views and API routers
call these functions and nothing else.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F

from doorstep.core import clock
from doorstep.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.network.actors import Actor
from doorstep.network.roles import OUTLET_BOUND, Role
from doorstep.orders.events import EventKind, event_record
from doorstep.orders.lifecycle import Action, Move, Scope, Status, find_move
from doorstep.orders.models import WorkOrder
from doorstep.orders.rulebook import MoveContext, Phase, rules_of
from doorstep.orders.selectors import order_is_visible_to


# --- the one transition function --------------------------------------------------------------------
def order_transition(
    *,
    order: WorkOrder,
    actor: Actor,
    action: str,
    reason: str = "",
    params: dict[str, Any] | None = None,
    inserted: bool = False,
) -> WorkOrder:
    """Perform one lifecycle move on behalf of ``actor``; refuse it with a DomainError otherwise.

    The order inside a move is fixed (docs/rulebook.md): the move's own checks, every guard of the
    rulebook (nothing is written before the last guard passed), the compare-and-set of the status with
    its event, the effects in the same transaction, and after commit the effects that leave the database.

    ``inserted``: the caller inserted ``order`` in its own transaction and holds it as written (the
    intake's first move). No one else can see the row, so it needs no lock read, no savepoint (a refusal
    fails the caller's transaction) and no re-read after the compare-and-set: the move's changes are set
    on the object in memory (issue 16, intake at scale).
    """
    with transaction.atomic(savepoint=not inserted):
        if not inserted:
            order_lock(order)
        ctx = order_move_check(order=order, actor=actor, action=action, reason=reason, params=params)
        _transition(ctx, reread=not inserted)
        for r in rules_of(ctx.move, Phase.EFFECT):
            r.fn(ctx)
        for r in rules_of(ctx.move, Phase.AFTER_COMMIT):
            transaction.on_commit(partial(r.fn, ctx))
    return ctx.order


def order_lock(order: WorkOrder) -> WorkOrder:
    """Lock the order's row for the rest of the transaction; a concurrent writer got there first → Conflict.

    Every read-then-write on one order runs under this lock, so two concurrent requests made from the same
    version of the order give one effect and one 409 (``stale_order``): the guards of the loser never see a
    half-applied winner, and the compare-and-set below stays the last word. Call it inside ``atomic``.
    """
    locked = (
        WorkOrder.objects.select_for_update().filter(pk=order.pk).values_list("status", "version").first()
    )
    if locked is None:
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    if locked != (order.status, order.version):
        raise Conflict(ErrorCode.STALE_ORDER)
    return order


def order_move_check(
    *,
    order: WorkOrder,
    actor: Actor,
    action: str,
    reason: str = "",
    params: dict[str, Any] | None = None,
) -> MoveContext:
    """Every check of a move, writing nothing: raises the first refusal, else returns the move's context.

    Callers that must do something outside the database before a move (charge a payment provider) ask
    this first, so a move that would be refused leaves nothing behind.
    """
    move = _checked_move(order, actor, action, reason)
    ctx = MoveContext(order=order, move=move, actor=actor, params=dict(params or {}), reason=reason.strip())
    for r in rules_of(move, Phase.GUARD):
        ctx.data.update(r.fn(ctx) or {})
    return ctx


def _checked_move(order: WorkOrder, actor: Actor, action: str, reason: str) -> Move:
    if not order_is_visible_to(order, actor):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    try:
        Action(action)
    except ValueError:
        raise Invalid(ErrorCode.UNKNOWN_ACTION, field="action", action=action) from None
    move = find_move(order.status, action)
    if move is None:
        raise DomainError(
            ErrorCode.ILLEGAL_MOVE,
            action=Action(action).label,
            current=Status(order.status).label,
        )
    if actor.role not in move.roles:
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=move.action.label)
    _check_scope(order, actor, move)
    if move.needs_reason and not reason.strip():
        raise Invalid(ErrorCode.REASON_REQUIRED, field="reason", action=move.action.label)
    return move


def _check_scope(order: WorkOrder, actor: Actor, move: Move) -> None:
    """The move's declared scope: the outlet's own orders, the technician's own visits (R-PV-1)."""
    outlet_bound = actor.role in OUTLET_BOUND
    if move.scope == Scope.OWN_OUTLET and outlet_bound and order.outlet_id != actor.outlet_id:
        raise Forbidden(ErrorCode.OTHER_OUTLET)
    own = order.technician_id == actor.technician_id
    if move.scope == Scope.OWN_VISIT and actor.role == Role.TECHNICIAN and not own:
        raise Forbidden(ErrorCode.NOT_YOUR_VISIT)


def _transition(ctx: MoveContext, *, reread: bool = True) -> None:
    """Compare-and-set on the old status and version, then write the move's event. ``reread=False``: the
    object is the row as it stands (``order_transition(inserted=True)``), so the written values are set on
    it instead of reading the row again, unless one of them is computed by the database."""
    order, move = ctx.order, ctx.move
    now = clock.now()
    changed = WorkOrder.objects.filter(pk=order.pk, status=move.source, version=order.version).update(
        status=move.target, version=F("version") + 1, updated_at=now, **ctx.updates
    )
    if changed != 1:
        raise Conflict(ErrorCode.STALE_ORDER)
    if reread or any(hasattr(value, "resolve_expression") for value in ctx.updates.values()):
        order.refresh_from_db()
    else:
        order.status, order.version, order.updated_at = move.target.value, order.version + 1, now
        for name, value in ctx.updates.items():
            setattr(order, name, value)
    ctx.event = event_record(
        order=order,
        actor=ctx.actor,
        kind=EventKind(move.action.value),
        from_status=move.source.value,
        to_status=move.target.value,
        reason=ctx.reason,
        data=ctx.data,
        customer_visible=move.customer_visible,
        rule=move.rule,
        locked=True,  # order_transition took the row lock (order_lock)
    )
