"""The quality loop's per-brand numbers (R-QA-*): one QualityPolicy and the star thresholds per brand."""

from __future__ import annotations

from decimal import Decimal

from doorstep.network.models import Brand
from doorstep.quality.models import QualityPolicy, StarLevelRule

# Defaults for star levels (R-QA-4); an operator edits them per brand in the admin.
DEFAULT_STAR_RULES: tuple[dict[str, object], ...] = (
    {"stars": 5, "min_orders": 20, "min_on_time": "0.95", "min_first_fix": "0.90", "max_repeat": "0.03",
     "min_satisfaction": "4.80", "max_complaint_rate": "0.010", "max_language_flags": 0},
    {"stars": 4, "min_orders": 15, "min_on_time": "0.90", "min_first_fix": "0.85", "max_repeat": "0.05",
     "min_satisfaction": "4.50", "max_complaint_rate": "0.020", "max_language_flags": 1},
    {"stars": 3, "min_orders": 10, "min_on_time": "0.85", "min_first_fix": "0.80", "max_repeat": "0.08",
     "min_satisfaction": "4.20", "max_complaint_rate": "0.040", "max_language_flags": 3},
    {"stars": 2, "min_orders": 5, "min_on_time": "0.75", "min_first_fix": "0.70", "max_repeat": "0.12",
     "min_satisfaction": "4.00", "max_complaint_rate": "0.060", "max_language_flags": 5},
    {"stars": 1, "min_orders": 1, "min_on_time": "0", "min_first_fix": "0", "max_repeat": "1",
     "min_satisfaction": "0", "max_complaint_rate": "1", "max_language_flags": 1000},
)  # fmt: skip


def quality_policy_for(brand: Brand) -> QualityPolicy:
    policy, _created = QualityPolicy.objects.get_or_create(brand=brand)
    return policy


def star_rules_for(brand: Brand) -> list[StarLevelRule]:
    """The brand's star thresholds, highest first; the defaults are stored on first use."""
    rules = list(StarLevelRule.objects.filter(brand=brand).order_by("-stars"))
    if rules:
        return rules
    for row in DEFAULT_STAR_RULES:
        values = {k: Decimal(str(v)) if isinstance(v, str) else v for k, v in row.items()}
        StarLevelRule.objects.get_or_create(brand=brand, stars=int(str(values.pop("stars"))), defaults=values)
    return list(StarLevelRule.objects.filter(brand=brand).order_by("-stars"))
