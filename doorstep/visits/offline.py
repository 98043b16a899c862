"""The technician app offline: its service worker, which pages it may keep, and for whom.

The service worker (``visits/sw.js``, served at ``/visits/sw.js`` so its scope is the technician's pages
under ``/visits/``) keeps a copy of a page only when the response says so with ``X-Offline-Cache``: today's
page and the visit pages (``offline_shell``), never the customer mode, the tracking or card pages, reports
or photos. The header's value is a key of the signed-in user: the worker keeps one cache per key, serves
offline only the current user's (the ``COOKIE`` set at log-in says who that is), and drops another user's
cache when a new user's page arrives. Log-out clears the browser's storage for the site
(``Clear-Site-Data``), the service worker and its caches with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

HEADER = "X-Offline-Cache"
COOKIE = "doorstep_offline"  # who is signed in, for the worker: set at log-in, removed at log-out
VERSION = "1"  # a new version drops the kept static files (the pages are kept per user and replaced)


def offline_key(request: HttpRequest) -> str:
    """The signed-in user's cache key: not their id, and different on another site (the secret key)."""
    return salted_hmac("doorstep.visits.offline", str(request.user.pk), algorithm="sha256").hexdigest()[:24]


def offline_user_cookie(response: HttpResponse, request: HttpRequest) -> None:
    """Tell the service worker who is signed in now (the key, not the id; readable by the worker): it serves
    a kept page only to its own user, even when another user signed in without the first signing out."""
    response.set_cookie(
        COOKIE,
        offline_key(request),
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=False,
        samesite="Lax",
    )


def offline_shell[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Let the service worker keep this page (a GET that succeeded) for this user."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        response = view(*args, **kwargs)
        assert isinstance(request, HttpRequest)
        if request.method == "GET" and response.status_code == 200 and request.user.is_authenticated:
            response[HEADER] = offline_key(request)
            response["Cache-Control"] = "private, no-cache"
            if request.COOKIES.get(COOKIE) != response[HEADER]:
                offline_user_cookie(response, request)
        return response

    return wrapped


@login_required  # the staff's app only; after log-out it is gone (Clear-Site-Data)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The technician app's service worker; its scope is ``/visits/`` (the folder of its address)."""
    config = {
        "version": VERSION,
        "scope": reverse("visits:today"),
        "static": static(""),
        "header": HEADER,
        "cookie": COOKIE,
        "offline_title": _("离线"),
        "offline_text": _("此页面没有保存在手机上，联网后再打开。"),
        "today": _("今日上门"),
    }
    response = render(
        request,
        "visits/sw.js",
        {"config": json.dumps(config, ensure_ascii=False)},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("visits:today")
    response["Cache-Control"] = "no-cache"  # a changed worker is picked up at the next page load
    return response


def offline_texts() -> dict[str, str]:
    """The app's offline words, for visits.js (read from a JSON script element: no inline code, R-CSP)."""
    return {
        "waiting": _("等待发送"),
        "sent": _("已发送"),
        "sent_before": _("已发送（此前已提交，未重复执行）"),
        "refused": _("被拒绝：%(reason)s"),
        "banner_queued": _("离线待发送 %(n)s 项操作，联网后自动提交"),
        "banner_offline": _("当前离线：操作将保存在手机上"),
        "clear": _("清除已完成"),
        "queued": _("已保存在手机上，联网后按顺序提交"),
        "queue_title": _("手机上的操作"),
        "logout_queued": _("还有 %(n)s 项操作未发送，退出后将丢弃。确定退出？"),
    }
