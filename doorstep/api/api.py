"""The JSON API (django-ninja), OpenAPI at /api/openapi.json. Thin: every write is a service call."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from doorstep.api.idempotency import Replay, replay_response
from doorstep.api.models import ApiToken
from doorstep.api.orders import router as orders_router
from doorstep.api.partner import LAST_USED_STEP
from doorstep.api.partner import router as partner_router
from doorstep.core.errors import DomainError, ErrorCode, db_conflict
from doorstep.core.ratelimit import retry_after


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = ApiToken.lookup(token)
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_STEP:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)  # not one write per request
        request.user = api_token.user
        return api_token.user


class PartnerThrottle(AuthRateThrottle):
    """Per partner account (its token), at ``DOORSTEP_RATE_LIMITS["partner_api"]``, read per request."""

    scope = "partner_api"

    def __init__(self) -> None:
        super().__init__(rate="1/s")  # replaced by the setting on every request

    def get_cache_key(self, request: HttpRequest) -> str:
        account_pk = getattr(getattr(request, "auth", None), "pk", None)
        ident = f"account-{account_pk}" if account_pk else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = settings.DOORSTEP_RATE_LIMITS["partner_api"]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


api = NinjaAPI(
    title="Doorstep API",
    version="1",
    description="上门服务工单接口 — work orders, lifecycle moves, timeline. Bearer token auth.",
    auth=TokenAuth(),
    urls_namespace="api",
)
api.add_router("/orders", orders_router)
api.add_router("/partner", partner_router, throttle=PartnerThrottle())


def _error(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "field": field}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.text(), exc.field)


@api.exception_handler(DatabaseError)
def on_database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    """A constraint refused a concurrent duplicate, or two writers collided (deadlock): 409 with the
    conflict's code, never a server error. Any other database error is a fault and stays one."""
    conflict = db_conflict(exc)
    if conflict is None:
        raise exc
    return _error(request, conflict.status, conflict.code, conflict.text(), conflict.field)


@api.exception_handler(Replay)
def on_replay(request: HttpRequest, exc: Replay) -> HttpResponse:
    return replay_response(exc.row)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "payload", "query", "path")]
    field = ".".join(loc) or None
    response = api.create_response(
        request,
        {
            "code": "invalid",
            "message": f"{field or '请求'}：{first.get('msg', '格式错误')}",
            "field": field,
            "errors": exc.errors,
        },
        status=422,
    )
    return response


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthorized", "缺少或无效的 API 令牌 (Bearer token)。")


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    seconds = retry_after(settings.DOORSTEP_RATE_LIMITS["partner_api"])
    error = DomainError(ErrorCode.RATE_LIMITED, status=429, seconds=seconds)
    response = _error(request, 429, error.code, error.text())
    response["Retry-After"] = str(seconds)
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "资源不存在。")
