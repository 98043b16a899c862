"""Shared pages: home by role, the technician's day, and the customer's tracking page (no log-in)."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.channels import hurry, selfservice
from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.core.uploads import kept_file_response
from doorstep.dispatch.eta import arrival_eta, plan_arrival
from doorstep.network.roles import Role
from doorstep.notify import oauth
from doorstep.orders import selectors
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.pages import perform
from doorstep.orders.tracking import order_from_token
from doorstep.visits.common import SIGNABLE
from doorstep.visits.consent.channel import link_channel
from doorstep.visits.consent.signature import current_signature, signature_capture
from doorstep.visits.payment.take import jsapi_pay, live, payer_openid, payment_take
from doorstep.visits.selectors import amount_due
from doorstep.visits.views.context import awaiting_payment
from doorstep.visits.views.public import link_refused

ACTIVE_VISIT = [
    Status.ASSIGNED,
    Status.CONFIRMED,
    Status.RESCHEDULED,
    Status.EN_ROUTE,
    Status.ARRIVED,
    Status.IN_SERVICE,
    Status.TAKEN_BACK,
    Status.RETURNED,
    Status.NOBODY_HOME,
    Status.COMPLETED,
]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    staff = getattr(request.user, "staff", None)
    if staff is not None and staff.role == Role.TECHNICIAN:
        return redirect("visits:today")
    if staff is None and request.user.is_superuser:
        return redirect("admin:index")
    return redirect("orders:list")


def _tracked(token: str) -> WorkOrder:
    order = order_from_token(token)
    if order is None:
        raise Http404(_("链接无效。"))
    return order


# the tracking page asks for its live part this often (status, ETA, technician, 催单): a page setting, not
# a number of the standard
TRACK_POLL_SECONDS = 30


def _live(request: HttpRequest, order: WorkOrder, token: str) -> dict[str, object]:
    """The part of the tracking page that refreshes itself: status, the time (the agreed one before the
    technician leaves, "预计 HH:MM 到达" after, R-DI-7), the technician's card (R-PV-2) and 催单 (R-IN-5)."""
    return {
        "order": order,
        "token": token,
        "technician": order.technician,
        "eta": arrival_eta(order),
        "plan_eta": plan_arrival(order),
        "hurry": hurry.hurry_state(order),
        "poll_seconds": TRACK_POLL_SECONDS,
        # a signed-in staff member may read the customer's page, never act on it (R-CO-1)
        "staff_viewing": request.user.is_authenticated,
    }


def in_wechat(request: HttpRequest) -> bool:
    """The page was opened in WeChat's own browser (its user agent says ``MicroMessenger``)."""
    return "MicroMessenger" in request.META.get("HTTP_USER_AGENT", "")


def track(request: HttpRequest, token: str) -> HttpResponse:
    """One honest record for the customer (R-CO-4) and who is coming (R-PV-2)."""
    order = _tracked(token)
    can_pay = order.status == Status.COMPLETED and amount_due(order) > 0
    codes = awaiting_payment(order)  # a live provider's codes, shown until its notification pays
    return render(
        request,
        "web/track.html",
        {
            **_live(request, order, token),
            "timeline": selectors.order_timeline(order=order, customer_view=True),
            "timeline_archived": ", ".join(selectors.timeline_archived_labels(order=order)),
            "can_sign": order.status in SIGNABLE and current_signature(order) is None,
            "amount_due": amount_due(order),
            "can_pay": can_pay,
            **codes,
            # inside WeChat, a customer the service account knows pays right there (JSAPI, R-CO-2); one
            # it does not know yet is asked for their OpenID first (web authorisation, snsapi_base)
            **_in_wechat_pay(request, order, can_pay and not codes["pay_codes"]),
            "charges": order.charges.select_related("fee_item"),
            "choices": selfservice.choices(order),  # confirm, move, cancel, rebook (R-DI-8, R-AR-2)
            "cancel_reasons": selfservice.CANCEL_REASONS,
        },
    )


def _in_wechat_pay(request: HttpRequest, order: WorkOrder, payable: bool) -> dict[str, bool]:
    if not (payable and live() and in_wechat(request)):
        return {"jsapi": False, "wechat_auth": False}
    known = bool(payer_openid(order))
    return {"jsapi": known, "wechat_auth": not known and oauth.available()}


def track_live(request: HttpRequest, token: str) -> HttpResponse:
    """The live part alone, polled by the page (htmx, no reload): a re-plan, a reschedule, the departure
    or the desk's reply to 催单 shows up within the poll interval."""
    order = _tracked(token)
    timeline = selectors.order_timeline(order=order, customer_view=True)
    context = {
        **_live(request, order, token),
        "timeline": timeline,
        "timeline_archived": ", ".join(selectors.timeline_archived_labels(order=order)),
    }
    return render(request, "web/_track_live_poll.html", context)


@require_POST
def track_hurry(request: HttpRequest, token: str) -> HttpResponse:
    """催单: the customer asks for progress; the first-contact owner must reply in time (R-IN-5)."""
    order = _tracked(token)
    refused = link_refused(request, token)  # a staff session never hurries as the customer
    if refused is not None:
        return refused

    def act() -> str:
        deadline = hurry.customer_hurry(
            order=order, channel=link_channel(request, order.customer.name), note=request.POST.get("note", "")
        )
        return _("已为您催单，客服将在 %(time)s 前回复您。") % {
            "time": clock.local(deadline.due_at).strftime("%H:%M")
        }

    return perform(request, act, reverse("web:track", args=[token]))


@require_POST
def track_sign(request: HttpRequest, token: str) -> HttpResponse:
    """The customer signs on their own phone: customer mode by construction (R-CO-1)."""
    order = _tracked(token)
    refused = link_refused(request, token)  # a staff session never signs as the customer (R-CO-1)
    if refused is not None:
        return refused
    signer = request.POST.get("signer_name", "")
    return perform(
        request,
        lambda: signature_capture(
            order=order,
            channel=link_channel(request, signer or order.customer.name),
            image=request.POST.get("image", ""),
            signer_name=signer,
            opinion=request.POST.get("opinion", ""),
        ),
        reverse("web:track", args=[token]),
        done=_("感谢您的签字，服务已完工。"),
    )


@require_POST
def track_pay(request: HttpRequest, token: str) -> HttpResponse:
    """Pay the accepted amount with the (simulated) online payment provider (R-CO-2)."""
    order = _tracked(token)
    refused = link_refused(request, token)  # the customer pays on their own phone
    if refused is not None:
        return refused

    def pay() -> str:  # through the provider, as a recorded intent
        taken = payment_take(
            order=order,
            actor=link_channel(request, order.customer.name).actor,
            method=request.POST.get("method", "wechat"),
        )
        if taken.status != Status.PAID:  # a live provider: paid when its verified notification arrives
            return _("请扫码或打开支付链接完成支付；支付平台确认后本页显示“已付款”。")
        return _("支付成功。")

    return perform(request, pay, reverse("web:track", args=[token]))


@require_POST
def track_pay_jsapi(request: HttpRequest, token: str) -> HttpResponse:
    """WeChat Pay inside WeChat (JSAPI, R-CO-2): the signed parameters for ``WeixinJSBridge``, as JSON; the
    order is paid when WeChat Pay's verified notification arrives, as with a code."""
    order = _tracked(token)
    refused = link_refused(request, token)  # the customer pays on their own phone
    if refused is not None:
        return refused
    try:
        params = jsapi_pay(
            order=order, actor=link_channel(request, order.customer.name).actor, openid=payer_openid(order)
        )
    except DomainError as err:
        return JsonResponse({"error": err.text()}, status=err.status)
    return JsonResponse({"params": params})


@require_GET
def track_pay_wechat_auth(request: HttpRequest, token: str) -> HttpResponse:
    """Inside WeChat, the customer's OpenID unknown: off to WeChat's web authorisation (``snsapi_base``,
    silent) with a state signed for this link; WeChat sends them back to :func:`track_pay_wechat_back`.
    A link, not a form: the page's CSP ``form-action 'self'`` would stop a form redirected to WeChat."""
    _tracked(token)
    refused = link_refused(request, token)  # the customer pays on their own phone
    if refused is not None:
        return refused
    back = request.build_absolute_uri(reverse("web:track_pay_wechat_back", args=[token]))
    try:
        return redirect(oauth.authorize_url(token=token, redirect_uri=back))
    except DomainError as err:
        messages.error(request, err.text())
        return redirect("web:track", token)


@require_GET
def track_pay_wechat_back(request: HttpRequest, token: str) -> HttpResponse:
    """WeChat's redirect back with ``code`` and ``state``: the state checked (ours, this link's, fresh, not
    used before), the code exchanged for the OpenID, stored on the customer's contact, and the page goes on
    to the JSAPI payment. A forged or expired state or a bad code: a clear error, nothing stored."""
    order = _tracked(token)
    refused = link_refused(request, token)  # stores the customer's OpenID: theirs alone
    if refused is not None:
        return refused
    try:
        oauth.state_check(state=request.GET.get("state", ""), token=token)
        openid = oauth.openid_from_code(request.GET.get("code", ""))
    except DomainError as err:
        context = {"code": err.code, "message": err.text(), "token": token}
        return render(request, "web/wechat_auth_failed.html", context, status=err.status)
    oauth.openid_store(phone=order.customer.phone, openid=openid)
    return redirect(f"{reverse('web:track', args=[token])}?pay=wechat#pay")


# --- the customer's self-service (R-DI-3, R-DI-8, R-AR-2) -------------------------------------------------
def _start(request: HttpRequest) -> datetime | None:
    """The chosen slot's start, as the page sent it (ISO 8601); None when missing or malformed."""
    try:
        start = datetime.fromisoformat(request.POST.get("start", ""))
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


@require_POST
def track_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The customer confirms the proposed appointment on their own phone (R-DI-3, R-DI-8)."""
    order = _tracked(token)
    refused = link_refused(request, token)  # a staff session never acts as the customer
    if refused is not None:
        return refused
    return perform(
        request,
        lambda: selfservice.customer_confirm(order=order, channel=link_channel(request, order.customer.name)),
        reverse("web:track", args=[token]),
        done=_("您已确认上门时间，工程师将按时上门。"),
    )


def track_move(request: HttpRequest, token: str) -> HttpResponse:
    """Free times of the technician sent (GET), and the customer's move or rebooking to one (POST)."""
    order = _tracked(token)
    back = reverse("web:track", args=[token])
    if request.method == "POST":
        refused = link_refused(request, token)
        if refused is not None:
            return refused
        channel, start = link_channel(request, order.customer.name), _start(request)
        if order.status == Status.NOBODY_HOME:
            act = lambda: selfservice.customer_rebook(order=order, channel=channel, start=start)  # noqa: E731
        else:
            act = lambda: selfservice.customer_move(order=order, channel=channel, start=start)  # noqa: E731
        here = reverse("web:track_move", args=[token])
        return perform(request, act, back, done=_("已改到新的上门时间。"), refused_back=here)
    now = selfservice.choices(order)
    slots = selfservice.customer_slots(order) if (now.move or now.rebook) else []
    days = [(day, list(group)) for day, group in groupby(slots, key=lambda s: clock.local(s.start).date())]
    return render(
        request,
        "web/track_move.html",
        {
            "order": order,
            "token": token,
            "choices": now,
            "days": days,
            "staff_viewing": request.user.is_authenticated,
        },
    )


@require_POST
def track_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The customer cancels the service, with a reason, in time (R-DI-8)."""
    order = _tracked(token)
    refused = link_refused(request, token)
    if refused is not None:
        return refused
    return perform(
        request,
        lambda: selfservice.customer_cancel(
            order=order,
            channel=link_channel(request, order.customer.name),
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        ),
        reverse("web:track", args=[token]),
        done=_("服务已取消。如需再次上门，可随时重新预约。"),
    )


def track_photo(request: HttpRequest, token: str) -> HttpResponseBase:
    """The photo of the technician sent to this order, to the holder of its link only (R-PV-2)."""
    order = _tracked(token)
    tech = order.technician
    if tech is None or not tech.photo:
        raise Http404
    return kept_file_response(tech.photo, download_name=f"technician-{order.number}")
