"""One declared table of timers and one claim: every kind acts through ACTIONS, each due row exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from doorstep.core import clock
from doorstep.orders import deadlines
from doorstep.orders.models import Deadline
from doorstep.orders.tests.helpers import intake

pytestmark = pytest.mark.django_db


def test_every_kind_has_one_declared_action_with_its_rule() -> None:
    assert set(deadlines.ACTIONS) == set(Deadline.Kind.values)
    for kind, action in deadlines.ACTIONS.items():
        assert callable(deadlines.action_for(kind)), kind
        assert action.rule.startswith("R-"), kind
    assert set(Deadline.PROMISE_KINDS) <= set(Deadline.Kind.values)


def _due(world, n: int = 1) -> list[Deadline]:  # type: ignore[no-untyped-def]
    order = intake(world)
    return [
        deadlines.deadline_open(
            order=order,
            kind=Deadline.Kind.RESPONSE,
            due_at=clock.now() - timedelta(minutes=1),
            owner=world.staff["agent"],
        )
        for _ in range(n)
    ]


def test_a_stale_list_of_due_rows_acts_on_each_once(world) -> None:  # type: ignore[no-untyped-def]
    """Two sweeps that listed the same rows (two workers): the second finds them taken (R-IN-4)."""
    rows = _due(world, 3)
    assert [deadlines.deadline_act(deadline_id=d.pk) for d in rows] == [True, True, True]
    assert [deadlines.deadline_act(deadline_id=d.pk) for d in rows] == [False, False, False]
    assert deadlines.deadlines_sweep() == 0
    order = rows[0].order
    assert order is not None and order.events.filter(kind="deadline_overdue").count() == 3


def test_a_row_not_yet_due_is_not_claimed(world) -> None:  # type: ignore[no-untyped-def]
    (row,) = _due(world)
    Deadline.objects.filter(pk=row.pk).update(due_at=clock.now() + timedelta(minutes=1))
    assert deadlines.deadline_act(deadline_id=row.pk) is False
    row.refresh_from_db()
    assert row.state == Deadline.State.OPEN


@override_settings(DOORSTEP_DEADLINE_MAX_ATTEMPTS=2)
def test_a_failing_action_leaves_the_row_open_with_its_error_and_is_retried_a_bounded_number_of_times(
    world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    (row,) = _due(world)

    def broken(deadline: Deadline) -> None:
        raise RuntimeError("provider down")

    monkeypatch.setattr(deadlines, "action_for", lambda kind: broken)
    assert deadlines.deadlines_sweep() == 0
    row.refresh_from_db()
    assert (row.state, row.attempts, row.overdue_at) == (Deadline.State.OPEN, 1, None)
    assert row.last_error == "RuntimeError: provider down"
    assert row.order is not None and not row.order.events.filter(kind="deadline_overdue").exists()
    deadlines.deadlines_sweep()
    deadlines.deadlines_sweep()  # the limit is reached: no third attempt
    row.refresh_from_db()
    assert row.attempts == 2
    monkeypatch.undo()
    with override_settings(DOORSTEP_DEADLINE_MAX_ATTEMPTS=3):
        assert deadlines.deadlines_sweep() == 1  # mended: the next sweep acts
    row.refresh_from_db()
    assert row.state == Deadline.State.OVERDUE


def test_cancelling_an_order_keeps_a_complaint_answer_clock(world) -> None:  # type: ignore[no-untyped-def]
    (row,) = _due(world)
    order = row.order
    assert order is not None
    answer = deadlines.deadline_open(
        order=order,
        kind=Deadline.Kind.COMPLAINT_ANSWER,
        due_at=clock.now() + timedelta(hours=1),
        owner=None,
    )
    deadlines.deadlines_cancel(order=order)
    row.refresh_from_db()
    answer.refresh_from_db()
    assert (row.state, answer.state) == (Deadline.State.CANCELLED, Deadline.State.OPEN)
    assert answer.rule == "R-QA-3"
