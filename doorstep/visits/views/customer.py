"""Customer mode on the technician's phone: the customer reads and confirms for themselves — the fee
standard and quote (R-SV-2), consents (R-SV-4, R-AN-3, R-AN-6, R-CO-6) and the signature (R-CO-1)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from doorstep.core.errors import ErrorCode, Invalid
from doorstep.network.actors import Actor
from doorstep.orders.models import WorkOrder
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.visits.consent.channel import Channel, device_of
from doorstep.visits.consent.consents import consent_record
from doorstep.visits.consent.signing import signature_with_code
from doorstep.visits.diagnosis.quote import (
    fee_standard,
    fingerprint,
    quote_accept,
    quote_current,
    quote_lines,
)
from doorstep.visits.models import Consent
from doorstep.visits.selectors import amount_due

CONSENTS = {  # do → (consent kind, what the customer is asked)
    "backup": (Consent.Kind.DATA_BACKUP, "维修可能涉及存储的数据。您是否需要先备份？请选择并确认。"),
    "casing": (Consent.Kind.OPEN_CASING, "维修需要打开产品机壳，是否同意？"),
    "cannibalise": (
        Consent.Kind.CANNIBALISE,
        "所需配件暂无库存。是否同意从故障机或周转机上拆取同型号配件使用？",
    ),
    "take_back": (Consent.Kind.TAKE_BACK, "产品需拉回网点维修，是否同意？我们将出具拉修单。"),
    "install": (
        Consent.Kind.INSTALL_ACCEPTANCE,
        "请核对货物与送货单一致、安装位置与方式符合约定、试机正常后验收。",
    ),
}


def _channel(request: HttpRequest, technician: Actor, name: str, order: WorkOrder) -> Channel:
    """Customer mode: the customer acts on the technician's phone, with their own mark made there."""
    return Channel.customer_device(technician, name or order.customer.name, device=device_of(request))


def _consent(request: HttpRequest, technician: Actor, order: WorkOrder, do: str) -> str:
    kind, _question = CONSENTS[do]
    name = request.POST.get("given_by", "").strip()
    if request.POST.get("agree") != "yes":
        raise Invalid(ErrorCode.NOT_AGREED, field="agree")
    note = request.POST.get("note", "").strip()
    if do == "backup":
        note = (
            _("客户需要备份，已备份完成")
            if request.POST.get("wants_backup") == "yes"
            else _("客户确认无需备份")
        ) + (f"；{note}" if note else "")
    consent_record(
        order=order,
        channel=_channel(request, technician, name, order),
        kind=kind,
        given_by=name,
        note=note,
        mark=request.POST.get("image", ""),  # the customer's signature drawn on the pad (R-SV-4)
    )
    return _("已记录客户确认。")


def _act(request: HttpRequest, technician: Actor, order: WorkOrder, do: str) -> str:
    if do == "quote":
        signer = request.POST.get("signer_name", "")
        quote_accept(
            order=order,
            channel=_channel(request, technician, signer.strip(), order),
            signer=signer,
            seen=request.POST.get("seen", ""),
            mark=request.POST.get("image", ""),
        )
        return _("客户已确认报价。")
    if do == "sign":
        signature_with_code(
            order=order,
            channel=_channel(request, technician, request.POST.get("signer_name", "").strip(), order),
            code=request.POST.get("code", ""),
            image=request.POST.get("image", ""),
            signer_name=request.POST.get("signer_name", ""),
            opinion=request.POST.get("opinion", ""),
        )
        return _("客户已签字，服务完工。")
    if do in CONSENTS:
        return _consent(request, technician, order, do)
    raise Invalid(ErrorCode.STEP_UNKNOWN, name=do)


@login_required
def customer_mode(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    do = request.GET.get("do") or request.POST.get("do") or "quote"
    if request.method == "POST":
        return perform(
            request,
            lambda: _act(request, actor, order, do),
            reverse("visits:visit", args=[number]),
            refused_back=reverse("visits:customer", args=[number]) + f"?do={do}",
        )
    lines = quote_lines(order)
    return render(
        request,
        "visits/customer.html",
        {
            "order": order,
            "do": do,
            "lines": lines,
            "fingerprint": fingerprint(lines),
            "quote": quote_current(order),
            "amount_due": amount_due(order),
            "question": CONSENTS.get(do, (None, ""))[1],
            "fee_items": fee_standard(order),
        },
    )
