"""The whole lifecycle table: every allowed move works and is recorded; every other move is refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.orders.lifecycle import MOVES, Action, Move, Status, find_move
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import actor_for, add_consent, add_signature, order_in, params_for
from doorstep.tests import dates
from doorstep.tests.factories import WITH_TECH
from doorstep.visits.testing import visit_evidence

PREFERRED_ROLE = ("agent", "dispatcher", "outlet_manager", "quality", "customer", "system", "admin")


def _role(move: Move) -> str:
    """The role that naturally makes the move: the assigned technician on site, else the desk side."""
    if "technician" in move.roles and move.source in WITH_TECH:
        return "technician"
    return next(r for r in PREFERRED_ROLE if r in move.roles)


def _prepare(order, move: Move, world) -> None:  # type: ignore[no-untyped-def]
    if move.action == Action.ASSIGN and move.source != Status.DISPATCHED:
        # a re-assignment moves the visit from another technician (the same one again is a repeat, R-AN-4)
        from conftest import make_technician

        before = make_technician("tech3", "黄师傅", world.outlet, world.line, "GZ-2024-0003")
        WorkOrder.objects.filter(pk=order.pk).update(technician=before)
        order.refresh_from_db()
    if move.action == Action.COMPLETE:
        add_signature(order)
    if move.action == Action.TAKE_BACK:
        add_consent(order)


@contextmanager
def _on_a_working_day(order: WorkOrder) -> Iterator[None]:
    """Assigning checks the technician's working day: the window goes to a working morning and the move is
    made at 08:00 that day, so a weekend or late-evening pinned instant does not make the technician
    ineligible (the order core checks eligibility on the day of the move, not yet on the window's day)."""
    day = dates.working_day(after=1, weekday=dates.ANY_WEEKDAY)
    WorkOrder.objects.filter(pk=order.pk).update(window_start=dates.at(day, 10), window_end=dates.at(day, 12))
    order.refresh_from_db()
    with clock.frozen_at(dates.at(day, 8)):
        yield


@pytest.mark.parametrize("move", MOVES, ids=lambda m: f"{m.source}-{m.action}-{m.target}")
def test_allowed_move_changes_status_and_writes_one_event(world, move: Move) -> None:
    # given an order in the move's source status with what the move needs
    order = order_in(world, move.source)
    _prepare(order, move, world)
    extra = visit_evidence(order, move.action)  # what the visit's guards ask for (checklists, quote, …)
    before = order.events.count()
    # when the move is made by a role allowed to make it
    when = _on_a_working_day(order) if move.action == Action.ASSIGN else nullcontext()
    with when:
        order = order_transition(
            order=order,
            actor=actor_for(world, _role(move)),
            action=move.action,
            reason="客户要求",
            params={**params_for(world, move.action, order), **extra},
        )
    # then the status is the move's target and exactly one new event records the move itself (effects of
    # other capabilities, e.g. a rebooking task after nobody-home, may add their own events after it)
    assert order.status == move.target
    new = order.events.filter(seq__gt=before)
    moved = new.filter(kind=move.action)
    assert moved.count() == 1
    event = moved.get()
    assert (event.from_status, event.to_status, event.rule) == (move.source, move.target, move.rule)
    assert event.seq == before + 1


ALL_PAIRS = [(s, a) for s in Status for a in Action if find_move(s, a) is None]


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS, ids=lambda v: str(v))
def test_every_other_move_is_refused_and_writes_nothing(world, status: Status, action: Action) -> None:
    order = order_in(world, status)
    before = order.events.count()
    with pytest.raises(DomainError) as err:
        order_transition(
            order=order,
            actor=actor_for(world, "admin"),
            action=action,
            reason="x",
            params=params_for(world, action, order),
        )
    assert err.value.code == "illegal_move"
    order.refresh_from_db()
    assert order.status == status
    assert order.events.count() == before


def test_table_covers_every_status_named_by_the_spine() -> None:
    reachable = {m.target for m in MOVES} | {Status.NEW}
    assert reachable == set(Status)


def test_stale_move_is_refused_by_compare_and_set(world) -> None:
    order = order_in(world, Status.TRIAGED)
    stale = type(order).objects.get(pk=order.pk)
    order_transition(
        order=order,
        actor=actor_for(world, "dispatcher"),
        action="dispatch",
        params={"outlet": world.outlet.pk},
    )
    with pytest.raises(DomainError) as err:
        order_transition(order=stale, actor=actor_for(world, "agent"), action="cancel", reason="重复")
    assert err.value.code == "stale_order"
