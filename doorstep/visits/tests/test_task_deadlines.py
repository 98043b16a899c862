"""A visit escalation task is a live deadline for its owner (R-AR-5, R-AR-2): overdue unmet, met when done."""

from __future__ import annotations

from datetime import timedelta

from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.orders.deadlines import deadlines_sweep
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.arrival.escalation import task_done, task_open
from doorstep.visits.models import EscalationTask


def test_escalation_task_due_time_is_worked_by_the_deadline_worker_R_AR_5(world) -> None:
    order = order_in(world, Status.ARRIVED)
    task = task_open(
        order=order,
        actor=Actor.system(),
        kind=EscalationTask.Kind.LATENESS,
        note="迟到 20 分钟，客户不接受道歉",
        due_in=timedelta(hours=4),
    )
    deadline = Deadline.objects.get(ref=f"visits.EscalationTask:{task.pk}")
    assert (deadline.kind, deadline.rule, deadline.owner) == ("visit_task", "R-AR-5", task.owner)
    Deadline.objects.filter(pk=deadline.pk).update(due_at=clock.now() - timedelta(minutes=1))
    assert deadlines_sweep() >= 1
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.OVERDUE
    task_done(task=task, actor=world.actor("quality"), outcome="质量经理已上门致歉，客户接受")
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET
