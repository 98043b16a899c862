"""Extension points of the one transition function.

Capabilities outside ``orders`` (the visit, dispatch, quality) add their rules here instead of editing
the lifecycle: a *guard* runs inside the transaction before the status changes and refuses with a
DomainError; an *effect* runs inside the same transaction right after the move is recorded (deadlines,
escalation tasks) and may schedule work with ``transaction.on_commit``. Modules register at import time
from their ``AppConfig.ready``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from doorstep.core.actors import Actor
    from doorstep.orders.lifecycle import Move
    from doorstep.orders.models import WorkOrder

Guard = Callable[["WorkOrder", "Actor", dict[str, Any]], dict[str, Any] | None]
Effect = Callable[["WorkOrder", "Move", "Actor", dict[str, Any]], None]

_GUARDS: dict[str, list[Guard]] = defaultdict(list)
_EFFECTS: dict[str, list[Effect]] = defaultdict(list)


def guard(*actions: str) -> Callable[[Guard], Guard]:
    """Register a check for these actions; it may return extra event data to record."""

    def register(fn: Guard) -> Guard:
        for action in actions:
            if fn not in _GUARDS[str(action)]:
                _GUARDS[str(action)].append(fn)
        return fn

    return register


def effect(*actions: str) -> Callable[[Effect], Effect]:
    def register(fn: Effect) -> Effect:
        for action in actions:
            if fn not in _EFFECTS[str(action)]:
                _EFFECTS[str(action)].append(fn)
        return fn

    return register


def run_guards(action: str, order: WorkOrder, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for fn in _GUARDS.get(str(action), []):
        data.update(fn(order, actor, params) or {})
    return data


def run_effects(action: str, order: WorkOrder, move: Move, actor: Actor, data: dict[str, Any]) -> None:
    for fn in _EFFECTS.get(str(action), []):
        fn(order, move, actor, data)
