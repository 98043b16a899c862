"""Intake (接收需求): every channel creates an order through ``order_create``.

R-IN-1 channel recorded; R-IN-2 data checked with the intake parsers (phones, Chinese addresses, the model
catalogue, purchase dates, symptoms) — a missing or doubtful item puts the order in *information incomplete*
with the exact items and a verification deadline; R-IN-4 urgency rules and the response promise; R-IN-5 the
first agent owns it; R-IN-6 several fault items; R-AN-7 warranty decided and explained. A repeated
idempotency key never creates a second order. R-IN-2 duplicates: the same phone after normalisation and the
same product line as an earlier open, non-rejected order of the brand created within the policy's
``duplicate_window_hours`` (72 h) is linked to the earliest such order (an event the agent sees) and still
gets its own verdict; another product line, an older order or another phone is a new order.

Race-free: the duplicate check and the order it may create run in one transaction holding a
transaction-level PostgreSQL advisory lock on the normalised phone, so concurrent copies of one request
queue behind each other and all but the first find the first's order. A unique constraint cannot say this
rule (it depends on the 72-hour window and on the order still being open), the lock can; on SQLite every
write transaction is already serialised.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import ProductModel
from doorstep.catalog.warranty import decide_warranty
from doorstep.core import clock
from doorstep.core.dates import resolve_in_text
from doorstep.core.errors import ErrorCode, Invalid
from doorstep.core.policy import Policy
from doorstep.customers.models import Address, Customer, OwnedProduct
from doorstep.customers.parsing import check_intake
from doorstep.customers.parsing.intake import IntakeVerdict, known_service_type
from doorstep.customers.parsing.product_match import Catalogue
from doorstep.network.actors import Actor
from doorstep.network.models import Brand, ServiceCentre
from doorstep.network.policy import policies_read_once, policy_for
from doorstep.network.policy import remember as remember_policy
from doorstep.network.roles import DESK
from doorstep.orders import deadlines
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import TERMINAL, Action, Status
from doorstep.orders.masterdata import BrandCatalogue, IntakeData
from doorstep.orders.models import (
    Channel,
    Deadline,
    FaultItem,
    IdempotencyKey,
    Priority,
    ServiceType,
    WorkOrder,
)

CLOSED_FOR_DUPLICATES = set(TERMINAL) | {Status.COMPLETED, Status.PAID, Status.CALLBACK_DONE}


class Outcome(StrEnum):
    CREATED = "created"
    REPLAYED = "replayed"  # same idempotency key
    LINKED = "linked"  # duplicate request linked to the open order


@dataclass
class IntakeRequest:
    brand: str
    channel: str
    service_type: str
    customer_name: str
    phone: str
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    address_text: str = ""  # free text (self-booking, WeChat); parsed when given
    lat: float | None = None
    lng: float | None = None
    model_code: str = ""
    serial: str = ""
    purchase_date: date | str | None = None
    faults: list[str] = field(default_factory=list)
    requirement: str = ""
    priority: str = Priority.NORMAL
    accessories_note: str = ""
    fees_mentioned: bool = False
    exclusion: str = ""  # human_damage / force_majeure (R-AN-7)
    carry_in: bool = False  # the customer brings the unit to the station (R-IN-7)

    def address(self) -> str:
        return self.address_text.strip() or f"{self.province}{self.city}{self.district}{self.detail}".strip()

    def record(self) -> dict[str, Any]:
        return {
            "customer_name": self.customer_name,
            "phone": self.phone,
            "address": self.address(),
            "product_model": self.model_code,
            "purchase_date": self.purchase_date.isoformat()
            if isinstance(self.purchase_date, date)
            else (self.purchase_date or ""),
            "symptom": "；".join(f.strip() for f in self.faults if f.strip()),
            "service_type": self.service_type,
            "preferred_time": self.requirement,
        }


def _issue_text(issue: Any) -> str:
    return issue.en if (get_language() or "").startswith("en") else issue.zh


def _choice(value: str, choices: Any, field_name: str) -> None:
    if value not in choices.values:
        raise Invalid(ErrorCode.CHOICE_INVALID, field=field_name, value=value)


def _validate_choices(req: IntakeRequest) -> None:
    _choice(req.channel, Channel, "channel")
    _choice(req.service_type, ServiceType, "service_type")
    _choice(req.priority, Priority, "priority")


def _centre_for(brand: Brand, actor: Actor, data: IntakeData) -> ServiceCentre:
    if actor.staff is not None and actor.staff.centre.brand_id == brand.pk:
        return actor.staff.centre
    centre = data.first_centre(brand)
    if centre is None:
        raise Invalid(ErrorCode.BRAND_WITHOUT_CENTRE, field="brand")
    return centre


def verify(
    req: IntakeRequest, brand: Brand, centre: ServiceCentre, catalogue: BrandCatalogue | None = None
) -> IntakeVerdict:
    """Run the intake rules (R-IN-2) on the raw strings, with the receiving centre's region as the hint.
    ``catalogue`` (the brand's, from the intake's master data) saves reading it again."""
    catalogue = _catalogue(brand) if catalogue is None else catalogue
    verdict = check_intake(
        req.record(),
        catalogue=catalogue.index,
        today=clock.local(clock.now()).date(),
        region_hint=f"{centre.province}{centre.city}",
    )
    return verdict


def _catalogue(brand: Brand) -> BrandCatalogue:
    """The brand's models by code with their line, read now (one query; the warranty reads the line)."""
    models = {m.code: m for m in ProductModel.objects.filter(brand=brand).select_related("line")}
    return BrandCatalogue(models, Catalogue({code: m.launched_on for code, m in models.items()}))


@dataclass
class IntakeResult:
    """What one request came to (R-IN-2): its own verdict and problems, and the order it made or joined
    (None when rejected)."""

    verdict: IntakeVerdict
    order: WorkOrder | None
    outcome: Outcome | None

    @property
    def duplicate_of(self) -> WorkOrder | None:
        return self.order if self.outcome == Outcome.LINKED else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": VERDICT_WORDS[str(self.verdict.status)],
            "problems": [_problem_out(i) for i in self.verdict.issues],
            "order": self.order.number if self.order else None,
            "outcome": str(self.outcome) if self.outcome else None,
            "duplicate_of": self.duplicate_of.number if self.duplicate_of else None,
            "faults": list(self.verdict.normalized.get("faults") or []),
            "model_match": self.verdict.normalized.get("product_model_match") or "",
        }


VERDICT_WORDS = {"ok": "complete", "incomplete": "incomplete", "rejected": "reject"}  # R-IN-2 verdicts


def _problem_out(issue: Any) -> dict[str, Any]:
    from doorstep.customers.parsing.issues import suggested_fix

    english = (get_language() or "").startswith("en")
    return {
        "field": issue.field,
        "code": issue.code,
        "message": _issue_text(issue),
        "fix": suggested_fix(issue.code, english=english),
        "suggestions": list(issue.suggestions),
    }


def intake_submit(
    *, actor: Actor, req: IntakeRequest, idempotency_key: str | None = None, brand: Brand | None = None
) -> IntakeResult:
    """R-IN-1/R-IN-2: the one pipeline every channel ends in — raw strings in, verdict and problems out; an
    order is created (complete or information incomplete), or the request is linked to the earliest open
    duplicate; a rejected request (neither a valid phone nor a usable name) makes nothing.

    ``brand``: the caller's brand row when it has one already (a partner's, the booking page's); it must be
    the brand ``req.brand`` names. Queries per order are constant (orders/tests/test_intake_queries.py)."""
    with policies_read_once():  # the policy is read for the window, the deadlines and the first message
        return _submit(actor, req, idempotency_key, brand)


def _submit(
    actor: Actor, req: IntakeRequest, idempotency_key: str | None, brand: Brand | None
) -> IntakeResult:
    if idempotency_key and actor.user is not None:
        existing = IdempotencyKey.objects.filter(user=actor.user, key=idempotency_key).first()
        if existing:
            again = verify(req, existing.order.brand, existing.order.centre)
            return IntakeResult(again, existing.order, Outcome.REPLAYED)
    data = IntakeData.read()  # one query: the master data's token (doorstep.core.masterdata)
    if brand is None or brand.code != req.brand:
        brand = data.brand(req.brand)
    if brand is None:
        raise Invalid(ErrorCode.BRAND_UNKNOWN, field="brand", code=req.brand)
    centre = _centre_for(brand, actor, data)
    remember_policy(brand.pk, centre.pk, data.policy(brand.pk, centre.pk))
    catalogue = data.catalogue(brand)
    verdict = verify(req, brand, centre, catalogue)
    if verdict.status == "rejected":
        return IntakeResult(verdict, None, None)
    req.service_type = known_service_type(req.service_type) or req.service_type  # "维修" → repair (R-IN-3)
    if not [f for f in req.faults if f.strip()] and verdict.normalized.get("faults"):
        req.faults = list(verdict.normalized["faults"])
    elif len(req.faults) == 1:
        req.faults = list(verdict.normalized.get("faults") or req.faults)  # R-IN-6: one text, several faults
    _validate_choices(req)
    try:
        # a savepoint only when its IntegrityError (the idempotency key stored concurrently) is caught below
        with transaction.atomic(savepoint=bool(idempotency_key)):
            reserved = _lock_phone(verdict.normalized.get("phone"))
            order, outcome = _create_or_link(actor, req, brand, centre, verdict, data, reserved)
            if idempotency_key and actor.user is not None:
                IdempotencyKey.objects.create(user=actor.user, key=idempotency_key, order=order)
    except IntegrityError:
        if not idempotency_key:
            raise
        existing = IdempotencyKey.objects.filter(user=actor.user, key=idempotency_key).first()
        if existing is None:
            raise
        return IntakeResult(verdict, existing.order, Outcome.REPLAYED)
    # the caller may go on in a later transaction: its events are counted again, its customer is not new
    order.inserted_seq, order.customer_new_here = None, False
    return IntakeResult(verdict, order, outcome)


def _lock_phone(phone: str | None) -> int | None:
    """Serialise intake of one normalised phone until the transaction ends (PostgreSQL advisory lock).

    In the same round trip it reserves the id of the order the request may create (the id sequence's next
    value), so the order is inserted with its number in one write; ``None`` (SQLite, no phone): the order
    is inserted and then numbered. A reserved id left unused (a duplicate linked) is a gap, as a rolled-back
    insert leaves."""
    if not phone or connection.vendor != "postgresql":
        return None
    table, column = WorkOrder._meta.db_table, WorkOrder._meta.pk.column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s)), nextval(pg_get_serial_sequence(%s, %s))",
            [f"intake:{phone}", table, column],
        )
        row = cursor.fetchone()
    return int(row[1])


def _number(order: WorkOrder) -> str:
    """The order's number: SV, the local date of its creation and its id."""
    return f"SV{clock.local(order.created_at):%y%m%d}{order.pk:05d}"


def order_create(
    *, actor: Actor, req: IntakeRequest, idempotency_key: str | None = None
) -> tuple[WorkOrder, Outcome]:
    """Create a work order from any channel; a rejected request raises Invalid naming the field at fault."""
    result = intake_submit(actor=actor, req=req, idempotency_key=idempotency_key)
    if result.order is None or result.outcome is None:
        issue = result.verdict.issues[0]
        raise Invalid(ErrorCode.INTAKE_REJECTED, field=issue.field, reason=_issue_text(issue))
    return result.order, result.outcome


def _customer(verdict: IntakeVerdict, req: IntakeRequest) -> tuple[Customer, bool]:
    """(customer, new?): the earliest customer with the normalised phone, or a new one (under the phone's
    lock, so a new customer has no address, product or order yet)."""
    phone = verdict.normalized.get("phone") or req.phone.strip()
    customer = Customer.objects.filter(phone=phone).order_by("pk").first()
    if customer is not None:
        return customer, False
    return Customer.objects.create(name=req.customer_name.strip(), phone=phone), True


def _address(customer: Customer, verdict: IntakeVerdict, req: IntakeRequest, *, new: bool) -> Address:
    parts = verdict.normalized.get("address") or {}
    fields = {
        "customer": customer,
        "province": parts.get("province") or req.province.strip(),
        "city": parts.get("city") or req.city.strip(),
        "district": parts.get("district") or req.district.strip(),
        "detail": (parts.get("detail") or req.detail).strip()[:200],
    }
    point = {
        "lat": req.lat if req.lat is not None else parts.get("lat"),
        "lng": req.lng if req.lng is not None else parts.get("lng"),
    }
    if new:  # a new customer has no address to reuse: one insert instead of a look-up and a savepoint
        return Address.objects.create(**fields, **point)
    address, _new = Address.objects.get_or_create(**fields, defaults=point)
    return address


def _product(
    customer: Customer,
    verdict: IntakeVerdict,
    req: IntakeRequest,
    catalogue: BrandCatalogue,
    *,
    new: bool,
) -> OwnedProduct | None:
    code = verdict.normalized.get("product_model")
    model = catalogue.models.get(code) if code else None
    if model is None:
        return None
    bought = verdict.normalized.get("purchase_date")
    fields = {"customer": customer, "model": model, "serial": req.serial.strip()}
    defaults = {"purchase_date": date.fromisoformat(bought) if bought else None}
    if new:  # a new customer owns nothing yet
        return OwnedProduct.objects.create(**fields, **defaults)
    product, _new = OwnedProduct.objects.get_or_create(**fields, defaults=defaults)
    return product


def find_duplicate(
    brand: Brand, phone: str | None, product: OwnedProduct | None, *, window_hours: int
) -> WorkOrder | None:
    """R-IN-2: the earliest open, non-rejected order of the brand with the same normalised phone and the same
    product line created within ``window_hours``."""
    if not phone or product is None or product.model is None:
        return None
    since = clock.now() - timedelta(hours=window_hours)
    return (
        WorkOrder.objects.filter(
            brand=brand,
            customer__phone=phone,
            product__model__line_id=product.model.line_id,
            created_at__gte=since,
        )
        .exclude(status__in=CLOSED_FOR_DUPLICATES)
        .order_by("created_at", "pk")
        .first()
    )


def _create_or_link(
    actor: Actor,
    req: IntakeRequest,
    brand: Brand,
    centre: ServiceCentre,
    verdict: IntakeVerdict,
    data: IntakeData,
    reserved: int | None,
) -> tuple[WorkOrder, Outcome]:
    customer, new = _customer(verdict, req)
    product = _product(customer, verdict, req, data.catalogue(brand), new=new)
    policy = policy_for(brand=brand, centre=centre)
    # R-IN-2: a customer created just now (under the phone's lock) has no earlier order to be a duplicate of
    duplicate = (
        None
        if new
        else find_duplicate(
            brand, verdict.normalized.get("phone"), product, window_hours=policy.duplicate_window_hours
        )
    )
    if duplicate is not None:
        _link(duplicate, actor, req, verdict)
        return duplicate, Outcome.LINKED
    order = _create(
        actor,
        req,
        brand,
        centre,
        verdict,
        customer,
        product,
        policy=policy,
        data=data,
        new=new,
        reserved=reserved,
    )
    return order, Outcome.CREATED


def _link(order: WorkOrder, actor: Actor, req: IntakeRequest, verdict: IntakeVerdict) -> None:
    """A repeated request joins the open order: new fault items are added, the contact is on the record."""

    known = list(order.faults.values_list("symptom", flat=True))
    new = [f.strip() for f in req.faults if f.strip() and f.strip() not in known]
    FaultItem.objects.bulk_create(
        FaultItem(order=order, position=i, symptom=symptom[:300])
        for i, symptom in enumerate(new, start=len(known) + 1)
    )
    EventKind.DUPLICATE_LINKED.record(
        order=order,
        actor=actor,
        rule="R-IN-1",
        customer_visible=False,
        data={
            "channel": req.channel,
            "new_faults": new,
            "requirement": req.requirement,
            "verdict": VERDICT_WORDS[str(verdict.status)],  # R-IN-2: the duplicate keeps its own verdict
            "problems": _missing(verdict),
        },
    )


def _missing(verdict: IntakeVerdict) -> list[dict[str, Any]]:
    """The exact items to verify, each with its reason (R-IN-2)."""
    from doorstep.customers.parsing.issues import suggested_fix

    return [
        {
            "field": i.field,
            "code": i.code,
            "zh": i.zh,
            "en": i.en,
            "fix": suggested_fix(i.code),
            "fix_en": suggested_fix(i.code, english=True),
            "suggestions": list(i.suggestions),
        }
        for i in verdict.issues
    ]


def _priority(req: IntakeRequest, brand: Brand, product: OwnedProduct | None, data: IntakeData) -> str:
    """Urgency rules as data (R-IN-4); the highest of the requested and the matched priority."""
    line_id = product.model.line_id if product and product.model else None
    month = clock.local(clock.now()).month
    symptoms = [f for f in req.faults if f.strip()]
    for rule in data.urgency_rules(brand.pk):
        if rule.matches(symptoms=symptoms, line_id=line_id, month=month) and rule.priority == Priority.URGENT:
            return Priority.URGENT
    return req.priority


def _create(
    actor: Actor,
    req: IntakeRequest,
    brand: Brand,
    centre: ServiceCentre,
    verdict: IntakeVerdict,
    customer: Customer,
    product: OwnedProduct | None,
    *,
    policy: Policy,
    data: IntakeData,
    new: bool,
    reserved: int | None,
) -> WorkOrder:
    from doorstep.orders.services import order_transition

    owner = actor.staff if actor.role in DESK else None  # R-IN-5
    model = product.model if product else None
    decision = decide_warranty(
        model=model,
        purchased=product.purchase_date if product else None,
        today=clock.local(clock.now()).date(),
        exclusion=req.exclusion,
        policies=data.warranty_policies(brand.pk, model.line_id) if model else None,
    )
    # with a reserved id (PostgreSQL) the number is known before the insert: one write (issue 16)
    today = clock.local(timezone.now())
    order = WorkOrder.objects.create(
        id=reserved,
        number=f"SV{today:%y%m%d}{reserved:05d}" if reserved else f"tmp-{uuid.uuid4().hex[:16]}",
        brand=brand,
        centre=centre,
        channel=req.channel,
        service_type=req.service_type,
        priority=_priority(req, brand, product, data),
        customer=customer,
        address=_address(customer, verdict, req, new=new),
        product=product,
        requirement=resolve_in_text(req.requirement)[:200],  # 明天下午 → the day it meant (R-IN-2)
        owner=owner,
        warranty_status=decision.status,
        warranty_detail=decision.as_dict(),
        accessories_note=req.accessories_note.strip()[:200],
        fees_mentioned=req.fees_mentioned,
    )
    order.customer_new_here = new
    if order.number != _number(order):  # no id reserved, or the insert's clock passed midnight
        order.number = _number(order)
        order.save(update_fields=["number"])
    FaultItem.objects.bulk_create(  # R-IN-6
        FaultItem(order=order, position=i, symptom=symptom[:300])
        for i, symptom in enumerate([f.strip() for f in req.faults if f.strip()], start=1)
    )
    EventKind.CREATED.record(
        order=order,
        actor=actor,
        to_status=order.status,
        rule="R-IN-1",
        first=True,  # inserted above, in this transaction
        data={
            "channel": req.channel,
            "owner": owner.name if owner else "",
            "warranty": decision.status,
            "fees_mentioned": req.fees_mentioned,
        },
    )
    _open_deadlines(order, owner, verdict, policy)
    if req.carry_in:
        _carry_in_instructions(order, actor, centre)
    missing = _missing(verdict)
    system = Actor.system()
    # the order was inserted above in this transaction: no lock read, no savepoint, no re-read (issue 16)
    if missing:
        return order_transition(
            order=order,
            actor=system,
            action=Action.MARK_INCOMPLETE,
            params={"missing": missing},
            inserted=True,
        )
    return order_transition(order=order, actor=system, action=Action.TRIAGE, inserted=True)


def _open_deadlines(order: WorkOrder, owner: Any, verdict: IntakeVerdict, policy: Policy) -> None:
    now = clock.now()
    deadlines.deadline_open(
        order=order,
        kind=Deadline.Kind.RESPONSE,
        owner=owner,  # R-IN-4
        due_at=now + timedelta(minutes=policy.response_minutes(order.service_type, order.priority)),
    )
    if verdict.status == "incomplete":
        deadlines.deadline_open(
            order=order,
            kind=Deadline.Kind.VERIFY,
            owner=owner,  # R-IN-2
            due_at=now + timedelta(hours=policy.verify_hours),
        )


def normalise_phone_or_raise(raw: str) -> str:
    """E.164 for a phone typed by an agent (call log): anything doubtful is refused with its reason."""
    from doorstep.customers.parsing import normalize_phone

    result = normalize_phone(raw)
    if result.e164 is None:
        issue = result.issues[0] if result.issues else None
        raise Invalid(
            issue.code if issue else "phone.invalid",
            _issue_text(issue) if issue else _("电话号码无效。"),
            field="phone",
        )
    return result.e164


CARRY_IN_BRING = ("故障机及全部附件（遥控器、电源线等）", "购机发票或保修卡", "本人有效证件")


def _carry_in_instructions(order: WorkOrder, actor: Actor, centre: ServiceCentre) -> None:
    """R-IN-7: for carry-in service, tell the customer what to bring and the station's opening hours."""

    EventKind.CARRY_IN_INSTRUCTIONS.record(
        order=order,
        actor=actor,
        rule="R-IN-7",
        customer_visible=True,
        data={
            "bring": list(CARRY_IN_BRING),
            "address": centre.address or f"{centre.province}{centre.city}",
            "hours": centre.opening_hours,
            "phone": centre.hotline,
        },
    )
