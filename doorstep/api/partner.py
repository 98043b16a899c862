"""Partner API: retailers push installation orders (R-IN-1). Mounted at /api/partner.

Authentication is a partner token, not a staff user's token: a retailer is not a member of the service
network and must not read the centre's orders. ``PartnerAccount.issue`` (or the admin) creates one; the
key is shown once and only its SHA-256 is stored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status as Reply
from ninja.security import HttpBearer

from doorstep.api.idempotency import idempotent
from doorstep.api.schemas import ERRORS, IntakeOut
from doorstep.channels.models import PartnerAccount, PartnerOrder
from doorstep.channels.partner import Delivered, PartnerPush, partner_order, push_judged
from doorstep.core.errors import ErrorCode, NotFound
from doorstep.orders.intake import IntakeRequest
from doorstep.orders.lifecycle import Status
from doorstep.orders.tracking import tracking_url

LAST_USED_STEP = timedelta(minutes=1)  # "last used" is kept to the minute


class PartnerAuth(HttpBearer):
    """Bearer token of a ``PartnerAccount`` (one per retailer, bound to one brand)."""

    def authenticate(self, request: HttpRequest, token: str) -> PartnerAccount | None:
        partner = PartnerAccount.lookup(token)
        now = timezone.now()
        if partner is not None and (
            partner.last_used_at is None or now - partner.last_used_at > LAST_USED_STEP
        ):
            PartnerAccount.objects.filter(pk=partner.pk).update(last_used_at=now)  # not one write per request
        return partner


router = Router(tags=["partner"], auth=PartnerAuth())


class DeliveryIn(Schema):
    sku: str = Field("", max_length=60)
    name: str = Field(..., min_length=1, max_length=120, description="品名")
    quantity: int = Field(1, ge=1, le=999)


class PartnerOrderIn(Schema):
    external_ref: str = Field(
        ..., min_length=1, max_length=80, description="合作方（零售商）订单号；重试时不变"
    )
    brand: str | None = Field(None, max_length=50, description="品牌代码；缺省为合作方所属品牌")
    service_type: str = Field("install", description="install / repair / maintenance / consultation")
    priority: str = "normal"
    # R-IN-2: raw strings, blanks allowed — judged by the intake rules, answered with problems, never a 422
    customer_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=60)
    province: str = Field("", max_length=30)
    city: str = Field("", max_length=30)
    district: str = Field("", max_length=30)
    detail: str = Field("", max_length=200)
    address_text: str = Field("", max_length=300, description="整段地址（与省市区二选一）")
    model_code: str = Field("", max_length=60)
    serial: str = Field("", max_length=60)
    purchase_date: str | None = Field(None, max_length=40, description="如 2023-05-01、2023年5月1日")
    faults: list[str] = Field(default_factory=list, max_length=20)
    requirement: str = Field("", max_length=200, description="期望上门时间，如 2026-12-01 上午")
    accessories_note: str = Field("", max_length=200)
    delivery: list[DeliveryIn] = Field(default_factory=list, max_length=50, description="送货清单")


class DeliveryOut(Schema):
    sku: str
    name: str
    quantity: int


class PartnerRejectOut(Schema):
    external_ref: str
    intake: IntakeOut


class PartnerOrderOut(Schema):
    external_ref: str
    intake: IntakeOut | None = Field(None, description="本次推送的受理结论（重试时为空）")
    number: str = Field(..., description="工单号")
    status: str
    status_label: str
    outcome: str = Field(..., description="created / linked（并入客户已有的未完工单）")
    missing_items: list[dict[str, Any]] = Field(
        ..., description="待核实项：field, code, zh, en, fix, suggestions"
    )
    tracking_url: str
    delivery: list[DeliveryOut]


def _out(ref: PartnerOrder, items: list[Delivered] | None = None) -> dict[str, Any]:
    """The reply; ``items``: the delivery list just stored (not read back)."""
    order = ref.order
    delivered = items if items is not None else ref.items.all()
    return {
        "external_ref": ref.external_ref,
        "number": order.number,
        "status": order.status,
        "status_label": str(Status(order.status).label),
        "outcome": ref.outcome,
        "missing_items": order.missing_items,
        "tracking_url": tracking_url(order),
        "delivery": [{"sku": i.sku, "name": i.name, "quantity": i.quantity} for i in delivered],
    }


def _push_data(partner: PartnerAccount, payload: PartnerOrderIn) -> PartnerPush:
    fields = payload.dict(exclude={"external_ref", "delivery", "brand"})
    req = IntakeRequest(brand=payload.brand or partner.brand.code, channel="partner", **fields)
    items = [Delivered(name=d.name, quantity=d.quantity, sku=d.sku) for d in payload.delivery]
    return PartnerPush(external_ref=payload.external_ref.strip(), request=req, items=items)


@router.post(
    "/orders",
    response={200: PartnerOrderOut, 201: PartnerOrderOut, 202: PartnerRejectOut, **ERRORS},
    summary="Push an installation order (idempotent by external_ref)",
    description=(
        "201 when the work order is created, 200 when this partner already pushed the same external_ref "
        "(the same order is returned, nothing is created). Every field is a raw string, blanks allowed: the "
        "intake rules (R-IN-2) answer with intake.verdict (complete / incomplete / reject) and "
        "intake.problems "
        "(the codes the agent sees). A rejected request (neither a valid phone nor a usable name) gets 202 "
        "with its problems and no order."
    ),
)
@idempotent
def push_order(request: HttpRequest, payload: PartnerOrderIn) -> Reply[dict[str, Any]]:
    partner: PartnerAccount = request.auth  # type: ignore[attr-defined]
    data = _push_data(partner, payload)
    ref, created, result = push_judged(partner=partner, data=data)
    if ref is None:
        assert result is not None
        return Reply(202, {"external_ref": payload.external_ref, "intake": result.as_dict()})
    out = _out(ref, data.items if created else None)
    out["intake"] = result.as_dict() if result else None
    return Reply(201 if created else 200, out)


@router.get(
    "/orders/{external_ref}",
    response={200: PartnerOrderOut, **ERRORS},
    summary="Read back a pushed order by the partner's reference",
)
def read_order(request: HttpRequest, external_ref: str) -> dict[str, Any]:
    partner: PartnerAccount = request.auth  # type: ignore[attr-defined]
    ref = partner_order(partner=partner, external_ref=external_ref)
    if ref is None:
        raise NotFound(ErrorCode.PARTNER_ORDER_NOT_FOUND, ref=external_ref)
    return _out(ref)
