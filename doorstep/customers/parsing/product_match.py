"""Match a typed product model code to the catalogue (R-IN-2 "product model").

Matching folds case, spaces, full-width characters, dashes and other separators; a code that still does not
match gets near-miss suggestions from ``rapidfuzz`` (MIT).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process

from .issues import Issue, doubtful, missing
from .text import clean, says_unknown

FIELD = "product_model"
_SEPARATORS = re.compile(r"[\s\-_./\\·•()（）]+")
_UNKNOWN = {"不知道", "不清楚", "忘了", "没有", "无", "未知", "?", "-", "/", "NA", "N/A"}
_SUGGEST_CUTOFF = 60.0
_SUGGEST_LIMIT = 3


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A known model code and, when known, its launch date (purchase cannot be earlier)."""

    code: str
    launch_date: date | None = None
    name: str = ""


type CatalogueInput = Iterable[str | CatalogueEntry] | Mapping[str, date | None]


@dataclass(frozen=True, slots=True)
class ModelMatch:
    """Result of :func:`match_model`: the catalogue entry, or issues with suggestions."""

    raw: str
    entry: CatalogueEntry | None = None
    suggestions: tuple[str, ...] = ()
    issues: tuple[Issue, ...] = field(default=())

    @property
    def code(self) -> str | None:
        return self.entry.code if self.entry else None


def model_key(code: str) -> str:
    """Comparison key: NFKC-folded, upper case, separators removed (``ｋｆｒ－35 gw`` → ``KFR35GW``)."""
    return _SEPARATORS.sub("", clean(code)).upper()


class Catalogue:
    """Catalogue index by folded key; build once per request batch and reuse."""

    def __init__(self, entries: CatalogueInput) -> None:
        self.entries: dict[str, CatalogueEntry] = {}
        for entry in _entries(entries):
            self.entries.setdefault(model_key(entry.code), entry)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: str) -> CatalogueEntry | None:
        return self.entries.get(key)

    def near(self, key: str) -> tuple[str, ...]:
        found = process.extract(
            key, list(self.entries), scorer=fuzz.ratio, limit=_SUGGEST_LIMIT, score_cutoff=_SUGGEST_CUTOFF
        )
        return tuple(self.entries[hit[0]].code for hit in found)


def _entries(entries: CatalogueInput) -> Iterable[CatalogueEntry]:
    if isinstance(entries, Catalogue):
        yield from entries.entries.values()
    elif isinstance(entries, Mapping):
        for code, launch in entries.items():
            yield CatalogueEntry(code, launch)
    else:
        for item in entries:
            yield item if isinstance(item, CatalogueEntry) else CatalogueEntry(item)


def as_catalogue(entries: CatalogueInput | Catalogue) -> Catalogue:
    return entries if isinstance(entries, Catalogue) else Catalogue(entries)


def match_model(raw: object, catalogue: CatalogueInput | Catalogue, *, field_name: str = FIELD) -> ModelMatch:
    """Find the catalogue entry for a typed model code, tolerant of case, width, spaces and dashes."""
    text = clean(raw)
    if says_unknown(text.upper(), _UNKNOWN):
        issue = missing(field_name, "product_model.missing", "未提供产品型号", "No product model given")
        return ModelMatch(text, issues=(issue,))
    index = as_catalogue(catalogue)
    key = model_key(text)
    entry = index.get(key)
    if entry is not None:
        return ModelMatch(text, entry)
    return _unknown(text, index.near(key), field_name)


def _unknown(text: str, suggestions: tuple[str, ...], field_name: str) -> ModelMatch:
    if suggestions:
        zh = f"型号“{text}”不在产品目录中，是否为：" + "、".join(suggestions)
        en = f"Model {text} is not in the catalogue; did you mean: " + ", ".join(suggestions)
    else:
        zh = f"型号“{text}”不在产品目录中，且无相近型号"
        en = f"Model {text} is not in the catalogue and has no near match"
    issue = doubtful(field_name, "product_model.unknown", zh, en, suggestions)
    return ModelMatch(text, suggestions=suggestions, issues=(issue,))
