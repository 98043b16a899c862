"""The order page: one record from intake to closure, composed from every app's part of the order.

Orders, visits (charges, consents, the amount due), dispatch (who can be assigned, and why not) and the
knowledge base meet here, in the web layer, so that none of those apps imports another one above it.
Thin: each POST calls one service (``perform``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.catalog.kb import kb_suggest
from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.core.privacy import mask_address, mask_phone
from doorstep.customers.parsing.issues import Problem, confirmable
from doorstep.dispatch.appointment import CONFIRMABLE, appointment_time_confirm, appointment_time_default
from doorstep.dispatch.eligibility import technician_ineligibility
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Staff, Technician
from doorstep.network.roles import CORRECTORS, DESK, FIELD, OUTLET, OWNER_CHANGERS, Role
from doorstep.orders import selectors
from doorstep.orders.correction import (
    FIELD_LABELS,
    FIELDS,
    HOW_BY_ROLE,
    CorrectionRefused,
    corrections_of,
    order_correct,
    order_values,
)
from doorstep.orders.correction import (
    ON_SITE as CORRECT_ON_SITE,
)
from doorstep.orders.forms import local_datetime
from doorstep.orders.lifecycle import TERMINAL, Status
from doorstep.orders.models import Deadline, VerifiedHow, WorkOrder
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.orders.tracking import tracking_url
from doorstep.quality.privacy import can_see_contact
from doorstep.visits.common import ON_SITE
from doorstep.visits.consent.channel import PHONE_ACCEPTABLE, staff_channel
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.diagnosis.quote import fingerprint, quote_lines
from doorstep.visits.idempotency import run_once
from doorstep.visits.models import Consent
from doorstep.visits.phone_agreement import phone_agreement_record
from doorstep.visits.selectors import amount_due
from doorstep.web.timers import order_timers


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    return render(request, "orders/detail.html", _detail_context(order, actor))


def _detail_context(order: WorkOrder, actor: Actor) -> dict[str, Any]:
    moves = [m for m in selectors.allowed_moves(order=order, actor=actor) if m.action != "complete_info"]
    ctx: dict[str, Any] = {
        "order": order,
        "moves": moves,
        "timeline": selectors.order_timeline(order=order),
        "timeline_archived": ", ".join(selectors.timeline_archived_labels(order=order)),
        "deadlines": order.deadlines.exclude(kind=Deadline.Kind.RISK_CHECK)
        .select_related("owner")
        .order_by("due_at"),
        "timers": order_timers(order),  # every timer: due time, owner, rule (stored and computed)
        "appointment_default": appointment_time_default(order)
        if order.status in CONFIRMABLE and actor.role in (FIELD | OUTLET | DESK)
        else None,
        "charges": order.charges.select_related("fee_item"),
        "amount_due": amount_due(order),
        "fee_items": order.brand.fee_items.filter(active=True).order_by("kind", "code"),
        # staff record only what the customer agreed by phone, and only what may be agreed so (R-CO-1)
        "consent_kinds": [(v, label) for v, label in Consent.Kind.choices if v in PHONE_ACCEPTABLE],
        "quote_seen": fingerprint(quote_lines(order)),
        "form_key": uuid.uuid4().hex,  # one per rendered form: a double submit adds one charge, not two
        # the customer's link, for the desk that sends it; never for acting as the customer (R-CO-1)
        "tracking_url": tracking_url(order) if actor.role in DESK else "",
        "on_site": order.status in ON_SITE and actor.role in FIELD,
        "kb_hits": _kb_hits(order) if order.status in KB_STATUSES else [],
        "owners": Staff.objects.filter(centre=order.centre, role__in=DESK).exclude(pk=order.owner_id or 0)
        if actor.role in OWNER_CHANGERS
        else [],
    }
    ctx.update(correction_context(order, actor))
    if any(m.action in ("dispatch", "transfer") for m in moves):
        ctx["outlets"] = Outlet.objects.filter(centre=order.centre, brands=order.brand, active=True)
    if any(m.action == "assign" for m in moves) and order.outlet_id:
        techs = Technician.objects.select_related("staff").filter(staff__outlet_id=order.outlet_id)
        today = clock.local(clock.now()).date()
        ctx["technicians"] = [
            (t, technician_ineligibility(order=order, technician=t, on=today)) for t in techs
        ]
    return ctx


KB_STATUSES = {
    Status.NEW,
    Status.INFO_INCOMPLETE,
    Status.TRIAGED,
    Status.DISPATCHED,
    Status.ASSIGNED,
    Status.CONFIRMED,
    Status.ARRIVED,
    Status.IN_SERVICE,
}


def _kb_hits(order: WorkOrder) -> list[Any]:
    symptom = " ".join(order.faults.values_list("symptom", flat=True))
    line = order.product.model.line if order.product and order.product.model else None
    return kb_suggest(symptom=symptom, line=line, k=3)


@login_required
@require_POST
def order_appointment_time(request: HttpRequest, number: str) -> HttpResponse:
    """R-DI-3: record the time confirmed with the customer (empty: the planned arrival, else the window
    start)."""
    actor = page_actor(request)
    order = page_order(actor, number)
    raw = request.POST.get("appointment_at", "")

    def confirm() -> object:
        at = local_datetime(raw)
        if raw and at is None:
            raise Invalid(ErrorCode.WINDOW_REQUIRED, field="appointment_at")
        return appointment_time_confirm(order=order, actor=actor, at=at, note=request.POST.get("note", ""))

    return perform(
        request, confirm, reverse("orders:detail", args=[number]), done=_("已记录与客户确认的上门时间。")
    )


@login_required
@require_POST
def order_charge(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    return perform(
        request,
        lambda: charge_add(
            order=order,
            actor=actor,
            fee_code=request.POST.get("fee_code", ""),
            quantity=request.POST.get("quantity", "1"),
            covered=request.POST.get("covered") == "on",
        ),
        reverse("orders:detail", args=[number]),
        done=_("已按收费标准添加收费项目。"),
        once=run_once,
    )


@login_required
@require_POST
def order_consent(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    return perform(
        request,
        lambda: phone_agreement_record(
            order=order,
            channel=staff_channel(request, actor, request.POST.get("source", "")),
            kind=request.POST.get("kind", ""),
            given_by=request.POST.get("given_by", ""),
            note=request.POST.get("note", ""),
            seen=request.POST.get("seen", ""),
        ),
        reverse("orders:detail", args=[number]),
        done=_("已记录：客户电话同意（由您记录）。"),
        once=run_once,
    )


# --- correcting the order (R-IN-2, R-DI-4) ---------------------------------------------------------------
def can_correct(order: WorkOrder, actor: Actor) -> bool:
    """The desk per its scope, the technician sent to this order; never a closed or cancelled order. The form
    shows the customer's phone and address: only to whoever may see them now (R-PV-1)."""
    if actor.role not in CORRECTORS or order.status in TERMINAL or not can_see_contact(actor, order):
        return False
    return actor.role != Role.TECHNICIAN or order.technician_id == actor.technician_id


def how_choices(order: WorkOrder, actor: Actor) -> list[tuple[str, str]]:
    """How this actor may have verified: on site only where the technician stands at the door (R-DI-4)."""
    mine = HOW_BY_ROLE.get(actor.role, frozenset())
    return [
        (v, str(label))
        for v, label in VerifiedHow.choices
        if v in mine and (v != VerifiedHow.ON_SITE or order.status in CORRECT_ON_SITE)
    ]


def _choice_value(order: WorkOrder, item: dict[str, Any], suggestion: str) -> str:
    """The whole corrected value a problem's suggested choice stands for (a region keeps the street)."""
    address = order.address
    if item.get("code") == Problem.ADDRESS_NO_DISTRICT:
        return f"{address.province}{address.city}{suggestion}{address.detail}"
    if item.get("field") == "address":
        return f"{suggestion}{address.detail}"
    return suggestion


def correction_context(
    order: WorkOrder,
    actor: Actor,
    typed: dict[str, str] | None = None,
    errors: list[Any] | None = None,
) -> dict[str, Any]:
    """The problems with their choices, the correction form (values, how, each field's refusal) and the
    corrections made so far (old → new)."""
    allowed = can_correct(order, actor)
    problems = [
        {
            "item": m,
            "confirmable": confirmable(str(m.get("code") or "")),
            "choices": [(s, _choice_value(order, m, str(s))) for s in m.get("suggestions") or []],
        }
        for m in order.missing_items
    ]
    values = {**order_values(order), **(typed or {})} if allowed else {}
    refused = {p.field: p for p in errors or []}
    return {
        "problems": problems,
        "any_confirmable": any(p["confirmable"] for p in problems),
        "can_correct": allowed,
        "correct_rows": [
            {"field": f, "label": FIELD_LABELS[f], "value": values.get(f, ""), "error": refused.get(f)}
            for f in FIELDS
        ]
        if allowed
        else [],
        "how_choices": how_choices(order, actor) if allowed else [],
        "corrections": _shown_corrections(order, actor),
    }


def _shown_corrections(order: WorkOrder, actor: Actor) -> list[dict[str, Any]]:
    """Old → new of every correction; phone and address masked for whoever may not see them (R-PV-1)."""
    shown = corrections_of(order)
    if can_see_contact(actor, order):
        return shown
    masks = {"phone": mask_phone, "address": mask_address}
    for c in shown:
        for change in c["changes"]:
            mask = masks.get(change["field"])
            if mask:
                change.update(old=mask(change["old"]), new=mask(change["new"]))
    return shown


@login_required
@require_POST
def order_correct_view(request: HttpRequest, number: str) -> HttpResponse:
    """R-IN-2, R-DI-4: correct the order's items; a refused value is shown next to its field, nothing
    written, what was typed kept."""
    actor = page_actor(request, CORRECTORS)
    order = page_order(actor, number)
    typed = {k: request.POST.get(k, "") for k in FIELDS if k in request.POST}
    try:
        result = order_correct(
            order=order,
            actor=actor,
            values=typed,
            how=request.POST.get("how", ""),
            note=request.POST.get("note", ""),
        )
    except CorrectionRefused as refused:
        ctx = _detail_context(order, actor)
        ctx.update(correction_context(order, actor, typed, refused.problems))
        ctx["correct_open"] = True
        response = render(request, "orders/detail.html", ctx)  # 200: htmx swaps it in (it drops a 4xx)
        response["HX-Push-Url"] = reverse("orders:detail", args=[number])
        return response
    except DomainError as err:
        messages.error(request, err.text())
        return redirect("orders:detail", number=number)
    fields = "、".join(str(FIELD_LABELS[c["field"]]) for c in result.changes)
    messages.success(request, _("已更正：%(fields)s。") % {"fields": fields})
    return redirect("orders:detail", number=number)
