"""Desk pages: caller look-up and knowledge-base hints while typing, call log, verification, hand-over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.catalog.kb import kb_suggest
from doorstep.catalog.models import ProductLine
from doorstep.core import clock
from doorstep.core.dates import resolve_in_text
from doorstep.core.errors import DomainError
from doorstep.core.policy import Policy
from doorstep.customers.models import Customer
from doorstep.customers.parsing.dates import typed_purchase_date
from doorstep.network.actors import Actor
from doorstep.network.models import Staff
from doorstep.network.policy import policy_for
from doorstep.network.roles import CONTACT_DESK, CORRECTORS, DESK
from doorstep.orders import selectors
from doorstep.orders.correction import order_info_confirm
from doorstep.orders.desk import call_log, call_replied, fault_record_cause, order_hand_over
from doorstep.orders.forms import CallForm
from doorstep.orders.intake import normalise_phone_or_raise
from doorstep.orders.models import CallRecord
from doorstep.orders.pages import page_actor, page_order, perform


@login_required
def caller_lookup(request: HttpRequest) -> HttpResponse:
    """The caller's history and owned products, found by phone as the agent types (R-IN-1, R-QA-6)."""
    actor = page_actor(request, DESK)  # the intake desk's need, not a phone directory for others (R-PV-1)
    try:
        phone = normalise_phone_or_raise(request.GET.get("phone", ""))
    except DomainError:
        return render(request, "orders/_caller.html", {"customer": None})
    customer = Customer.objects.filter(phone=phone).prefetch_related("addresses", "products__model").first()
    orders = selectors.orders_visible_to(actor).filter(customer=customer)[:10] if customer else []
    return render(
        request,
        "orders/_caller.html",
        {"customer": customer, "orders": orders, "full": actor.role in CONTACT_DESK},  # R-PV-1: the door
    )


@login_required
def kb_hints(request: HttpRequest) -> HttpResponse:
    """Likely causes, measures, parts and phone scripts for the symptom being typed (R-AN-1, R-AN-2)."""
    page_actor(request)
    symptom = request.GET.get("faults", "") or request.GET.get("symptom", "")
    line = ProductLine.objects.filter(models__code__iexact=request.GET.get("model_code", "").strip()).first()
    hits = kb_suggest(symptom=symptom.replace("\n", " "), line=line, k=3)
    return render(request, "orders/_kb.html", {"hits": hits})


@login_required
def calls(request: HttpRequest) -> HttpResponse:
    """Incoming and outgoing call lists with promised replies (R-IN-8)."""
    actor = page_actor(request)
    if actor.role not in DESK:
        raise Http404
    form = CallForm(request.POST or None, hours=_service_hours(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call_log(
                actor=actor,
                direction=data["direction"],
                phone=data["phone"],
                caller_name=data["caller_name"],
                product=data["product"],
                question=data["question"],
                promised_reply_at=data["promise"],
                read_back_confirmed=data["read_back"],
            )
        except DomainError as err:  # shown next to its field, with what was typed kept
            form.add_error(_CALL_FIELDS.get(err.field or ""), err.text())
        else:
            messages.success(request, _("通话已登记。"))
            return redirect("orders:calls")
    records = (  # the agent with each call: one query, not one per row (issue 16)
        CallRecord.objects.filter(agent__centre_id=actor.centre_id)
        .select_related("agent")
        .prefetch_related("deadlines")[:100]
    )
    return render(
        request,
        "orders/calls.html",
        {"calls": records, "full": actor.role in CONTACT_DESK, "form": form},
    )  # a refused form answers 200, as the other forms do: the boosted page swaps it in


_CALL_FIELDS = {
    "direction": "direction",
    "phone": "phone",
    "question": "question",
    "promised_reply_at": "promise",
}


def _service_hours(actor: Actor) -> tuple[time, time]:
    """The centre's service hours (R-DI-3): the end of the afternoon or the day a promise falls due."""
    staff = actor.staff
    policy = policy_for(brand=staff.centre.brand_id, centre=staff.centre_id) if staff else Policy()
    return policy.service_hours_start, policy.service_hours_end


@login_required
def date_hint(request: HttpRequest) -> HttpResponse:
    """What a typed date will be stored as, shown under the field while typing (R-IN-2, R-DI-3, R-IN-8)."""
    page_actor(request, DESK)  # the intake console's help
    typed = (request.GET.get("purchase_date") or request.GET.get("requirement") or "").strip()
    if "purchase_date" in request.GET:
        try:
            value = typed_purchase_date(typed, today=clock.today()) if typed else ""
        except DomainError as err:
            return render(request, "orders/_date_hint.html", {"error": err.text()})
        said = value.isoformat() if isinstance(value, date) else ""
        return render(request, "orders/_date_hint.html", {"said": said, "typed": typed})
    resolved = resolve_in_text(typed)
    return render(
        request, "orders/_date_hint.html", {"said": resolved if resolved != typed else "", "typed": typed}
    )


@login_required
@require_POST
def call_replied_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    call = get_object_or_404(CallRecord, pk=pk, agent__centre_id=actor.centre_id)
    return perform(request, lambda: call_replied(call=call, actor=actor), "orders:calls")


def _post_and_back(request: HttpRequest, number: str, action: Callable[[], object]) -> HttpResponse:
    return perform(request, action, reverse("orders:detail", args=[number]), done=_("已保存。"))


@login_required
@require_POST
def verify_info(request: HttpRequest, number: str) -> HttpResponse:
    """R-IN-2: the ticked problems were confirmed with the customer as correct as given (who, how)."""
    actor = page_actor(request, CORRECTORS)
    order = page_order(actor, number)
    return perform(
        request,
        lambda: order_info_confirm(
            order=order,
            actor=actor,
            codes=request.POST.getlist("confirm"),
            how=request.POST.get("how", ""),
            note=request.POST.get("note", ""),
        ),
        reverse("orders:detail", args=[number]),
        done=_("已记录：所选问题经核实按原样无误。"),
    )


@login_required
@require_POST
def hand_over(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    new_owner = Staff.objects.filter(pk=request.POST.get("new_owner") or 0).first()
    if new_owner is None:
        messages.error(request, _("请选择新的首问负责人。"))
        return redirect("orders:detail", number=number)
    return _post_and_back(
        request,
        number,
        lambda: order_hand_over(
            order=order, actor=actor, new_owner=new_owner, reason=request.POST.get("reason", "")
        ),
    )


@login_required
@require_POST
def fault_cause(request: HttpRequest, number: str, position: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    order = page_order(actor, number)
    fault = get_object_or_404(order.faults, position=position)
    return _post_and_back(
        request,
        number,
        lambda: fault_record_cause(
            order=order,
            actor=actor,
            fault=fault,
            cause=request.POST.get("cause", ""),
            resolution=request.POST.get("resolution", ""),
        ),
    )
