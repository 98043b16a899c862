"""The fault knowledge base in the database (R-AN-1), matched with the offline TF-IDF matcher.

Seeded from ``doorstep.catalog.knowledge``'s cases; causes recorded at closure are fed back as new cases.
"""

from __future__ import annotations

from functools import lru_cache

from django.db.models import Count, Max

from doorstep.catalog.knowledge import (
    CaseMatch,
    TfidfSymptomMatcher,
    case_from_closure,
    product_line_key,
    seed_cases,
)
from doorstep.catalog.knowledge import FaultCase as KbCase
from doorstep.catalog.models import FaultCase, ProductLine


def kb_seed() -> int:
    """Load the shipped cases for the product lines this installation has; returns how many were added."""
    lines = {product_line_key(line.name): line for line in ProductLine.objects.all()}
    added = 0
    for case in seed_cases():
        line = lines.get(case.product_line)
        if line is not None and not FaultCase.objects.filter(key=case.id).exists():
            FaultCase.objects.create(line=line, key=case.id, data=case.to_dict(), source="seed")
            added += 1
    return added


def _version() -> tuple[int, str]:
    agg = FaultCase.objects.filter(active=True).aggregate(n=Count("id"), m=Max("updated_at"))
    return agg["n"], str(agg["m"])


@lru_cache(maxsize=4)
def _matcher(version: tuple[int, str]) -> TfidfSymptomMatcher:
    rows = FaultCase.objects.filter(active=True).order_by("pk")
    return TfidfSymptomMatcher(cases=[KbCase.from_dict(row.data) for row in rows])


def kb_suggest(*, symptom: str, line: ProductLine | None = None, k: int = 3) -> list[CaseMatch]:
    """Likely causes, measures and parts for a free-text symptom (R-AN-1); [] when nothing fits."""
    if not symptom.strip() or not FaultCase.objects.filter(active=True).exists():
        return []
    matcher = _matcher(_version())
    return matcher.suggest(symptom, product_line=product_line_key(line.name) if line else None, k=k)


def kb_feed_back(*, line: ProductLine, key: str, symptom: str, cause: str, measures: list[str]) -> FaultCase:
    """A cause recorded at closure becomes a case the matcher will suggest next time (R-AN-1, R-QA-5)."""
    case = case_from_closure(key, product_line_key(line.name), symptom, cause, measures)
    row, _new = FaultCase.objects.update_or_create(
        key=key, defaults={"line": line, "data": case.to_dict(), "source": "order_closure"}
    )
    return row
