"""The customer's side on the tracking page (signed link, no log-in): the satisfaction survey (R-QA-2),
complaints (R-QA-3) and confirming a complaint's answer."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.network.actors import Actor
from doorstep.orders.models import WorkOrder
from doorstep.orders.pages import perform
from doorstep.orders.tracking import order_from_token
from doorstep.quality.models import SCORE_FIELDS, Complaint, Survey
from doorstep.quality.services.complaints import complaint_confirm, complaint_open
from doorstep.quality.services.feedback import survey_submit
from doorstep.visits.consent.channel import device_of
from doorstep.visits.views.public import link_refused


def _tracked(token: str) -> WorkOrder:
    order = order_from_token(token)
    if order is None:
        raise Http404(_("链接无效。"))
    return order


@require_POST
def survey(request: HttpRequest, token: str) -> HttpResponse:
    order = _tracked(token)
    refused = link_refused(request, token)  # R-QA-2: a staff member's browser never answers for the customer
    if refused is not None:
        return refused
    post = request.POST
    return perform(
        request,
        lambda: survey_submit(
            order=order,
            actor=Actor.customer(order.customer.name),
            device=device_of(request),
            scores={name: post.get(name, "") for name in SCORE_FIELDS},
            product_works=post.get("product_works", "yes") != "no",
            comment=post.get("comment", ""),
            channel=Survey.Channel.SMS_LINK if post.get("via") == "sms" else Survey.Channel.TRACKING,
        ),
        reverse("web:track", args=[token]),
        done=_("感谢您的评价！"),
    )


@require_POST
def complaint(request: HttpRequest, token: str) -> HttpResponse:
    order = _tracked(token)
    refused = link_refused(request, token)  # the customer's own word, not staff's
    if refused is not None:
        return refused
    return perform(
        request,
        lambda: complaint_open(
            order=order,
            actor=Actor.customer(order.customer.name),
            channel=Complaint.Channel.WEB,
            category=request.POST.get("category", ""),
            description=request.POST.get("description", ""),
        ),
        reverse("web:track", args=[token]),
        done=_("您的投诉已受理，我们会在承诺时间内答复。"),
    )


@require_POST
def complaint_answer(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    order = _tracked(token)
    refused = link_refused(request, token)  # the customer's own word, not staff's
    if refused is not None:
        return refused
    item = get_object_or_404(Complaint, pk=pk, order=order)
    return perform(
        request,
        lambda: complaint_confirm(
            complaint=item,
            actor=Actor.customer(order.customer.name),
            accepted=request.POST.get("accepted") == "yes",
            note=request.POST.get("note", ""),
        ),
        reverse("web:track", args=[token]),
        done=_("感谢您的反馈。"),
    )
