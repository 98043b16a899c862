"""Fault codes and insights (R-QA-5), the service archive (R-QA-6) and people's training (R-QA-7)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core import clock
from doorstep.customers.models import Customer, OwnedProduct
from doorstep.customers.product_link import product_booking_url, product_ref
from doorstep.network.models import TrainingRecord
from doorstep.network.roles import DASHBOARD_VIEWERS, QUALITY_TEAM, Role
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.orders.selectors import orders_visible_to
from doorstep.quality.models import Insight
from doorstep.quality.privacy import contact_for
from doorstep.quality.selectors.feedback import archive_orders, insights_visible_to
from doorstep.quality.selectors.people import expiring_soon
from doorstep.quality.services.insights import FAULT_FIELDS, fault_record_save, insight_submit, insight_update
from doorstep.visits.arrival.card import qr_svg


@login_required
@require_POST
def fault_post(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    fields = {name: request.POST.get(name, "") for name in FAULT_FIELDS}
    return perform(
        request,
        lambda: fault_record_save(order=order, actor=actor, **fields),
        reverse("orders:detail", args=[number]),
        done=_("故障编码已记录。"),
    )


@login_required
@require_POST
def insight_post(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    post = request.POST
    return perform(
        request,
        lambda: insight_submit(
            actor=actor,
            order=order,
            department=post.get("department", ""),
            title=post.get("title", ""),
            body=post.get("body", ""),
        ),
        reverse("orders:detail", args=[number]),
        done=_("建议已提交给相关部门。"),
    )


@login_required
def insights(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    qs = insights_visible_to(actor)
    department = request.GET.get("department", "")
    if department:
        qs = qs.filter(department=department)
    return render(
        request,
        "quality/insights.html",
        {
            "insights": qs[:200],
            "department": department,
            "departments": Insight.Department.choices,
            "states": Insight.State.choices,
            "can_route": actor.role in QUALITY_TEAM,
        },
    )


@login_required
@require_POST
def insight_state(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request, QUALITY_TEAM)
    insight = get_object_or_404(insights_visible_to(actor), pk=pk)
    return perform(
        request,
        lambda: insight_update(
            insight=insight,
            actor=actor,
            state=request.POST.get("state", ""),
            note=request.POST.get("note", ""),
        ),
        "quality:insights",
        done=_("建议状态已更新。"),
    )


@login_required
def archive(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The service archive of one customer or one product: every visit, part and piece of feedback."""
    actor = page_actor(request)
    visible = orders_visible_to(actor)
    if kind == "customer":
        subject: Customer | OwnedProduct = get_object_or_404(
            Customer.objects.filter(orders__in=visible.values("pk")).distinct(), pk=pk
        )
        rows = archive_orders(actor=actor, customer=subject)  # type: ignore[arg-type]
    elif kind == "product":
        subject = get_object_or_404(
            OwnedProduct.objects.filter(orders__in=visible.values("pk")).distinct(), pk=pk
        )
        rows = archive_orders(actor=actor, product=subject)  # type: ignore[arg-type]
    else:
        raise Http404
    contact = contact_for(actor, rows[0]["order"], purpose="archive") if rows else None
    context = {"kind": kind, "subject": subject, "rows": rows, "contact": contact}
    if isinstance(subject, OwnedProduct) and rows:  # 扫码报修: the code to print on the warranty card
        link = product_booking_url(product_ref(brand_code=rows[0]["order"].brand.code, product=subject))
        context.update(warranty_link=link, warranty_qr=qr_svg(link))
    return render(request, "quality/archive.html", context)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request, DASHBOARD_VIEWERS)
    today = clock.local(clock.now()).date()
    training = TrainingRecord.objects.select_related("staff", "product_line").filter(
        staff__centre_id=actor.centre_id
    )
    if actor.role == Role.OUTLET_MANAGER:
        training = training.filter(staff__outlet_id=actor.outlet_id or 0)
    return render(
        request,
        "quality/people.html",
        {"expiring": expiring_soon(actor=actor, on=today), "training": training[:200], "today": today},
    )
