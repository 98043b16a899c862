"""Dispatch pages. Thin: each POST calls one service; a refusal becomes a flash message."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core import clock
from doorstep.dispatch import board as board_view
from doorstep.dispatch import planning, replanning, selectors, services
from doorstep.dispatch.eligibility import technician_ineligibility
from doorstep.dispatch.models import DayReplan
from doorstep.dispatch.slots import order_slots, slots_for_address
from doorstep.network.actors import Actor
from doorstep.network.models import Brand
from doorstep.network.roles import OUTLET, Role
from doorstep.orders.models import Priority, ServiceType
from doorstep.orders.pages import page_actor, page_order, perform


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return timezone.localtime(clock.now()).date()


def _board(request: HttpRequest) -> str:
    """Back to the board, on the outlet and day the POST came from."""
    params = {k: request.POST.get(k, "") for k in ("outlet", "day") if request.POST.get(k)}
    return reverse("dispatch:board") + ("?" + urlencode(params) if params else "")


@login_required
def board(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request, OUTLET)
    outlet = selectors.board_outlet(actor, request.GET.get("outlet"))
    day = _day(request.GET.get("day"))
    techs = selectors.outlet_technicians(outlet) if outlet else []  # read once for the rows and the queue
    rows = board_view.technician_rows(actor, outlet, day, techs) if outlet else []
    queue_filters = {k: request.GET.get(k, "")[:20] for k in ("priority", "service_type", "sort")}
    after = request.GET.get("after", "")
    queue, page = board_view.queue_rows(
        actor,
        outlet,
        day,
        after=after if len(after) <= 400 else "",
        priority=queue_filters["priority"],
        service_type=queue_filters["service_type"],
        sort=queue_filters["sort"] or "rank",
        techs=techs,
    )
    run = selectors.latest_run(outlet, day) if outlet else None
    replan, replan_calls = replanning.day_replans(outlet, day) if outlet else (None, [])
    ctx = {
        "outlets": selectors.board_outlets(actor),
        "outlet": outlet,
        "day": day,
        "rows": rows,
        "queue": queue,
        "queue_total": page.total,
        "queue_after": page.after,
        "queue_paged": bool(request.GET.get("after")),
        "queue_filters": queue_filters,
        "priorities": Priority.choices,
        "service_types": ServiceType.choices,
        "queue_sorts": [
            ("rank", _("紧急优先")),
            ("due", _("到期最早")),
            ("new", _("最新创建")),
            ("old", _("最早创建")),
        ],
        "hours": board_view.HOURS,
        "now": clock.now(),
        "now_left": board_view.pct(day, clock.now())
        if day == timezone.localtime(clock.now()).date()
        else None,
        "calendar": board_view.calendar_note(day),
        "run": run,
        "replan": replan,
        "replan_calls": replan_calls,
        "points": board_view.map_points(rows, queue),
        "breaches": selectors.reschedule_breaches(actor, since=board_view.midnight(day)).count(),
        "late_calls": selectors.late_calls_open(actor).filter(order__outlet=outlet)[:20] if outlet else [],
    }
    return render(request, "dispatch/board.html", ctx)


@login_required
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request, OUTLET)
    order = page_order(actor, number)
    tech = request.POST.get("technician", "")
    return perform(
        request,
        lambda: services.board_assign(
            order=order,
            actor=actor,
            technician_id=int(tech) if tech.isdigit() else 0,
            reason=request.POST.get("reason", ""),
        ),
        _board(request),
        done=_("已派工：%(number)s") % {"number": number},
    )


@login_required
@require_POST
def to_outlet(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request, OUTLET)
    order = page_order(actor, number)
    outlet = request.POST.get("to_outlet", "")
    if outlet == "auto":
        return perform(
            request,
            lambda: services.order_route_to_outlet(order=order, actor=actor),
            _board(request),
            done=_("已按规则派网点：%(number)s") % {"number": number},
        )
    return perform(
        request,
        lambda: services.board_dispatch(
            order=order,
            actor=actor,
            outlet_id=int(outlet) if outlet.isdigit() else 0,
            reason=request.POST.get("reason", ""),
        ),
        _board(request),
        done=_("已派网点：%(number)s") % {"number": number},
    )


@login_required
@require_POST
def accept(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request, OUTLET)
    order = page_order(actor, number)
    return perform(
        request, lambda: services.outlet_accept(order=order, actor=actor), _board(request), done=_("已接单")
    )


@login_required
def why(request: HttpRequest, number: str) -> HttpResponse:
    """Every technician of the order's outlet and why each cannot take it (R-DI-2, R-PR-2)."""
    actor = page_actor(request, OUTLET)
    order = page_order(actor, number)
    on = _day(request.GET.get("day"))
    techs = selectors.outlet_technicians(order.outlet) if order.outlet else []
    rows = [(t, technician_ineligibility(order=order, technician=t, on=on)) for t in techs]
    return render(request, "dispatch/_why.html", {"order": order, "rows": rows})


@login_required
def slots(request: HttpRequest, number: str) -> HttpResponse:
    """Free appointment slots for an order (the agent's page; JSON with ?format=json)."""
    actor = page_actor(request)
    order = page_order(actor, number)
    found = order_slots(order=order, actor=actor)
    if request.GET.get("format") == "json":
        return JsonResponse({"slots": [_slot_json(s) for s in found]})
    return render(request, "dispatch/_slots.html", {"slots": _by_day(found), "order": order})


@login_required
def slots_preview(request: HttpRequest) -> HttpResponse:
    """Slots before an order exists (intake): ?brand=&outlet=&line=&service_type=&lat=&lng=."""
    actor = page_actor(request)
    g = request.GET
    brand = Brand.objects.filter(code=g.get("brand", "")).first()
    outlet_id = g.get("outlet", "")
    outlet = (
        selectors.Outlet.objects.filter(pk=int(outlet_id), centre_id=actor.centre_id).first()
        if outlet_id.isdigit()
        else None
    )
    try:
        lat, lng = float(g.get("lat", "")), float(g.get("lng", ""))
    except ValueError:
        lat = lng = math.nan
    found = []
    if brand and outlet and math.isfinite(lat) and math.isfinite(lng):
        line = g.get("line", "")
        found = slots_for_address(
            brand=brand,
            outlet=outlet,
            line_id=int(line) if line.isdigit() else None,
            service_type=g.get("service_type", "repair"),
            lat=lat,
            lng=lng,
        )
    if g.get("format") == "json":
        return JsonResponse({"slots": [_slot_json(s) for s in found]})
    return render(request, "dispatch/_slots.html", {"slots": _by_day(found), "order": None})


def _slot_json(slot: Any) -> dict[str, Any]:
    return {"start": slot.start.isoformat(), "end": slot.end.isoformat(), "capacity": slot.capacity}


def _by_day(found: list[Any]) -> list[tuple[date, list[Any]]]:
    days: dict[date, list[Any]] = {}
    for s in found:
        days.setdefault(timezone.localtime(s.start).date(), []).append(s)
    return list(days.items())


@login_required
@require_POST
def optimise(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request, OUTLET)
    outlet = selectors.board_outlet(actor, request.POST.get("outlet"))
    if outlet is None:
        raise Http404
    day = _day(request.POST.get("day"))
    return perform(
        request,
        lambda: planning.plan_run_start(actor=actor, outlet=outlet, day=day),
        _board(request),
        done=_("已开始优化当天路线"),
    )


@login_required
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request, OUTLET)
    run = selectors.run_visible(actor, pk)
    if run is None:
        raise Http404
    return render(request, "dispatch/_run.html", {"run": run, "outlet": run.outlet, "day": run.day})


@login_required
@require_POST
def run_apply(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request, OUTLET)
    run = selectors.run_visible(actor, pk)
    if run is None:
        raise Http404
    return perform(
        request, lambda: planning.plan_apply(run=run, actor=actor), _board(request), done=_("已采用优化方案")
    )


@login_required
@require_POST
def late_call(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    return perform(
        request,
        lambda: services.late_call_record(
            order=order,
            actor=actor,
            note=request.POST.get("note", ""),
            new_eta=_eta(request.POST.get("eta")),
        ),
        request.POST.get("next") or reverse("visits:my_day"),
        done=_("已记录致电"),
    )


def _eta(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
@require_POST
def escalate(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    return perform(
        request,
        lambda: services.fault_escalate(
            order=order,
            actor=actor,
            level=request.POST.get("level", ""),
            reason=request.POST.get("reason", ""),
        ),
        request.POST.get("next") or reverse("orders:detail", args=[number]),
        done=_("已记录升级"),
    )


@login_required
def breaches(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    return render(request, "dispatch/breaches.html", {"events": selectors.reschedule_breaches(actor)[:200]})


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    """The technician's departures (R-DI-7) with a reminder, ETAs and the late-call button (R-AR-5), then the
    next days and the visits without a time (walk finding 13)."""
    from doorstep.dispatch.mine import my_days
    from doorstep.dispatch.techday import DAY_STOPS_SHOWN

    actor = page_actor(request, {Role.TECHNICIAN})
    return render(
        request,
        "dispatch/my_day.html",
        {"days": my_days(actor), "now": clock.now(), "limit": DAY_STOPS_SHOWN},
    )


def _replan(actor: Actor, pk: int) -> DayReplan:
    row = DayReplan.objects.select_related("outlet").filter(pk=pk).first()
    if row is None or not selectors.board_outlets(actor).filter(pk=row.outlet_id).exists():
        raise Http404
    return row


@login_required
def replan_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The re-plan panel alone, polled by the board while the worker computes it."""
    actor = page_actor(request, OUTLET)
    row = _replan(actor, pk)
    latest, calls = replanning.day_replans(row.outlet, row.day)
    ctx = {"replan": latest or row, "replan_calls": calls, "outlet": row.outlet, "day": row.day}
    return render(request, "dispatch/_replan.html", ctx)


@login_required
@require_POST
def replan_apply(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request, OUTLET)
    row = _replan(actor, pk)
    return perform(
        request,
        lambda: replanning.replan_apply(row=row, actor=actor),
        _board(request),
        done=_("已采用计划调整"),
    )


@login_required
@require_POST
def replan_call(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    """R-DI-8: the call to a customer whose confirmed time would change, logged with the reschedule."""
    actor = page_actor(request, OUTLET)
    row = _replan(actor, pk)
    return perform(
        request,
        lambda: replanning.replan_call(
            row=row,
            number=number,
            actor=actor,
            note=request.POST.get("note", ""),
            agreed=request.POST.get("agreed") == "1",
        ),
        _board(request),
        done=_("已记录致电并改约：%(number)s") % {"number": number},
    )
