"""The desk's pages: the callback queue (R-QA-1), complaints (R-QA-3), the language review queue and the
live phrase check while typing (R-LG-1, R-LG-2)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.network.roles import CALLERS, QUALITY_TEAM, Role
from doorstep.orders.lifecycle import Status
from doorstep.orders.pages import page_actor, page_order, perform
from doorstep.quality.language import standard_phrases
from doorstep.quality.models import CallbackAttempt, Complaint, LanguageFlag
from doorstep.quality.selectors import language_flags_visible_to, language_review_queue
from doorstep.quality.selectors.feedback import callback_page, complaint_page, complaints_visible_to
from doorstep.quality.services.complaints import complaint_confirm, complaint_open, complaint_respond
from doorstep.quality.services.feedback import callback_from_survey, callback_record
from doorstep.quality.services.language import (
    language_flag_confirm,
    language_flag_dismiss,
    typing_suggestions,
)


# --- callbacks --------------------------------------------------------------------------------------------
@login_required
def callbacks(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request, CALLERS)
    mine = request.GET.get("mine", "1" if actor.role == Role.AGENT else "0") == "1"
    overdue, sort = request.GET.get("overdue") == "1", request.GET.get("sort", "due")[:10]
    after = request.GET.get("after", "")
    page = callback_page(
        actor=actor, mine_only=mine, after=after if len(after) <= 400 else "", overdue_only=overdue, sort=sort
    )
    return render(
        request,
        "quality/callbacks.html",
        {
            "rows": page.rows,
            "total": page.total,
            "after": page.after,
            "paged": bool(request.GET.get("after")),
            "mine": mine,
            "overdue": overdue,
            "sort": sort,
            "sorts": [("due", _("到期最早")), ("-due", _("到期最晚"))],
            "now": clock.now(),
            "outcomes": CallbackAttempt.Outcome.choices,
            "follow_ups": CallbackAttempt.FollowUp.choices,
            "opening": _script("phone_opening", actor),
            "closing": _script("phone_closing", actor),
        },
    )


FIELD_TITLES = ("工程师", "服务人员")  # the seed phrases a technician says of themself
FULL_WIDTH = str.maketrans({",": "，", "?": "？", "!": "！", ";": "；", ":": "："})


def _script(situation: str, actor: Actor) -> list[str]:
    """Standard phrases for the call (R-LG-1), filled with the brand; the caller is named with their own
    role (a desk agent is not a service engineer), only phrases in the polite 您 form, Chinese
    punctuation (R-LG-1, R-LG-2)."""
    brand = actor.staff.centre.brand.name if actor.staff is not None else ""
    lines = []
    for phrase in standard_phrases(situation):
        line = phrase.render(brand=brand, name=actor.name)
        if "{" in line or "你" in line or "XXX" in line:
            continue
        if actor.role != Role.TECHNICIAN and any(title in line for title in FIELD_TITLES):
            continue
        lines.append(line.translate(FULL_WIDTH))
    lines = lines[:1]
    if lines and situation == "phone_opening" and actor.staff is not None:
        with translation.override("zh-hans"):  # said to the customer in the manual's Chinese (R-LG-1)
            role = actor.staff.get_role_display()
            lines[0] += _("，我是%(role)s%(name)s") % {"role": role, "name": actor.name}
    return lines


@login_required
@require_POST
def callback_post(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request, CALLERS)
    order = page_order(actor, number)
    post = request.POST
    works = {"yes": True, "no": False}.get(post.get("product_works", ""))
    return perform(
        request,
        lambda: callback_record(
            order=order,
            actor=actor,
            outcome=post.get("outcome", ""),
            satisfaction=post.get("satisfaction") or None,
            product_works=works,
            feedback=post.get("feedback", ""),
            follow_up=post.get("follow_up", CallbackAttempt.FollowUp.NONE),
        ),
        "quality:callbacks",
        done=_("已记录回访：%(number)s") % {"number": number},
    )


@login_required
@require_POST
def callback_survey_post(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request, CALLERS)
    order = page_order(actor, number)

    def act() -> str:
        done = callback_from_survey(order=order, actor=actor)
        if done.status == Status.TRIAGED:  # the customer said the product still fails (R-QA-1)
            return _("客户在线问卷反映产品仍有问题：工单已重新打开，待安排重新上门。")
        return _("已按客户在线问卷记录回访。")

    return perform(request, act, "quality:callbacks")


# --- complaints -------------------------------------------------------------------------------------------
@login_required
def complaints(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    get = {k: request.GET.get(k, "")[:60] for k in ("state", "level", "category", "sort")}
    state, sort = get["state"] or "live", get["sort"] or "due"
    after = request.GET.get("after", "")
    page = complaint_page(
        actor=actor,
        state=state,
        level=get["level"],
        category=get["category"],
        sort=sort,
        after=after if len(after) <= 400 else "",
    )
    return render(
        request,
        "quality/complaints.html",
        {
            "page": page,
            "complaints": page.items,
            "state": state,
            "level": get["level"],
            "category": get["category"],
            "sort": sort,
            "states": [("live", _("处理中")), ("all", _("全部")), *Complaint.State.choices],
            "levels": Complaint.Level.choices,
            "categories": Complaint.Category.choices,
            "sorts": [
                ("due", _("答复时限最早")),
                ("new", _("最新受理")),
                ("old", _("最早受理")),
                ("level", _("层级最高")),
            ],
        },
    )


@login_required
@require_POST
def complaint_new(request: HttpRequest, number: str) -> HttpResponse:
    actor = page_actor(request)
    order = page_order(actor, number)
    post = request.POST
    return perform(
        request,
        lambda: complaint_open(
            order=order,
            actor=actor,
            channel=post.get("channel", ""),
            category=post.get("category", ""),
            description=post.get("description", ""),
        ),
        reverse("orders:detail", args=[number]),
        done=_("投诉已登记，已指定负责人和答复时限。"),
    )


@login_required
@require_POST
def complaint_post(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = page_actor(request)
    complaint = get_object_or_404(complaints_visible_to(actor), pk=pk)
    post = request.POST
    if action == "respond":
        fn = lambda: complaint_respond(complaint=complaint, actor=actor, response=post.get("response", ""))  # noqa: E731
    elif action in ("accept", "reject"):
        fn = lambda: complaint_confirm(  # noqa: E731
            complaint=complaint, actor=actor, accepted=action == "accept", note=post.get("note", "")
        )
    else:
        raise Http404
    back = reverse("orders:detail", args=[complaint.order.number])
    return perform(request, fn, back, done=_("投诉处理已记录。"))


# --- service language -------------------------------------------------------------------------------------
@login_required
def language_queue(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request, QUALITY_TEAM)
    recent = language_flags_visible_to(actor).exclude(state=LanguageFlag.State.OPEN)[:20]
    return render(
        request, "quality/language.html", {"flags": language_review_queue(actor)[:100], "recent": recent}
    )


@login_required
@require_POST
def language_review(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = page_actor(request, QUALITY_TEAM)
    flag = get_object_or_404(language_flags_visible_to(actor), pk=pk)
    note = request.POST.get("note", "")
    if action == "confirm":
        fn = lambda: language_flag_confirm(flag=flag, actor=actor, note=note)  # noqa: E731
    elif action == "dismiss":
        fn = lambda: language_flag_dismiss(flag=flag, actor=actor, note=note)  # noqa: E731
    else:
        raise Http404
    return perform(request, fn, "quality:language", done=_("已审核：%(text)s") % {"text": flag.matched_text})


@login_required
def language_suggest(request: HttpRequest) -> HttpResponse:
    """htmx: the forbidden phrases near the end of a reply being typed, with professional rewordings."""
    page_actor(request)
    data = request.POST if request.method == "POST" else request.GET
    name = data.get("field", "")
    text = data.get(name, "") if name else data.get("text", "")
    return render(request, "quality/_suggestions.html", {"hints": typing_suggestions(text)})
