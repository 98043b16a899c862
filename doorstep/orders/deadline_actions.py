"""The action of a promise that fell due unmet: it is overdue, and the order's record says so.

Named in ``orders.deadlines.ACTIONS``; runs inside the transaction that claimed the row.
"""

from __future__ import annotations

import logging

from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline

log = logging.getLogger(__name__)


def record_overdue(deadline: Deadline) -> str | None:
    """Overdue: visible in the owner's list; on the order's record when there is an order."""
    if deadline.order is None:  # a promise made on a call without an order: visible in the owner's list
        return None
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
    return None
