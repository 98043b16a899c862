"""Desk pages: the order list, intake and the moves. Thin: each POST calls one service (``perform``).

The order page itself (with the visit's charges and consents and who can be assigned) is composed in
``doorstep.web.order_page``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from doorstep.core.errors import DomainError
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet
from doorstep.network.roles import CENTRE_STAFF, Role
from doorstep.orders import selectors
from doorstep.orders.forms import IntakeForm, action_params
from doorstep.orders.intake import IntakeRequest, order_create
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, Priority
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.orders.services import order_transition


def _get(request: HttpRequest, name: str, default: str = "") -> str:
    return request.GET.get(name, default)[:100]


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """The order list: filters (status, priority, outlet) and a sort, keyset pages; the owner's deadlines
    that fall due first, with the way to every one of them (walk finding 22)."""
    actor = page_actor(request)
    page = selectors.order_list_page(
        actor=actor,
        status=_get(request, "status"),
        priority=_get(request, "priority"),
        outlet=_get(request, "outlet"),
        sort=_get(request, "sort", "new"),
        after=_cursor(request),
    )
    deadlines = selectors.deadline_page(actor=actor, size=MY_DEADLINES_ON_LIST)
    return render(
        request,
        "orders/list.html",
        {
            "page": page,
            "status": _get(request, "status"),
            "priority": _get(request, "priority"),
            "outlet": _get(request, "outlet"),
            "sort": _get(request, "sort", "new"),
            "statuses": Status.choices,
            "priorities": Priority.choices,
            "outlets": Outlet.objects.filter(centre_id=actor.centre_id, active=True).order_by("pk")
            if actor.role in CENTRE_STAFF
            else [],
            "sorts": ORDER_SORT_LABELS,
            "my_deadlines": deadlines.items,
            "my_deadlines_total": deadlines.total,
            "desk_hurries": selectors.unowned_hurries(actor=actor)[:20],  # 催单 of orders nobody owns yet
        },
    )


MY_DEADLINES_ON_LIST = 10  # the owner's deadlines shown above the order list; the rest on their own page
ORDER_SORT_LABELS = [
    ("new", _l("最新创建")),
    ("old", _l("最早创建")),
    ("window", _l("预约时间")),
    ("number", _l("工单号")),
]
DEADLINE_SORT_LABELS = [("overdue", _l("超时优先")), ("due", _l("到期最早")), ("-due", _l("到期最晚"))]
DEADLINE_STATE_LABELS = [("live", _l("全部未完成")), ("overdue", _l("已超时")), ("open", _l("进行中"))]


def _cursor(request: HttpRequest) -> str:
    after = request.GET.get("after", "")
    return after if len(after) <= 400 else ""


@login_required
def my_deadlines(request: HttpRequest) -> HttpResponse:
    """Every live deadline the signed-in staff member owns, by keyset pages, filtered by state and kind."""
    actor = page_actor(request)
    state, kind, sort = (
        _get(request, "state", "live"),
        _get(request, "kind"),
        _get(request, "sort", "overdue"),
    )
    page = selectors.deadline_page(actor=actor, state=state, kind=kind, sort=sort, after=_cursor(request))
    return render(
        request,
        "orders/deadlines.html",
        {
            "page": page,
            "state": state,
            "kind": kind,
            "sort": sort,
            "states": DEADLINE_STATE_LABELS,
            "kinds": Deadline.Kind.choices,
            "sorts": DEADLINE_SORT_LABELS,
        },
    )


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """The staff search box's results: an order number in any case, a phone in any format, a name or an
    address fragment; only among the orders the user may see (R-PV-1). One match opens the order."""
    actor = page_actor(request)
    query = selectors.search_query(request.GET.get("q", ""))
    page = selectors.order_search(actor=actor, query=query, after=_cursor(request))
    if page.total == 1 and not request.GET.get("after"):
        return redirect("orders:detail", number=page.items[0].number)
    return render(request, "orders/search.html", {"page": page, "query": query, "q": query.text})


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
