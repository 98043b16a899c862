"""Warranty decision (R-AN-7): from the purchase date and the brand's policy, with its explanation.

Example policy from the seeds: household air conditioners sold after 2005-01-01 carry a 6-year whole-unit
warranty, free except for human damage or force majeure, with free maintenance visits during warranty.
Part-level coverage can run longer (e.g. compressor 10 years).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import F
from django.utils.translation import gettext, gettext_noop

from doorstep.catalog.models import ProductModel, WarrantyPolicy

EXCLUSIONS = {"human_damage": gettext_noop("人为损坏"), "force_majeure": gettext_noop("不可抗力")}

# the explanations: Chinese on the record, each a catalogue message with its parameters, so a page shows it
# in the reader's language (walk finding 17)
NO_MODEL = gettext_noop("型号未确认，无法判定保修，请核实型号与购机凭证。")
NO_DATE = gettext_noop("无购买日期，请客户提供购机发票或凭证后判定保修。")
NO_POLICY = gettext_noop("%(line)s无适用的保修政策（购于 %(bought)s），按收费标准收费。")
EXCLUDED = gettext_noop("%(exclusion)s不在保修范围内（%(exclusions)s），按收费标准收费。")
IN_WARRANTY = gettext_noop("整机保修 %(years)s 年，购于 %(bought)s，保修至 %(until)s：保内免费。")
EXPIRED = gettext_noop("整机保修 %(years)s 年，已于 %(until)s 到期：按收费标准收费。")
EXPIRED_PARTS = gettext_noop(
    "整机保修 %(years)s 年，已于 %(until)s 到期：按收费标准收费。 仍在保的部件：%(parts)s。"
)


@dataclass(frozen=True)
class WarrantyDecision:
    status: str  # in_warranty / paid / needs_proof
    explanation: str
    until: date | None = None
    parts: dict[str, str] = field(default_factory=dict)  # part → covered until (ISO), still covered only
    free_maintenance: bool = False
    message: str = ""  # the catalogue message of the explanation (Chinese), "" for an explanation as given
    params: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "explanation": self.explanation,
            "message": self.message,
            "params": self.params,
            "until": self.until.isoformat() if self.until else None,
            "parts": self.parts,
            "free_maintenance": self.free_maintenance,
        }


def explained(message: str, **params: Any) -> dict[str, Any]:
    """The explanation in Chinese (the record) with its message and parameters."""
    texts = {k: str(v) for k, v in params.items()}
    return {"explanation": message % texts if texts else message, "message": message, "params": texts}


def shown(detail: dict[str, Any] | None) -> str:
    """A stored explanation (``WarrantyDecision.as_dict``) in the reader's language; one stored before the
    messages existed, as it was written."""
    detail = detail or {}
    message, params = detail.get("message"), dict(detail.get("params") or {})
    if not message:
        return str(detail.get("explanation") or "")
    if "exclusion" in params:
        params["exclusion"] = gettext(params["exclusion"])
    return gettext(message) % params if params else gettext(message)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _policy(
    model: ProductModel, purchased: date, policies: Sequence[WarrantyPolicy] | None
) -> WarrantyPolicy | None:
    if policies is None:
        latest_first = F("sold_after").desc(nulls_last=True)  # the undated policy is the fallback
        rows = WarrantyPolicy.objects.filter(brand_id=model.brand_id, line_id=model.line_id)
        policies = list(rows.order_by(latest_first))
    return next((p for p in policies if p.sold_after is None or purchased >= p.sold_after), None)


def decide_warranty(
    *,
    model: ProductModel | None,
    purchased: date | None,
    today: date,
    exclusion: str = "",
    policies: Sequence[WarrantyPolicy] | None = None,
) -> WarrantyDecision:
    """In warranty, paid, or proof of purchase needed — always with the reason in words. ``policies``: the
    brand's policies for the model's line, latest ``sold_after`` first, when the caller has them (intake)."""
    if model is None:
        return WarrantyDecision("needs_proof", **explained(NO_MODEL))
    if purchased is None:
        return WarrantyDecision("needs_proof", **explained(NO_DATE))
    policy = _policy(model, purchased, policies)
    if policy is None:
        return WarrantyDecision("paid", **explained(NO_POLICY, line=model.line.name, bought=purchased))
    until = _add_years(purchased, policy.whole_unit_years)
    parts = {
        part: _add_years(purchased, int(years)).isoformat()
        for part, years in (policy.part_years or {}).items()
        if _add_years(purchased, int(years)) >= today
    }
    if exclusion in EXCLUSIONS:
        why = explained(EXCLUDED, exclusion=EXCLUSIONS[exclusion], exclusions=policy.exclusions)
        return WarrantyDecision("paid", until=until, **why)
    years = policy.whole_unit_years
    if today <= until:
        why = explained(IN_WARRANTY, years=years, bought=purchased, until=until)
        free = policy.free_maintenance
        return WarrantyDecision("in_warranty", until=until, parts=parts, free_maintenance=free, **why)
    if parts:
        covered = "、".join(f"{p}（至 {d}）" for p, d in parts.items())
        why = explained(EXPIRED_PARTS, years=years, until=until, parts=covered)
        return WarrantyDecision("paid", until=until, parts=parts, **why)
    return WarrantyDecision("paid", until=until, parts=parts, **explained(EXPIRED, years=years, until=until))
