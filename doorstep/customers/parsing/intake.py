"""Work-order intake check (R-IN-2): is every required item present and believable?

``check_intake`` combines the phone, address, product model, purchase date and symptom parsers. The verdict is

* ``ok`` – complete and valid; ``normalized`` holds the cleaned values;
* ``incomplete`` – R-IN-2 *information incomplete*: the missing or doubtful items are listed, each naming the
  field and the reason in Chinese and English, for the desk to verify with the customer;
* ``rejected`` – the input cannot become an order (the phone is not a phone number, the address is garbage).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .address import RANK_CITY, ParsedAddress, parse_address, resolve_region
from .dates import exact_date, parse_purchase_date
from .issues import Issue, Severity, doubtful, missing
from .phones import PhoneKind, PhoneResult, area_code_for_city, normalize_phone
from .product_match import Catalogue, CatalogueInput, ModelMatch, as_catalogue, match_model
from .symptoms import check_symptom
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
_ON_SITE = {ServiceType.INSTALL, ServiceType.REPAIR, ServiceType.MAINTENANCE}
_NAME_OK = re.compile(r"[\u4e00-\u9fffA-Za-z]")


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
    service = _service_type(record.get("service_type"), issues)
    normalized["service_type"] = str(service) if service else None
    normalized["customer_name"] = _customer_name(record.get("customer_name"), issues)
    address = parse_address(record.get("address"), region_hint=region_hint)
    issues.extend(address.issues)
    normalized["address"] = address.as_dict()
    area_code = default_area_code or _area_code(address, region_hint)
    phone = normalize_phone(record.get("phone"), default_area_code=area_code)
    issues.extend(_phone_issues(phone))
    normalized.update(_phone_values(phone))
    model = match_model(record.get("product_model"), as_catalogue(catalogue))
    issues.extend(model.issues)
    normalized["product_model"] = model.code
    normalized["purchase_date"] = _purchase_date(record.get("purchase_date"), model, today, issues)
    normalized["symptom"] = _symptom(record.get("symptom"), service, issues)
    normalized["preferred_time"] = _preferred_time(record.get("preferred_time"), service, today, issues)
    return IntakeVerdict(_status(issues), tuple(_ordered(issues)), normalized)


def _status(issues: list[Issue]) -> Status:
    if any(issue.severity is Severity.INVALID for issue in issues):
        return Status.REJECTED
    return Status.INCOMPLETE if issues else Status.OK


def _ordered(issues: list[Issue]) -> list[Issue]:
    return sorted(
        issues, key=lambda issue: FIELDS.index(issue.field) if issue.field in FIELDS else len(FIELDS)
    )


def _service_type(raw: object, issues: list[Issue]) -> ServiceType | None:
    text = clean(raw).lower()
    if not text:
        issues.append(
            missing("service_type", "service_type.missing", "未选择服务类型", "No service type given")
        )
        return None
    if text in ServiceType._value2member_map_:
        return ServiceType(text)
    if text in _SERVICE_ALIASES:
        return _SERVICE_ALIASES[text]
    issues.append(
        doubtful(
            "service_type",
            "service_type.unknown",
            f"服务类型“{text}”无法识别（安装/维修/保养/咨询）",
            f"Unknown service type {text} (install/repair/maintenance/consultation)",
        )
    )
    return None


def _customer_name(raw: object, issues: list[Issue]) -> str:
    text = clean(raw)
    if not text:
        issues.append(missing("customer_name", "customer_name.missing", "未填写客户姓名", "No customer name"))
    elif not _NAME_OK.search(text) or len(text) > 40:
        issues.append(
            doubtful(
                "customer_name",
                "customer_name.not_a_name",
                f"客户姓名“{text}”不像姓名",
                f"Customer name '{text}' does not look like a name",
            )
        )
    return text


def _area_code(address: ParsedAddress, region_hint: str | None) -> str | None:
    if address.city:
        code = area_code_for_city(address.city)
        if code:
            return code
    cities = [d for d in resolve_region(region_hint) if d.rank == RANK_CITY]
    return area_code_for_city(cities[0].name) if cities else None


def _phone_issues(phone: PhoneResult) -> list[Issue]:
    if phone.kind is PhoneKind.SERVICE:
        return [
            doubtful(
                "phone",
                "phone.service_number",
                "400/800 是企业服务号码，不是客户本人电话",
                "A 400/800 number is a company line, not the customer's phone",
            )
        ]
    return list(phone.issues)


def _phone_values(phone: PhoneResult) -> dict[str, Any]:
    return {
        "phone": phone.e164,
        "phone_kind": str(phone.kind) if phone.kind else None,
        "phone_extension": phone.extension,
        "phone_area_code_assumed": phone.area_code_assumed,
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


def _preferred_time(raw: object, service: ServiceType | None, today: date, issues: list[Issue]) -> str:
    text = clean(raw)
    if not text:
        if service in _ON_SITE:
            issues.append(
                missing(
                    "preferred_time",
                    "preferred_time.missing",
                    "未登记客户期望的上门时间",
                    "No preferred visit time recorded",
                )
            )
        return text
    when = exact_date(text)
    if when is not None and when < today:
        issues.append(
            doubtful(
                "preferred_time",
                "preferred_time.in_past",
                "期望上门时间早于今天",
                "Preferred visit time is in the past",
            )
        )
    return text
