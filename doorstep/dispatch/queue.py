"""Work dispatch does later, in one place: the timers are Deadline rows (opened here by name for
callers that still speak in task names), anything else is a task on the queue.

``later(name, pk, when)`` is the public form of the old private ``services._enqueue``: call it inside
the move's transaction (the row commits with the move). ``services`` does not import ``tasks``; this
module sits above both, which breaks the services ↔ tasks cycle.
"""

from __future__ import annotations

import logging
from datetime import datetime

from doorstep.dispatch import services, tasks
from doorstep.orders.models import WorkOrder

log = logging.getLogger(__name__)


def later(name: str, pk: int, when: datetime) -> None:
    """Do dispatch's ``name`` for ``pk`` at ``when``.

    ``check_visit_risk`` (pk = an order) and ``scan_technician`` (pk = a technician) open a ``risk_check``
    deadline (R-DI-9); any other name enqueues that task of ``dispatch.tasks``.
    """
    if name == "check_visit_risk":
        order = WorkOrder.objects.filter(pk=pk).first()
        if order is not None and order.technician_id is not None:
            services.risk_check_open(order=order, due_at=when)
        return
    if name == "scan_technician":
        services.risk_check_open(technician_id=pk, due_at=when)
        return
    getattr(tasks, name).using(run_after=when).enqueue(pk)


def later_now(name: str, pk: int, when: datetime) -> None:
    """``later`` for a caller outside any transaction (after commit): a failure is logged, not raised."""
    try:
        later(name, pk, when)
    except Exception:  # the rows are the truth; the sweep acts on what was opened
        log.exception("could not schedule %s(%s)", name, pk)
