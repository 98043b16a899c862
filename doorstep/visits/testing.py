"""Evidence the visit's guards ask for, created directly: for table-driven lifecycle tests and demo data.

``visit_evidence(order, action)`` stores what the move ``action`` needs (checklists, knock protocol,
consents, an accepted quote, a repaired take-back) and returns the extra params the move takes.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max

from doorstep.core import clock
from doorstep.core.punctuality import appointment_of
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.visits.checklists import checklist_items
from doorstep.visits.diagnosis.quote import _totals, fingerprint, quote_current, quote_lines
from doorstep.visits.models import Checklist, Consent, PaymentIntent, Quote, Source, TakeBack
from doorstep.visits.payment.take import ELECTRONIC


def checklist_tick(order: WorkOrder, kind: str, by: str = "测试") -> Checklist:
    items = [{**i, "done": True} for i in checklist_items(order, kind, {})]
    return Checklist.objects.create(order=order, kind=kind, items=items, complete=True, by=by, at=clock.now())


def quote_accepted(order: WorkOrder, by: str | None = None) -> Quote:
    """The current charge lines, accepted by the customer (a zero quote when there are none)."""
    current = quote_current(order)
    if current is not None:
        return current
    lines = quote_lines(order)
    total, due = _totals(lines)
    version = (order.quotes.aggregate(v=Max("version"))["v"] or 0) + 1
    return Quote.objects.create(
        order=order,
        version=version,
        lines=lines,
        fingerprint=fingerprint(lines),
        total=total,
        due=due,
        accepted_by=by or order.customer.name,
        method=Quote.Method.CUSTOMER_LINK,
        accepted_at=clock.now(),
    )


def _customers_consent(order: WorkOrder, kind: str) -> Consent:
    """A consent the customer gave on their own phone, through the tracking link (R-CO-1 channels)."""
    return Consent.objects.create(
        order=order,
        kind=kind,
        given_by=order.customer.name,
        at=clock.now(),
        source=Source.CUSTOMER_LINK,
        device="test",
    )


def _knocked(order: WorkOrder) -> None:
    system = Actor.system()
    start = clock.now() - timedelta(minutes=10)
    EventKind.KNOCK_STARTED.record(
        order=order,
        actor=system,
        data={"at": start.isoformat()},
        customer_visible=False,
    )
    EventKind.CUSTOMER_CALLED.record(
        order=order,
        actor=system,
        data={"at": clock.now().isoformat(), "answered": False},
    )


def appointment_passed(order: WorkOrder) -> None:
    """Nobody home is recorded only once the appointment has come (R-AR-2): an appointment still to come is
    moved to a window that began 20 min ago; one that has come stays (moving it could overlap the
    technician's next appointment, which PostgreSQL's exclusion constraint refuses)."""
    appointment = appointment_of(order)
    if appointment is not None and appointment <= clock.now():
        return
    start = clock.now() - timedelta(minutes=20)
    order.window_start, order.window_end = start, start + timedelta(hours=2)
    WorkOrder.objects.filter(pk=order.pk).update(window_start=order.window_start, window_end=order.window_end)


def visit_evidence(order: WorkOrder, action: str, method: str = "wechat") -> dict[str, Any]:
    """Create what the visit's guard on ``action`` needs; return the extra params for the move.

    Paying by ``method``: an electronic payment comes with the intent the simulated provider charged.
    """
    if action == "depart":
        checklist_tick(order, Checklist.Kind.KIT)
    elif action == "start_service":
        checklist_tick(order, Checklist.Kind.ENTRY)
    elif action == "nobody_home":
        _knocked(order)
        appointment_passed(order)
        return {"note_left": "工程师 10:00 到达、10:10 离开，请致电 020-1 重新预约"}
    elif action == "take_back":
        for kind in (Consent.Kind.TAKE_BACK, Consent.Kind.DATA_BACKUP):
            _customers_consent(order, kind)
        return {"take_back_reason": TakeBack.Reason.BOARD, "items": "室内机主板及遥控器"}
    elif action == "return_unit":
        TakeBack.objects.update_or_create(
            order=order,
            defaults={
                "receipt_no": f"LX{order.number}",
                "reason": TakeBack.Reason.BOARD,
                "items": "整机",
                "stage": TakeBack.Stage.REPAIRED,
                "at": clock.now(),
            },
        )
    elif action == "complete":
        checklist_tick(order, Checklist.Kind.COMPLETION)
        quote_accepted(order)
        if order.service_type == "install":
            checklist_tick(order, Checklist.Kind.INSTALL_GOODS)
            _customers_consent(order, Consent.Kind.INSTALL_ACCEPTANCE)
    elif action == "pay":
        quote = quote_accepted(order)
        if method in ELECTRONIC and quote.due > 0:  # an electronic payment the simulated provider took
            return {"intent": _charged_intent(order, method, quote.version, quote.due).key}
    return {}


def _charged_intent(order: WorkOrder, method: str, quote_version: int, amount: Decimal) -> PaymentIntent:
    now = clock.now()
    key = f"{order.number}E{PaymentIntent.objects.filter(order=order).count() + 1}"[:32]
    return PaymentIntent.objects.create(
        order=order, method=method, amount=amount, quote_version=quote_version, key=key,
        state=PaymentIntent.State.CHARGED, provider=f"simulated-{method}", transaction_id=f"SIM{key}",
        created_at=now, updated_at=now, charged_at=now,
    )  # fmt: skip
