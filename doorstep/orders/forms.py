"""Forms of the desk and of the order page; they only shape input — rules live in the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.dates import by_when, day_part_hours, moment_check, parse_when
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.customers.parsing.dates import typed_purchase_date
from doorstep.orders.models import Channel, Priority, ServiceType


class IntakeForm(forms.Form):
    """The agent's intake console (R-IN-1, R-IN-2, R-IN-6)."""

    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    service_type = forms.ChoiceField(
        label=_("服务类型"), choices=ServiceType.choices, initial=ServiceType.REPAIR
    )
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL)
    # R-IN-2: what the customer said, as typed, blanks allowed: the intake rules judge it (an incomplete
    # order keeps its problems for the desk to verify) instead of the form refusing it first
    customer_name = forms.CharField(label=_("客户姓名"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=60, required=False)
    province = forms.CharField(label=_("省"), max_length=30, initial="广东省", required=False)
    city = forms.CharField(label=_("市"), max_length=30, initial="广州市", required=False)
    district = forms.CharField(label=_("区/县"), max_length=30, required=False)
    detail = forms.CharField(label=_("详细地址"), max_length=200, required=False)
    model_code = forms.CharField(label=_("产品型号"), max_length=60, required=False)
    serial = forms.CharField(label=_("机身编码"), max_length=60, required=False)
    purchase_date = forms.CharField(
        label=_("购买日期"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如 2023年5月1日、5月1日、三天前")}),
    )
    faults = forms.CharField(
        label=_("故障现象（每行一项，问到客户说没有为止）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    requirement = forms.CharField(  # 明天下午 is stored as the day it meant (orders.intake, R-IN-2)
        label=_("客户要求（如希望上门时间）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如 明天下午、下周三上午")}),
    )
    accessories_note = forms.CharField(  # R-IN-7
        label=_("附件与说明书是否齐全（送修：告知携带物品与营业时间）"), max_length=200, required=False
    )
    fees_mentioned = forms.BooleanField(label=_("保外收费已告知客户（R-IN-9）"), required=False)
    carry_in = forms.BooleanField(label=_("客户送修到站（告知携带物品与营业时间，R-IN-7）"), required=False)
    exclusion = forms.ChoiceField(
        label=_("不保情形"),
        required=False,
        choices=[("", _("无")), ("human_damage", _("人为损坏")), ("force_majeure", _("不可抗力"))],
    )

    def clean_purchase_date(self) -> date | str:
        """R-IN-2: a typed purchase date as a date (2022年5月1日, 5月1日, 三天前); "不记得" or only a month
        or year go on as said (the order is then incomplete); a typo, a day that does not exist or a day
        after today is refused here, next to the field, with the rest of the form kept."""
        return form_value(
            lambda: typed_purchase_date(self.cleaned_data.get("purchase_date"), today=clock.today())
        )

    def fault_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("faults", "").splitlines() if line.strip()]


class CallForm(forms.Form):
    """The call log (R-IN-8): a promised reply time typed as people say it (明天下午3点, 今天17:00)."""

    direction = forms.ChoiceField(
        label=_("方向"), choices=[("in", _("来电")), ("out", _("去电"))], initial="in"
    )
    phone = forms.CharField(label=_("号码"), max_length=60)
    caller_name = forms.CharField(label=_("来电人"), max_length=100, required=False)
    product = forms.CharField(label=_("产品"), max_length=100, required=False)
    question = forms.CharField(label=_("问题"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    promise = forms.CharField(
        label=_("承诺回复时间"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如 今天17:00、明天上午、后天下午3点")}),
    )
    read_back = forms.BooleanField(label=_("已向客户复述确认"), required=False)

    def __init__(self, *args: Any, hours: tuple[time, time], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hours = hours

    def clean_promise(self) -> datetime | None:
        """When the promise falls due, never the words: a time gone or words that name no day are refused
        here, next to the field (R-IN-8)."""
        typed = (self.cleaned_data.get("promise") or "").strip()
        if not typed:
            return None
        start, end = self.hours

        def due() -> datetime:
            when = parse_when(typed, expect="future")
            moment_check(when, now=clock.now())
            return by_when(when, start=start, end=end)

        return form_value(due)


def form_value[T](parse: Callable[[], T]) -> T:
    """A parser's refusal (``DomainError``) as the form field's error, with its code."""
    try:
        return parse()
    except DomainError as err:
        raise forms.ValidationError(err.text(), code=err.code) from None


def typed_moment(raw: str, *, field: str, edge: str = "start") -> datetime | None:
    """An instant typed into a time field, through the one date parser: ISO (a browser's
    datetime-local), ``明天下午3点``, ``12月3日 9:30``; a part of the day alone (``明天下午``) is its start
    or its ``edge="end"`` in the standard's service hours (R-DI-3). Blank is None; anything else is
    refused with the reason, naming ``field``."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    try:
        when = parse_when(text, expect="future")
    except DomainError as err:
        err.field = field
        raise
    if when.at is None and when.part is not None:
        from doorstep.core.policy import DEFAULT

        hours = day_part_hours(when.part, start=DEFAULT.service_hours_start, end=DEFAULT.service_hours_end)
        return timezone.make_aware(datetime.combine(when.day, hours[0 if edge == "start" else 1]))
    moment = when.moment()
    if moment is None:
        raise Invalid(ErrorCode.TIME_REQUIRED, field=field, text=text, said=when.label())
    return moment


def local_datetime(raw: str) -> datetime | None:
    """``typed_moment`` for callers that refuse a None themselves."""
    try:
        return typed_moment(raw, field="")
    except DomainError:
        return None


def action_params(post: Any) -> dict[str, Any]:
    """Turn an action form's POST into service parameters (missing values are left out)."""
    params: dict[str, Any] = {}
    for name in ("outlet", "technician", "satisfaction"):
        if str(post.get(name, "")).strip().isdigit():
            params[name] = int(post[name])
    for name in ("answer", "method", "receipt_no", "feedback", "note"):
        if post.get(name, "").strip():
            params[name] = post[name].strip()
    for name in ("window_start", "window_end", "appointment_at"):
        if post.get(name):  # a typed time that names no instant is refused with the reason (R-DI-3)
            params[name] = typed_moment(
                post[name], field=name, edge="end" if name == "window_end" else "start"
            )
    if post.get("missing", "").strip():
        params["missing"] = [m.strip() for m in post["missing"].replace("，", ",").split(",") if m.strip()]
    if post.get("by_agreement") == "yes":  # a window outside service hours agreed with the customer (R-DI-3)
        params["by_agreement"] = True
    if "product_works" in post:
        params["product_works"] = post.get("product_works") == "yes"
    if post.get("verified", "").strip():
        params["verified"] = {"note": post["verified"].strip()}
    return params
