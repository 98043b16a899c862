"""Pages without log-in: the supervision card a customer scans (R-PV-2) and, through the tracking link,
the quote to accept on their own phone, the take-back receipt and the service report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core.errors import DomainError
from doorstep.core.uploads import kept_file_response
from doorstep.orders.models import WorkOrder
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.orders.tracking import order_from_token
from doorstep.visits.arrival.card import card_from_token, card_visit, masked_name, permit_valid
from doorstep.visits.arrival.escalation import task_done
from doorstep.visits.consent.channel import link_channel, refuse_staff_session
from doorstep.visits.diagnosis.quote import quote_accept
from doorstep.visits.models import EscalationTask, TakeBack, VisitPhoto
from doorstep.visits.report.store import report_bytes
from doorstep.visits.selectors import task_get, task_page


def card(request: HttpRequest, token: str) -> HttpResponse:
    """What the customer sees when scanning the technician's card: who, and is this visit theirs now.
    Only the order the card was issued for is ever shown (R-PV-2)."""
    tech, number = card_from_token(token)
    if tech is None:
        raise Http404(_("监督卡无效。"))
    visit = card_visit(tech, number)
    return render(
        request,
        "visits/card.html",
        {
            "tech": tech,
            "token": token,
            "brand": tech.staff.centre.brand,
            "permit_ok": permit_valid(tech),
            "visit": visit,
            "for_order": bool(number),
            "visit_customer": masked_name(visit.customer.name) if visit else "",
        },
    )


def card_photo(request: HttpRequest, token: str) -> HttpResponseBase:
    """The photo of the card's technician, to whoever holds the card's link (R-PV-2)."""
    tech, _number = card_from_token(token)
    if tech is None or not tech.photo:
        raise Http404
    return kept_file_response(tech.photo, download_name="technician")


def link_refused(request: HttpRequest, token: str) -> HttpResponse | None:
    """The tracking link is the customer's (R-CO-1): a signed-in staff member who opens it may read it,
    but an act there (quote, sign, pay, survey, consent) is answered 403, ``customer_link_staff_session``."""
    try:
        refuse_staff_session(request)
    except DomainError as err:
        context = {"code": err.code, "message": err.text(), "token": token}
        return render(request, "visits/link_refused.html", context, status=err.status)
    return None


def _tracked(token: str) -> WorkOrder:
    order = order_from_token(token)
    if order is None:
        raise Http404(_("链接无效。"))
    return order


@require_POST
def track_quote(request: HttpRequest, token: str) -> HttpResponse:
    """The customer accepts the quote on their own phone (R-SV-2, R-IN-9)."""
    order = _tracked(token)
    refused = link_refused(request, token)
    if refused is not None:
        return refused
    signer = request.POST.get("signer_name", "")
    return perform(
        request,
        lambda: quote_accept(
            order=order,
            channel=link_channel(request, signer),
            signer=signer,
            seen=request.POST.get("seen", ""),
        ),
        reverse("web:track", args=[token]),
        done=_("您已确认报价，工程师将按报价施工。"),
    )


def _pdf(order: WorkOrder) -> HttpResponse:
    response = HttpResponse(report_bytes(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="service-report-{order.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def track_report(request: HttpRequest, token: str) -> HttpResponse:
    return _pdf(_tracked(token))


@login_required
def report(request: HttpRequest, number: str) -> HttpResponse:
    return _pdf(page_order(page_actor(request), number))


@login_required
def photo(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    """A visit photo, to whoever may see its order (the order page's own check, R-PV-1); 404 otherwise."""
    order = page_order(page_actor(request), number)
    shot = get_object_or_404(VisitPhoto, pk=pk, order=order)
    return kept_file_response(shot.image, download_name=f"{order.number}-{shot.kind}-{shot.pk}")


def _receipt(request: HttpRequest, order: WorkOrder) -> HttpResponse:
    take_back = TakeBack.objects.filter(order=order).first()
    if take_back is None:
        raise Http404(_("没有拉修单。"))
    return render(request, "visits/takeback_receipt.html", {"order": order, "tb": take_back})


def track_takeback(request: HttpRequest, token: str) -> HttpResponse:
    return _receipt(request, _tracked(token))


@login_required
def takeback(request: HttpRequest, number: str) -> HttpResponse:
    return _receipt(request, page_order(page_actor(request), number))


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """The visit's escalation tasks owned by the signed-in staff member (complaint supervisor, desk)."""
    actor = page_actor(request)
    state, kind = request.GET.get("state", "")[:20], request.GET.get("kind", "")[:30]
    sort, after = request.GET.get("sort", "due")[:10], request.GET.get("after", "")
    page = task_page(actor=actor, state=state, kind=kind, sort=sort, after=after if len(after) <= 400 else "")
    return render(
        request,
        "visits/tasks.html",
        {
            "page": page,
            "tasks": page.items,
            "state": state,
            "kind": kind,
            "sort": sort,
            "states": EscalationTask.State.choices,
            "kinds": EscalationTask.Kind.choices,
            "sorts": [("due", _("到期最早")), ("new", _("最新创建")), ("old", _("最早创建"))],
        },
    )


@login_required
@require_POST
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    task = task_get(actor=actor, pk=pk)  # outside the actor's orders: 404, existence not revealed (R-PV-1)
    if task is None:
        raise Http404
    back = request.POST.get("next", "")
    return perform(
        request,
        lambda: task_done(task=task, actor=actor, outcome=request.POST.get("outcome", "")),
        back if back.startswith("/") and not back.startswith("//") else "visits:tasks",
        done=_("任务已处理。"),
    )
