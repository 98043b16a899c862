"""Chinese phone numbers: normalise to E.164 and classify (R-IN-2 "contact phone").

R-IN-2: a phone is valid exactly when libphonenumber (``phonenumbers``, region CN) says so, after stripping
labels (手机/电话:), separators, spaces, full-width digits and a ``+86``/``0086``/``86`` prefix.
Landlines need
their area code (a bare 8-digit number is not valid for libphonenumber), 400/800 numbers are valid, an
extension (转/分机/ext/#) is kept aside. Blank is ``phone.missing``; anything else not valid is
``phone.invalid``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import phonenumbers
from phonenumbers import PhoneNumberType

from .issues import Issue, Problem, problem
from .text import clean

FIELD = "phone"
_NO_PHONE = {
    "无",
    "没有",
    "没有电话",
    "暂无",
    "不知道",
    "未知",
    "不详",
    "-",
    "/",
    "?",
}  # said, not given: blank

_LABEL = re.compile(
    r"^(?:手机号码|手机号|手机|电话号码|联系电话|电话|座机|tel|mobile|phone)\s*[:：]?\s*", re.I
)
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*$", re.I)
_DASH_EXTENSION = re.compile(r"^(0\d{2,3}[ -]?\d{3,4}[ -]?\d{4})-(\d{1,6})$")
_SEPARATORS = re.compile(r"[\s\-().·/]+")
_NOTE = re.compile(r"[（(][^()（）]*[\u4e00-\u9fff][^()（）]*[)）]")  # (本人), （家里座机）
_CJK_EDGES = re.compile(r"^[^\d+]*?(?=[\d+])|(?<=\d)[^\d]*[\u4e00-\u9fff][^\d]*$")
_ALTERNATIVES = re.compile(r"\s*(?:/|、|或|或者|,|，|;|；)\s*")
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
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


def phone_issue(code: str, field_name: str = FIELD) -> Issue:
    return problem(Problem(code), field_name=field_name)


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
    """Normalise one phone number (R-IN-2). ``default_area_code`` is accepted for callers that pass it but
    never completes a bare landline: the rule says a landline needs its area code."""
    text = _LABEL.sub("", clean(raw))
    if not text:
        return PhoneResult(raw="", issues=(phone_issue("phone.missing", field_name),))
    # a note around the number ("13712345678（本人）", "王先生 137…") is not part of it; of two numbers
    # given ("137… / 020-…") the first valid one is the contact phone
    for candidate in _candidates(text):
        # the whole text first (0086-137-1111-2222 is a mobile, not a landline with extension 2222)
        for body, extension in ((candidate, None), _split_extension(candidate)):
            number = _valid(body)
            if number is not None:
                kind = _kind(phonenumbers.number_type(number))
                return PhoneResult(raw=text, e164=_e164(number), kind=kind, extension=extension)
    return PhoneResult(raw=text, issues=(phone_issue("phone.invalid", field_name),))


def _candidates(text: str) -> list[str]:
    bare = _NOTE.sub(" ", text).strip()
    out = [text, bare]
    for part in _ALTERNATIVES.split(bare):
        if re.search(r"\d", part):
            out.append(part.strip())
            out.append(_CJK_EDGES.sub("", part).strip())
    return [c for c in dict.fromkeys(out) if c]


def _valid(body: str) -> phonenumbers.PhoneNumber | None:
    """The number libphonenumber (CN) calls valid once separators and the country prefix are gone."""
    compact = _SEPARATORS.sub("", body)
    if not re.fullmatch(r"\+?\d+", compact):
        return None
    national = _national(compact)
    number = _parse(national) if national else None
    if number is None or number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    return number


def _split_extension(text: str) -> tuple[str, str | None]:
    match = _EXTENSION.search(text)
    if match and re.search(r"\d", text[: match.start()]):
        return text[: match.start()], match.group(1)
    dashed = _DASH_EXTENSION.match(text)
    if dashed:
        return dashed.group(1), dashed.group(2)
    return text, None


def _national(compact: str) -> str | None:
    """The domestic digits after ``+86``/``0086``/``86``; None for another country's prefix."""
    if compact.startswith("+"):
        return compact[3:] if compact.startswith("+86") else None
    if compact.startswith("00"):
        return compact[4:] if compact.startswith("0086") else None
    if compact.startswith("86") and len(compact) >= 12:
        rest = compact[2:]
        return rest if rest.startswith(("1", "0", "400", "800")) else "0" + rest
    return compact


def _kind(number_type: int) -> PhoneKind:
    if number_type in _MOBILE_TYPES and number_type != PhoneNumberType.FIXED_LINE_OR_MOBILE:
        return PhoneKind.MOBILE
    if number_type in _SERVICE_TYPES:
        return PhoneKind.SERVICE
    return PhoneKind.LANDLINE


def _parse(digits: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
