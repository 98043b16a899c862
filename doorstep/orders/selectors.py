"""Reads on work orders, always scoped to what the actor's role and outlet may see (R-PV-1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from doorstep.core.paging import LAST, Page, id_param, keyset_page, sort_keys
from doorstep.core.partitions import archived_months, month_of
from doorstep.customers.models import Address, Customer
from doorstep.network.actors import Actor
from doorstep.network.roles import CENTRE_STAFF, DESK, UNSCOPED, Role
from doorstep.orders.lifecycle import Move, moves_from
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder


def orders_visible_to(actor: Actor) -> QuerySet[WorkOrder]:
    """Centre roles see their centre; an outlet sees only its own orders; a technician only theirs."""
    qs = WorkOrder.objects.select_related(
        "brand", "customer", "address", "product__model", "outlet", "technician__staff", "owner"
    )
    if actor.role in CENTRE_STAFF and actor.staff is not None:
        return qs.filter(centre_id=actor.centre_id)
    if actor.role == Role.OUTLET_MANAGER and actor.outlet_id:
        return qs.filter(outlet_id=actor.outlet_id)
    if actor.role == Role.TECHNICIAN and actor.technician_id:
        return qs.filter(technician_id=actor.technician_id)
    return qs.none()


def order_is_visible_to(order: WorkOrder, actor: Actor) -> bool:
    if actor.role in UNSCOPED:
        return True  # the customer reaches exactly one order through its signed link
    return orders_visible_to(actor).filter(pk=order.pk).exists()


def order_get(*, actor: Actor, number: str) -> WorkOrder | None:
    return orders_visible_to(actor).filter(number=number).first()


def order_timeline(*, order: WorkOrder, customer_view: bool = False) -> QuerySet[OrderEvent]:
    qs = order.events.order_by("seq")
    return qs.filter(customer_visible=True) if customer_view else qs


def timeline_archived(*, order: WorkOrder) -> list[date]:
    """The months of the order's record moved to the archive (core.partitions): its timeline says so."""
    return archived_months(OrderEvent._meta.db_table, since=month_of(order.created_at))


def timeline_archived_labels(*, order: WorkOrder) -> list[str]:
    """The archived months as the pages and the API show them ("2025-03")."""
    return [f"{m:%Y-%m}" for m in timeline_archived(order=order)]


def deadlines_for_owner(*, actor: Actor) -> QuerySet[Deadline]:
    """The owner's live deadlines, overdue first (a missed promise is visible to its owner)."""
    if actor.staff is None:
        return Deadline.objects.none()
    return (
        Deadline.objects.select_related("order")
        .filter(owner=actor.staff)
        .filter(Q(state=Deadline.State.OPEN) | Q(state=Deadline.State.OVERDUE))
        .order_by("-state", "due_at")
    )


def unowned_hurries(*, actor: Actor) -> QuerySet[Deadline]:
    """The customers' 催单 of orders with no first-contact owner yet (a self-booking): the whole desk of the
    centre sees them until an agent takes the order and, with it, the promise (R-IN-5)."""
    if actor.role not in DESK or actor.staff is None:
        return Deadline.objects.none()
    return (
        Deadline.objects.select_related("order")
        .filter(kind=Deadline.Kind.HURRY, owner__isnull=True, state__in=Deadline.LIVE)
        .filter(order__centre_id=actor.centre_id)
        .order_by("due_at")
    )


def allowed_moves(*, order: WorkOrder, actor: Actor) -> list[Move]:
    """The moves this actor may try now (the service still checks each one's guard)."""
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        return []
    return [m for m in moves_from(order.status) if actor.role in m.roles]


# --- the staff lists: keyset pages with their filters and sorts (doorstep.core.paging) -------------------

ORDER_SORTS: dict[str, list[str]] = {
    "new": ["-created_at", "-pk"],  # the newest first (the default)
    "old": ["created_at", "pk"],
    "window": ["o_window", "pk"],  # the soonest appointment first, none last
    "number": ["number"],
}
DEADLINE_SORTS: dict[str, list[str]] = {
    "overdue": ["-state", "due_at", "pk"],  # overdue ones first, then the soonest due (the default)
    "due": ["due_at", "pk"],
    "-due": ["-due_at", "-pk"],
}
DEADLINE_STATES = ("live", Deadline.State.OVERDUE, Deadline.State.OPEN)


def order_list_page(
    *,
    actor: Actor,
    status: str = "",
    priority: str = "",
    outlet: str = "",
    sort: str = "new",
    after: str = "",
    size: int | None = None,
) -> Page[WorkOrder]:
    """The order list, scoped (R-PV-1), filtered and sorted; one keyset page."""
    qs = orders_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    if priority:
        qs = qs.filter(priority=priority)
    if (outlet_id := id_param(outlet)) is not None:
        qs = qs.filter(outlet_id=outlet_id)
    elif outlet == "none":
        qs = qs.filter(outlet__isnull=True)
    keys = sort_keys(ORDER_SORTS, sort)
    if "o_window" in keys:
        qs = qs.annotate(o_window=Coalesce(F("window_start"), Value(LAST)))
    return keyset_page(qs, keys, after=after, size=size)


def deadline_page(
    *,
    actor: Actor,
    state: str = "live",
    kind: str = "",
    sort: str = "overdue",
    after: str = "",
    size: int | None = None,
) -> Page[Deadline]:
    """The owner's deadlines ("我的时限"): every live one reachable, page by page (walk finding 22)."""
    qs = deadlines_for_owner(actor=actor)
    if state in (Deadline.State.OVERDUE, Deadline.State.OPEN):
        qs = qs.filter(state=state)
    if kind in Deadline.Kind.values:
        qs = qs.filter(kind=kind)
    return keyset_page(qs, sort_keys(DEADLINE_SORTS, sort), after=after, size=size)


# --- the staff search box ----------------------------------------------------------------------------------
_NUMBER = re.compile(r"^[A-Za-z]{1,4}\d{0,16}$")
SEARCH_MIN_TEXT = 2  # characters of a name or an address fragment (one character matches half the city)


@dataclass
class SearchQuery:
    text: str
    number: str = ""  # an order number or its beginning, upper-cased
    phone: str = ""  # E.164, parsed as the intake parses it (doorstep.customers.parsing)
    fragment: str = ""  # a name or an address fragment

    @property
    def usable(self) -> bool:
        return bool(self.number or self.phone or self.fragment)


def search_query(raw: str) -> SearchQuery:
    """What a search text may be: an order number (any case), a phone (any format the intake reads), or a
    fragment of a customer's name or address."""
    from doorstep.customers.parsing import normalize_phone

    text = " ".join((raw or "").split())[:100]
    query = SearchQuery(text)
    compact = text.replace(" ", "")
    if _NUMBER.match(compact) and any(c.isdigit() for c in compact):
        query.number = compact.upper()
    if sum(c.isdigit() for c in text) >= 7:
        query.phone = normalize_phone(text).e164 or ""
    if not query.number and not query.phone and len(text) >= SEARCH_MIN_TEXT:
        query.fragment = text
    return query


def order_search(
    *, actor: Actor, query: SearchQuery, after: str = "", size: int | None = None
) -> Page[WorkOrder]:
    """Orders matching the search, only among the orders the actor may see (``orders_visible_to``, R-PV-1);
    the newest first. Each branch reads an index: the order number's (prefix), the customer's phone, and on
    PostgreSQL the trigram indexes of the customer's name and the address (customers migration 0002)."""
    match = Q(pk__in=[])
    if query.number:
        match |= Q(number__startswith=query.number)
    if query.phone:
        match |= Q(customer_id__in=Customer.objects.filter(phone=query.phone).values("pk"))
    if query.fragment:
        match |= Q(customer_id__in=Customer.objects.filter(name__icontains=query.fragment).values("pk"))
        match |= Q(address_id__in=Address.objects.filter(detail__icontains=query.fragment).values("pk"))
        match |= Q(address_id__in=Address.objects.filter(district=query.fragment).values("pk"))
    if not query.usable:
        return Page([], 0, "")
    return keyset_page(orders_visible_to(actor).filter(match), ORDER_SORTS["new"], after=after, size=size)
