"""What staff may record for the customer: only that the customer agreed by phone, said so (R-SV-2,
R-AN-3, R-AN-6, R-SV-4; who decides: ``consent/channel.py``). The order page and the API call this."""

from __future__ import annotations

from doorstep.orders.models import WorkOrder
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.consents import consent_record
from doorstep.visits.diagnosis.quote import fingerprint, quote_accept, quote_lines
from doorstep.visits.models import Consent, Quote


def phone_agreement_record(
    *, order: WorkOrder, channel: Channel, kind: str, given_by: str, note: str = "", seen: str = ""
) -> Consent | Quote:
    """A phone agreement, recorded by the staff member in ``channel`` (``staff_channel``). A quote is
    accepted as the lines stand (``seen``: the fingerprint the staff member read out; by default the
    current lines)."""
    if kind == Consent.Kind.QUOTE:
        return quote_accept(
            order=order, channel=channel, signer=given_by, seen=seen or fingerprint(quote_lines(order))
        )
    return consent_record(order=order, channel=channel, kind=kind, given_by=given_by, note=note)
