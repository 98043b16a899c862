"""Rate limits on the public endpoints (no log-in): the customers' tracking links, self-booking and the
WeChat webhook, counted per client address in the cache (django-ratelimit). Over the limit the answer is
429 with a Chinese page (the webhook: plain text) and ``Retry-After``. The partner API is throttled by
django-ninja instead (doorstep.api.api), with the API's JSON error shape.

The rates are ``settings.DOORSTEP_RATE_LIMITS`` (env ``DOORSTEP_RATE_*``), read on every request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

# path prefix -> rate group; the prefixes are those of the URL patterns that need no log-in
PUBLIC_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/t/", "track"),  # tracking page, signing, paying
    ("/visits/r/", "track"),  # quote, report, take-back on the tracking link
    ("/visits/card/", "track"),  # technician's card
    ("/quality/t/", "track"),  # survey and complaints on the tracking link
    ("/book/", "book"),  # self-booking and its slots
    ("/hooks/wechat/", "wechat"),  # WeChat official-account webhook
    ("/hooks/sms/", "wechat"),  # SMS providers' delivery reports (doorstep.channels.notice_views)
    ("/hooks/pay/", "wechat"),  # payment providers' notifications (doorstep.channels.payment_views)
)
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind ``DOORSTEP_PROXY_COUNT`` proxies the entry of
    X-Forwarded-For that the outermost trusted proxy appended (entries further left can be forged)."""
    proxies = getattr(settings, "DOORSTEP_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", ""))


def group_for(path: str) -> str | None:
    for prefix, group in PUBLIC_PREFIXES:
        if path.startswith(prefix):
            return group
    return None


def retry_after(rate: str) -> int:
    """Seconds of the rate's period ("30/m" -> 60): a safe upper bound for Retry-After."""
    _count, _sep, period = rate.partition("/")
    unit = period.lstrip("0123456789") or "s"
    multiple = int(period[: len(period) - len(unit)] or 1)
    return multiple * _PERIOD_SECONDS.get(unit[0].lower(), 1)


def _key(group: str, request: HttpRequest) -> str:
    return client_ip(request)


class PublicRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        group = group_for(request.path_info)
        if group is not None:
            rate = settings.DOORSTEP_RATE_LIMITS.get(group)
            if rate and is_ratelimited(
                request, group=f"doorstep.{group}", key=_key, rate=rate, increment=True
            ):
                return self.refuse(request, group, rate)
        return self.get_response(request)

    def refuse(self, request: HttpRequest, group: str, rate: str) -> HttpResponse:
        if group == "wechat":
            response = HttpResponse("rate limited", status=429, content_type="text/plain; charset=utf-8")
        else:
            response = render(
                request, "core/rate_limited.html", {"retry_after": retry_after(rate)}, status=429
            )
        response["Retry-After"] = str(retry_after(rate))
        return response
