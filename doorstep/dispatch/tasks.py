"""Background tasks of dispatch (django.tasks, database backend). Dispatch's timers (outlet acceptance
R-DI-1, the call before being late R-AR-5, the risk re-check R-DI-9) are Deadline rows acted on by the
one deadline sweep (``orders.deadlines``); these tasks remain so rows queued under their names still run.
"""

from __future__ import annotations

from django.tasks import task

from doorstep.dispatch.services import late_call_fire, offer_expire, risk_scan
from doorstep.network.models import Technician
from doorstep.orders.deadlines import deadlines_sweep
from doorstep.orders.models import Deadline, WorkOrder

KINDS = (Deadline.Kind.OUTLET_ACCEPT, Deadline.Kind.LATE_CALL, Deadline.Kind.RISK_CHECK)


@task()
def expire_offer(offer_id: int) -> bool:
    return offer_expire(offer_id=offer_id)


@task()
def fire_late_call(late_call_id: int) -> bool:
    return late_call_fire(late_call_id=late_call_id)


@task()
def check_visit_risk(order_id: int) -> int:
    """Before an appointment (and after an overrun): is this technician's day still on time? (R-DI-9)"""
    order = WorkOrder.objects.filter(pk=order_id).select_related("technician").first()
    if order is None or order.technician is None:
        return 0
    return scan_technician.call(order.technician.pk)


@task()
def scan_technician(technician_id: int) -> int:
    tech = Technician.objects.filter(pk=technician_id).first()
    return len(risk_scan(technician=tech)) if tech else 0


def dispatch_sweep() -> int:
    """Act on dispatch's due deadlines (the one sweep, limited to dispatch's kinds)."""
    return deadlines_sweep(kinds=KINDS)


@task()
def sweep_dispatch() -> int:
    return dispatch_sweep()
