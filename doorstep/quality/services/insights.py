"""Information value-add (信息增值, R-QA-5): the technician's structured fault code and field insights
routed to the product, quality or parts department and tracked to an outcome."""

from __future__ import annotations

from django.db import transaction

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Forbidden, Invalid, NotFound
from doorstep.network.actors import Actor
from doorstep.network.roles import FIELD, QUALITY_TEAM
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.selectors import order_is_visible_to
from doorstep.quality.models import FaultRecord, Insight

RULE = "R-QA-5"
CODABLE = frozenset(
    {Status.IN_SERVICE, Status.RETURNED, Status.COMPLETED, Status.PAID, Status.CALLBACK_DONE, Status.CLOSED}
)
FAULT_FIELDS = ("component", "symptom", "cause", "fix")


def fault_record_save(*, order: WorkOrder, actor: Actor, **fields: str) -> FaultRecord:
    """Record (or correct) the order's fault code: model × component × symptom × cause × fix (R-QA-5)."""
    require_field_actor(order, actor)
    if order.status not in CODABLE:
        raise Invalid(ErrorCode.FAULT_CODE_TOO_EARLY)
    clean = {name: str(fields.get(name) or "").strip() for name in FAULT_FIELDS}
    for name, value in clean.items():
        if not value:
            raise Invalid(ErrorCode.FAULT_CODE_INCOMPLETE, field=name)
    assert actor.staff is not None
    model = order.product.model if order.product else None
    with transaction.atomic():
        record, _created = FaultRecord.objects.update_or_create(
            order=order,
            defaults={
                **clean,
                "product_model": model,
                "recorded_by": actor.staff,
                "recorded_at": clock.now(),
            },
        )
        EventKind.FAULT_CODED.record(
            order=order, actor=actor, data={"code": record.code, **clean},
            customer_visible=False, rule=RULE,
        )  # fmt: skip
    return record


def require_field_actor(order: WorkOrder, actor: Actor) -> None:
    if actor.role not in FIELD or actor.staff is None or not order_is_visible_to(order, actor):
        raise Forbidden(ErrorCode.FAULT_CODE_FORBIDDEN)


def insight_submit(
    *, actor: Actor, department: str, title: str, body: str, order: WorkOrder | None = None
) -> Insight:
    """Field staff send an idea to the product, quality or parts department (R-QA-5)."""
    if actor.staff is None:
        raise Forbidden(ErrorCode.INSIGHT_STAFF_ONLY)
    if order is not None and not order_is_visible_to(order, actor):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    if department not in Insight.Department.values:
        raise Invalid(ErrorCode.INSIGHT_DEPARTMENT_UNKNOWN, field="department")
    if not (title or "").strip() or not (body or "").strip():
        raise Invalid(ErrorCode.INSIGHT_TEXT_REQUIRED, field="title" if not title else "body")
    model = order.product.model if order is not None and order.product else None
    with transaction.atomic():
        insight = Insight.objects.create(
            order=order, centre_id=actor.staff.centre_id, product_model=model, department=department,
            title=title.strip()[:100], body=body.strip(), author=actor.staff, submitted_at=clock.now(),
        )  # fmt: skip
        if order is not None:
            EventKind.INSIGHT_SUBMITTED.record(
                order=order, actor=actor, customer_visible=False, rule=RULE,
                data={"insight": insight.pk, "department": department, "title": insight.title},
            )  # fmt: skip
    return insight


def insight_update(*, insight: Insight, actor: Actor, state: str, note: str = "") -> Insight:
    """The receiving department (through the quality team) tracks the insight to an outcome."""
    if actor.role not in QUALITY_TEAM or actor.centre_id != insight.centre_id:
        raise Forbidden(ErrorCode.INSIGHT_ROUTE_FORBIDDEN)
    if state not in Insight.State.values:
        raise Invalid(ErrorCode.INSIGHT_STATE_UNKNOWN, field="state")
    insight.state, insight.department_note, insight.updated_at = (
        state,
        (note or "").strip()[:300],
        clock.now(),
    )
    insight.save(update_fields=["state", "department_note", "updated_at"])
    return insight
