from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.visits.idempotency import run_once


def perform(request: HttpRequest, fn: Callable[[], str], back: str) -> HttpResponse:
    """Run one action once (idempotency key), turn a refusal into a message, and go back.

    A request replayed from the offline queue (``X-Visit-Queue``) gets JSON with where to go next.
    """
    ok = True
    try:
        done, duplicate = run_once(request, fn)
    except DomainError as err:
        ok = False
        messages.error(request, err.text())
    else:
        if duplicate:
            messages.info(request, _("该操作已提交过（离线重发），未重复执行。"))
        elif done:
            messages.success(request, done)
    if request.headers.get("X-Visit-Queue"):
        return JsonResponse({"ok": ok, "redirect": back})
    return redirect(back)
