"""Every timer of the standard is a ``Deadline`` row; one sweep acts on each due row exactly once.

- Opened and closed by the moves that declare them (``deadline_open``, ``deadlines_meet`` …) or by the
  capability that owns the timer (an outlet offer, a late call, a complaint level, a visit task), inside
  the business transaction.
- What happens when a row falls due is declared once, here, in ``ACTIONS`` (kind → rule id and the dotted
  path of the function that acts). The table names functions of the apps above ``orders`` by path, so
  nothing registers itself by being imported and ``orders`` imports nothing above it.
- ``deadline_act`` claims one due row and performs its action in the same transaction as the state change:
  ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, a compare-and-set update on SQLite (whose writers are
  serialised by the IMMEDIATE transaction). A worker killed in the middle rolls the transaction back, so
  the row is still open for the next sweep, and two workers never act on the same row.
- ``deadlines_sweep`` is the truth; the per-row task enqueued for ``due_at`` is only an optimisation. The
  sweep is enqueued by the worker's beat (``core.periodic``), which survives a SIGKILL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.tasks import task
from django.utils.module_loading import import_string

from doorstep.core import clock
from doorstep.network.models import Staff
from doorstep.orders.models import CallRecord, Deadline, WorkOrder

log = logging.getLogger(__name__)
Kind = Deadline.Kind
State = Deadline.State


class DeadlineAction(NamedTuple):
    """What the worker does with a due row of one kind, and the rule of the standard it implements.

    The function takes the claimed row (already marked overdue) and returns the state the row ends in,
    or None to leave it overdue. It runs inside the claiming transaction.
    """

    rule: str
    path: str


_OVERDUE = "doorstep.orders.deadline_actions.record_overdue"

# The one declared table of timers: every kind, its rule, and the function that acts when it is due.
ACTIONS: dict[str, DeadlineAction] = {
    Kind.RESPONSE: DeadlineAction("R-IN-4", _OVERDUE),
    Kind.CONSULT_FOLLOWUP: DeadlineAction("R-AN-2", _OVERDUE),
    Kind.CALLBACK: DeadlineAction("R-QA-1", _OVERDUE),
    Kind.CALL_REPLY: DeadlineAction("R-IN-8", _OVERDUE),
    Kind.VERIFY: DeadlineAction("R-IN-2", _OVERDUE),
    Kind.VISIT_TASK: DeadlineAction("R-AR-5", _OVERDUE),  # the task's own rule (R-AR-2/5/6/7) is on the row
    Kind.OUTLET_ACCEPT: DeadlineAction("R-DI-1", "doorstep.dispatch.services.offer_overdue"),
    Kind.LATE_CALL: DeadlineAction("R-AR-5", "doorstep.dispatch.services.late_call_overdue"),
    Kind.RISK_CHECK: DeadlineAction("R-DI-9", "doorstep.dispatch.services.risk_check_due"),
    Kind.COMPLAINT_ANSWER: DeadlineAction("R-QA-3", "doorstep.quality.services.complaints.complaint_overdue"),
    Kind.DEPARTURE: DeadlineAction("R-DI-7", _OVERDUE),
    Kind.ARRIVAL: DeadlineAction("R-AR-5", _OVERDUE),
    Kind.HURRY: DeadlineAction("R-IN-5", _OVERDUE),
}
RULES = {kind: action.rule for kind, action in ACTIONS.items()}


def action_for(kind: str) -> Callable[[Deadline], str | None]:
    fn: Callable[[Deadline], str | None] = import_string(ACTIONS[kind].path)
    return fn


# --- opening and closing (the declared moves and the capabilities call these) -------------------------------
def deadline_open(
    *,
    order: WorkOrder | None,
    kind: str,
    due_at: datetime,
    owner: Staff | None,
    not_before: datetime | None = None,
    rule: str = "",
    ref: str = "",
    call: CallRecord | None = None,
) -> Deadline:
    """Open a timer; its check is enqueued for ``due_at`` (the sweep fires it regardless): in the same
    transaction when the queue is a table of this database, else after commit (a broker)."""
    deadline = Deadline.objects.create(
        order=order,
        call=call,
        kind=kind,
        rule=rule or RULES[Kind(kind)],
        owner=owner,
        due_at=due_at,
        not_before=not_before,
        ref=ref,
    )
    if _queue_in_database():
        # the task's row commits or rolls back with the deadline's, and costs no commit of its own (issue 16)
        check_deadline.using(run_after=due_at + timedelta(seconds=1)).enqueue(deadline.pk)
    else:
        transaction.on_commit(lambda: deadline_enqueue(deadline.pk, due_at))
    return deadline


def _queue_in_database() -> bool:
    """The check's backend writes its task as a row of this database (django-tasks-db)."""
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(check_deadline.get_backend(), DatabaseBackend)


def deadline_enqueue(deadline_id: int, due_at: datetime) -> None:
    """Queue the per-row check for ``due_at`` (an optimisation: the sweep is the truth)."""
    try:
        check_deadline.using(run_after=due_at + timedelta(seconds=1)).enqueue(deadline_id)  # past due
    except Exception:  # the row is the truth; deadlines_sweep fires it if the queue was unreachable
        log.exception("could not enqueue the check of deadline %s", deadline_id)


def deadlines_meet(*, order: WorkOrder, kinds: Iterable[str]) -> int:
    """Close the order's live deadlines of these kinds: the condition they waited for is met."""
    return Deadline.objects.filter(order=order, kind__in=list(kinds), state__in=Deadline.LIVE).update(
        state=State.MET, met_at=clock.now()
    )


def deadline_meet(deadline: Deadline | int | None) -> int:
    """Close one live deadline: what it waited for happened."""
    if deadline is None:
        return 0
    pk = deadline if isinstance(deadline, int) else deadline.pk
    return Deadline.objects.filter(pk=pk, state__in=Deadline.LIVE).update(state=State.MET, met_at=clock.now())


def deadline_meet_ref(*, ref: str) -> int:
    """Close the live deadline that belongs to one row elsewhere (e.g. a visit escalation task)."""
    return Deadline.objects.filter(ref=ref, state__in=Deadline.LIVE).update(
        state=State.MET, met_at=clock.now()
    )


def deadline_cancel(deadline: Deadline | int | None, *, live_only: bool = False) -> int:
    """Withdraw a deadline no longer needed (an open one; also an overdue one unless ``live_only``)."""
    if deadline is None:
        return 0
    pk = deadline if isinstance(deadline, int) else deadline.pk
    states = [State.OPEN] if live_only else list(Deadline.LIVE)
    return Deadline.objects.filter(pk=pk, state__in=states).update(state=State.CANCELLED)


# kinds whose clock outlives the order's end: a complaint is answered even on a closed order
OUTLIVE_ORDER = (Kind.COMPLAINT_ANSWER,)


def deadlines_cancel(*, order: WorkOrder, kinds: Iterable[str] | None = None) -> int:
    """Withdraw the order's live timers: all of them when the order ended (cancelled or closed; not a
    complaint's answer clock), or those of ``kinds`` when what they waited for is no longer expected."""
    live = Deadline.objects.filter(order=order, state__in=Deadline.LIVE)
    if kinds is not None:
        return live.filter(kind__in=list(kinds)).update(state=State.CANCELLED)
    return live.exclude(kind__in=OUTLIVE_ORDER).update(state=State.CANCELLED)


# --- acting on due rows ---------------------------------------------------------------------------------
def _claim(deadline_id: int, now: datetime) -> bool:
    """Inside the caller's transaction: take a due, open row, or report that someone else has it."""
    due = Deadline.objects.filter(
        pk=deadline_id,
        state=State.OPEN,
        due_at__lt=now,  # due at T: may still be met at T itself; overdue from the first instant after
        attempts__lt=settings.DOORSTEP_DEADLINE_MAX_ATTEMPTS,
    )
    if connection.features.has_select_for_update_skip_locked:
        if not list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)):
            return False  # locked by another worker, or not due
        return bool(
            Deadline.objects.filter(pk=deadline_id).update(state=State.OVERDUE, overdue_at=now, acted_at=now)
        )
    return bool(due.update(state=State.OVERDUE, overdue_at=now, acted_at=now))  # compare-and-set


def deadline_act(*, deadline_id: int) -> bool:
    """Act on one due, open deadline exactly once: claim it and run its kind's action in one transaction.

    True when this call acted. An action that raises rolls the claim back; the row stays open with the
    error and an attempt counted, and the next sweep tries again (up to ``DOORSTEP_DEADLINE_MAX_ATTEMPTS``).
    """
    now = clock.now()
    try:
        with transaction.atomic():
            if not _claim(deadline_id, now):
                return False
            deadline = Deadline.objects.select_related("order", "owner").get(pk=deadline_id)
            final = action_for(deadline.kind)(deadline)
            if final is not None and final != State.OVERDUE:
                Deadline.objects.filter(pk=deadline_id).update(
                    state=final,
                    overdue_at=None,
                    met_at=now if final == State.MET else None,
                )
            _pause()  # crash tests only: widen the window in which a worker can be killed mid-action
    except Exception as exc:
        log.exception("deadline %s: its action failed", deadline_id)
        with transaction.atomic():
            row = Deadline.objects.filter(pk=deadline_id).first()
            if row is not None:
                Deadline.objects.filter(pk=deadline_id).update(
                    attempts=row.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:300]
                )
        return False
    _pause()  # crash tests only: and let other workers' sweeps interleave with this one
    return True


def _pause() -> None:
    if settings.DOORSTEP_DEADLINE_ACT_PAUSE_S:
        time.sleep(settings.DOORSTEP_DEADLINE_ACT_PAUSE_S)


def deadlines_sweep(*, kinds: Iterable[str] | None = None) -> int:
    """Act on every due, open deadline (of these kinds, or all): the truth beside the per-row tasks.

    Each row is claimed in its own transaction, so a sweep killed half-way leaves the rest open for the
    next one and nothing done twice. Returns how many rows this sweep acted on.
    """
    due = Deadline.objects.filter(
        state=State.OPEN, due_at__lt=clock.now(), attempts__lt=settings.DOORSTEP_DEADLINE_MAX_ATTEMPTS
    )
    if kinds is not None:
        due = due.filter(kind__in=list(kinds))
    pks = list(due.order_by("due_at", "pk").values_list("pk", flat=True))
    return sum(deadline_act(deadline_id=pk) for pk in pks)


def deadline_fire(*, deadline_id: int) -> bool:
    """The old name of ``deadline_act``."""
    return deadline_act(deadline_id=deadline_id)


@task()
def check_deadline(deadline_id: int) -> bool:
    return deadline_act(deadline_id=deadline_id)


@task()
def sweep_deadlines() -> int:
    return deadlines_sweep()
