"""Consents the customer gives, on the record (R-AN-6 take-back, R-SV-4 data backup, R-AN-3 …)."""

from __future__ import annotations

from django.db import transaction

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Invalid
from doorstep.network.actors import Actor
from doorstep.network.roles import Party
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.visits.common import require_field_actor
from doorstep.visits.models import Consent


def consent_record(*, order: WorkOrder, actor: Actor, kind: str, given_by: str, note: str = "") -> Consent:
    """A consent the customer gave, on the record (R-AN-6 take-back, R-SV-4 data backup, …)."""
    if kind not in Consent.Kind.values:
        raise Invalid(ErrorCode.CONSENT_KIND_INVALID, field="kind", kind=kind)
    if not given_by.strip():
        raise Invalid(ErrorCode.GIVEN_BY_REQUIRED, field="given_by")
    if actor.role != Party.CUSTOMER:
        require_field_actor(order, actor)
    with transaction.atomic():
        consent = Consent.objects.create(
            order=order, kind=kind, given_by=given_by.strip(), note=note, at=clock.now()
        )
        EventKind.CONSENT.record(
            order=order,
            actor=actor,
            rule="R-AN-6" if kind == Consent.Kind.TAKE_BACK else "R-SV-4",
            data={"kind": kind, "given_by": consent.given_by, "note": note},
        )
    return consent
