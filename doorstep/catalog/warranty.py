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

from doorstep.catalog.models import ProductModel, WarrantyPolicy

EXCLUSIONS = {"human_damage": "人为损坏", "force_majeure": "不可抗力"}


@dataclass(frozen=True)
class WarrantyDecision:
    status: str  # in_warranty / paid / needs_proof
    explanation: str
    until: date | None = None
    parts: dict[str, str] = field(default_factory=dict)  # part → covered until (ISO), still covered only
    free_maintenance: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "explanation": self.explanation,
            "until": self.until.isoformat() if self.until else None,
            "parts": self.parts,
            "free_maintenance": self.free_maintenance,
        }


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
        return WarrantyDecision("needs_proof", "型号未确认，无法判定保修，请核实型号与购机凭证。")
    if purchased is None:
        return WarrantyDecision("needs_proof", "无购买日期，请客户提供购机发票或凭证后判定保修。")
    policy = _policy(model, purchased, policies)
    if policy is None:
        return WarrantyDecision(
            "paid", f"{model.line.name}无适用的保修政策（购于 {purchased}），按收费标准收费。"
        )
    until = _add_years(purchased, policy.whole_unit_years)
    parts = {
        part: _add_years(purchased, int(years)).isoformat()
        for part, years in (policy.part_years or {}).items()
        if _add_years(purchased, int(years)) >= today
    }
    if exclusion in EXCLUSIONS:
        return WarrantyDecision(
            "paid", f"{EXCLUSIONS[exclusion]}不在保修范围内（{policy.exclusions}），按收费标准收费。", until
        )
    if today <= until:
        text = f"整机保修 {policy.whole_unit_years} 年，购于 {purchased}，保修至 {until}：保内免费。"
        return WarrantyDecision("in_warranty", text, until, parts, policy.free_maintenance)
    text = f"整机保修 {policy.whole_unit_years} 年，已于 {until} 到期：按收费标准收费。"
    if parts:
        text += " 仍在保的部件：" + "、".join(f"{p}（至 {d}）" for p, d in parts.items()) + "。"
    return WarrantyDecision("paid", text, until, parts)
