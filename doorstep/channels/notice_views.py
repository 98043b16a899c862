"""The desk's view of the notification outbox, and the providers' delivery-status callbacks.

``notices/``: every message of the centre, newest first, filterable by state — the dead letters and the
refusals (invalid numbers) first in the filter, with a "send again" button; what the demo's ``console``
provider "sent" is read here. ``hooks/sms/<provider>/<token>/``: the SMS providers' status reports
(Alibaba Cloud's and Tencent Cloud's JSON pushes), authenticated by a secret token in the URL.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from doorstep.channels.views import desk_actor
from doorstep.notify.models import Message, State
from doorstep.notify.outbox import retry_now, status_report

log = logging.getLogger(__name__)


@login_required
def messages_page(request: HttpRequest) -> HttpResponse:
    actor = desk_actor(request)
    qs = Message.objects.filter(centre=str(actor.centre_id)).prefetch_related("receipts")
    state = request.GET.get("state", "")
    if state == "stuck":
        qs = qs.filter(state__in=[State.DEAD, State.FAILED])
    elif state in State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    stuck = Message.objects.filter(centre=str(actor.centre_id), state__in=[State.DEAD, State.FAILED]).count()
    context = {"page": page, "state": state, "states": State.choices, "stuck": stuck}
    return render(request, "channels/messages.html", context)


@login_required
@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    actor = desk_actor(request)
    retry_now(get_object_or_404(Message, pk=pk, centre=str(actor.centre_id)))
    return redirect("channels:messages")


# --- delivery-status callbacks ---------------------------------------------------------------------------
def _reports(provider: str, body: Any) -> list[dict[str, Any]]:
    """(ref, delivered, code, detail) of each report of a push, in the provider's own format."""
    rows = body if isinstance(body, list) else [body]
    out = []
    for r in rows:
        if not isinstance(r, dict):
            continue
        if provider == "aliyun":  # SmsReport: biz_id, success, err_code, err_msg
            out.append(
                {
                    "ref": str(r.get("biz_id", "")),
                    "delivered": bool(r.get("success")),
                    "code": str(r.get("err_code", "")),
                    "detail": str(r.get("err_msg", "")),
                }
            )
        else:  # tencent: sid, report_status SUCCESS/FAIL, errmsg, description
            out.append(
                {
                    "ref": str(r.get("sid", "")),
                    "delivered": r.get("report_status") == "SUCCESS",
                    "code": str(r.get("errmsg", "")),
                    "detail": str(r.get("description", "")),
                }
            )
    return out


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    expected = settings.DOORSTEP_SMS_CALLBACK_TOKEN
    if provider not in ("aliyun", "tencent") or not expected or not hmac.compare_digest(token, expected):
        raise Http404
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return HttpResponse(status=400)
    for r in _reports(provider, body):
        if r["ref"] and status_report(provider_name=provider, **r) is None:
            log.info("sms status for unknown %s message %s", provider, r["ref"])
    if provider == "aliyun":
        return JsonResponse({"code": 0, "msg": "成功"})
    return JsonResponse({"result": 0, "errmsg": "OK"})
