"""The rulebook: every rule of every lifecycle move, declared in one place per capability.

A move is a row of the lifecycle table (``doorstep.orders.lifecycle.MOVES``: from-status, to-status, who
may make it and on which orders). What else happens on a move is declared as :class:`Rule` rows:

- a **guard** checks the move before anything is written; it refuses with a ``DomainError``, may add
  data to the move's event (its return value) and may set fields of the order (``ctx.updates``);
- an **effect** runs in the move's transaction right after the status changed and the event was
  written (it receives the event as ``ctx.event``): deadlines opened and met, capability rows;
- an **after-commit** effect runs only once the move is committed: anything that leaves the database
  (a charge, a message, a file, a queued task).

Each capability lists its rules in a module named by its ``AppConfig.rulebook`` (``doorstep.visits.moves``
…). Nothing registers itself on import: :func:`rulebook` reads those lists, in the order of
``INSTALLED_APPS``, the first time a move is made or the rulebook is printed (``manage.py rulebook``).
The order core therefore never imports the capabilities that add rules to its moves.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils import translation
from django.utils.module_loading import import_string

from doorstep.orders.lifecycle import MOVES, Action, Move, Status

if TYPE_CHECKING:
    from doorstep.network.actors import Actor
    from doorstep.orders.models import OrderEvent, WorkOrder


class Phase(StrEnum):
    GUARD = "guard"
    EFFECT = "effect"
    AFTER_COMMIT = "after_commit"


@dataclass
class MoveContext:
    """What one move is about; rules read it and guards add to ``updates`` and ``data``."""

    order: WorkOrder
    move: Move
    actor: Actor
    params: dict[str, Any]
    reason: str = ""
    updates: dict[str, Any] = field(default_factory=dict)  # fields of the order set by the move
    data: dict[str, Any] = field(default_factory=dict)  # what the event records
    event: OrderEvent | None = None  # set once the move is recorded (effects)

    @property
    def action(self) -> Action:
        return self.move.action

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


RuleFn = Callable[[MoveContext], dict[str, Any] | None]


@dataclass(frozen=True)
class Rule:
    """One rule of one or more moves: when it runs, what implements it, which rule of the standard."""

    phase: Phase
    actions: tuple[Action, ...]
    fn: Callable[[MoveContext], Any]
    rule: str = ""  # rule id(s) of docs/standard.md, e.g. "R-CO-1"
    sources: tuple[Status, ...] = ()  # only on moves from these statuses (all when empty)
    app: str = ""  # filled in by the loader: the capability that declared it

    def applies(self, move: Move) -> bool:
        return move.action in self.actions and (not self.sources or move.source in self.sources)

    @property
    def name(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"

    @property
    def summary(self) -> str:
        doc = inspect.getdoc(self.fn) or ""
        return doc.splitlines()[0] if doc else ""


def _actions(on: Action | Iterable[Action]) -> tuple[Action, ...]:
    return (on,) if isinstance(on, Action) else tuple(on)


def guard(
    on: Action | Iterable[Action], fn: RuleFn, rule: str = "", *, sources: Sequence[Status] = ()
) -> Rule:
    return Rule(Phase.GUARD, _actions(on), fn, rule, tuple(sources))


def effect(
    on: Action | Iterable[Action], fn: Callable[[MoveContext], None], rule: str = "", *,
    sources: Sequence[Status] = (),
) -> Rule:  # fmt: skip
    return Rule(Phase.EFFECT, _actions(on), fn, rule, tuple(sources))


def after_commit(
    on: Action | Iterable[Action], fn: Callable[[MoveContext], None], rule: str = "", *,
    sources: Sequence[Status] = (),
) -> Rule:  # fmt: skip
    return Rule(Phase.AFTER_COMMIT, _actions(on), fn, rule, tuple(sources))


ALL_ACTIONS: tuple[Action, ...] = tuple(Action)


# --- the loader ------------------------------------------------------------------------------------------
@cache
def rulebook() -> tuple[Rule, ...]:
    """Every declared rule, in ``INSTALLED_APPS`` order, then in the order each capability lists them."""
    found: list[Rule] = []
    for config in apps.get_app_configs():
        path = getattr(config, "rulebook", None)
        if not path:
            continue
        declared = import_string(f"{path}.RULES")
        for r in declared:
            if not isinstance(r, Rule):  # pragma: no cover - a declaration mistake, found at start
                raise TypeError(f"{path}.RULES holds {r!r}, not a Rule")
            found.append(_with_app(r, config.label))
    return tuple(found)


def _with_app(r: Rule, app: str) -> Rule:
    return Rule(r.phase, r.actions, r.fn, r.rule, r.sources, app)


_only: list[Callable[[Rule], bool]] = []


@contextmanager
def only(keep: Callable[[Rule], bool]) -> Iterator[None]:
    """Run moves with a subset of the rules (tests that drive orders past another capability's checks)."""
    _only.append(keep)
    try:
        yield
    finally:
        _only.pop()


def rules_of(move: Move, phase: Phase | None = None) -> list[Rule]:
    return [
        r
        for r in rulebook()
        if r.applies(move) and (phase is None or r.phase == phase) and all(keep(r) for keep in _only)
    ]


# --- the printed rulebook ----------------------------------------------------------------------------------
_PHASE_TITLES = {Phase.GUARD: "guards", Phase.EFFECT: "effects", Phase.AFTER_COMMIT: "after commit"}


def describe(actions: Iterable[Action] | None = None) -> str:
    """The rulebook as Markdown: for each action, its moves and every rule with its id and function."""
    lines: list[str] = []
    wanted = list(actions) if actions is not None else list(Action)
    for action in wanted:
        moves = [m for m in MOVES if m.action == action]
        lines.append(f"## {action.value} — {action.label}")
        lines.append("")
        for m in moves:
            who = ", ".join(sorted(m.roles))
            extra = []
            if m.scope:
                extra.append(f"scope: {m.scope}")
            if m.needs_reason:
                extra.append("reason required")
            if m.rule:
                extra.append(m.rule)
            tail = f" ({'; '.join(extra)})" if extra else ""
            lines.append(f"- `{m.source.value}` → `{m.target.value}` by {who}{tail}")
        lines.append("")
        for phase in Phase:
            shown: list[Rule] = []
            for r in rulebook():
                if r.phase == phase and action in r.actions and r not in shown:
                    shown.append(r)
            if not shown:
                continue
            lines.append(f"{_PHASE_TITLES[phase].capitalize()}:")
            lines.append("")
            for r in shown:
                only_from = f" (from {', '.join(s.value for s in r.sources)})" if r.sources else ""
                rid = r.rule or "—"
                lines.append(f"1. **{rid}** `{r.name}`{only_from} — {r.summary}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


DOC_HEADER = """# The rulebook

Every lifecycle move with every rule that applies to it: who may make it (roles, and on which orders),
the guards that check it before anything is written, the effects written with it in the same
transaction, and what runs only after it is committed. Each rule carries its id in
[the standard](standard.md) and the function that implements it.

Generated by `python manage.py rulebook --write`; a test fails when this file is stale.
Order inside a move: the move's own checks (visible order, allowed move, role, scope, reason) →
every guard → compare-and-set of the status and the event → effects → (commit) → after-commit effects.

"""


def document() -> str:
    """docs/rulebook.md: the whole rulebook, labels in the source language (zh-Hans)."""
    with translation.override("zh-hans"):
        return DOC_HEADER + describe()
