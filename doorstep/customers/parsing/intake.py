"""Work-order intake check (R-IN-2): is every required item present and believable?

``check_intake`` combines the name, phone, address, product model, purchase date and symptom rules. The
verdict (R-IN-2) is

* ``rejected`` (reject) – only when there is neither a valid phone nor a usable name: garbage;
* ``incomplete`` (information incomplete) – any item is a problem: the problems are listed (the one vocabulary
  of :class:`~.issues.Problem`), each naming the field, the reason and the suggested fix;
* ``ok`` (complete) – otherwise; ``normalized`` holds the cleaned values, including the fault items (R-IN-6).

Every channel hands its raw strings to this one function, so the same request gets the same verdict whether
it came by phone, WeChat, the web form, the partner API or a spreadsheet (R-IN-1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .address import RANK_CITY, ParsedAddress, parse_address, resolve_region
from .dates import parse_purchase_date
from .issues import Issue, Problem, problem
from .phones import PhoneResult, area_code_for_city, normalize_phone
from .product_match import Catalogue, CatalogueInput, ModelMatch, as_catalogue, match_model
from .symptoms import check_symptom, fault_items
from .text import clean

FIELDS = (
    "customer_name",
    "phone",
    "address",
    "product_model",
    "purchase_date",
    "symptom",
    "service_type",
    "preferred_time",
)


class Status(StrEnum):
    OK = "ok"
    INCOMPLETE = "incomplete"
    REJECTED = "rejected"


class ServiceType(StrEnum):
    """R-IN-3 service types."""

    INSTALL = "install"
    REPAIR = "repair"
    MAINTENANCE = "maintenance"
    CONSULTATION = "consultation"


_SERVICE_ALIASES = {
    "installation": ServiceType.INSTALL,
    "安装": ServiceType.INSTALL,
    "装机": ServiceType.INSTALL,
    "维修": ServiceType.REPAIR,
    "报修": ServiceType.REPAIR,
    "修理": ServiceType.REPAIR,
    "保养": ServiceType.MAINTENANCE,
    "维护": ServiceType.MAINTENANCE,
    "清洗": ServiceType.MAINTENANCE,
    "咨询": ServiceType.CONSULTATION,
    "consult": ServiceType.CONSULTATION,
}
_NAME_OK = re.compile(r"[\u4e00-\u9fffA-Za-z]")
# R-IN-2: a placeholder is not a name ("未知", "客户", "-", digits); "王先生", "刘女士" are names.
_PLACEHOLDER_NAMES = {
    "未知",
    "不详",
    "不知道",
    "客户",
    "顾客",
    "用户",
    "业主",
    "先生",
    "女士",
    "小姐",
    "师傅",
    "本人",
    "无",
    "没有",
    "匿名",
    "某某",
    "某人",
    "测试",
    "test",
    "xxx",
    "xx",
    "x",
    "na",
    "n/a",
    "null",
    "none",
    "unknown",
    "customer",
    "user",
    "姓名",
    "名字",
    "暂无",
    "待定",
    "同上",
    "未填",
    "空",
}


@dataclass(frozen=True, slots=True)
class IntakeVerdict:
    """Outcome of :func:`check_intake` (R-IN-2)."""

    status: Status
    issues: tuple[Issue, ...] = ()
    normalized: dict[str, Any] = field(default_factory=dict)

    @property
    def incomplete_items(self) -> list[str]:
        """Fields to verify with the customer, in R-IN-2 order (no duplicates)."""
        flagged = {issue.field for issue in self.issues}
        return [name for name in FIELDS if name in flagged]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "incomplete_items": self.incomplete_items,
            "issues": [issue.as_dict() for issue in self.issues],
            "normalized": self.normalized,
        }


def check_intake(
    record: Mapping[str, Any],
    *,
    catalogue: CatalogueInput | Catalogue,
    today: date,
    region_hint: str | None = None,
    default_area_code: str | None = None,
) -> IntakeVerdict:
    """Check one intake record against R-IN-2.

    ``region_hint`` is the outlet's or centre's province/city (e.g. ``"广东省广州市"``): it settles district
    names shared by several cities and, with the address's own city, supplies the area code of a landline
    typed without one (``default_area_code`` overrides it).
    """
    issues: list[Issue] = []
    normalized: dict[str, Any] = {}
    service = _service_type(record.get("service_type"))
    normalized["service_type"] = str(service)
    normalized["customer_name"] = _customer_name(record.get("customer_name"), issues)
    phone = normalize_phone(record.get("phone"))
    issues.extend(phone.issues)
    normalized.update(_phone_values(phone))
    address = parse_address(record.get("address"), region_hint=region_hint)
    issues.extend(address.issues)
    normalized["address"] = address.as_dict()
    model = match_model(record.get("product_model"), as_catalogue(catalogue))
    issues.extend(model.issues)
    normalized["product_model"] = model.code
    normalized["product_model_match"] = model.how  # R-IN-2: a typo-level match is recorded as such
    normalized["product_model_typed"] = model.typed
    normalized["purchase_date"] = _purchase_date(record.get("purchase_date"), model, today, issues)
    normalized["symptom"] = _symptom(record.get("symptom"), service, issues)
    normalized["faults"] = fault_items(normalized["symptom"])  # R-IN-6
    normalized["preferred_time"] = clean(record.get("preferred_time"))
    usable_name = not any(i.field == "customer_name" for i in issues)
    return IntakeVerdict(_status(issues, phone.ok, usable_name), tuple(_ordered(issues)), normalized)


def _status(issues: list[Issue], phone_valid: bool, usable_name: bool) -> Status:
    """R-IN-2: reject only with neither a valid phone nor a usable name; incomplete with any problem."""
    if not phone_valid and not usable_name:
        return Status.REJECTED
    return Status.INCOMPLETE if issues else Status.OK


def _ordered(issues: list[Issue]) -> list[Issue]:
    return sorted(
        issues, key=lambda issue: FIELDS.index(issue.field) if issue.field in FIELDS else len(FIELDS)
    )


def known_service_type(raw: object) -> str | None:
    """R-IN-3 service type of a raw string: blank is a repair, 维修/安装… are aliases; None when unknown."""
    text = clean(raw).lower()
    if not text:
        return str(ServiceType.REPAIR)
    if text in ServiceType._value2member_map_:
        return text
    found = _SERVICE_ALIASES.get(text)
    return str(found) if found else None


def _service_type(raw: object) -> ServiceType:
    """R-IN-3 service type; blank or unknown is taken as a repair (the symptom is then required)."""
    text = clean(raw).lower()
    if text in ServiceType._value2member_map_:
        return ServiceType(text)
    return _SERVICE_ALIASES.get(text, ServiceType.REPAIR)


def _customer_name(raw: object, issues: list[Issue]) -> str:
    """R-IN-2 name: blank, or a placeholder ("未知", "客户", "-", digits), is a problem."""
    text = clean(raw)
    if not text:
        issues.append(problem(Problem.NAME_MISSING))
    elif text.lower() in _PLACEHOLDER_NAMES or not _NAME_OK.search(text) or len(text) > 40:
        issues.append(problem(Problem.NAME_PLACEHOLDER, zh=text, en=text))
    return text


def _area_code(address: ParsedAddress, region_hint: str | None) -> str | None:
    if address.city:
        code = area_code_for_city(address.city)
        if code:
            return code
    cities = [d for d in resolve_region(region_hint) if d.rank == RANK_CITY]
    return area_code_for_city(cities[0].name) if cities else None


def _phone_values(phone: PhoneResult) -> dict[str, Any]:
    return {
        "phone": phone.e164,
        "phone_kind": str(phone.kind) if phone.kind else None,
        "phone_extension": phone.extension,
    }


def _purchase_date(raw: object, model: ModelMatch, today: date, issues: list[Issue]) -> str | None:
    launch = model.entry.launch_date if model.entry else None
    result = parse_purchase_date(raw, today=today, launch_date=launch)
    issues.extend(result.issues)
    return result.value.isoformat() if result.value else None


def _symptom(raw: object, service: ServiceType | None, issues: list[Issue]) -> str:
    text, found = check_symptom(raw, required=service is ServiceType.REPAIR)
    issues.extend(found)
    return text
