"""Payments seen from outside and from the desk (R-CO-2).

``hooks/pay/<method>/``: the providers' payment notifications (WeChat Pay, Alipay) — public, CSRF-exempt,
verified by the provider's signature (doorstep.visits.payment.settle); a bad signature, an amount that is
not the quote's or an unknown order gets a 4xx and changes nothing. ``payments/``: the desk's page — the
reconciliation's differences, the charges waiting for a refund, the rejected notifications — with the
refund action (a reason is required).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from doorstep.channels.views import desk_actor
from doorstep.core.errors import DomainError
from doorstep.core.ratelimit import client_ip
from doorstep.visits.models import PaymentIntent, PaymentNotice, StatementDiff
from doorstep.visits.payment.settle import REFUNDABLE, notice_receive, payment_refund

REFUND_STATES = (
    PaymentIntent.State.REFUNDING,
    PaymentIntent.State.REFUNDED,
    PaymentIntent.State.REFUND_FAILED,
)


@csrf_exempt
@require_POST
def pay_notify(request: HttpRequest, method: str) -> HttpResponse:
    if method not in ("wechat", "alipay"):
        raise Http404
    answer = notice_receive(method=method, headers=request.META, body=request.body, client=client_ip(request))
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


@login_required
def payments_page(request: HttpRequest) -> HttpResponse:
    actor = desk_actor(request)
    mine = PaymentIntent.objects.filter(order__centre_id=actor.centre_id).select_related("order")
    keys = mine.values("key")
    context = {
        "diffs": StatementDiff.objects.filter(key__in=keys)[:200],
        "strays": StatementDiff.objects.filter(kind=StatementDiff.Kind.MISSING_HERE).exclude(key__in=keys)[
            :50
        ],
        "refundable": mine.filter(state__in=REFUNDABLE)
        .exclude(transaction_id="")
        .order_by("-charged_at")[:100],
        # refunds asked: processing at the provider, refunded, or ended abnormally (for the desk to handle)
        "refunded": mine.filter(state__in=REFUND_STATES).order_by("-refund_asked_at", "-refunded_at")[:50],
        "rejected": PaymentNotice.objects.filter(outcome=PaymentNotice.Outcome.REJECTED)[:50],
    }
    return render(request, "channels/payments.html", context)


@login_required
@require_POST
def payment_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = desk_actor(request)
    intent = get_object_or_404(PaymentIntent, pk=pk, order__centre_id=actor.centre_id)
    try:
        intent = payment_refund(intent=intent, actor=actor, reason=request.POST.get("reason", ""))
    except DomainError as err:
        messages.error(request, err.text())
        return redirect("channels:payments")
    if intent.state == PaymentIntent.State.REFUNDING:  # WeChat Pay: done when its notification says so
        messages.success(
            request,
            _("退款 ¥%(amount)s 已提交支付平台，退款处理中（退款单号 %(no)s）；退款成功后通知客户。")
            % {"amount": intent.amount, "no": intent.refund_no},
        )
        return redirect("channels:payments")
    messages.success(
        request,
        _("已退款 ¥%(amount)s（退款单号 %(no)s）。") % {"amount": intent.amount, "no": intent.refund_no},
    )
    return redirect("channels:payments")
