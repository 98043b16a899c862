"""Intake (接收需求): every channel creates an order through ``order_create`` (R-IN-1, R-IN-2, R-IN-4/5/6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import ProductModel
from doorstep.core import clock
from doorstep.core.actors import Actor
from doorstep.core.errors import Invalid
from doorstep.customers.models import Address, Customer, OwnedProduct
from doorstep.network.models import Brand, ServiceCentre
from doorstep.orders import deadlines
from doorstep.orders.lifecycle import Action
from doorstep.orders.models import (
    Channel,
    Deadline,
    FaultItem,
    IdempotencyKey,
    Priority,
    ServiceType,
    WorkOrder,
)
from doorstep.orders.selectors import policy_for

VAGUE_SYMPTOMS = {"坏了", "有问题", "不好用", "故障", "维修", "修", "不行"}


@dataclass
class IntakeRequest:
    brand: str
    channel: str
    service_type: str
    customer_name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str = ""
    lat: float | None = None
    lng: float | None = None
    model_code: str = ""
    serial: str = ""
    purchase_date: date | None = None
    faults: list[str] = field(default_factory=list)
    requirement: str = ""
    priority: str = Priority.NORMAL


def normalise_phone(raw: str) -> str:
    """E.164 for a Chinese mobile, landline (with area code) or 400/800 number."""
    text = (raw or "").strip()
    if not text:
        raise Invalid("phone_required", _("请填写联系电话。"), field="phone")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise Invalid("phone_invalid", _("电话号码无法识别：%(raw)s"), field="phone", raw=text) from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("phone_invalid", _("电话号码无效：%(raw)s"), field="phone", raw=text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _choice(value: str, choices: type, field_name: str) -> str:
    if value not in choices.values:  # type: ignore[attr-defined]
        raise Invalid("choice_invalid", _("取值无效：%(value)s"), field=field_name, value=value)
    return value


def _validate(req: IntakeRequest) -> None:
    _choice(req.channel, Channel, "channel")
    _choice(req.service_type, ServiceType, "service_type")
    _choice(req.priority, Priority, "priority")
    for name in ("customer_name", "province", "city", "district"):
        if not str(getattr(req, name) or "").strip():
            raise Invalid("field_required", _("必填项缺失：%(name)s"), field=name, name=name)
    if req.purchase_date and req.purchase_date > clock.local(clock.now()).date():
        raise Invalid("purchase_date_future", _("购买日期不能晚于今天。"), field="purchase_date")


def missing_items(req: IntakeRequest, model: ProductModel | None) -> list[str]:
    """The exact items an agent must still verify (R-IN-2)."""
    items: list[str] = []
    if len(req.detail.strip()) < 4:
        items.append(str(_("详细地址")))
    if model is None:
        items.append(str(_("产品型号")) + (f"（{req.model_code}）" if req.model_code else ""))
    if req.purchase_date is None and req.service_type != ServiceType.CONSULTATION:
        items.append(str(_("购买日期")))
    symptoms = [f.strip() for f in req.faults if f.strip()]
    if req.service_type == ServiceType.REPAIR and (
        not symptoms or all(s in VAGUE_SYMPTOMS for s in symptoms)
    ):
        items.append(str(_("故障现象")))
    if model and req.purchase_date and model.launched_on and req.purchase_date < model.launched_on:
        items.append(str(_("购买日期早于该型号上市日期")))
    return items


def order_create(
    *, actor: Actor, req: IntakeRequest, idempotency_key: str | None = None
) -> tuple[WorkOrder, bool]:
    """Create a work order; returns (order, created). A repeated idempotency key returns the first order."""
    if idempotency_key and actor.user is not None:
        existing = IdempotencyKey.objects.filter(user=actor.user, key=idempotency_key).first()
        if existing:
            return existing.order, False
    _validate(req)
    phone = normalise_phone(req.phone)
    brand = Brand.objects.filter(code=req.brand).first()
    if brand is None:
        raise Invalid("brand_unknown", _("品牌不存在：%(code)s"), field="brand", code=req.brand)
    try:
        with transaction.atomic():
            order = _create(actor, req, brand, phone)
            if idempotency_key and actor.user is not None:
                IdempotencyKey.objects.create(user=actor.user, key=idempotency_key, order=order)
    except IntegrityError:
        existing = IdempotencyKey.objects.filter(user=actor.user, key=idempotency_key).first()
        if existing is None:
            raise
        return existing.order, False
    return order, True


def _centre_for(brand: Brand, actor: Actor) -> ServiceCentre:
    if actor.staff is not None and actor.staff.centre.brand_id == brand.pk:
        return actor.staff.centre
    centre = brand.centres.order_by("pk").first()
    if centre is None:
        raise Invalid("brand_without_centre", _("该品牌没有服务中心。"), field="brand")
    return centre


def _create(actor: Actor, req: IntakeRequest, brand: Brand, phone: str) -> WorkOrder:
    from doorstep.orders.services import event_record, order_transition

    customer = Customer.objects.filter(phone=phone).order_by("pk").first()
    if customer is None:
        customer = Customer.objects.create(name=req.customer_name.strip(), phone=phone)
    address, _new = Address.objects.get_or_create(
        customer=customer,
        province=req.province.strip(),
        city=req.city.strip(),
        district=req.district.strip(),
        detail=req.detail.strip(),
        defaults={"lat": req.lat, "lng": req.lng},
    )
    model = ProductModel.objects.filter(brand=brand, code__iexact=req.model_code.strip()).first()
    product = None
    if model is not None:
        product, _new = OwnedProduct.objects.get_or_create(
            customer=customer,
            model=model,
            serial=req.serial.strip(),
            defaults={"purchase_date": req.purchase_date},
        )
    owner = actor.staff if actor.role in ("agent", "admin") else None  # R-IN-5
    order = WorkOrder.objects.create(
        number=f"tmp-{clock.now().timestamp()}",
        brand=brand,
        centre=_centre_for(brand, actor),
        channel=req.channel,
        service_type=req.service_type,
        priority=req.priority,
        customer=customer,
        address=address,
        product=product,
        requirement=req.requirement.strip(),
        owner=owner,
    )
    order.number = f"SV{clock.local(order.created_at):%y%m%d}{order.pk:05d}"
    order.save(update_fields=["number"])
    for i, symptom in enumerate([f.strip() for f in req.faults if f.strip()], start=1):  # R-IN-6
        FaultItem.objects.create(order=order, position=i, symptom=symptom[:300])
    event_record(
        order=order,
        actor=actor,
        kind="created",
        to_status=order.status,
        rule="R-IN-1",
        data={"channel": req.channel, "owner": owner.name if owner else ""},
    )
    policy = policy_for(brand)
    deadlines.deadline_open(  # R-IN-4
        order=order,
        kind=Deadline.Kind.RESPONSE,
        due_at=clock.now() + timedelta(minutes=policy.response_minutes(req.priority)),
        owner=owner,
    )
    missing = missing_items(req, model)
    system = Actor.system()
    if missing:
        return order_transition(
            order=order, actor=system, action=Action.MARK_INCOMPLETE, params={"missing": missing}
        )
    return order_transition(order=order, actor=system, action=Action.TRIAGE)
