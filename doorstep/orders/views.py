"""Desk and order pages. Thin: each POST calls one service; a refusal becomes a flash message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.catalog.kb import kb_suggest
from doorstep.core.actors import Actor
from doorstep.core.errors import DomainError
from doorstep.dispatch.eligibility import technician_ineligibility
from doorstep.network.models import Outlet, Staff, Technician
from doorstep.orders import selectors
from doorstep.orders.desk import DESK_ROLES
from doorstep.orders.forms import IntakeForm, action_params
from doorstep.orders.intake import IntakeRequest, order_create
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tracking import tracking_url
from doorstep.visits import services as visit_services
from doorstep.visits.models import Consent
from doorstep.visits.selectors import amount_due
from doorstep.web.shortcuts import page_actor, page_order


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    qs = selectors.orders_visible_to(actor)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/list.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "my_deadlines": selectors.deadlines_for_owner(actor=actor)[:20],
        },
    )


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "faults"}
        req = IntakeRequest(brand=_brand_code(actor), faults=form.fault_list(), **data)
        try:
            order, _created = order_create(
                actor=actor, req=req, idempotency_key=request.POST.get("idempotency_key") or None
            )
        except DomainError as err:
            form.add_error(err.field if err.field in form.fields else None, err.text())
        else:
            messages.success(request, _("工单 %(number)s 已创建。") % {"number": order.number})
            return redirect("orders:detail", number=order.number)
    return render(request, "orders/new.html", {"form": form})


def _brand_code(actor: Actor) -> str:
    return actor.staff.centre.brand.code if actor.staff else ""


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    return render(request, "orders/detail.html", _detail_context(order, actor))


def _detail_context(order: WorkOrder, actor: Actor) -> dict[str, Any]:
    moves = selectors.allowed_moves(order=order, actor=actor)
    ctx: dict[str, Any] = {
        "order": order,
        "moves": moves,
        "timeline": selectors.order_timeline(order=order),
        "deadlines": order.deadlines.exclude(kind=Deadline.Kind.RISK_CHECK)
        .select_related("owner")
        .order_by("due_at"),
        "charges": order.charges.select_related("fee_item"),
        "amount_due": amount_due(order),
        "fee_items": order.brand.fee_items.filter(active=True).order_by("kind", "code"),
        "consent_kinds": Consent.Kind.choices,
        "tracking_url": tracking_url(order),
        "on_site": order.status in visit_services.ON_SITE
        and actor.role in ("technician", "outlet_manager", "admin"),
        "kb_hits": _kb_hits(order) if order.status in KB_STATUSES else [],
        "owners": Staff.objects.filter(centre=order.centre, role__in=DESK_ROLES).exclude(
            pk=order.owner_id or 0
        )
        if actor.role in ("supervisor", "admin")
        else [],
    }
    if any(m.action in ("dispatch", "transfer") for m in moves):
        ctx["outlets"] = Outlet.objects.filter(centre=order.centre, brands=order.brand, active=True)
    if any(m.action == "assign" for m in moves) and order.outlet_id:
        techs = Technician.objects.select_related("staff").filter(staff__outlet_id=order.outlet_id)
        from doorstep.core import clock

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
def order_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    try:
        order_transition(
            order=order,
            actor=actor,
            action=action,
            reason=request.POST.get("reason", ""),
            params=action_params(request.POST),
        )
    except DomainError as err:
        messages.error(request, err.text())
    else:
        messages.success(request, _("已完成：%(status)s") % {"status": Status(order.status).label})
    if actor.role == "technician" and request.POST.get("back") == "today":
        return redirect("visits:today")
    return redirect("orders:detail", number=number)


@login_required
@require_POST
def order_charge(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    try:
        visit_services.charge_add(
            order=order,
            actor=actor,
            fee_code=request.POST.get("fee_code", ""),
            quantity=request.POST.get("quantity", "1"),
            covered=request.POST.get("covered") == "on",
        )
    except DomainError as err:
        messages.error(request, err.text())
    else:
        messages.success(request, _("已按收费标准添加收费项目。"))
    return redirect("orders:detail", number=number)


@login_required
@require_POST
def order_consent(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    try:
        visit_services.consent_record(
            order=order,
            actor=actor,
            kind=request.POST.get("kind", ""),
            given_by=request.POST.get("given_by", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as err:
        messages.error(request, err.text())
    else:
        messages.success(request, _("已记录客户同意。"))
    return redirect("orders:detail", number=number)
