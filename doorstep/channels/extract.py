"""Pull intake items out of a customer's free text (a WeChat message): phone, address, model, name, time.

Only the intake parsers decide what is valid (``doorstep.customers.parsing``); this module finds the
candidate pieces. Whatever cannot be found is left empty so the order becomes *information incomplete*
with the exact missing items (R-IN-2) instead of being guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from doorstep.customers.parsing import match_model, normalize_phone, parse_address
from doorstep.customers.parsing.product_match import Catalogue

_PHONE = re.compile(r"(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d){8}|0\d{2,3}[-\s]?\d{7,8}")
_MODEL = re.compile(r"[A-Za-z]{2,}[A-Za-z0-9]*(?:[-/][A-Za-z0-9()]+)+|[A-Za-z]{2,}\d[A-Za-z0-9]*")
_SEGMENTS = re.compile(r"[，,。；;！!？?\n\r]+")
_NAME_CALLED = re.compile(r"(?:我叫|我是|姓名[:：]?\s*)([\u4e00-\u9fff]{2,4}?)(?=[，,。\s]|$)")
_NAME_SURNAME = re.compile(r"(?:我姓|免贵姓)([\u4e00-\u9fff])")
_NAME_TITLE = re.compile(r"([\u4e00-\u9fff](?:先生|女士|小姐|阿姨|师傅))")
_DAY = (
    r"今天|明天|后天|大后天|(?:下)?(?:周|星期)[一二三四五六日天]|\d{1,2}月\d{1,2}[日号]|\d{4}-\d{1,2}-\d{1,2}"
)
_PERIOD = r"上午|下午|晚上|中午|早上"
_TIME = re.compile(rf"(?:{_DAY})\s*(?:{_PERIOD})?|(?:{_PERIOD})|尽快|越快越好")
_FILLER = re.compile(
    r"^(?:你好|您好|hi|hello|在吗|麻烦了?|请|谢谢|我?(?:在家|有人)|地址|电话|手机|型号|联系方式)[:：,，\s]*",
    re.I,
)
_ADDRESS_PREFIX = re.compile(r"^(?:我家在|家住|住在|地址是|地址[:：]|我的地址是?)")
_INSTALL = re.compile(r"安装|装机|移机|新买")
# R-IN-1/R-IN-2: a message written as labelled lines (the official account's reply template) is taken as the
# raw strings it labels, so it gets the same verdict as the same request on any other channel.
_LABELS = {
    "customer_name": r"姓名|称呼|联系人|客户姓名",
    "phone": r"电话|手机|手机号|手机号码|联系电话|联系方式",
    "address": r"地址|上门地址|住址|安装地址",
    "product_model": r"型号|产品型号|机型",
    "purchase_date": r"购买日期|购买时间|购机日期|购机时间",
    "symptom": r"故障|故障现象|问题|现象|故障描述",
    "service_type": r"服务类型|服务|类型",
    "preferred_time": r"期望时间|上门时间|预约时间",
}
_LABELLED = re.compile(
    r"^\s*("
    + "|".join(sorted("|".join(_LABELS.values()).split("|"), key=len, reverse=True))
    + r")\s*[:：]\s*(.*)$"
)
LABELLED_MIN = 3  # labelled lines that make a message a filled-in template
_MAINTAIN = re.compile(r"保养|清洗|维护")


@dataclass
class Extracted:
    """What the text gave; empty strings mean "not found" (the intake check names them as missing)."""

    phone: str = ""
    address: str = ""
    model: str = ""
    name: str = ""
    requirement: str = ""
    service_type: str = "repair"
    faults: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "phone": self.phone,
            "address": self.address,
            "model": self.model,
            "name": self.name,
            "requirement": self.requirement,
            "service_type": self.service_type,
            "faults": self.faults,
        }


def find_phone(text: str) -> str:
    """The first run of digits that normalises to a real phone number, as typed."""
    for match in _PHONE.finditer(text):
        if normalize_phone(match.group(0)).e164:
            return match.group(0)
    return ""


def _address_score(segment: str, region_hint: str) -> int:
    parsed = parse_address(segment, region_hint=region_hint)
    codes = {i.code for i in parsed.issues}
    if "address.nonsense" in codes or "address.missing" in codes:
        return 0
    if parsed.district:
        return 3 if not codes else 2
    return 2 if parsed.city else (1 if "address.no_district" in codes else 0)


def find_address(segments: list[str], region_hint: str) -> str:
    """The segment that reads most like an address in the centre's region (district resolved first)."""
    best, score = "", 0
    for segment in segments:
        candidate = _ADDRESS_PREFIX.sub("", segment).strip()
        points = _address_score(candidate, region_hint) if len(candidate) >= 3 else 0
        if points > score:
            best, score = candidate, points
    return best


def find_model(text: str, catalogue: Catalogue) -> tuple[str, str]:
    """(code, as typed): a catalogue model named in the text, else the first model-like token as typed
    (the intake check then names it as doubtful, with suggestions)."""
    tokens = [m.group(0) for m in _MODEL.finditer(text)]
    for token in tokens:
        found = match_model(token, catalogue)
        if found.code:
            return found.code, token
    return (tokens[0], tokens[0]) if tokens else ("", "")


def find_name(text: str) -> str:
    for pattern in (_NAME_CALLED, _NAME_TITLE, _NAME_SURNAME):
        match = pattern.search(text)
        if match:
            return match.group(1)
    return ""


def _service_type(text: str) -> str:
    if _INSTALL.search(text):
        return "install"
    return "maintenance" if _MAINTAIN.search(text) else "repair"


def _without_name(segment: str) -> str:
    for pattern in (_NAME_CALLED, _NAME_TITLE, _NAME_SURNAME):
        segment = pattern.sub(" ", segment)
    return segment.strip()


def _leftover(segment: str, taken: tuple[str, ...]) -> str:
    """A segment without the pieces already taken: what is left describes the fault."""
    for piece in taken:
        if piece:
            segment = segment.replace(piece, " ")
    segment = _without_name(segment)
    previous = None
    while previous != segment:
        previous, segment = segment, _FILLER.sub("", segment.strip())
    return segment.strip(" ：:，,")


def labelled(text: str) -> dict[str, str] | None:
    """The raw strings of a message written as ``标签：值`` lines, or None when it is free text."""
    found: dict[str, str] = {}
    for line in re.split(r"[\n\r]+", text):
        match = _LABELLED.match(line)
        if not match:
            continue
        for key, pattern in _LABELS.items():
            if re.fullmatch(pattern, match.group(1)):
                found.setdefault(key, match.group(2).strip())
                break
    return found if len(found) >= LABELLED_MIN else None


def extract(text: str, *, catalogue: Catalogue, region_hint: str) -> Extracted:
    """Split a free-text request into intake items (R-IN-2); see the module docstring."""
    found = Extracted(phone=find_phone(text), name=find_name(text), service_type=_service_type(text))
    found.model, typed_model = find_model(_PHONE.sub(" ", text), catalogue)
    time_match = _TIME.search(text)
    found.requirement = time_match.group(0).strip() if time_match else ""
    segments = [s.strip() for s in _SEGMENTS.split(_PHONE.sub("，", text)) if s.strip()]
    found.address = find_address([_without_name(s) for s in segments], region_hint)
    for segment in segments:
        if found.address and found.address in segment:
            continue
        rest = _leftover(segment, (typed_model, found.requirement))
        if len(rest) >= 2 and rest not in found.faults:
            found.faults.append(rest[:300])
    found.faults = found.faults[:5]
    return found
