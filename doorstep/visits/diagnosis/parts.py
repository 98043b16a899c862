"""Parts fitted on the visit: only under the accepted quote, with their source, the old part's fate, and
the customer's consent when taken from a defective or turnover unit (R-SV-5, R-AN-3, R-SV-2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from doorstep.core.errors import DomainError, ErrorCode
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.parts.models import PartUse
from doorstep.parts.services import _count, part_fit, part_get
from doorstep.visits.arrival.protocol import require_step
from doorstep.visits.consent.channel import consent_given
from doorstep.visits.diagnosis.diagnosis import work_started
from doorstep.visits.diagnosis.quote import quote_require_accepted
from doorstep.visits.models import Consent

CANNIBALISED = {PartUse.Source.CANNIBALISED_DEFECTIVE, PartUse.Source.CANNIBALISED_TURNOVER}
WORK_STATUSES = {"in_service", "taken_back", "returned"}


def _quoted_quantity(quote_lines: list[dict[str, Any]], fee_code: str) -> Decimal:
    return sum((Decimal(x["quantity"]) for x in quote_lines if x["code"] == fee_code), Decimal("0"))


def part_use_record(
    *,
    order: WorkOrder,
    actor: Actor,
    part_code: str,
    quantity: Any = 1,
    source: str,
    old_part_fate: str,
    note: str = "",
) -> PartUse:
    """Fit a part: refused without started work under an accepted quote, outside the quote, without
    consent for a cannibalised part, or when the stock it should come from does not have it."""
    require_step(order, actor, WORK_STATUSES)
    quote = quote_require_accepted(order)
    if not work_started(order):
        raise DomainError(ErrorCode.WORK_NOT_STARTED)
    part = part_get(brand_id=order.brand_id, code=part_code)
    n = _count(quantity)
    used = (
        PartUse.objects.filter(order=order, part__fee_item=part.fee_item).aggregate(s=Sum("quantity"))["s"]
        or 0
    )
    if used + n > _quoted_quantity(quote.lines, part.fee_item.code):
        raise DomainError(
            ErrorCode.PART_NOT_IN_QUOTE,
            field="part",
            part=part.name,
        )  # R-SV-2: no change of service content without consent
    if source in CANNIBALISED and not consent_given(order, Consent.Kind.CANNIBALISE):
        raise DomainError(
            ErrorCode.CANNIBALISE_NEEDS_CONSENT,
            field="source",
        )
    if not part.original:
        raise DomainError(ErrorCode.PART_NOT_CERTIFIED, field="part")
    with transaction.atomic():
        use = part_fit(
            order=order,
            part=part,
            quantity=n,
            source=source,
            old_part_fate=old_part_fate,
            by=actor.name,
            note=note,
        )
        EventKind.PART_USED.record(
            order=order,
            actor=actor,
            rule="R-AN-3" if source in CANNIBALISED else "R-SV-5",
            data={
                "part": part.code,
                "name": part.name,
                "quantity": n,
                "source": source,
                "source_label": str(PartUse.Source(source).label),
                "old_part_fate": str(PartUse.OldPartFate(old_part_fate).label),
            },
        )
    return use
