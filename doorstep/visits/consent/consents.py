"""Consents the customer gives, on the record (R-AN-6 take-back, R-SV-4 data backup, R-AN-3 …), each
with the channel it came through (``channel.py``)."""

from __future__ import annotations

from django.db import transaction

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Invalid
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.visits.consent.channel import Channel, require_channel
from doorstep.visits.consent.drawing import png_bytes
from doorstep.visits.models import Consent, Source

RULES: dict[str, str] = {
    Consent.Kind.TAKE_BACK: "R-AN-6",
    Consent.Kind.CANNIBALISE: "R-AN-3",
    Consent.Kind.QUOTE: "R-SV-2",
    Consent.Kind.INSTALL_ACCEPTANCE: "R-CO-6",
}


def consent_record(
    *, order: WorkOrder, channel: Channel, kind: str, given_by: str, note: str = "", mark: str = ""
) -> Consent:
    """A consent the customer gave, on the record with its channel (R-AN-6 take-back, R-SV-4 data
    backup, …). In customer mode ``mark`` is the signature the customer drew on the technician's phone.
    A quote is accepted through ``quote_accept``, which records its consent row itself."""
    if kind not in Consent.Kind.values or kind == Consent.Kind.QUOTE:
        raise Invalid(ErrorCode.CONSENT_KIND_INVALID, field="kind", kind=kind)
    if not given_by.strip():
        raise Invalid(ErrorCode.GIVEN_BY_REQUIRED, field="given_by")
    require_channel(order, channel, kind)
    if channel.source == Source.CUSTOMER_DEVICE:
        customer_mark(mark)
    else:
        mark = ""
    with transaction.atomic():
        consent = consent_row(
            order=order, channel=channel, kind=kind, given_by=given_by, note=note, mark=mark
        )
        EventKind.CONSENT.record(
            order=order,
            actor=channel.actor,
            rule=RULES.get(kind, "R-SV-4"),
            data={
                "kind": kind,
                "given_by": consent.given_by,
                "note": note,
                "source": channel.source,
                "recorded_by": channel.phone_recorder,
            },
        )
    return consent


def consent_row(
    *, order: WorkOrder, channel: Channel, kind: str, given_by: str, note: str = "", mark: str = ""
) -> Consent:
    """The row itself, with who gave it, how and from which device (no checks: callers check)."""
    return Consent.objects.create(
        order=order,
        kind=kind,
        given_by=given_by.strip()[:50],
        note=note[:300],
        at=clock.now(),
        source=channel.source,
        recorded_by=channel.recorded_by,
        device=channel.device,
        mark=mark,
    )


def customer_mark(mark: str) -> None:
    """Customer mode: the customer's own signature drawn on the pad, a real PNG (R-SV-4)."""
    if not mark:
        raise Invalid(ErrorCode.CUSTOMER_MARK_REQUIRED, field="image")
    png_bytes(mark)
