"""Forms of the channel pages; they shape input and let the customer fix what they can fix at once."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import ProductLine
from doorstep.channels.selfbook import PERIODS, Booking, catalogue, centre_of, coverage_check
from doorstep.core import clock
from doorstep.core.dates import parse_day
from doorstep.core.errors import DomainError, ErrorCode
from doorstep.core.uploads import Clean, Kind, upload_check
from doorstep.customers.parsing.dates import typed_purchase_date
from doorstep.customers.product_link import product_from_token
from doorstep.network.models import Brand
from doorstep.network.policy import policy_for
from doorstep.orders.forms import form_value

COMMON_SYMPTOMS = [
    ("不制冷", _("不制冷")),
    ("不制热", _("不制热")),
    ("不开机", _("不开机")),
    ("漏水", _("漏水")),
    ("有异响", _("有异响")),
    ("有异味", _("有异味")),
    ("显示故障代码", _("显示故障代码")),
    ("遥控失灵", _("遥控失灵")),
]
BOOKABLE = [("repair", _("维修")), ("install", _("安装")), ("maintenance", _("保养/清洗"))]


class SelfBookForm(forms.Form):
    """The customer's booking form (R-IN-1 web channel; R-IN-2 items; R-IN-6 several symptoms)."""

    form_token = forms.UUIDField(widget=forms.HiddenInput)
    product = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)  # 扫码报修
    service_type = forms.ChoiceField(
        label=_("服务类型"), choices=BOOKABLE, initial="repair", widget=forms.RadioSelect
    )
    line = forms.ModelChoiceField(label=_("产品"), queryset=ProductLine.objects.none(), empty_label=None)
    model = forms.ChoiceField(label=_("型号"), required=False)
    symptoms = forms.MultipleChoiceField(
        label=_("故障现象（可多选）"),
        choices=COMMON_SYMPTOMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_symptom = forms.CharField(
        label=_("其他问题"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("其他问题（选填）")}),
    )
    # R-IN-2: the intake items are raw strings, blanks allowed; the intake rules judge them (the same verdict
    # and problems as on every other channel) instead of the form refusing them first
    purchased = forms.CharField(
        label=_("购买日期（不记得可不填，客服会来电核实）"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如 2023年5月1日、5月1日、三天前")}),
    )
    customer_name = forms.CharField(label=_("您的称呼"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("手机号码"), max_length=60, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    address_text = forms.CharField(label=_("上门地址"), max_length=300, required=False)
    day = forms.CharField(  # typed as people say it (明天, 12月3日, 下周三下午), stored as a date
        label=_("期望日期"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("如 明天、12月3日、下周三")}),
    )
    period = forms.ChoiceField(
        label=_("时段"),
        choices=[(k, v[0]) for k, v in PERIODS.items()],
        initial="morning",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, brand: Brand, region: str, city: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region, self.city = region, city
        self.brand, self.centre = brand, centre_of(brand)
        self.ahead_days = policy_for(brand=brand).slot_days  # R-DI-3: the bookable horizon
        grouped = catalogue(brand)
        line_field: Any = self.fields["line"]
        line_field.queryset = ProductLine.objects.filter(pk__in=[line.pk for line, _m in grouped])
        model_field: Any = self.fields["model"]
        model_field.choices = [("", _("不知道型号（客服会来电核实）"))] + [
            (line.name, [(m.code, f"{m.code} {m.name}") for m in models]) for line, models in grouped
        ]
        self.lines_of = {m.code: line.pk for line, models in grouped for m in models}
        today = clock.today()  # the bookable days, said on the field (R-DI-3)
        self.fields["day"].widget.attrs.update(min=today.isoformat(), max=self.last_day(today).isoformat())
        self.fields["address_text"].widget.attrs.update(
            placeholder=_("如：天河区天河路385号1201室"), list="district-hints"
        )

    def last_day(self, today: date) -> date:
        """The last bookable day: ``slot_days`` days counting today, as the slot search offers (R-DI-3)."""
        return today + timedelta(days=self.ahead_days - 1)

    def clean_day(self) -> date:
        """R-DI-3: the day the customer asks for, as a date (明天下午 also chooses the afternoon)."""
        when = form_value(lambda: parse_day(self.cleaned_data["day"], expect="future"))
        today = clock.today()
        if not today <= when.day <= self.last_day(today):
            raise forms.ValidationError(_("请选择今天起 %(n)s 天内的日期。") % {"n": self.ahead_days})
        self.typed_part = when.part
        return when.day

    def clean_purchased(self) -> date | str:
        """R-IN-2: 2022年5月1日, 5月1日, 三天前 as a date; "不记得" or a month alone go on as said."""
        typed = self.cleaned_data.get("purchased")
        return form_value(lambda: typed_purchase_date(typed, today=clock.today()))

    def clean_address_text(self) -> str:
        """R-DI-1: an address outside the centre's service area is refused here, with the reason."""
        typed = self.cleaned_data.get("address_text") or ""
        centre = self.centre
        if typed.strip() and centre is not None:
            form_value(lambda: coverage_check(brand=self.brand, centre=centre, address_text=typed))
        return typed

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        model, line = data.get("model"), data.get("line")
        if model and line and self.lines_of.get(model) != line.pk:
            self.add_error("model", _("该型号不属于所选产品。"))
        part = getattr(self, "typed_part", None)
        if part is not None and str(part) in PERIODS:  # 明天下午 typed: the words choose the period
            data["period"] = str(part)
        self._period_not_started(data)
        return data

    def _period_not_started(self, data: dict[str, Any]) -> None:
        """A same-day period that has already begun cannot be booked (walk finding 21: 上午 at 09:11)."""
        day, period = data.get("day"), data.get("period")
        if day != clock.today() or period not in PERIODS:
            return
        label, hours = PERIODS[period]
        starts = time.fromisoformat(hours.split("-")[0])
        if clock.local(clock.now()).time() >= starts:
            error = DomainError(ErrorCode.DAY_PERIOD_STARTED, period=label, hours=hours)
            self.add_error("period", error.text())

    def faults(self) -> list[str]:
        chosen = list(self.cleaned_data.get("symptoms") or [])
        other = (self.cleaned_data.get("other_symptom") or "").strip()
        return chosen + ([other] if other else [])

    def booking(self) -> Booking:
        data = self.cleaned_data
        return Booking(
            service_type=data["service_type"],
            line=data["line"],
            model_code=data.get("model") or "",
            purchase_date=data.get("purchased") or "",  # a date, or the words R-IN-2 judges
            faults=self.faults(),
            customer_name=(data.get("customer_name") or "").strip(),
            phone=data.get("phone") or "",
            address_text=data.get("address_text") or "",
            day=data["day"],
            period=data["period"],
            **self._from_qr(),
        )

    def _from_qr(self) -> dict[str, Any]:
        """The product's serial number when the form was opened from its QR code (扫码报修)."""
        ref = product_from_token(self.cleaned_data.get("product") or "")
        return {"serial": ref.serial, "from_qr": True} if ref is not None else {}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel (.xlsx) 或 CSV 文件"))

    def clean_file(self) -> Clean:
        """The upload as sniffed (a real workbook or CSV text, within the size limit), not as named."""
        upload = self.cleaned_data["file"]
        try:
            clean = upload_check(upload, kind=Kind.IMPORT, field="file", label=self.fields["file"].label)
        except DomainError as err:
            raise forms.ValidationError(err.text(), code=err.code) from None
        self.filename = str(upload.name or "")[:200]
        return clean


# intake check field → self-booking form field (a refusal from order_create is shown by its field)
FIELD_OF = {
    "customer_name": "customer_name",
    "phone": "phone",
    "address": "address_text",
    "product_model": "model",
    "purchase_date": "purchased",
    "symptom": "symptoms",
    "preferred_time": "day",
    "service_type": "service_type",
}
