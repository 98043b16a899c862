"""What every staff page starts with: the acting staff member, and an order they may see (404 otherwise)."""

from __future__ import annotations

from collections.abc import Collection

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.network.actors import Actor
from doorstep.orders.models import WorkOrder
from doorstep.orders.selectors import order_get


def page_actor(request: HttpRequest, roles: Collection[str] | None = None) -> Actor:
    """The staff member behind this request; a non-staff user or a role not listed gets a 404."""
    try:
        actor = Actor.for_user(request.user)
    except DomainError:
        raise Http404 from None
    if roles is not None and actor.role not in roles:
        raise Http404
    return actor


def page_order(actor: Actor, number: str) -> WorkOrder:
    """The order if this actor's role and outlet may see it (R-PV-1); otherwise a 404."""
    order = order_get(actor=actor, number=number)
    if order is None:
        raise Http404(_("工单不存在或无权查看。"))
    return order
