"""Correcting an order's information, and confirming a doubtful item as correct as given (R-IN-2, R-DI-4).

``order_correct``: the desk (on the phone with the customer, or at the customer desk) or the technician sent
to the order (on site, or calling the customer) corrects name, phone, address, model, purchase date and
symptom. Every corrected value goes through the one intake check (``intake.verify``, the Problem vocabulary
of ``customers.parsing.issues``): a value with a problem is refused with that problem's message, naming its
field, and nothing is written. A correction records the old and the new values, who verified them and how,
on the order's record; the problems of the corrected fields are gone, and an order in *information
incomplete* whose problems are all settled leaves it (the ``complete_info`` move). On site (R-DI-4) the
confirmed values replace the order's: the visit, the report and the parts use them from then on, and the
event keeps the difference.

``order_info_confirm``: a listed problem the customer confirmed as correct as given (a rural address without a
house number, a purchase date nobody knows) is settled with who confirmed it and how. A problem that cannot
be right as given (an undiallable phone, no address, an impossible date) is refused: it needs a correction.
Nothing else clears an order's problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import ProductModel
from doorstep.catalog.warranty import decide_warranty
from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.customers.models import Address, Customer, OwnedProduct
from doorstep.customers.parsing.issues import Issue, Problem, confirmable, problem, suggested_fix
from doorstep.network.actors import Actor
from doorstep.network.roles import CORRECTORS, DESK, Role
from doorstep.orders import deadlines
from doorstep.orders.events import EventKind
from doorstep.orders.intake import IntakeRequest, verify
from doorstep.orders.lifecycle import TERMINAL, Action, Status
from doorstep.orders.models import Deadline, FaultItem, VerifiedHow, WorkOrder
from doorstep.orders.selectors import order_is_visible_to

# the order's items a correction may change, in R-IN-2 order
FIELDS = ("customer_name", "phone", "address", "product_model", "purchase_date", "symptom")
FIELD_LABELS = {
    "customer_name": _("客户姓名"),
    "phone": _("联系电话"),
    "address": _("地址"),
    "product_model": _("产品型号"),
    "purchase_date": _("购买日期"),
    "symptom": _("故障现象"),
}
# where the technician stands at the customer's door (R-DI-4): arrived, serving, taken back, returned
ON_SITE = frozenset({Status.ARRIVED, Status.IN_SERVICE, Status.TAKEN_BACK, Status.RETURNED})
# how each party may have verified: the desk by phone or at its counter, the technician by phone or on site
HOW_BY_ROLE: dict[str, frozenset[VerifiedHow]] = {
    Role.TECHNICIAN: frozenset({VerifiedHow.PHONE_CALL, VerifiedHow.ON_SITE}),
    **{role: frozenset({VerifiedHow.PHONE_CALL, VerifiedHow.CUSTOMER_DESK}) for role in DESK},
}


def order_values(order: WorkOrder) -> dict[str, str]:
    """The order's items as the intake check reads them (and as the correction form shows them)."""
    product = order.product
    return {
        "customer_name": order.customer.name,
        "phone": order.customer.phone,
        "address": str(order.address),
        "product_model": product.model.code if product and product.model else "",
        "purchase_date": product.purchase_date.isoformat() if product and product.purchase_date else "",
        "symptom": "；".join(order.faults.values_list("symptom", flat=True)),
    }


@dataclass
class Refusal:
    """One refused value: its field, the problem's code and message (the intake's own), the suggested fix."""

    field: str
    code: str
    message: str
    fix: str = ""


class CorrectionRefused(Invalid):
    """A corrected value has an intake problem (R-IN-2): every refused field with its message; nothing
    written. The first problem is the error's own code, field and message."""

    def __init__(self, problems: list[Refusal]) -> None:
        first = problems[0]
        super().__init__(ErrorCode.CORRECTION_PROBLEM, field=first.field, detail=first.message)
        self.problems = problems


@dataclass
class Correction:
    """What one correction changed (the event's data) and the order afterwards."""

    order: WorkOrder
    changes: list[dict[str, str]] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)  # codes of the problems it settled


def _check_actor(order: WorkOrder, actor: Actor, how: str) -> VerifiedHow:
    """The desk per its scope, or the technician sent to this order; how they verified (R-IN-2, R-DI-4)."""
    if not order_is_visible_to(order, actor):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    if actor.role not in CORRECTORS:
        raise Forbidden(ErrorCode.CORRECTION_FORBIDDEN)
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        raise Forbidden(ErrorCode.NOT_YOUR_VISIT)
    if order.status in TERMINAL:
        raise DomainError(ErrorCode.CORRECTION_CLOSED, state=Status(order.status).label)
    if how not in VerifiedHow.values:
        raise Invalid(ErrorCode.VERIFIED_HOW_UNKNOWN, field="how")
    chosen = VerifiedHow(how)
    if chosen not in HOW_BY_ROLE.get(actor.role, frozenset()):
        raise Invalid(ErrorCode.VERIFIED_HOW_NOT_YOURS, field="how", how=chosen.label)
    if chosen == VerifiedHow.ON_SITE and order.status not in ON_SITE:
        raise DomainError(ErrorCode.ON_SITE_NOT_ARRIVED, field="how")
    return chosen


def _problem(issue: Issue) -> Refusal:
    english = (get_language() or "").startswith("en")
    return Refusal(
        issue.field, issue.code, issue.en if english else issue.zh, suggested_fix(issue.code, english=english)
    )


def order_correct(
    *, order: WorkOrder, actor: Actor, values: dict[str, str], how: str, note: str = ""
) -> Correction:
    """R-IN-2 / R-DI-4: correct the order's items through the one intake check; record old → new, who, how."""
    chosen = _check_actor(order, actor, how)
    before = order_values(order)
    typed = {k: str(values.get(k) or "").strip() for k in FIELDS if values.get(k) is not None}
    changed = [k for k in FIELDS if k in typed and typed[k] and typed[k] != before[k]]
    if not changed:
        raise Invalid(ErrorCode.CORRECTION_NOTHING_CHANGED)
    record = {**before, **{k: typed[k] for k in changed}}
    verdict = verify(_request(order, record), order.brand, order.centre)
    checked = set(changed)
    if "product_model" in changed and record["purchase_date"]:
        checked.add("purchase_date")  # a model launched after the purchase date makes the date doubtful
    refused = [_problem(i) for i in verdict.issues if i.field in checked]
    if "product_model" in changed and verdict.normalized.get("product_model_match") == "uncatalogued":
        refused.append(_problem(_uncatalogued(record["product_model"])))  # the order keeps catalogue models
    if refused:
        raise CorrectionRefused(refused)
    with transaction.atomic():
        from doorstep.orders.services import order_lock

        order_lock(order)
        result = _write(order, actor, chosen, note, before, changed, verdict.normalized)
    return result


def _uncatalogued(typed: str) -> Issue:
    """A code not in the brand's catalogue cannot become the order's model (warranty, parts need it)."""
    return problem(
        Problem.MODEL_NOT_A_MODEL,
        zh=f"{typed}（不在本品牌的型号目录中）",
        en=f"{typed} (not in the brand's catalogue)",
    )


def _request(order: WorkOrder, record: dict[str, str]) -> IntakeRequest:
    return IntakeRequest(
        brand=order.brand.code,
        channel=order.channel,
        service_type=order.service_type,
        customer_name=record["customer_name"],
        phone=record["phone"],
        address_text=record["address"],
        model_code=record["product_model"],
        purchase_date=record["purchase_date"] or None,
        faults=[record["symptom"]] if record["symptom"] else [],
    )


def _write(
    order: WorkOrder,
    actor: Actor,
    how: VerifiedHow,
    note: str,
    before: dict[str, str],
    changed: list[str],
    normalized: dict[str, Any],
) -> Correction:
    customer = _customer(order, changed, normalized)
    address = _address(order, customer, changed, normalized)
    product = _product(order, customer, changed, normalized)
    if "symptom" in changed:
        _faults(order, list(normalized.get("faults") or [normalized.get("symptom") or ""]))
    updates: dict[str, Any] = {"customer": customer, "address": address, "product": product}
    warranty = None
    if {"product_model", "purchase_date"} & set(changed):
        warranty = _warranty(order, product)
        updates.update(warranty_status=warranty.status, warranty_detail=warranty.as_dict())
    before_warranty = order.warranty_status
    settled = [m for m in order.missing_items if m.get("field") in changed]
    remaining = [m for m in order.missing_items if m.get("field") not in changed]
    WorkOrder.objects.filter(pk=order.pk).update(
        missing_items=remaining, version=F("version") + 1, updated_at=clock.now(), **updates
    )
    order.refresh_from_db()
    after = order_values(order)
    changes = [{"field": k, "old": before[k], "new": after[k]} for k in changed]
    data: dict[str, Any] = {
        "changes": changes,
        "how": str(how),
        "verified_by": actor.name,
        "note": note.strip()[:200],
        "settled": [m.get("code", "") for m in settled],
    }
    if warranty is not None and warranty.status != before_warranty:
        data["warranty"] = {"old": before_warranty, "new": warranty.status}  # R-AN-7 on the confirmed values
    EventKind.INFO_CORRECTED.record(
        order=order,
        actor=actor,
        rule="R-DI-4" if how == VerifiedHow.ON_SITE else "R-IN-2",
        customer_visible=False,  # the old and new phone and address are the desk's, not the public's
        data=data,
    )
    _settle(order, actor, remaining, how)
    return Correction(order=order, changes=changes, settled=data["settled"])


def _customer(order: WorkOrder, changed: list[str], normalized: dict[str, Any]) -> Customer:
    """The corrected contact. A customer is known by their phone: a corrected phone is that phone's customer
    (or a new one), never a change of someone else's record; a corrected name is the person's."""
    customer = order.customer
    if "phone" in changed:
        phone = normalized.get("phone") or ""
        known = Customer.objects.filter(phone=phone).order_by("pk").first()
        if known is not None:
            customer = known
        elif not customer.orders.exclude(pk=order.pk).exists():
            Customer.objects.filter(pk=customer.pk).update(phone=phone)
            customer.refresh_from_db()
        else:
            customer = Customer.objects.create(name=customer.name, phone=phone)
    if "customer_name" in changed:
        Customer.objects.filter(pk=customer.pk).update(name=(normalized.get("customer_name") or "")[:50])
        customer.refresh_from_db()
    return customer


def _address(order: WorkOrder, customer: Customer, changed: list[str], normalized: dict[str, Any]) -> Address:
    old = order.address
    if "address" not in changed and customer.pk == old.customer_id:
        return old
    parts = (normalized.get("address") or {}) if "address" in changed else {}
    address, _new = Address.objects.get_or_create(
        customer=customer,
        province=parts.get("province", old.province) or "",
        city=parts.get("city", old.city) or "",
        district=parts.get("district", old.district) or "",
        detail=(parts.get("detail", old.detail) or "").strip()[:200],
        defaults={
            "lat": parts.get("lat") if "address" in changed else old.lat,
            "lng": parts.get("lng") if "address" in changed else old.lng,
        },
    )
    return address


def _product(
    order: WorkOrder, customer: Customer, changed: list[str], normalized: dict[str, Any]
) -> OwnedProduct | None:
    old = order.product
    if not {"product_model", "purchase_date"} & set(changed) and (
        old is None or old.customer_id == customer.pk
    ):
        return old
    model = old.model if old else None
    if "product_model" in changed:
        model = ProductModel.objects.filter(brand=order.brand, code=normalized.get("product_model")).first()
    bought = old.purchase_date if old else None
    if "purchase_date" in changed and normalized.get("purchase_date"):
        bought = date.fromisoformat(normalized["purchase_date"])
    serial = old.serial if old else ""
    product = OwnedProduct.objects.filter(customer=customer, model=model, serial=serial).first()
    if product is None:
        return OwnedProduct.objects.create(
            customer=customer, model=model, serial=serial, purchase_date=bought
        )
    if product.purchase_date != bought:
        OwnedProduct.objects.filter(pk=product.pk).update(purchase_date=bought)
        product.refresh_from_db()
    return product


def _faults(order: WorkOrder, symptoms: list[str]) -> None:
    """The confirmed fault items (R-IN-6): position by position; an item whose cause is already recorded
    stays."""
    symptoms = [s.strip()[:300] for s in symptoms if s and s.strip()]
    items = list(order.faults.all())
    for i, symptom in enumerate(symptoms, start=1):
        item = next((f for f in items if f.position == i), None)
        if item is None:
            FaultItem.objects.create(order=order, position=i, symptom=symptom)
        elif not item.cause:
            FaultItem.objects.filter(pk=item.pk).update(symptom=symptom)
    order.faults.filter(position__gt=len(symptoms), cause="").delete()


def _warranty(order: WorkOrder, product: OwnedProduct | None) -> Any:
    """R-AN-7 decided again on the confirmed model and purchase date."""
    return decide_warranty(
        model=product.model if product else None,
        purchased=product.purchase_date if product else None,
        today=clock.local(clock.now()).date(),
        exclusion=str((order.warranty_detail or {}).get("exclusion") or ""),
    )


def _settle(order: WorkOrder, actor: Actor, remaining: list[dict[str, Any]], how: VerifiedHow) -> None:
    """No problem left: the verification deadline is met; an incomplete order leaves that state."""
    if remaining:
        return
    if order.status == Status.INFO_INCOMPLETE:
        from doorstep.orders.services import order_transition

        order_transition(
            order=order, actor=actor, action=Action.COMPLETE_INFO, params={"verified": {"how": str(how)}}
        )
        order.refresh_from_db()
    else:
        deadlines.deadlines_meet(order=order, kinds=[Deadline.Kind.VERIFY])


def order_info_confirm(
    *, order: WorkOrder, actor: Actor, codes: list[str], how: str, note: str = ""
) -> WorkOrder:
    """R-IN-2: the listed problems the customer confirmed as correct as given, with who and how; a problem
    that cannot be right as given is refused (it needs a correction)."""
    chosen = _check_actor(order, actor, how)
    wanted = [c for c in dict.fromkeys(c.strip() for c in codes) if c]
    if not wanted:
        raise Invalid(ErrorCode.CONFIRM_NOTHING_SELECTED, field="confirm")
    items = {str(m.get("code")): m for m in order.missing_items}
    confirmed: list[dict[str, Any]] = []
    for code in wanted:
        item = items.get(code)
        if item is None:
            raise Invalid(ErrorCode.CONFIRM_NOT_LISTED, field="confirm", code=code)
        if not confirmable(code):
            raise DomainError(
                ErrorCode.PROBLEM_NEEDS_CORRECTION,
                field=str(item.get("field") or "confirm"),
                problem=item.get("zh") or code,
                item=FIELD_LABELS.get(str(item.get("field")), item.get("field") or ""),
            )
        confirmed.append(item)
    with transaction.atomic():
        from doorstep.orders.services import order_lock

        order_lock(order)
        remaining = [m for m in order.missing_items if str(m.get("code")) not in wanted]
        WorkOrder.objects.filter(pk=order.pk).update(
            missing_items=remaining, version=F("version") + 1, updated_at=clock.now()
        )
        order.refresh_from_db()
        EventKind.INFO_VERIFIED.record(
            order=order,
            actor=actor,
            rule="R-IN-2",
            customer_visible=False,
            data={
                "verified": "；".join(str(m.get("zh") or "") for m in confirmed),
                "items": confirmed,
                "how": str(chosen),
                "verified_by": actor.name,
                "note": note.strip()[:200],
            },
        )
        _settle(order, actor, remaining, chosen)
    return order


def corrections_of(order: WorkOrder) -> list[dict[str, Any]]:
    """The order's corrections, oldest first: when, who, how, rule and each field's old → new (R-DI-4)."""
    out = []
    for e in order.events.filter(kind=EventKind.INFO_CORRECTED).order_by("seq"):
        how = e.data.get("how")
        out.append(
            {
                "at": e.at,
                "by": e.data.get("verified_by") or e.actor_name,
                "how": VerifiedHow(how).label if how in VerifiedHow.values else how,
                "rule": e.rule,
                "note": e.data.get("note", ""),
                "changes": [
                    {**c, "label": FIELD_LABELS.get(c.get("field", ""), c.get("field", ""))}
                    for c in e.data.get("changes", [])
                ],
            }
        )
    return out
