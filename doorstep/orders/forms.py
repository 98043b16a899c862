"""Forms of the desk and of the order page; they only shape input — rules live in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
        widget=forms.TextInput(attrs={"placeholder": _("如 2023-05-01 或 2023年5月1日")}),
    )
    faults = forms.CharField(
        label=_("故障现象（每行一项，问到客户说没有为止）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    requirement = forms.CharField(label=_("客户要求（如希望上门时间）"), max_length=200, required=False)
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

    def fault_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("faults", "").splitlines() if line.strip()]


def local_datetime(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


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
        if post.get(name):
            params[name] = local_datetime(post[name]) or post[name]
    if post.get("missing", "").strip():
        params["missing"] = [m.strip() for m in post["missing"].replace("，", ",").split(",") if m.strip()]
    if post.get("by_agreement") == "yes":  # a window outside service hours agreed with the customer (R-DI-3)
        params["by_agreement"] = True
    if "product_works" in post:
        params["product_works"] = post.get("product_works") == "yes"
    if post.get("verified", "").strip():
        params["verified"] = {"note": post["verified"].strip()}
    return params
