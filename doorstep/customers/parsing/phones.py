"""Chinese phone numbers: normalise to E.164 and classify (R-IN-2 "contact phone").

Accepted shapes: mobiles (11 digits, optional +86 / 0086 / 86 prefix, spaces, dashes, full-width digits),
landlines with area code (``010-12345678``, ``0755 8888 8888``, extensions via 转/分机/ext/#/-NNN) and
400/800 service numbers. A landline typed without its area code is ambiguous; when the outlet's or centre's
default area code is given it is used, otherwise the number is reported as doubtful.
Validation uses the ``phonenumbers`` metadata (libphonenumber, Apache-2.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import phonenumbers
from phonenumbers import PhoneNumberType

from .issues import Issue, Severity
from .text import clean

FIELD = "phone"

_LABEL = re.compile(
    r"^(?:手机号码|手机号|手机|电话号码|电话|座机|联系电话|tel|mobile|phone)\s*[:：]?\s*", re.I
)
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*$", re.I)
_DASH_EXTENSION = re.compile(r"^(0\d{2,3}[ -]?\d{3,4}[ -]?\d{4})-(\d{1,6})$")
_ALLOWED = re.compile(r"^[\d+\-() .]+$")
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_SERVICE_TYPES = {PhoneNumberType.TOLL_FREE, PhoneNumberType.SHARED_COST, PhoneNumberType.UAN}


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """Outcome of :func:`normalize_phone`: E.164 form and kind, or the issues found."""

    raw: str
    e164: str | None = None
    kind: PhoneKind | None = None
    extension: str | None = None
    area_code_assumed: str | None = None
    issues: tuple[Issue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.e164 is not None and not self.issues


_MESSAGES: dict[str, tuple[Severity, str, str]] = {
    "phone.missing": (Severity.MISSING, "未填写联系电话", "No contact phone given"),
    "phone.not_a_number": (Severity.INVALID, "不是电话号码", "Not a phone number"),
    "phone.not_chinese": (
        Severity.DOUBTFUL,
        "不是中国大陆号码，需核实",
        "Not a mainland China number; verify",
    ),
    "phone.too_short": (Severity.DOUBTFUL, "手机号位数不足11位", "Mobile number has fewer than 11 digits"),
    "phone.too_long": (Severity.DOUBTFUL, "手机号位数超过11位", "Mobile number has more than 11 digits"),
    "phone.mobile_bad_prefix": (
        Severity.DOUBTFUL,
        "手机号号段无效（不是有效的手机号开头）",
        "Not a valid mobile prefix",
    ),
    "phone.landline_no_area_code": (
        Severity.DOUBTFUL,
        "固定电话缺少区号，无法确定所属城市",
        "Landline without area code: city is ambiguous",
    ),
    "phone.landline_invalid": (
        Severity.DOUBTFUL,
        "固定电话区号或位数不正确",
        "Landline area code or length is wrong",
    ),
    "phone.service_invalid": (
        Severity.DOUBTFUL,
        "400/800 服务号码应为10位",
        "400/800 service numbers have 10 digits",
    ),
    "phone.unrecognised": (Severity.DOUBTFUL, "无法识别的号码格式", "Unrecognised number format"),
}


def phone_issue(code: str, field_name: str = FIELD) -> Issue:
    severity, zh, en = _MESSAGES[code]
    return Issue(code, field_name, severity, zh, en)


@cache
def _area_codes_by_city() -> dict[str, str]:
    """City name without 市 (``广州``) → area code (``020``), from libphonenumber's geocoding data."""
    from phonenumbers.geodata import GEOCODE_DATA

    codes: dict[str, str] = {}
    for prefix, names in GEOCODE_DATA.items():
        national = prefix[2:]
        if not prefix.startswith("86") or len(prefix) > 5 or (national[0] == "1" and national != "10"):
            continue
        for city in _cities(names.get("zh", "")):
            if city not in codes or len(national) + 1 < len(codes[city]):
                codes[city] = "0" + national
    return codes


def _cities(description: str) -> list[str]:
    without_province = re.sub(r"^(?:.*?省|.*?自治区|内蒙古|广西|西藏|新疆|宁夏)", "", description)
    return [_short_city(part) for part in without_province.split("、") if part]


def _short_city(name: str) -> str:
    return re.sub(r"市$", "", name.strip())


def area_code_for_city(city_name: str) -> str | None:
    """Domestic landline area code of a city (``广州市`` or ``广州`` → ``020``), or None."""
    return _area_codes_by_city().get(_short_city(clean(city_name)))


def normalize_phone(
    raw: object, *, default_area_code: str | None = None, field_name: str = FIELD
) -> PhoneResult:
    """Normalise one phone number; ``default_area_code`` (e.g. ``"020"``) completes a bare landline."""
    text = _LABEL.sub("", clean(raw))
    if not text:
        return PhoneResult(raw="", issues=(phone_issue("phone.missing", field_name),))
    body, extension = _split_extension(text)
    if not _ALLOWED.match(body):
        return PhoneResult(raw=text, issues=(phone_issue("phone.not_a_number", field_name),))
    digits = re.sub(r"\D", "", body)
    if len(digits) < 5 or len(set(digits)) == 1:
        return PhoneResult(raw=text, issues=(phone_issue("phone.not_a_number", field_name),))
    national, foreign = _strip_country_code(body.strip(), digits)
    if foreign:
        return PhoneResult(raw=text, issues=(phone_issue("phone.not_chinese", field_name),))
    result = _classify(national, default_area_code)
    if isinstance(result, str):
        return PhoneResult(raw=text, issues=(phone_issue(result, field_name),))
    e164, kind, assumed = result
    return PhoneResult(raw=text, e164=e164, kind=kind, extension=extension, area_code_assumed=assumed)


def _split_extension(text: str) -> tuple[str, str | None]:
    match = _EXTENSION.search(text)
    if match and re.search(r"\d", text[: match.start()]):
        return text[: match.start()], match.group(1)
    dashed = _DASH_EXTENSION.match(text)
    if dashed:
        return dashed.group(1), dashed.group(2)
    return text, None


def _strip_country_code(body: str, digits: str) -> tuple[str, bool]:
    """Return the domestic digits (landlines with leading 0) and whether the number is foreign."""
    if body.startswith("+") or digits.startswith("00"):
        rest = digits[2:] if digits.startswith("00") else digits
        if not rest.startswith("86"):
            return digits, True
        return _domestic(rest[2:]), False
    if digits.startswith("86") and len(digits) >= 12:
        return _domestic(digits[2:]), False
    return digits, False


def _domestic(national: str) -> str:
    if national.startswith("0") or re.match(r"1[3-9]\d{9}$", national) or national[:3] in {"400", "800"}:
        return national
    return "0" + national


def _classify(digits: str, default_area_code: str | None) -> tuple[str, PhoneKind, str | None] | str:
    if digits.startswith("1"):
        return _mobile(digits)
    if digits[:3] in {"400", "800"}:
        return _service(digits)
    if digits.startswith("0"):
        return _landline(digits, None)
    if len(digits) in (7, 8):
        if not default_area_code:
            return "phone.landline_no_area_code"
        area = "0" + re.sub(r"\D", "", default_area_code).lstrip("0")
        return _landline(area + digits, area)
    return "phone.unrecognised"


def _parse(digits: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _mobile(digits: str) -> tuple[str, PhoneKind, str | None] | str:
    if len(digits) < 11:
        return "phone.too_short"
    if len(digits) > 11:
        return "phone.too_long"
    number = _parse(digits)
    if number is None or not phonenumbers.is_valid_number(number):
        return "phone.mobile_bad_prefix"
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return "phone.mobile_bad_prefix"
    return _e164(number), PhoneKind.MOBILE, None


def _service(digits: str) -> tuple[str, PhoneKind, str | None] | str:
    number = _parse(digits)
    if len(digits) != 10 or number is None or not phonenumbers.is_valid_number(number):
        return "phone.service_invalid"
    if phonenumbers.number_type(number) not in _SERVICE_TYPES:
        return "phone.service_invalid"
    return _e164(number), PhoneKind.SERVICE, None


def _landline(digits: str, assumed: str | None) -> tuple[str, PhoneKind, str | None] | str:
    number = _parse(digits)
    if number is None or not phonenumbers.is_valid_number(number):
        return "phone.landline_invalid"
    if phonenumbers.number_type(number) not in _LANDLINE_TYPES:
        return "phone.landline_invalid"
    return _e164(number), PhoneKind.LANDLINE, assumed
