"""Background checks of dispatch (django.tasks, database backend): each row is the truth, the task fires it
at its time, and ``dispatch_sweep`` re-fires anything due as a safety net (R-DI-1, R-AR-5, R-DI-9)."""

from __future__ import annotations

from django.tasks import task

from doorstep.core import clock
from doorstep.dispatch.models import DeadlineState, LateCall, OutletOffer
from doorstep.network.models import Technician
from doorstep.orders.models import WorkOrder


@task()
def expire_offer(offer_id: int) -> bool:
    from doorstep.dispatch.services import offer_expire

    return offer_expire(offer_id=offer_id)


@task()
def fire_late_call(late_call_id: int) -> bool:
    from doorstep.dispatch.services import late_call_fire

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
    from doorstep.dispatch.services import risk_scan

    tech = Technician.objects.filter(pk=technician_id).first()
    return len(risk_scan(technician=tech)) if tech else 0


def dispatch_sweep() -> int:
    """Fire every open offer and late call already due."""
    from doorstep.dispatch.services import late_call_fire, offer_expire

    now = clock.now()
    offers = OutletOffer.objects.filter(state=DeadlineState.OPEN, due_at__lte=now).values_list(
        "pk", flat=True
    )
    calls = LateCall.objects.filter(state=DeadlineState.OPEN, due_at__lte=now).values_list("pk", flat=True)
    return sum(offer_expire(offer_id=pk) for pk in list(offers)) + sum(
        late_call_fire(late_call_id=pk) for pk in list(calls)
    )


@task()
def sweep_dispatch() -> int:
    return dispatch_sweep()
