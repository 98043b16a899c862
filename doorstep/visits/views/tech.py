"""The technician app: the day, one visit step by step, and its actions (thin: each calls a service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Invalid
from doorstep.core.uploads import Kind, upload_check
from doorstep.dispatch.appointment import appointment_time_confirm
from doorstep.dispatch.techday import DAY_STOPS_SHOWN, technician_day, technician_of, unpaid_before
from doorstep.network.actors import Actor
from doorstep.orders.correction import FIELD_LABELS, FIELDS, order_correct
from doorstep.orders.forms import local_datetime
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import VerifiedHow, WorkOrder
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.orders.services import order_transition
from doorstep.parts.services import part_reserve
from doorstep.visits.arrival.protocol import (
    apology_record,
    customer_called,
    knock_start,
    late_call,
    someone_else_home,
    wrong_customer,
)
from doorstep.visits.checklists import checklist_record
from doorstep.visits.consent.signing import sign_code_send
from doorstep.visits.diagnosis.diagnosis import MEASUREMENTS, diagnosis_record, work_start, workshop_stage
from doorstep.visits.diagnosis.parts import part_use_record
from doorstep.visits.diagnosis.quote import charge_remove, quote_line_add
from doorstep.visits.idempotency import run_once
from doorstep.visits.models import Checklist, VisitPhoto
from doorstep.visits.offline import offline_shell
from doorstep.visits.payment.take import payment_take
from doorstep.visits.previsit import previsit_call, visit_consented, visit_refused
from doorstep.visits.views.context import visit_context

MOVE_PARAMS = (
    "client_at",
    "lat",
    "lng",
    "note_left",
    "neighbours_asked",
    "take_back_reason",
    "items",
    "condition",
    "refusal",
)
Handler = Callable[[HttpRequest, WorkOrder, Actor], str]
PHOTO_LABEL = gettext_lazy("留言条照片")


@login_required
@offline_shell
def today(request: HttpRequest) -> HttpResponse:
    """Today's visits of the one day plan (``dispatch.techday``, as the departures page and the board show
    them) in route order with departure times (R-DI-7), call and navigation links; then the visits completed
    on earlier days and not yet paid (walk finding 13)."""
    actor = page_actor(request)
    tech, day = technician_of(actor), clock.today()
    stops = technician_day(tech, day, actor=actor, faults=True, limit=DAY_STOPS_SHOWN) if tech else []
    unpaid = unpaid_before(tech, day, actor=actor, limit=DAY_STOPS_SHOWN) if tech else []
    return render(
        request, "visits/today.html", {"stops": stops, "unpaid": unpaid, "day": day, "limit": DAY_STOPS_SHOWN}
    )


@login_required
@offline_shell
def visit(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    return render(request, "visits/visit.html", visit_context(order, actor))


@login_required
@require_POST
def move(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """A lifecycle move from the app (depart, arrive, nobody home, …): queued offline, replayed once."""
    actor = page_actor(request)
    order = page_order(actor, number)
    params = {k: request.POST.get(k, "") for k in MOVE_PARAMS if request.POST.get(k)}

    def run() -> str:
        upload = request.FILES.get("photo") if action == Action.NOBODY_HOME else None
        # checked before the move, so a refused photo (not an image, too large) leaves the move undone
        photo = upload_check(upload, kind=Kind.PHOTO, field="photo", label=PHOTO_LABEL) if upload else None
        done = order_transition(
            order=order, actor=actor, action=action, reason=request.POST.get("reason", ""), params=params
        )
        if photo is not None:
            VisitPhoto.objects.create(order=done, kind="note_left", image=photo.file(), at=clock.now())
        return _("已完成：%(status)s") % {"status": Status(done.status).label}

    return perform(request, run, reverse("visits:visit", args=[number]), once=run_once)


def _checklist(kind: str) -> Handler:
    def handle(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
        data: dict[str, Any] = {}
        if kind == Checklist.Kind.SAFETY:
            data["height_work"] = request.POST.get("height_work") == "on"
        if kind == Checklist.Kind.ONE_STOP:
            rows = zip(request.POST.getlist("other_product"), request.POST.getlist("finding"), strict=False)
            data["findings"] = [{"product": p.strip(), "finding": f.strip()} for p, f in rows if p.strip()]
            data["offered"] = True
        if kind == Checklist.Kind.INSTALL_GOODS:
            data["delivery_no"] = request.POST.get("delivery_no", "").strip()
        checklist_record(order=order, actor=actor, kind=kind, ticked=request.POST.getlist("item"), data=data)
        return _("检查清单已记录。")

    return handle


def _diagnosis(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    causes = []
    for fault in order.faults.all():
        typed = request.POST.get(f"cause_text_{fault.position}", "").strip()
        picked = request.POST.get(f"cause_{fault.position}", "").strip()
        plan = request.POST.get(f"resolution_{fault.position}", "").strip()
        if typed or picked:
            causes.append(
                {
                    "fault": fault.position,
                    "cause": typed or picked,
                    "source": "typed" if typed else "kb",
                    "resolution": plan,
                }
            )
    diagnosis_record(
        order=order,
        actor=actor,
        notes=request.POST.get("notes", ""),
        measurements={k: request.POST.get(k, "") for k in MEASUREMENTS},
        causes=causes,
        opens_casing=request.POST.get("opens_casing") == "on",
        touches_data=request.POST.get("touches_data") == "on",
        height_work=request.POST.get("height_work") == "on",
    )
    return _("诊断已记录。")


def _quote_add(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    quote_line_add(
        order=order,
        actor=actor,
        fee_code=request.POST.get("fee_code", ""),
        quantity=request.POST.get("quantity", "1"),
        exclusion=request.POST.get("exclusion", ""),
    )
    return _("已按收费标准加入报价（保修已逐项判定）。")


def _quote_remove(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    charge_remove(order=order, actor=actor, line_id=request.POST.get("line", ""))
    return _("已从报价中移除；报价须重新经客户确认。")


def _part_use(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    part_use_record(
        order=order,
        actor=actor,
        part_code=request.POST.get("part", ""),
        quantity=request.POST.get("quantity", "1"),
        source=request.POST.get("source", ""),
        old_part_fate=request.POST.get("old_part_fate", ""),
        note=request.POST.get("note", ""),
    )
    return _("配件使用已记录，库存已扣减。")


def _part_reserve(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    part_reserve(
        order=order,
        actor=actor,
        part_code=request.POST.get("part", ""),
        quantity=request.POST.get("quantity", "1"),
        holder=request.POST.get("holder", "outlet"),
    )
    return _("配件已预留。")


def _pay(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    taken = payment_take(
        order=order,
        actor=actor,
        method=request.POST.get("method", ""),
        receipt_no=request.POST.get("receipt_no", ""),
    )
    if taken.status != "paid":  # a live provider: the customer scans the code; its notification pays
        return _("已生成收款码，请客户扫码支付；支付平台的通知验签通过后自动入账。")
    return _("收款成功，服务报告已发送到客户的服务进度页。")


def _simple(fn: Callable[..., Any], message: str, **fields: Callable[[HttpRequest], Any]) -> Handler:
    def handle(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
        fn(order=order, actor=actor, **{name: get(request) for name, get in fields.items()})
        return message

    return handle


def _post(name: str) -> Callable[[HttpRequest], str]:
    return lambda request: request.POST.get(name, "")


def _flag(name: str) -> Callable[[HttpRequest], bool]:
    return lambda request: request.POST.get(name) in ("on", "1", "yes")


def _previsit_call(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    """R-DI-3, R-DI-5: the call before the visit; unanswered, the app says when to retry or to go anyway."""
    state = previsit_call(
        order=order, actor=actor, answered=_flag("answered")(request), client_at=request.POST.get("client_at")
    )
    if state.answered:
        return _("已记录：客户已接听。")
    if state.unreachable:
        return _("客户无法联系：已发送标准短信（含当地服务电话），并报告服务中心。请按时出发（R-DI-5）。")
    if state.go_anyway:
        return _("等待重拨将错过预约：请按时出发，已报告服务中心（R-DI-5）。")
    assert state.next_at is not None
    return _("未接通（第 %(n)s/%(of)s 次），请于 %(t)s 重拨（R-DI-5）。") % {
        "n": state.unanswered,
        "of": state.attempts,
        "t": clock.local(state.next_at).strftime("%H:%M"),
    }


def _appointment_time(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    """R-DI-3: the time confirmed with the customer (empty: the planned arrival, else the window start)."""
    raw = request.POST.get("appointment_at", "")
    at = local_datetime(raw)
    if raw and at is None:
        raise Invalid(ErrorCode.WINDOW_REQUIRED, field="appointment_at")
    appointment_time_confirm(order=order, actor=actor, at=at, note=request.POST.get("note", ""))
    return _("已记录与客户确认的上门时间，客户可在跟踪页面看到。")


def _correct(request: HttpRequest, order: WorkOrder, actor: Actor) -> str:
    """R-DI-4: the values confirmed on site replace the order's (through the one intake check)."""
    result = order_correct(
        order=order,
        actor=actor,
        values={k: request.POST.get(k, "") for k in FIELDS if k in request.POST},
        how=request.POST.get("how", VerifiedHow.ON_SITE),
        note=request.POST.get("note", ""),
    )
    fields = "、".join(str(FIELD_LABELS[c["field"]]) for c in result.changes)
    return _("已按现场核实更正：%(fields)s。") % {"fields": fields}


STEPS: dict[str, Handler] = {
    "correct": _correct,
    "appointment_time": _appointment_time,
    **{f"checklist_{kind}": _checklist(kind) for kind in Checklist.Kind.values},
    "previsit_call": _previsit_call,
    "visit_refused": _simple(
        visit_refused,
        _("已记录客户拒绝上门：取得客户同意前不能出发（R-DI-6）。"),
        refused_by=_post("refused_by"),
        note=_post("note"),
        client_at=_post("client_at"),
    ),
    "visit_consented": _simple(
        visit_consented,
        _("已记录客户同意上门。"),
        given_by=_post("given_by"),
        how=_post("how"),
        note=_post("note"),
        client_at=_post("client_at"),
    ),
    "knock": _simple(knock_start, _("已开始敲门计时。"), client_at=_post("client_at")),
    "call": _simple(
        customer_called, _("已记录致电客户。"), answered=_flag("answered"), client_at=_post("client_at")
    ),
    "late_call": _simple(
        late_call,
        _("已记录迟到前致电致歉。"),
        expected_minutes=_post("expected_minutes"),
        reason=_post("reason"),
        client_at=_post("client_at"),
    ),
    "apology": _simple(
        apology_record,
        _("已记录致歉。"),
        reason=_post("reason"),
        accepted=_flag("accepted"),
        gift=_post("gift"),
    ),
    "proxy": _simple(
        someone_else_home,
        _("已记录在家人员。"),
        name=_post("name"),
        relation=_post("relation"),
        confirmed=_flag("confirmed"),
    ),
    "wrong_customer": _simple(wrong_customer, _("已记录并通知客服核实。"), note=_post("note")),
    "diagnosis": _diagnosis,
    "quote_add": _quote_add,
    "quote_remove": _quote_remove,
    "work_start": _simple(work_start, _("已开始施工。")),
    "part_reserve": _part_reserve,
    "part_use": _part_use,
    "workshop": _simple(workshop_stage, _("维修进度已更新。"), stage=_post("stage")),
    "sign_code": _simple(sign_code_send, _("验证码已发送到客户手机。请将手机交给客户签字。")),
    "pay": _pay,
}


@login_required
@require_POST
def step(request: HttpRequest, number: str, name: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    handler = STEPS.get(name)

    def run() -> str:
        if handler is None:
            raise Invalid(ErrorCode.STEP_UNKNOWN, name=name)
        return handler(request, order, actor)

    return perform(request, run, reverse("visits:visit", args=[number]) + f"#{name}", once=run_once)
