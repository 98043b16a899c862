"""Deadlines as rows (TIMER rules): opened by services, fired by the background worker, met by moves.

A deadline is opened inside the business transaction and its check is enqueued on the task backend
after commit, to run at ``due_at``. The database task backend keeps the queued check in the database,
so a worker restart loses none; ``deadlines_sweep`` re-fires anything due as a safety net.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.tasks import task

from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.network.models import Staff
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, WorkOrder

log = logging.getLogger(__name__)

RULES = {
    Deadline.Kind.RESPONSE: "R-IN-4",
    Deadline.Kind.CONSULT_FOLLOWUP: "R-AN-2",
    Deadline.Kind.CALLBACK: "R-QA-1",
    Deadline.Kind.CALL_REPLY: "R-IN-8",
    Deadline.Kind.VERIFY: "R-IN-2",
    Deadline.Kind.VISIT_TASK: "R-AR-5",
}


def deadline_open(
    *,
    order: WorkOrder,
    kind: str,
    due_at: datetime,
    owner: Staff | None,
    not_before: datetime | None = None,
    rule: str = "",
    ref: str = "",
) -> Deadline:
    deadline = Deadline.objects.create(
        order=order,
        kind=kind,
        rule=rule or RULES[Deadline.Kind(kind)],
        owner=owner,
        due_at=due_at,
        not_before=not_before,
        ref=ref,
    )
    transaction.on_commit(lambda: _enqueue_check(deadline.pk, due_at))
    return deadline


def _enqueue_check(deadline_id: int, due_at: datetime) -> None:
    try:
        check_deadline.using(run_after=due_at).enqueue(deadline_id)
    except Exception:  # the row is the truth; deadlines_sweep fires it if the queue was unreachable
        log.exception("could not enqueue the check of deadline %s", deadline_id)


def deadlines_meet(*, order: WorkOrder, kinds: Iterable[str]) -> int:
    """Close the order's live deadlines of these kinds: the condition they waited for is met."""
    return Deadline.objects.filter(
        order=order, kind__in=list(kinds), state__in=[Deadline.State.OPEN, Deadline.State.OVERDUE]
    ).update(state=Deadline.State.MET, met_at=clock.now())


def deadline_meet_ref(*, ref: str) -> int:
    """Close the live deadline that belongs to one task elsewhere (e.g. a visit escalation task)."""
    return Deadline.objects.filter(ref=ref, state__in=[Deadline.State.OPEN, Deadline.State.OVERDUE]).update(
        state=Deadline.State.MET, met_at=clock.now()
    )


def deadlines_cancel(*, order: WorkOrder) -> int:
    return Deadline.objects.filter(
        order=order, state__in=[Deadline.State.OPEN, Deadline.State.OVERDUE]
    ).update(state=Deadline.State.CANCELLED)


def deadline_fire(*, deadline_id: int) -> bool:
    """Mark a due, still-open deadline overdue and put it on the order's record. Idempotent."""

    now = clock.now()
    with transaction.atomic():
        claimed = Deadline.objects.filter(pk=deadline_id, state=Deadline.State.OPEN, due_at__lte=now).update(
            state=Deadline.State.OVERDUE, overdue_at=now
        )
        if not claimed:
            return False
        deadline = Deadline.objects.select_related("order", "owner").get(pk=deadline_id)
        if deadline.order is None:  # a promise made on a call without an order: visible in the owner's list
            return True
        EventKind.DEADLINE_OVERDUE.record(
            order=deadline.order,
            actor=Actor.system(),
            data={
                "deadline": deadline.pk,
                "deadline_kind": deadline.kind,
                "due_at": deadline.due_at.isoformat(),
                "owner": deadline.owner.name if deadline.owner else "",
            },
            customer_visible=False,
            rule=deadline.rule,
        )
    log.info("deadline %s (%s) of %s is overdue", deadline.pk, deadline.kind, deadline.order)
    return True


def deadlines_sweep() -> int:
    """Fire every open deadline already due (safety net beside the per-deadline task)."""
    due = Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lte=clock.now()).values_list(
        "pk", flat=True
    )
    return sum(deadline_fire(deadline_id=pk) for pk in list(due))


@task()
def check_deadline(deadline_id: int) -> bool:
    return deadline_fire(deadline_id=deadline_id)


@task()
def sweep_deadlines() -> int:
    return deadlines_sweep()
