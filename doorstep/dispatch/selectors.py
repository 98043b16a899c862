"""Reads of dispatch, each scoped the way ``orders_visible_to`` scopes orders (R-PV-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from doorstep.dispatch.models import LateCall, OutletOffer, PlannedVisit, PlanRun
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Technician
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


def unassigned_queue(actor: Actor, outlet: Outlet | None) -> list[QueueItem]:
    """Orders waiting for a technician at ``outlet`` and, for the centre, orders waiting for an outlet;
    urgent first, then by the promise deadline (R-IN-4, R-DI-1)."""
    qs = orders_visible_to(actor).filter(status=Status.DISPATCHED, outlet=outlet)
    if actor.role in CENTRE_DISPATCH:
        qs = orders_visible_to(actor).filter(
            Q(status=Status.DISPATCHED, outlet=outlet) | Q(status__in=CENTRE_QUEUE)
        )
    orders = list(qs.prefetch_related("faults"))
    promises = _open_due(Deadline.objects.filter(kind=Deadline.Kind.RESPONSE), orders)
    offers = {
        o.order_id: o
        for o in OutletOffer.objects.select_related("deadline")
        .filter(order__in=orders)
        .order_by("offered_at")
    }
    items = [
        QueueItem(
            order=o,
            promise_due=promises.get(o.pk),
            offer_due=offers[o.pk].due_at if o.pk in offers and o.status == Status.DISPATCHED else None,
            offer_expired=o.pk in offers and offers[o.pk].state == "overdue",
        )
        for o in orders
    ]
    return sorted(items, key=lambda i: i.rank)


def _open_due(qs: QuerySet[Deadline], orders: list[WorkOrder]) -> dict[int, datetime]:
    rows = qs.filter(order__in=orders, state__in=[Deadline.State.OPEN, Deadline.State.OVERDUE])
    return {d.order_id: d.due_at for d in rows if d.order_id is not None}


def day_orders(actor: Actor, outlet: Outlet, day: date) -> list[WorkOrder]:
    """The outlet's visits with an appointment on ``day`` (any state), scoped to the actor."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    return list(
        orders_visible_to(actor)
        .filter(outlet=outlet, technician__isnull=False, window_start__gte=start, window_start__lt=end)
        .exclude(status=Status.CANCELLED)
        .order_by("window_start", "pk")
    )


def outlet_suggestions(order: WorkOrder) -> list[tuple[Outlet, dict[str, object]]]:
    """R-DI-1: outlets by coverage district, brand authorisation and current load (open orders per
    technician); outlets that declined the order come last, marked."""
    addr = order.address
    declined = set(order.events.filter(kind=EventKind.DECLINE).values_list("data__outlet", flat=True))
    outlets = (
        Outlet.objects.filter(centre_id=order.centre_id, active=True, brands=order.brand_id)
        .annotate(
            techs=Count("staff__technician", distinct=True),
            load=Count("orders", filter=Q(orders__status__in=OPEN_AT_OUTLET), distinct=True),
            covers=Count(
                "coverage",
                filter=Q(coverage__city=addr.city, coverage__district=addr.district),
                distinct=True,
            ),
        )
        .order_by("pk")
    )
    ranked: list[tuple[Outlet, dict[str, object]]] = []
    for o in outlets:
        per_tech = o.load / o.techs if o.techs else float("inf")  # type: ignore[attr-defined]
        info: dict[str, object] = {
            "covers": bool(o.covers),  # type: ignore[attr-defined]
            "load": o.load,  # type: ignore[attr-defined]
            "technicians": o.techs,  # type: ignore[attr-defined]
            "per_tech": round(per_tech, 1) if o.techs else None,  # type: ignore[attr-defined]
            "declined": o.pk in declined,
            "current": o.pk == order.outlet_id,
        }
        ranked.append((o, info))
    ranked.sort(
        key=lambda r: (r[1]["declined"] or r[1]["current"], not r[1]["covers"], _num(r[1]["per_tech"]))
    )
    return ranked


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


def planned_for(orders: list[WorkOrder]) -> dict[int, PlannedVisit]:
    return {p.order_id: p for p in PlannedVisit.objects.filter(order__in=orders)}
