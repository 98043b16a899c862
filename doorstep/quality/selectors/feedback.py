"""Reads of the callback queue (R-QA-1), complaints (R-QA-3), insights (R-QA-5) and the service archive
(R-QA-6); every one scoped through ``orders_visible_to`` (R-PV-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from doorstep.core import clock
from doorstep.core.paging import LAST, Page, count_per, id_param, keyset_page, read_whole, sort_keys
from doorstep.customers.models import Customer, OwnedProduct
from doorstep.network.actors import Actor
from doorstep.network.roles import CALLERS, QUALITY_TEAM, Role
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, OrderEvent, WorkOrder
from doorstep.orders.selectors import orders_visible_to
from doorstep.quality.models import CallbackAttempt, Complaint, EarlyWarning, Insight, Survey
from doorstep.quality.privacy import Contact, contacts_for
from doorstep.visits.selectors import amount_outstanding

ARCHIVE_KINDS = (
    EventKind.ARRIVE, EventKind.COMPLETE, EventKind.RECORD_CALLBACK, EventKind.SURVEY_SUBMITTED,
    EventKind.COMPLAINT_OPENED, EventKind.COMPLAINT_RESOLVED, EventKind.TAKE_BACK, EventKind.REOPEN,
    EventKind.FAULT_CODED, EventKind.SIGNED,
)  # fmt: skip


@dataclass
class CallbackRow:
    order: WorkOrder
    due_at: datetime | None
    not_before: datetime | None
    deadline_state: str
    attempts: int
    next_try_at: datetime | None
    survey: Survey | None
    contact: Contact
    unpaid: Decimal = Decimal("0.00")  # still owed on a completed order: the technician collects (R-CO-2)

    @property
    def overdue(self) -> bool:
        return self.deadline_state == Deadline.State.OVERDUE or bool(
            self.due_at and self.due_at < clock.now()
        )

    @property
    def retry_later(self) -> bool:
        return bool(self.next_try_at and self.next_try_at > clock.now())


CALLBACK_PAGE_SIZE = 50  # rows of the callback queue on one page; the rest by "next page" (keyset)


@dataclass
class CallbackPage:
    rows: list[CallbackRow]
    total: int  # every order waiting for its callback, not only this page's
    after: str  # the cursor of the next page ("" when this is the last)


CALLBACK_KEYS = ["cb_sort", "pk"]  # the earliest callback deadline first (R-QA-1)
CALLBACK_SORTS: dict[str, list[str]] = {"due": CALLBACK_KEYS, "-due": ["-cb_sort", "-pk"]}


def callback_page(
    *,
    actor: Actor,
    mine_only: bool = False,
    after: str = "",
    size: int | None = None,
    overdue_only: bool = False,
    sort: str = "due",
) -> CallbackPage:
    """Completed orders waiting for their callback, the earliest deadline first (R-QA-1), one page at a
    time: a fixed number of queries whatever the queue's length; ``after`` is the previous page's cursor."""
    if actor.role not in CALLERS:
        return CallbackPage([], 0, "")
    size = size or CALLBACK_PAGE_SIZE
    deadline = Deadline.objects.filter(order=OuterRef("pk"), kind=Deadline.Kind.CALLBACK).order_by("-pk")
    last_try = CallbackAttempt.objects.filter(order=OuterRef("pk")).order_by("-at", "-pk")
    base = orders_visible_to(actor).filter(status__in=[Status.COMPLETED, Status.PAID])
    if mine_only and actor.staff is not None:
        base = base.filter(owner=actor.staff)
    due = Coalesce(Subquery(deadline.values("due_at")[:1]), Value(LAST))
    narrow: QuerySet[Any] = base.select_related(None).prefetch_related(None).annotate(cb_sort=due).only("pk")
    if overdue_only:
        narrow = narrow.filter(cb_sort__lt=clock.now())
    page = keyset_page(  # ranked over narrow rows; only the page's orders are read whole
        narrow, sort_keys(CALLBACK_SORTS, sort), after=after, size=size or CALLBACK_PAGE_SIZE, total=False
    )
    page = read_whole(
        page,
        base.annotate(
            cb_due=Subquery(deadline.values("due_at")[:1]),
            cb_not_before=Subquery(deadline.values("not_before")[:1]),
            cb_state=Subquery(deadline.values("state")[:1]),
            cb_attempts=count_per(CallbackAttempt.objects.filter(order=OuterRef("pk")), "order"),
            cb_next=Subquery(last_try.values("next_try_at")[:1]),
        )
        .select_related("customer", "address", "technician__staff", "payment")
        .prefetch_related("charges"),
    )
    orders = page.items
    surveys = {s.order_id: s for s in Survey.objects.filter(order__in=orders)}
    contacts = contacts_for(actor, orders, purpose="callback")
    rows = [_callback_row(o, surveys.get(o.pk), contacts[o.pk]) for o in orders]
    return CallbackPage(rows, base.count(), page.after)


def callback_queue(*, actor: Actor, mine_only: bool = False) -> list[CallbackRow]:
    """The first rows of the callback queue (up to 200), earliest deadline first (R-QA-1)."""
    return callback_page(actor=actor, mine_only=mine_only, size=200).rows


def _callback_row(o: Any, survey: Survey | None, contact: Contact) -> CallbackRow:
    return CallbackRow(
        order=o,
        due_at=o.cb_due,
        not_before=o.cb_not_before,
        deadline_state=o.cb_state or "",
        attempts=o.cb_attempts,
        next_try_at=o.cb_next,
        survey=survey,
        contact=contact,
        unpaid=amount_outstanding(o) if o.status == Status.COMPLETED else Decimal("0.00"),
    )


def complaints_visible_to(actor: Actor) -> QuerySet[Complaint]:
    return Complaint.objects.select_related(
        "order", "owner", "technician__staff", "outlet", "deadline"
    ).filter(order__in=orders_visible_to(actor).values("pk"))


COMPLAINT_SORTS: dict[str, list[str]] = {
    "due": ["c_due", "pk"],  # the answer soonest due first (R-QA-3; the default)
    "new": ["-opened_at", "-pk"],
    "old": ["opened_at", "pk"],
    "level": ["-level", "c_due", "pk"],
}
COMPLAINT_STATES = ("live", "all", *Complaint.State.values)


def complaint_page(
    *,
    actor: Actor,
    state: str = "live",
    level: str = "",
    category: str = "",
    sort: str = "due",
    after: str = "",
    size: int | None = None,
) -> Page[Complaint]:
    """The complaints the actor sees, filtered and sorted, one keyset page (R-QA-3, R-PV-1)."""
    qs = complaints_visible_to(actor)
    if state == "live":
        qs = qs.exclude(state=Complaint.State.RESOLVED)
    elif state in Complaint.State.values:
        qs = qs.filter(state=state)
    if (level_no := id_param(level)) is not None:
        qs = qs.filter(level=level_no)
    if category in Complaint.Category.values:
        qs = qs.filter(category=category)
    qs = qs.annotate(c_due=Coalesce(F("deadline__due_at"), Value(LAST)))
    return keyset_page(qs, sort_keys(COMPLAINT_SORTS, sort), after=after, size=size)


def insights_visible_to(actor: Actor) -> QuerySet[Insight]:
    qs = Insight.objects.select_related("author", "order", "product_model").filter(centre_id=actor.centre_id)
    if actor.role in QUALITY_TEAM:
        return qs
    if actor.role == Role.OUTLET_MANAGER:
        return qs.filter(author__outlet_id=actor.outlet_id or 0)
    return qs.filter(author=actor.staff) if actor.staff is not None else qs.none()


def warnings_visible_to(actor: Actor) -> QuerySet[EarlyWarning]:
    if actor.role not in QUALITY_TEAM:
        return EarlyWarning.objects.none()
    return EarlyWarning.objects.select_related("product_model").filter(centre_id=actor.centre_id)


# --- the service archive (R-QA-6) -------------------------------------------------------------------------
def archive_orders(
    *, actor: Actor, customer: Customer | None = None, product: OwnedProduct | None = None
) -> list[dict[str, Any]]:
    """Every visible order of a customer or product with its visits, parts and feedback (R-QA-6)."""
    qs = orders_visible_to(actor).order_by("-created_at")
    qs = qs.filter(customer=customer) if customer is not None else qs.filter(product=product)
    orders = list(qs.prefetch_related("charges__fee_item", "complaints"))
    events = OrderEvent.objects.filter(order__in=[o.pk for o in orders], kind__in=ARCHIVE_KINDS).order_by(
        "seq"
    )
    by_order: dict[int, list[OrderEvent]] = {}
    for e in events:
        by_order.setdefault(e.order_id, []).append(e)
    surveys = {s.order_id: s for s in Survey.objects.filter(order__in=[o.pk for o in orders])}
    return [
        {
            "order": o,
            "events": by_order.get(o.pk, []),
            "parts": [c for c in o.charges.all() if c.fee_item.kind == "part"],
            "survey": surveys.get(o.pk),
            "complaints": list(o.complaints.all()),
        }
        for o in orders
    ]
