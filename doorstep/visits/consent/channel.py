"""Who gave a customer-only act, and through which channel: decided here, once (R-CO-1, R-SV-2, R-SV-4,
R-AN-3, R-AN-6, R-CO-6, R-QA-2).

The customer-only acts are the consents (a quote or fee, a data backup, opening the casing, a
cannibalised part, taking the unit back, the installation acceptance), the signature and the survey.
They count as the customer's own act only from the customer's channel:

- ``customer_link``: the customer's own phone, through the signed tracking link. A request that carries
  a staff session is refused there (:func:`link_channel`): the link is the customer's, and a technician
  or agent who opens it cannot act as the customer (R-CO-1: the technician may never sign for the
  customer).
- ``customer_device``: customer mode on the technician's phone, only with the customer's own mark made
  there: the signature drawn on the pad for a consent or the quote, and the one-time code sent to the
  customer's phone for the completion signature (``signing.py``). The technician is kept as the
  device's holder.
- ``phone_agreed``: a staff member records that the customer agreed by phone. Never the customer's own
  act: the staff member is the actor and the recorder, and it is shown as such on the order's record,
  the tracking page and the service report. Allowed only where the standard does not ask for the
  customer's own mark (:data:`PHONE_ACCEPTABLE`).

A staff request that claims one of the customer's own channels is refused 403
(``customer_act_by_staff``). Guards that check a consent read it through :func:`consent_given`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import ErrorCode, Forbidden
from doorstep.network.actors import Actor
from doorstep.network.roles import DESK, FIELD, UNSCOPED, Party
from doorstep.visits.common import require_field_actor
from doorstep.visits.models import DEVICE_MAX, Consent, Source

if TYPE_CHECKING:
    from django.http import HttpRequest

    from doorstep.network.models import Staff
    from doorstep.orders.models import WorkOrder

# The consents a customer may give by phone, recorded as such by staff. Not among them:
# - the data-backup answer: R-SV-4 records it "with the customer's signature";
# - the installation acceptance card (R-CO-6): the customer's own acceptance on site;
# and never the completion signature (R-CO-1) or the survey (R-QA-2; a phone answer is the callback).
PHONE_ACCEPTABLE = frozenset(
    {
        Consent.Kind.QUOTE,  # R-SV-2 / R-IN-9: the fees explained and agreed, e.g. before a part is ordered
        Consent.Kind.CANNIBALISE,  # R-AN-3: "with the customer's consent … recorded as such"
        Consent.Kind.TAKE_BACK,  # R-AN-6: the customer's consent, e.g. when someone else is at home
        Consent.Kind.OPEN_CASING,  # R-SV-4: consent, no signature asked
    }
)
CUSTOMER_OWN = frozenset({Source.CUSTOMER_LINK, Source.CUSTOMER_DEVICE})
# rows recorded before the source was kept are still honoured, so that visits under way can finish
STILL_HONOURED = frozenset({Source.LEGACY})


def accepted_sources(kind: str) -> frozenset[str]:
    """The sources a consent of ``kind`` may come from (R-SV-2, R-SV-4, R-AN-3, R-AN-6, R-CO-6)."""
    phone = {Source.PHONE_AGREED} if kind in PHONE_ACCEPTABLE else set()
    return frozenset(CUSTOMER_OWN | STILL_HONOURED | phone)


def kinds_given(order: WorkOrder) -> set[str]:
    """The kinds of consent the customer gave on this order, each through a channel it accepts."""
    return {
        kind
        for kind, source in order.consents.values_list("kind", "source")
        if source in accepted_sources(kind)
    }


def consent_given(order: WorkOrder, kind: str) -> bool:
    """Did the customer give this consent, through a channel the standard accepts for it?"""
    return order.consents.filter(kind=kind, source__in=accepted_sources(kind)).exists()


@dataclass(frozen=True)
class Channel:
    """Who acts (the customer, or the staff member recording a phone agreement), how, and from where."""

    source: str
    actor: Actor
    device: str = ""
    holder: Actor | None = None  # the technician whose phone (customer mode), the recorder (phone)

    @property
    def is_customers_own(self) -> bool:
        return self.source in CUSTOMER_OWN

    @property
    def recorded_by(self) -> Staff | None:
        return self.holder.staff if self.holder is not None else None

    @property
    def phone_recorder(self) -> str:
        """The staff member who recorded a phone agreement, by name (empty for the customer's own act)."""
        return self.holder.name if self.source == Source.PHONE_AGREED and self.holder is not None else ""

    @classmethod
    def customer_link(cls, name: str, *, device: str = "") -> Channel:
        """The customer on their own phone; views build it with :func:`link_channel`."""
        return cls(Source.CUSTOMER_LINK, Actor.customer(name), device[:DEVICE_MAX])

    @classmethod
    def customer_device(cls, technician: Actor, name: str, *, device: str = "") -> Channel:
        """The customer in customer mode on ``technician``'s phone."""
        return cls(Source.CUSTOMER_DEVICE, Actor.customer(name), device[:DEVICE_MAX], technician)

    @classmethod
    def phone_agreed(cls, staff: Actor, *, device: str = "") -> Channel:
        """A staff member records that the customer agreed by phone."""
        return cls(Source.PHONE_AGREED, staff, device[:DEVICE_MAX], staff)


def device_of(request: HttpRequest) -> str:
    """Where a request came from, short: the client's address and its user agent."""
    ip = request.META.get("REMOTE_ADDR", "") or ""
    agent = " ".join((request.META.get("HTTP_USER_AGENT", "") or "").split())
    return f"{ip} {agent}".strip()[:DEVICE_MAX]


def refuse_staff_session(request: HttpRequest) -> None:
    """The tracking link is the customer's: a signed-in user (technician, agent, …) cannot act there as
    the customer (R-CO-1). Viewing the tracking page stays possible; acting does not."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        raise Forbidden(ErrorCode.CUSTOMER_LINK_STAFF_SESSION)


def link_channel(request: HttpRequest, name: str) -> Channel:
    """The customer acting on their own phone through the tracking link (refuses a staff session)."""
    refuse_staff_session(request)
    return Channel.customer_link(name, device=device_of(request))


def staff_channel(request: HttpRequest, actor: Actor, claimed: str) -> Channel:
    """What a staff request (order page, API, callback page) may record: only ``phone_agreed``, said so
    explicitly. A staff request claiming the customer's own channel, or none, is refused 403."""
    if actor.role in UNSCOPED or claimed != Source.PHONE_AGREED:
        raise Forbidden(ErrorCode.CUSTOMER_ACT_BY_STAFF)
    return Channel.phone_agreed(actor, device=device_of(request))


ACT_LABELS = {
    "signature": _("完工签字"),
    "survey": _("满意度评价"),
}


def require_channel(order: WorkOrder, channel: Channel, kind: str) -> None:
    """May this channel give a consent of ``kind`` on this order? Who may hold the device or record a
    phone agreement is checked here too."""
    if channel.source == Source.PHONE_AGREED:
        if kind not in PHONE_ACCEPTABLE:
            label = Consent.Kind(kind).label if kind in Consent.Kind.values else ACT_LABELS.get(kind, kind)
            raise Forbidden(ErrorCode.CUSTOMER_ACT_NOT_BY_PHONE, act=label)
        _require_recorder(order, channel.actor)
    elif channel.source == Source.CUSTOMER_DEVICE:
        if channel.holder is None:
            raise Forbidden(ErrorCode.CUSTOMER_ACT_BY_STAFF)
        require_field_actor(order, channel.holder)
    elif channel.source != Source.CUSTOMER_LINK or channel.actor.role != Party.CUSTOMER:
        raise Forbidden(ErrorCode.CUSTOMER_ACT_BY_STAFF)


def _require_recorder(order: WorkOrder, actor: Actor) -> None:
    """The technician of the visit (or the outlet, admin), or the desk, records a phone agreement."""
    if actor.role in FIELD:
        require_field_actor(order, actor)
    elif actor.role not in DESK or actor.staff is None:
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=_("记录客户电话同意"))
