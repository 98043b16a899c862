"""The service report attached to the order and sent to the customer's tracking page (R-CO-1, R-CO-5)."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction

from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.visits.models import ServiceReport
from doorstep.visits.report.pdf import service_report_pdf

log = logging.getLogger(__name__)


def report_store(*, order: WorkOrder) -> ServiceReport:
    """Render the report, store it under MEDIA_ROOT and tell the customer (an event on the record)."""
    order = WorkOrder.objects.get(pk=order.pk)  # fresh: signature, payment, charges as committed
    pdf = service_report_pdf(order)
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        report = ServiceReport.objects.filter(order=order).first() or ServiceReport(order=order)
        report.sha256, report.generated_at = digest, clock.now()
        report.file.save(f"{order.number}.pdf", ContentFile(pdf), save=False)
        report.save()
        EventKind.REPORT_SENT.record(
            order=order,
            actor=Actor.system(),
            rule="R-CO-1",
            data={"sha256": digest[:16], "pages_bytes": len(pdf)},
        )
    return report


def report_store_quietly(order_id: int) -> None:
    """After the payment commits: a failure here must not undo the payment; the page regenerates it."""
    try:
        report_store(order=WorkOrder.objects.get(pk=order_id))
    except Exception:
        log.exception("could not store the service report of order %s", order_id)


def report_bytes(order: WorkOrder) -> bytes:
    """The stored report, or a fresh rendering when none is stored yet."""
    report = ServiceReport.objects.filter(order=order).first()
    if report is not None and report.file:
        try:
            with report.file.open("rb") as fh:
                return fh.read()
        except FileNotFoundError:
            log.warning("stored report of %s is missing; regenerating", order.number)
    return service_report_pdf(order)
