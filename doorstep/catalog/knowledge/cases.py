"""Fault cases of the knowledge base (R-AN-1), with phone-consultation scripts (R-AN-2).

A :class:`FaultCase` lists, for one symptom of one product line, the likely causes, repair
measures and parts needed. Cases ship in ``data/cases.json``; causes recorded when orders are
closed feed new cases back (:func:`case_from_closure`). Pure Python, JSON-serialisable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "doorstep.catalog.knowledge"

PRODUCT_LINES: dict[str, str] = {
    "air_conditioner": "空调",
    "washer": "洗衣机",
    "water_heater": "热水器",
    "broadband": "宽带/光猫",
}

_LINE_ALIASES: dict[str, str] = {
    "空调": "air_conditioner",
    "洗衣机": "washer",
    "热水器": "water_heater",
    "宽带": "broadband",
    "光猫": "broadband",
    "宽带/光猫": "broadband",
}


def product_line_key(line: str) -> str:
    """Canonical product-line key for a key or a Chinese name (``"空调"`` -> ``"air_conditioner"``).

    Unknown lines are returned unchanged, so a brand can add its own product lines.
    """
    stripped = line.strip()
    return _LINE_ALIASES.get(stripped, stripped)


@dataclass(frozen=True, slots=True)
class FaultCase:
    """One knowledge-base entry (R-AN-1): symptom -> causes, measures, parts.

    ``symptom`` is how a customer says it, ``phrasings`` more colloquial variants, ``technical``
    the technician's wording. ``phone_solvable`` marks a typical misreport or wrong use that a
    phone consultation resolves (R-AN-2) with ``phone_script``.
    """

    id: str
    product_line: str
    symptom: str
    technical: str
    causes: tuple[str, ...]
    measures: tuple[str, ...]
    parts: tuple[str, ...] = ()
    phrasings: tuple[str, ...] = ()
    phone_solvable: bool = False
    phone_script: str | None = None
    source: str = "common"
    source_note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultCase:
        return cls(
            id=str(data["id"]),
            product_line=product_line_key(str(data["product_line"])),
            symptom=str(data["symptom"]),
            technical=str(data.get("technical", "")),
            causes=tuple(data.get("causes", ())),
            measures=tuple(data.get("measures", ())),
            parts=tuple(data.get("parts", ())),
            phrasings=tuple(data.get("phrasings", ())),
            phone_solvable=bool(data.get("phone_solvable", False)),
            phone_script=data.get("phone_script"),
            source=str(data.get("source", "common")),
            source_note=str(data.get("source_note", "")),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("causes", "measures", "parts", "phrasings"):
            data[key] = list(data[key])
        return data

    def document(self) -> str:
        """The text the symptom matcher indexes: symptom wordings, then causes (weaker signal)."""
        wordings = [self.symptom, *self.phrasings, self.technical]
        return "\n".join([*wordings, *wordings[:1], *self.causes])


def case_from_closure(
    case_id: str,
    product_line: str,
    symptom: str,
    cause: str,
    measures: Sequence[str] = (),
    parts: Sequence[str] = (),
    *,
    technical: str = "",
    source: str = "order_closure",
) -> FaultCase:
    """A case built from what a technician recorded when closing an order (R-AN-1, R-QA-5)."""
    return FaultCase(
        id=case_id,
        product_line=product_line_key(product_line),
        symptom=symptom,
        technical=technical,
        causes=(cause,),
        measures=tuple(measures),
        parts=tuple(parts),
        source=source,
    )


def load_cases_json(text: str) -> list[FaultCase]:
    """Cases from a JSON document: either ``{"cases": [...]}`` or a bare list."""
    data = json.loads(text)
    items = data["cases"] if isinstance(data, dict) else data
    return [FaultCase.from_dict(item) for item in items]


@cache
def _seed_cases() -> tuple[FaultCase, ...]:
    text = resources.files(DATA_PACKAGE).joinpath("data", "cases.json").read_text(encoding="utf-8")
    return tuple(load_cases_json(text))


def seed_cases() -> list[FaultCase]:
    """The cases shipped with the package (all product lines)."""
    return list(_seed_cases())
