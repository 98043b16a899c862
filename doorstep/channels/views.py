"""Channel pages and hooks. Thin: each POST calls one service; a refusal is shown by its field or flashed."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from doorstep.channels import hurry, imports, selfbook, services
from doorstep.channels.forms import FIELD_OF, ImportForm, SelfBookForm
from doorstep.channels.models import ImportBatch, WeChatAccount
from doorstep.core.errors import DomainError, ErrorCode
from doorstep.network.actors import Actor
from doorstep.network.models import Brand
from doorstep.network.roles import DESK
from doorstep.orders.models import WorkOrder
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.orders.tracking import tracking_token


def _track(order: WorkOrder) -> HttpResponse:
    return redirect(reverse("web:track", args=[tracking_token(order)]))


# --- customer self-booking (no log-in) ------------------------------------------------------------
def book(request: HttpRequest, brand_code: str, token: str = "") -> HttpResponse:
    brand = get_object_or_404(Brand, code=brand_code)
    centre = selfbook.centre_of(brand)
    if centre is None:
        raise Http404
    region, city = f"{centre.province}{centre.city}", centre.city
    if request.method != "POST":
        initial: dict[str, object] = {"form_token": uuid.uuid4()}
        scanned = selfbook.product_initial(brand, token) if token else None
        initial |= scanned or {}
        form = SelfBookForm(initial=initial, brand=brand, region=region, city=city)
        # a damaged or foreign code: say so, and let the customer type the product in
        notice = DomainError(ErrorCode.PRODUCT_TOKEN_INVALID).text() if token and scanned is None else ""
        return _book_page(request, brand, form, scanned=scanned is not None, notice=notice)
    form = SelfBookForm(request.POST, brand=brand, region=region, city=city)
    done = (
        selfbook.previous(form.data.get("form_token", "")) if _is_uuid(form.data.get("form_token")) else None
    )
    if done is not None:  # the same form again: the order it already made
        return _track(done)
    if form.is_valid():
        try:
            order = services.book(
                brand=brand, form_token=form.cleaned_data["form_token"], booking=form.booking()
            )
        except DomainError as err:
            form.add_error(FIELD_OF.get(err.field or ""), err.text())
        else:
            return _track(order)
    return _book_page(request, brand, form)


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def book_product(request: HttpRequest, brand_code: str, token: str) -> HttpResponse:
    """扫码报修: the QR code of a warranty card or a service report opens the form, the product filled in."""
    return book(request, brand_code, token)


def _book_page(
    request: HttpRequest, brand: Brand, form: SelfBookForm, *, scanned: bool = False, notice: str = ""
) -> HttpResponse:
    context = {
        "brand": brand,
        "form": form,
        "districts": selfbook.district_hints(brand),
        "scanned": scanned,
        "notice": notice,
    }
    return render(request, "channels/book.html", context)


# --- WeChat official account webhook --------------------------------------------------------------
@csrf_exempt
@require_http_methods(["GET", "POST"])
def wechat_hook(request: HttpRequest, brand_code: str) -> HttpResponse:
    account = get_object_or_404(WeChatAccount, brand__code=brand_code, active=True)
    signed = services.signature_valid(
        account.token,
        signature=request.GET.get("signature", ""),
        timestamp=request.GET.get("timestamp", ""),
        nonce=request.GET.get("nonce", ""),
    )
    if not signed:
        return HttpResponseForbidden("invalid signature")
    if not services.wechat_time_fresh(request.GET.get("timestamp", "")):  # a replayed or forged-late call
        return _refused(services.wechat_stale())
    if request.method == "GET":  # server verification: echo echostr
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    try:
        reply = services.wechat_receive_callback(
            account=account,
            body=request.body,
            timestamp=request.GET.get("timestamp", ""),
            nonce=request.GET.get("nonce", ""),
        )
    except services.BadMessage:
        return HttpResponse("bad message", status=400, content_type="text/plain")
    except DomainError as err:  # stale or replayed: WeChat expects plain text; nothing is kept
        return _refused(err)
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")


def _refused(err: DomainError) -> HttpResponse:
    return HttpResponse(err.text(), status=403, content_type="text/plain; charset=utf-8")


# --- bulk import ----------------------------------------------------------------------------------
def desk_actor(request: HttpRequest) -> Actor:
    """The signed-in desk member (agent, dispatcher, admin) of the desk's channel pages; anyone else 404."""
    try:
        actor = Actor.for_user(request.user)
    except DomainError:
        raise Http404 from None
    if actor.role not in DESK:
        raise Http404
    return actor


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    actor = desk_actor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]  # sniffed and size-checked by the form (doorstep.core.uploads)
        try:
            batch = services.run_import(actor=actor, filename=form.filename, content=upload.content)
        except DomainError as err:
            form.add_error("file", err.text())
        else:
            return redirect("channels:import_report", pk=batch.pk)
    recent = ImportBatch.objects.filter(centre_id=actor.centre_id).order_by("-created_at")[:10]
    return render(request, "channels/import.html", {"form": form, "recent": recent})


def _batch(actor: Actor, pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch, pk=pk, centre_id=actor.centre_id)


@login_required
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(desk_actor(request), pk)
    lines = [line | {"label": imports.LABELS.get(line["status"], line["status"])} for line in batch.rows]
    counts = [
        (s, imports.LABELS[s], n) for s, n in imports.counts(batch).items() if n and s in imports.LABELS
    ]
    context = {"batch": batch, "lines": lines, "counts": counts}
    return render(request, "channels/import_report.html", context)


@login_required
def import_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(desk_actor(request), pk)
    response = HttpResponse(services.report_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-report-{batch.pk}.csv"'
    return response


@login_required
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    desk_actor(request)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    if fmt == "xlsx":
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(services.template_xlsx(), content_type=mime)
    else:
        response = HttpResponse(services.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="order-import-template.{fmt}"'
    return response


def book_slots(request: HttpRequest, brand_code: str) -> HttpResponse:
    """Free slots for the customer's address, computed from the covering outlet's real capacity (R-DI-3)."""
    brand = get_object_or_404(Brand, code=brand_code)
    centre = selfbook.centre_of(brand)
    if centre is None:
        raise Http404
    found = selfbook.slots_for_booking(
        brand=brand,
        centre=centre,
        address_text=request.GET.get("address_text", ""),
        line_id=request.GET.get("line") or None,
        service_type=request.GET.get("service_type", "repair"),
    )
    return render(request, "channels/_book_slots.html", {"slots": found})


# --- 催单: the first-contact owner replies (R-IN-5) ------------------------------------------------
@login_required
@require_http_methods(["POST"])
def hurry_answer(request: HttpRequest, number: str) -> HttpResponse:
    """The owner's reply to the customer's 催单: closes it, and the customer reads it (page and message)."""
    actor = page_actor(request, roles=DESK)
    order = page_order(actor, number)
    return perform(
        request,
        lambda: hurry.hurry_answer(order=order, actor=actor, reply=request.POST.get("reply", "")),
        reverse("orders:detail", args=[number]),
        done=_("已回复客户，催单已关闭。"),
    )
