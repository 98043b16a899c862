"""What every staff page starts with, and how every page answers a POSTed action.

``page_actor`` / ``page_order``: the acting staff member and an order they may see (404 otherwise).
``perform``: run the action; a refusal (``DomainError``) becomes an error message, success a success
message; then back to the page. The apps' views (orders, dispatch, visits, quality, web) all use these,
so the module sits in the lowest layer they share (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.contrib import messages
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _

from doorstep.core.errors import Conflict, DomainError, db_conflict
from doorstep.network.actors import Actor
from doorstep.orders.models import WorkOrder
from doorstep.orders.selectors import order_get

# runs an action at most once per request key: returns (the action's result, whether it was a replay)
Once = Callable[[HttpRequest, Callable[[], object]], tuple[object, bool]]


def page_actor(request: HttpRequest, roles: Collection[str] | None = None) -> Actor:
    """The staff member behind this request; a non-staff user or a role not listed gets a 404."""
    try:
        actor = Actor.for_user(request.user)
    except DomainError:
        raise Http404 from None
    if roles is not None and actor.role not in roles:
        raise Http404
    return actor


def page_order(actor: Actor, number: str) -> WorkOrder:
    """The order if this actor's role and outlet may see it (R-PV-1); otherwise a 404."""
    order = order_get(actor=actor, number=number)
    if order is None:
        raise Http404(_("工单不存在或无权查看。"))
    return order


def perform(
    request: HttpRequest,
    action: Callable[[], object],
    back: str,
    *,
    done: str | None = None,
    refused_back: str | None = None,
    once: Once | None = None,
) -> HttpResponse:
    """Run the POSTed ``action`` and go back to ``back`` (a URL or a URL name) with a message.

    A refusal (``DomainError``) shows its text as an error and goes to ``refused_back`` if given. A conflict
    (``Conflict``, or a constraint that refused a concurrent duplicate) answers an htmx request 409 with
    ``HX-Location`` to the same page, so the message is shown and the status says what happened. Success
    shows ``done``; without ``done``, the text the action returns (nothing if it returns ``None``).
    ``once`` (the technician app's idempotency key) runs the action at most once per key; a replay only
    says so. A request replayed from the technician's offline queue (``X-Visit-Queue``) gets JSON
    ``{"ok": …, "redirect": …}`` instead of a redirect, with the refusal's ``error`` and ``field`` and
    ``replayed`` when the key was done before.
    """
    ok, replayed, result = True, False, None
    refusal: DomainError | None = None
    try:
        if once is None:
            result = action()
        else:
            result, replayed = once(request, action)
    except DomainError as err:
        ok, refusal = False, err
    except DatabaseError as err:  # a constraint refused a concurrent duplicate: a conflict, not a crash
        refusal = db_conflict(err)
        if refusal is None:
            raise
        ok = False
    else:
        text = done if done is not None else result if isinstance(result, str) else None
        if replayed:
            messages.info(request, _("该操作已提交过（离线重发），未重复执行。"))
        elif text:
            messages.success(request, text)
    live = request.headers.get("X-Visit-Queue") == "live"
    if refusal is not None and live:
        # sent from the open page (not replayed): the page shows the refusal next to the form and keeps
        # what was typed, instead of reloading with the message out of view (walk finding 19)
        return JsonResponse({"ok": False, "error": refusal.text(), "field": refusal.field or ""})
    if refusal is not None:
        messages.error(request, refusal.text())
    url = resolve_url(back if ok or refused_back is None else refused_back)
    if request.headers.get("X-Visit-Queue"):
        # replayed from the phone's queue: the app shows the result on the queued item (walk finding 6)
        answer: dict[str, object] = {"ok": ok, "redirect": url}
        if refusal is not None:
            answer.update(error=refusal.text(), field=refusal.field or "")
        if replayed:
            answer["replayed"] = True
        return JsonResponse(answer)
    if isinstance(refusal, Conflict) and request.headers.get("HX-Request"):
        # 409, and htmx loads the page with the message (HX-Location is followed whatever the status)
        return HttpResponse(status=409, headers={"HX-Location": url})
    return redirect(url)
