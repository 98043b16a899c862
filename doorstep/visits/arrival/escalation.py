"""Escalation tasks the visit opens for someone else (R-AR-2, R-AR-5, R-AR-6, R-AR-7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden
from doorstep.network.actors import Actor
from doorstep.network.models import Staff
from doorstep.network.roles import ANY_CENTRE, Role
from doorstep.orders.deadlines import deadline_meet, deadline_open
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.visits.models import EscalationTask

RULES = {
    EscalationTask.Kind.LATENESS: "R-AR-5",
    EscalationTask.Kind.REBOOK: "R-AR-2",
    EscalationTask.Kind.WRONG_CUSTOMER: "R-AR-6",
    EscalationTask.Kind.SPECIAL_CASE: "R-AR-7",
    EscalationTask.Kind.GO_ANYWAY: "R-DI-5",
    EscalationTask.Kind.SENIOR_REBOOK: "R-DI-10",
}
OWNER_ROLES = {  # who picks the task up, in order of preference
    # the centre's complaint supervisor
    EscalationTask.Kind.LATENESS: (Role.QUALITY, Role.SUPERVISOR, Role.ADMIN),
    EscalationTask.Kind.REBOOK: (Role.AGENT, Role.SUPERVISOR, Role.ADMIN),
    EscalationTask.Kind.WRONG_CUSTOMER: (Role.AGENT, Role.SUPERVISOR, Role.ADMIN),
    EscalationTask.Kind.SPECIAL_CASE: (Role.AGENT, Role.SUPERVISOR, Role.ADMIN),
    # the centre is told the technician goes without having reached the customer (R-DI-5)
    EscalationTask.Kind.GO_ANYWAY: (Role.AGENT, Role.SUPERVISOR, Role.ADMIN),
    # the desk follows the rebooking with a more senior technician (R-DI-10)
    EscalationTask.Kind.SENIOR_REBOOK: (Role.AGENT, Role.SUPERVISOR, Role.ADMIN),
}


def task_owner(order: WorkOrder, kind: str) -> Staff | None:
    roles = OWNER_ROLES[EscalationTask.Kind(kind)]
    if roles[0] == Role.AGENT and order.owner_id:  # the first-contact owner keeps the order (R-IN-5)
        return order.owner
    for role in roles:
        staff = Staff.objects.filter(centre_id=order.centre_id, role=role).order_by("pk").first()
        if staff is not None:
            return staff
    return None


def task_open(
    *,
    order: WorkOrder,
    actor: Actor,
    kind: str,
    note: str,
    due_in: timedelta,
    data: dict[str, Any] | None = None,
) -> EscalationTask:
    """Open a task with an owner and a due time, and put it on the record (not shown to the customer)."""
    now = clock.now()
    task = EscalationTask.objects.create(
        order=order,
        kind=kind,
        rule=RULES[EscalationTask.Kind(kind)],
        owner=task_owner(order, kind),
        note=note[:300],
        data=data or {},
        created_at=now,
    )
    task.deadline = (
        deadline_open(  # the due time is a live deadline: the worker marks it overdue for its owner
            order=order,
            kind=Deadline.Kind.VISIT_TASK,
            due_at=now + due_in,
            owner=task.owner,
            rule=task.rule,
            ref=f"visits.EscalationTask:{task.pk}",
        )
    )
    task.save(update_fields=["deadline"])
    EventKind.ESCALATION_OPENED.record(
        order=order,
        actor=actor,
        rule=task.rule,
        customer_visible=False,
        data={
            "task": task.pk,
            "task_kind": kind,
            "owner": task.owner.name if task.owner else "",
            "due_at": task.deadline.due_at.isoformat(),
            "note": task.note,
        },
    )
    return task


def tasks_close(*, order: WorkOrder, actor: Actor, kind: str, outcome: str) -> int:
    """Close the order's open tasks of a kind (e.g. the rebooking is done)."""
    closed = 0
    for task in EscalationTask.objects.filter(order=order, kind=kind, state=EscalationTask.State.OPEN):
        task_done(task=task, actor=actor, outcome=outcome)
        closed += 1
    return closed


def task_done(*, task: EscalationTask, actor: Actor, outcome: str) -> EscalationTask:
    if actor.role not in ANY_CENTRE and actor.staff is not None and actor.centre_id != task.order.centre_id:
        raise Forbidden(ErrorCode.OTHER_CENTRE)
    if task.state == EscalationTask.State.DONE:
        raise DomainError(ErrorCode.TASK_DONE)
    if not outcome.strip():
        raise DomainError(ErrorCode.OUTCOME_REQUIRED, field="outcome")
    task.state, task.done_at, task.outcome = EscalationTask.State.DONE, clock.now(), outcome.strip()[:300]
    task.save(update_fields=["state", "done_at", "outcome"])
    deadline_meet(task.deadline_id)
    EventKind.ESCALATION_DONE.record(
        order=task.order,
        actor=actor,
        rule=task.rule,
        customer_visible=False,
        data={"task": task.pk, "task_kind": task.kind, "outcome": task.outcome},
    )
    return task
