"""Desk pages: the order list, intake and the moves. Thin: each POST calls one service (``perform``).

The order page itself (with the visit's charges and consents and who can be assigned) is composed in
``doorstep.web.order_page``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core.errors import DomainError
from doorstep.network.actors import Actor
from doorstep.network.roles import Role
from doorstep.orders import selectors
from doorstep.orders.forms import IntakeForm, action_params
from doorstep.orders.intake import IntakeRequest, order_create
from doorstep.orders.lifecycle import Status
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.orders.services import order_transition


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
            "desk_hurries": selectors.unowned_hurries(actor=actor)[:20],  # 催单 of orders nobody owns yet
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
@require_POST
def order_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)

    def act() -> str:
        order_transition(
            order=order,
            actor=actor,
            action=action,
            reason=request.POST.get("reason", ""),
            params=action_params(request.POST),
        )
        return _("已完成：%(status)s") % {"status": Status(order.status).label}

    today = actor.role == Role.TECHNICIAN and request.POST.get("back") == "today"
    return perform(request, act, "visits:today" if today else reverse("orders:detail", args=[number]))
