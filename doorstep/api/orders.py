"""Orders: create (idempotent), list, read with timeline, lifecycle moves, charges and consents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as Reply

from doorstep.api.idempotency import idempotent
from doorstep.api.schemas import (
    ERRORS,
    ChargeIn,
    ConsentIn,
    IntakeOut,
    OrderDetailOut,
    OrderIn,
    OrderListOut,
    TransitionIn,
)
from doorstep.core.errors import ErrorCode, NotFound
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.appointment import appointment_time_confirm
from doorstep.network.actors import Actor
from doorstep.network.roles import DESK
from doorstep.orders import selectors
from doorstep.orders.intake import IntakeRequest, Outcome, intake_submit
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tracking import tracking_url
from doorstep.quality.privacy import contact_for
from doorstep.visits.consent.channel import staff_channel
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.payment.take import payment_take
from doorstep.visits.phone_agreement import phone_agreement_record

router = Router(tags=["orders"])


MAX_PAGE = 200
MAX_OFFSET = 1_000_000  # deeper than any centre's open orders; beyond it a request is refused, not clamped


class ListQuery(Schema):
    status: str | None = Field(None, max_length=40)
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _order(actor: Actor, number: str) -> WorkOrder:
    order = selectors.order_get(actor=actor, number=number)
    if order is None:
        raise NotFound(ErrorCode.ORDER_NOT_FOUND, number=number)
    return order


def order_out(order: WorkOrder, actor: Actor, *, purpose: str = "api_list") -> dict[str, Any]:
    """An order as the API shows it; contact data masked for roles that do not need it (R-PV-1)."""
    contact = contact_for(actor, order, purpose=purpose)  # masked unless this role needs it
    return {
        "number": order.number,
        "status": order.status,
        "status_label": str(Status(order.status).label),
        "brand": order.brand.code,
        "channel": order.channel,
        "service_type": order.service_type,
        "priority": order.priority,
        "customer_name": contact.name,
        "phone": contact.phone,
        "address": contact.address,
        "contact_masked": contact.masked,
        "product_model": order.product.model.code if order.product and order.product.model else None,
        "faults": [f.symptom for f in order.faults.all()],
        "missing_items": order.missing_items,
        "warranty_status": order.warranty_status,
        "warranty_detail": order.warranty_detail,
        "owner": order.owner.name if order.owner else None,
        "outlet": order.outlet_id,
        "technician": order.technician_id,
        "window_start": order.window_start,
        "window_end": order.window_end,
        "appointment_at": appointment_of(order),
        "created_at": order.created_at,
        "allowed_actions": [m.action.value for m in selectors.allowed_moves(order=order, actor=actor)],
    }


def order_detail_out(order: WorkOrder, actor: Actor) -> dict[str, Any]:
    out = order_out(order, actor, purpose="api_read")
    out["timeline"] = list(selectors.order_timeline(order=order))
    out["timeline_archived"] = selectors.timeline_archived_labels(order=order)
    out["deadlines"] = [
        {
            "kind": d.kind,
            "rule": d.rule,
            "due_at": d.due_at,
            "state": d.state,
            "owner": d.owner.name if d.owner else None,
        }
        for d in order.deadlines.exclude(kind=Deadline.Kind.RISK_CHECK)
        .select_related("owner")
        .order_by("due_at")
    ]
    out["tracking_url"] = tracking_url(order) if actor.role in DESK else None  # the desk sends it (R-CO-1)
    return out


@router.post(
    "",
    response={200: OrderDetailOut, 201: OrderDetailOut, 202: IntakeOut, **ERRORS},
    summary="Create a work order",
    description=(
        "R-IN-2: fields are raw strings, blanks allowed; the answer carries intake.verdict and "
        "intake.problems. "
        "201 created, 200 linked to an earlier duplicate or replayed, 202 rejected (no order)."
    ),
)
@idempotent
def create_order(
    request: HttpRequest,
    payload: OrderIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="a retry with the same key and body returns the first answer",
    ),
) -> Reply[dict[str, Any]]:
    actor = _actor(request)
    result = intake_submit(actor=actor, req=IntakeRequest(**payload.dict()), idempotency_key=None)
    if result.order is None or result.outcome is None:
        return Reply(202, result.as_dict())
    out = order_detail_out(result.order, actor)
    out["outcome"] = result.outcome.value
    out["intake"] = result.as_dict()
    return Reply(201 if result.outcome == Outcome.CREATED else 200, out)


@router.get("", response={200: OrderListOut, **ERRORS}, summary="List the orders the caller may see")
def list_orders(request: HttpRequest, q: Query[ListQuery]) -> dict[str, Any]:
    actor = _actor(request)
    qs = selectors.orders_visible_to(actor).prefetch_related("faults")
    if q.status:
        qs = qs.filter(status=q.status)
    items = qs.order_by("-created_at")[q.offset : q.offset + q.limit]
    return {"count": qs.count(), "items": [order_out(o, actor) for o in items]}


@router.get("/{number}", response={200: OrderDetailOut, **ERRORS}, summary="Read an order with its timeline")
def read_order(request: HttpRequest, number: str) -> dict[str, Any]:
    actor = _actor(request)
    return order_detail_out(_order(actor, number), actor)


@router.post(
    "/{number}/actions/{action}", response={200: OrderDetailOut, **ERRORS}, summary="Perform a lifecycle move"
)
@idempotent(
    outside_transaction=lambda path: path.get("action") == Action.PAY
)  # the intent commits on its own
def perform_action(request: HttpRequest, number: str, action: str, payload: TransitionIn) -> dict[str, Any]:
    actor = _actor(request)
    order = _order(actor, number)
    params = payload.dict(exclude={"reason"}, exclude_none=True)
    if action == Action.PAY:  # a payment goes through the provider as a recorded intent, never around it
        order = payment_take(
            order=order,
            actor=actor,
            method=str(params.get("method") or ""),
            receipt_no=str(params.get("receipt_no") or ""),
        )
    else:
        order = order_transition(
            order=order, actor=actor, action=action, reason=payload.reason, params=params
        )
    return order_detail_out(order, actor)


class AppointmentTimeIn(Schema):
    appointment_at: datetime | None = Field(
        None, description="与客户确认的上门时间（须在预约时段内）；留空 = 计划到达时间，否则时段开始 (R-DI-3)"
    )
    note: str = Field("", max_length=200)


@router.post(
    "/{number}/appointment-time",
    response={200: OrderDetailOut, **ERRORS},
    summary="Record the appointment time confirmed with the customer (R-DI-3)",
)
@idempotent
def confirm_appointment_time(request: HttpRequest, number: str, payload: AppointmentTimeIn) -> dict[str, Any]:
    actor = _actor(request)
    order = _order(actor, number)
    order = appointment_time_confirm(order=order, actor=actor, at=payload.appointment_at, note=payload.note)
    return order_detail_out(order, actor)


@router.post(
    "/{number}/charges", response={201: OrderDetailOut, **ERRORS}, summary="Add a fee-standard charge"
)
@idempotent
def add_charge(request: HttpRequest, number: str, payload: ChargeIn) -> Reply[dict[str, Any]]:
    actor = _actor(request)
    order = _order(actor, number)
    charge_add(
        order=order,
        actor=actor,
        fee_code=payload.fee_code,
        quantity=payload.quantity,
        unit_price=payload.unit_price,
        covered=payload.covered,
    )
    return Reply(201, order_detail_out(order, actor))


@router.post(
    "/{number}/consents",
    response={201: OrderDetailOut, **ERRORS},
    summary="Record that the customer agreed by phone (source=phone_agreed)",
)
@idempotent
def add_consent(request: HttpRequest, number: str, payload: ConsentIn) -> Reply[dict[str, Any]]:
    actor = _actor(request)
    order = _order(actor, number)
    phone_agreement_record(
        order=order,
        channel=staff_channel(request, actor, payload.source),  # 403 unless said to be by phone
        kind=payload.kind,
        given_by=payload.given_by,
        note=payload.note,
        seen=payload.seen,
    )
    return Reply(201, order_detail_out(order, actor))
