"""Reads of dispatch, each scoped the way ``orders_visible_to`` scopes orders (R-PV-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Case, DateTimeField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from doorstep.core.paging import LAST, count_per, keyset_page, read_whole, sort_keys
from doorstep.dispatch.models import LateCall, OutletOffer, PlanRun
from doorstep.network.actors import Actor
from doorstep.network.models import Coverage, Outlet, Technician
from doorstep.network.roles import CENTRE_DISPATCH, Role
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, OrderEvent, Priority, WorkOrder
from doorstep.orders.selectors import orders_visible_to

CENTRE_QUEUE = (Status.TRIAGED, Status.TRANSFERRED)
PLANNED = (Status.ASSIGNED, Status.CONFIRMED, Status.RESCHEDULED)
UNDER_WAY = (Status.EN_ROUTE, Status.ARRIVED, Status.IN_SERVICE, Status.NOBODY_HOME)
DONE_TODAY = (Status.COMPLETED, Status.PAID, Status.CALLBACK_DONE, Status.CLOSED)
OPEN_AT_OUTLET = (Status.DISPATCHED, *PLANNED, *UNDER_WAY)
_PRIORITY_RANK: dict[str, int] = {Priority.URGENT: 0, Priority.NORMAL: 1, Priority.LOW: 2}


def board_outlets(actor: Actor) -> QuerySet[Outlet]:
    """Outlets the actor plans: an outlet manager their own, the centre's dispatcher/admin every one."""
    if actor.role == Role.OUTLET_MANAGER and actor.outlet_id:
        return Outlet.objects.filter(pk=actor.outlet_id)
    if actor.role in CENTRE_DISPATCH and actor.centre_id:
        return Outlet.objects.filter(centre_id=actor.centre_id, active=True).order_by("pk")
    return Outlet.objects.none()


def board_outlet(actor: Actor, outlet_id: int | str | None) -> Outlet | None:
    outlets = board_outlets(actor)
    if outlet_id and str(outlet_id).isdigit():
        return outlets.filter(pk=int(outlet_id)).first()
    return outlets.first()


def outlet_technicians(outlet: Outlet) -> list[Technician]:
    return list(
        Technician.objects.filter(staff__outlet=outlet)
        .select_related("staff")
        .prefetch_related("qualifications", "equipment", "skills", "product_lines", "shifts", "leaves")
        .order_by("staff__name", "pk")
    )


@dataclass
class QueueItem:
    order: WorkOrder
    promise_due: datetime | None  # the response promise (R-IN-4) still open
    offer_due: datetime | None  # the outlet's acceptance time (R-DI-1)
    offer_expired: bool

    @property
    def rank(self) -> tuple[int, float]:
        due = self.promise_due or self.offer_due
        return (_PRIORITY_RANK.get(self.order.priority, 1), due.timestamp() if due else float("inf"))


QUEUE_PAGE_SIZE = 50  # orders of the queue on one board page; the rest by "more" (keyset, never OFFSET)


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int  # every order waiting, not only this page's
    after: str  # the cursor of the next page ("" when this is the last)


def _queue_orders(actor: Actor, outlet: Outlet | None) -> QuerySet[WorkOrder]:
    qs = orders_visible_to(actor).filter(status=Status.DISPATCHED, outlet=outlet)
    if actor.role in CENTRE_DISPATCH:
        qs = orders_visible_to(actor).filter(
            Q(status=Status.DISPATCHED, outlet=outlet) | Q(status__in=CENTRE_QUEUE)
        )
    return qs


def _ranked(qs: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """The queue's order in SQL: urgent first, then the promise (R-IN-4) or the outlet's acceptance time
    (R-DI-1) soonest, then the order number's age — the same rank as ``QueueItem.rank``."""
    live = [Deadline.State.OPEN, Deadline.State.OVERDUE]
    promise = (
        Deadline.objects.filter(order=OuterRef("pk"), kind=Deadline.Kind.RESPONSE, state__in=live)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    offer = OutletOffer.objects.filter(order=OuterRef("pk")).order_by("-offered_at")
    return qs.annotate(
        q_rank=Case(*(When(priority=p, then=Value(r)) for p, r in _PRIORITY_RANK.items()), default=Value(1)),
        q_promise=Subquery(promise),
        q_offer_due=Case(
            When(status=Status.DISPATCHED, then=Subquery(offer.values("deadline__due_at")[:1])),
            default=None,
            output_field=DateTimeField(),
        ),
        q_offer_state=Subquery(offer.values("deadline__state")[:1]),
        q_due=Coalesce(F("q_promise"), F("q_offer_due"), Value(LAST)),
    ).order_by("q_rank", "q_due", "pk")


QUEUE_KEYS = ["q_rank", "q_due", "pk"]  # the queue's order, as ``_ranked`` sorts it
QUEUE_SORTS: dict[str, list[str]] = {
    "rank": QUEUE_KEYS,  # urgent first, then the promise soonest due (the default)
    "due": ["q_due", "pk"],  # the promise soonest due, whatever the priority
    "new": ["-created_at", "-pk"],
    "old": ["created_at", "pk"],
}


def queue_page(
    actor: Actor,
    outlet: Outlet | None,
    *,
    after: str = "",
    size: int | None = None,
    priority: str = "",
    service_type: str = "",
    sort: str = "rank",
) -> QueuePage:
    """One page of the orders waiting for a technician at ``outlet`` and, for the centre, for an outlet;
    urgent first, then by the promise deadline (R-IN-4, R-DI-1). A fixed number of queries whatever the
    queue's length; ``after`` is the previous page's cursor."""
    base = _queue_orders(actor, outlet)
    if priority in Priority.values:
        base = base.filter(priority=priority)
    if service_type:
        base = base.filter(service_type=service_type)
    page = keyset_page(  # ranked over narrow rows; only the page's orders are read whole
        _ranked(base.select_related(None).prefetch_related(None)).only("priority", "status", "created_at"),
        sort_keys(QUEUE_SORTS, sort),
        after=after,
        size=size or QUEUE_PAGE_SIZE,
        total=False,
    )
    page = read_whole(
        page,
        _ranked(base)
        .select_related(None)  # what the queue shows and the eligibility reads (R-DI-2), not every join
        .select_related("address", "brand", "product__model")
        .prefetch_related("faults", "brand__job_requirements"),
    )
    items = [
        QueueItem(
            order=o,
            promise_due=o.q_promise,  # type: ignore[attr-defined]
            offer_due=o.q_offer_due,  # type: ignore[attr-defined]
            offer_expired=o.q_offer_state == Deadline.State.OVERDUE,  # type: ignore[attr-defined]
        )
        for o in page.items
    ]
    return QueuePage(items, base.count(), page.after)


def unassigned_queue(actor: Actor, outlet: Outlet | None) -> list[QueueItem]:
    """The whole queue (every page), in the board's order."""
    items: list[QueueItem] = []
    after = ""
    while True:
        page = queue_page(actor, outlet, after=after, size=500)
        items += page.items
        if not page.after:
            return items
        after = page.after


def outlet_suggestions(order: WorkOrder) -> list[tuple[Outlet, dict[str, object]]]:
    """R-DI-1: outlets by coverage district, brand authorisation and current load (open orders per
    technician); outlets that declined the order come last, marked."""
    return outlet_suggestions_for([order])[order.pk]


def outlet_suggestions_for(orders: list[WorkOrder]) -> dict[int, list[tuple[Outlet, dict[str, object]]]]:
    """``outlet_suggestions`` for many orders in a fixed number of queries (the board's queue)."""
    if not orders:
        return {}
    centres = {o.centre_id for o in orders}
    brands = {o.brand_id for o in orders}
    outlets = list(
        Outlet.objects.filter(centre_id__in=centres, active=True, brands__in=brands)
        .distinct()
        .annotate(
            techs=count_per(Technician.objects.filter(staff__outlet=OuterRef("pk")), "staff__outlet"),
            # the open orders only, read from their partial index: the closed ones are never joined
            load=count_per(
                WorkOrder.objects.filter(outlet=OuterRef("pk"), status__in=OPEN_AT_OUTLET), "outlet"
            ),
        )
        .order_by("pk")
    )
    authorised = set(
        Outlet.brands.through.objects.filter(outlet__in=outlets, brand_id__in=brands).values_list(
            "outlet_id", "brand_id"
        )
    )
    covered = set(Coverage.objects.filter(outlet__in=outlets).values_list("outlet_id", "city", "district"))
    declined: dict[int, set[object]] = {}
    for order_id, outlet_id in OrderEvent.objects.filter(
        order__in=orders, kind=EventKind.DECLINE
    ).values_list("order_id", "data__outlet"):
        declined.setdefault(order_id, set()).add(outlet_id)
    addresses = {o.pk: o.address for o in orders}
    result: dict[int, list[tuple[Outlet, dict[str, object]]]] = {}
    for order in orders:
        addr = addresses[order.pk]
        ranked: list[tuple[Outlet, dict[str, object]]] = []
        for o in outlets:
            if o.centre_id != order.centre_id or (o.pk, order.brand_id) not in authorised:
                continue
            per_tech = o.load / o.techs if o.techs else float("inf")  # type: ignore[attr-defined]
            info: dict[str, object] = {
                "covers": (o.pk, addr.city, addr.district) in covered,
                "load": o.load,  # type: ignore[attr-defined]
                "technicians": o.techs,  # type: ignore[attr-defined]
                "per_tech": round(per_tech, 1) if o.techs else None,  # type: ignore[attr-defined]
                "declined": o.pk in declined.get(order.pk, set()),
                "current": o.pk == order.outlet_id,
            }
            ranked.append((o, info))
        ranked.sort(
            key=lambda r: (r[1]["declined"] or r[1]["current"], not r[1]["covers"], _num(r[1]["per_tech"]))
        )
        result[order.pk] = ranked
    return result


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else float("inf")


def reschedule_breaches(actor: Actor, since: datetime | None = None) -> QuerySet[OrderEvent]:
    """R-DI-8: company reschedules told with less notice than required (each one counts as a breach)."""
    qs = OrderEvent.objects.filter(
        order__in=orders_visible_to(actor), kind=EventKind.RESCHEDULE, data__notice_breach=True
    ).exclude(data__initiator="customer")
    if since is not None:
        qs = qs.filter(at__gte=since)
    return qs.select_related("order").order_by("-at")


def late_calls_open(actor: Actor) -> QuerySet[LateCall]:
    return LateCall.objects.filter(
        order__in=orders_visible_to(actor), deadline__state__in=Deadline.LIVE
    ).select_related("order", "technician__staff", "deadline")


def latest_run(outlet: Outlet, day: date) -> PlanRun | None:
    return PlanRun.objects.filter(outlet=outlet, day=day).order_by("-created_at", "-pk").first()


def run_visible(actor: Actor, run_id: int) -> PlanRun | None:
    return PlanRun.objects.filter(pk=run_id, outlet__in=board_outlets(actor)).first()
