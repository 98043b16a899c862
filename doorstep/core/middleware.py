"""Input hygiene for every request: text with control characters (NUL and the like) is refused with a
clear error before any view sees it, so nothing half-written and no database error follows. A body
larger than ``DOORSTEP_REQUEST_MAX_BYTES`` (or form data above ``DATA_UPLOAD_MAX_MEMORY_SIZE``) is
answered 413 with a message, never read and never a server error."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from doorstep.core.errors import Conflict, ErrorCode, Invalid, db_conflict
from doorstep.core.uploads import MB, size_text

# C0 control characters and DEL; tab, line feed and carriage return are ordinary text
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(str(key), path)
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]" if path else f"[{i}]")


def _fields(request: HttpRequest) -> Iterator[tuple[str, str]]:
    for key, values in request.GET.lists():
        yield from ((key, text) for text in [key, *values])
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH"):
        if content_type.startswith(FORM_TYPES):
            for key, values in request.POST.lists():
                yield from ((key, text) for text in [key, *values])
        elif content_type == "application/json" and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                return  # not JSON: the view answers that
            yield from _strings(body, "")


def control_character_field(request: HttpRequest) -> str | None:
    """The first input field holding a control character (None when the input is clean)."""
    for field, text in _fields(request):
        if CONTROL.search(text):
            return field or "body"
    return None


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


class ConflictMiddleware:
    """The last net under every page: a conflict that escaped a view (a ``Conflict``, or a unique or
    exclusion constraint refusing a concurrent duplicate) answers 409 with its message, never 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        conflict = exception if isinstance(exception, Conflict) else db_conflict(exception)
        if conflict is None:
            return None
        if _wants_json(request):
            return JsonResponse(conflict.as_dict(), status=409)
        return HttpResponse(conflict.text(), status=409, content_type="text/plain; charset=utf-8")


class InputHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = int(getattr(settings, "DOORSTEP_REQUEST_MAX_BYTES", 12 * MB))
        if _content_length(request) > limit:
            return _too_large(request, limit)
        try:
            field = control_character_field(request)
        except RequestDataTooBig:
            return _too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if field is None:
            return self.get_response(request)
        return _refuse(request, Invalid(ErrorCode.CONTROL_CHARACTER, field=field, name=field), 400)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return _refuse(request, Invalid(ErrorCode.REQUEST_TOO_LARGE, limit=size_text(limit)), 413)


def _refuse(request: HttpRequest, error: Invalid, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error.as_dict(), status=status)
    return HttpResponse(error.text(), status=status, content_type="text/plain; charset=utf-8")
