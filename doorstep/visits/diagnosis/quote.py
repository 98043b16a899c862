"""The quote: built only from the brand's fee standard, warranty applied line by line, accepted by the
customer before work starts; any change needs a new acceptance (R-SV-2, R-SV-3, R-IN-9, R-AN-7)."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext_noop

from doorstep.catalog.models import FeeItem
from doorstep.catalog.warranty import decide_warranty, explained, shown
from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid, NotFound
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.visits.common import ON_SITE, require_field_actor
from doorstep.visits.consent.channel import Channel, require_channel
from doorstep.visits.consent.consents import consent_row, customer_mark
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.models import ChargeLine, Consent, Quote, Source

NEVER_COVERED = {FeeItem.Kind.MATERIAL}  # extra materials are charged even in warranty (R-SV-3)


MATERIAL_CHARGED = gettext_noop("材料费不在保修范围内，按收费标准收取。")
PART_COVERED = gettext_noop("%(part)s在部件保修期内：保内免费。")


def coverage_explained(order: WorkOrder, fee: FeeItem, exclusion: str = "") -> tuple[bool, dict[str, Any]]:
    """Is this line free under warranty? With the reason (R-AN-7) as ``catalog.warranty.explained`` gives
    it: the Chinese text of the record, and its message and parameters to show it in the reader's language."""
    if fee.kind in NEVER_COVERED:
        return False, explained(MATERIAL_CHARGED)
    product = order.product
    decision = decide_warranty(
        model=product.model if product else None,
        purchased=product.purchase_date if product else None,
        today=clock.local(clock.now()).date(),
        exclusion=exclusion,
    )
    reason = {"explanation": decision.explanation, "message": decision.message, "params": decision.params}
    if decision.status == "in_warranty":
        return True, reason
    if fee.kind == FeeItem.Kind.PART and any(name in fee.name for name in decision.parts):
        return True, explained(PART_COVERED, part=fee.name)
    return False, reason


def coverage(order: WorkOrder, fee: FeeItem, exclusion: str = "") -> tuple[bool, str]:
    """Is this line free under warranty? With the reason in words (R-AN-7), in Chinese as recorded."""
    covered, reason = coverage_explained(order, fee, exclusion)
    return covered, str(reason["explanation"])


def fee_standard(order: WorkOrder) -> QuerySet[FeeItem]:
    """The published fee items that apply to this order's product line, and those of every line (R-SV-2)."""
    product = order.product
    line_id = product.model.line_id if product is not None and product.model is not None else None
    items = order.brand.fee_items.filter(active=True)
    items = items.filter(Q(line__isnull=True) | Q(line_id=line_id)) if line_id else items
    return items.order_by("kind", "code")


def quote_line_add(
    *, order: WorkOrder, actor: Actor, fee_code: str, quantity: Any = 1, exclusion: str = ""
) -> ChargeLine:
    """Add a fee-standard line with warranty coverage decided by the system, not typed by hand."""
    fee = FeeItem.objects.filter(brand=order.brand, code=fee_code, active=True).first()
    if fee is None:  # charge_add refuses it with the standard message
        return charge_add(order=order, actor=actor, fee_code=fee_code, quantity=quantity)
    covered, why = coverage_explained(order, fee, exclusion)
    return charge_add(
        order=order,
        actor=actor,
        fee_code=fee_code,
        quantity=quantity,
        covered=covered,
        # the customer is told why this line is charged (R-AN-7), in the reader's language
        note="" if covered else str(why["explanation"]),
        note_detail={} if covered else {"message": why["message"], "params": why["params"]},
    )


def charge_remove(*, order: WorkOrder, actor: Actor, line_id: Any) -> None:
    """Take a line off the quote before payment; an accepted quote then needs a new acceptance."""
    require_field_actor(order, actor)
    if order.status not in ON_SITE:
        raise DomainError(ErrorCode.NOT_ON_SITE)
    line = ChargeLine.objects.select_related("fee_item").filter(order=order, pk=line_id).first()
    if line is None:
        raise NotFound(ErrorCode.CHARGE_UNKNOWN, field="line")
    with transaction.atomic():
        EventKind.CHARGE_REMOVED.record(
            order=order,
            actor=actor,
            rule="R-SV-2",
            data={"code": line.fee_item.code, "name": line.fee_item.name, "amount": str(line.amount)},
        )
        line.delete()


def quote_lines(order: WorkOrder) -> list[dict[str, Any]]:
    lines = order.charges.select_related("fee_item").order_by("added_at", "pk")
    return [
        {
            "id": line.pk,
            "code": line.fee_item.code,
            "name": line.fee_item.name,
            "kind": line.fee_item.get_kind_display(),
            "unit": line.fee_item.unit,
            "quantity": str(line.quantity.normalize()),
            "unit_price": str(line.unit_price),
            "amount": str(line.amount),
            "covered": line.covered,
            "why": shown({**line.note_detail, "explanation": line.note}) if line.note else "",
        }
        for line in lines
    ]


# what the customer agrees to: which standard items, how many, at what price, covered or not — not the labels
# a page shows them with, which follow the reader's language (a quote shown in English and accepted on a phone
# set to Chinese is the same quote)
AGREED = ("id", "code", "quantity", "unit_price", "amount", "covered")


def fingerprint(lines: list[dict[str, Any]]) -> str:
    agreed = [{key: line[key] for key in AGREED} for line in lines]
    return hashlib.sha256(json.dumps(agreed, sort_keys=True).encode()).hexdigest()


def _totals(lines: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
    total = sum((Decimal(x["amount"]) for x in lines), Decimal("0.00"))
    due = sum((Decimal(x["amount"]) for x in lines if not x["covered"]), Decimal("0.00"))
    return total, due


def quote_current(order: WorkOrder) -> Quote | None:
    """The accepted quote if the charge lines are still exactly what the customer accepted."""
    latest = Quote.objects.filter(order=order).order_by("-version").first()
    if latest is None or latest.fingerprint != fingerprint(quote_lines(order)):
        return None
    return latest


def quote_require_accepted(order: WorkOrder) -> Quote:
    quote = quote_current(order)
    if quote is None:
        raise DomainError(
            ErrorCode.QUOTE_NOT_ACCEPTED,
        )  # R-SV-2, R-IN-9
    return quote


QUOTE_METHOD = {
    Source.CUSTOMER_LINK: Quote.Method.CUSTOMER_LINK,
    Source.CUSTOMER_DEVICE: Quote.Method.CUSTOMER_MODE,
    Source.PHONE_AGREED: Quote.Method.PHONE_AGREED,
}


def quote_accept(*, order: WorkOrder, channel: Channel, signer: str, seen: str, mark: str = "") -> Quote:
    """The customer accepts the quote they were shown (``seen`` = its fingerprint) (R-SV-2, R-IN-9).

    Through the customer's channel (their link, or customer mode with the signature drawn there:
    ``mark``), or recorded by staff as agreed by phone — then the staff member is the actor and the
    quote says so (``channel.py``).
    """
    if channel.source not in QUOTE_METHOD:
        raise Invalid(ErrorCode.QUOTE_METHOD_INVALID, field="method")
    if not signer.strip():
        raise Invalid(ErrorCode.SIGNER_REQUIRED, field="signer_name")
    require_channel(order, channel, Consent.Kind.QUOTE)
    if order.status not in ON_SITE:
        raise DomainError(ErrorCode.NOT_ON_SITE)
    lines = quote_lines(order)
    if seen != fingerprint(lines):
        raise DomainError(ErrorCode.QUOTE_CHANGED)
    if channel.source == Source.CUSTOMER_DEVICE:
        customer_mark(mark)
    name = signer.strip()[:50]
    method = QUOTE_METHOD[Source(channel.source)]
    total, due = _totals(lines)
    with transaction.atomic():
        version = (order.quotes.aggregate(v=Max("version"))["v"] or 0) + 1
        quote = Quote.objects.create(
            order=order,
            version=version,
            lines=lines,
            fingerprint=seen,
            total=total,
            due=due,
            accepted_by=name,
            method=method,
            accepted_at=clock.now(),
        )
        consent_row(
            order=order,
            channel=channel,
            kind=Consent.Kind.QUOTE,
            given_by=name,
            note=f"报价第 {version} 版：合计 ¥{total}，应付 ¥{due}",
            mark=mark if channel.source == Source.CUSTOMER_DEVICE else "",
        )
        EventKind.QUOTE_ACCEPTED.record(
            order=order,
            actor=channel.actor,
            rule="R-SV-2",
            data={
                "version": version,
                "total": str(total),
                "due": str(due),
                "method": method,
                "source": channel.source,
                "given_by": name,
                "recorded_by": channel.phone_recorder,
                "lines": len(lines),
            },
        )
    return quote
