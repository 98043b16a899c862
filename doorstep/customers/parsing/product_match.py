"""Match a typed product model code to the catalogue (R-IN-2 "product model").

Matching folds case, spaces, full-width characters, dashes and other separators. R-IN-2: a typo-level variant
of a catalogue model (at most ``TYPO_EDITS`` single-character edits or swaps of the folded code, measured with
``rapidfuzz``'s optimal-string-alignment distance, and only when one catalogue model is nearest) is matched
and
recorded as such (``how == "typo"``). Blank or "don't know" is ``product_model.missing``; text with no model
code in it ("铭牌看不清了", "白色那台") is ``product_model.not_a_model``. A model-shaped code that is
neither in
the catalogue nor near one is kept as typed (``how == "uncatalogued"``) with near-miss suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .issues import Issue, Problem, problem
from .text import clean, says_unknown

FIELD = "product_model"
_SEPARATORS = re.compile(r"[\s\-_./\\·•()（）]+")
_UNKNOWN = {"不知道", "不清楚", "忘了", "没有", "无", "未知", "?", "-", "/", "NA", "N/A"}
_SUGGEST_CUTOFF = 60.0
_SUGGEST_LIMIT = 3
TYPO_EDITS = 2  # edits allowed for a folded code of at least TYPO_LONG characters; one below that
TYPO_LONG = 8
_MODEL_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_./\\·()（）+ ]*[A-Za-z0-9)）]|[A-Za-z0-9]")


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
    how: str = ""  # exact / typo / uncatalogued (R-IN-2: a typo-level match is recorded as such)
    typed: str = ""  # the model code found in the text

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

    def typo(self, key: str) -> CatalogueEntry | None:
        """The one catalogue entry within typo distance of ``key`` (R-IN-2), or None (none, or a tie)."""
        limit = TYPO_EDITS if len(key) >= TYPO_LONG else 1
        scored = sorted((OSA.distance(key, known), known) for known in self.entries)
        close = [(d, known) for d, known in scored if d <= limit]
        if not close or (len(close) > 1 and close[1][0] == close[0][0]):
            return None
        return self.entries[close[0][1]]

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


def model_token(text: str) -> str:
    """The model code in a text (``格力 KFR-35GW 空调`` → ``KFR-35GW``): the longest run of letters, digits
    and
    separators holding both a letter and a digit, or a run of at least five digits; "" when there is none."""
    found = [m.group(0).strip() for m in _MODEL_TOKEN.finditer(text)]
    codes = [
        token
        for token in found
        if (re.search(r"[A-Za-z]", token) and re.search(r"\d", token) and len(model_key(token)) >= 3)
        or len(model_key(token)) >= 5
    ]
    return max(codes, key=lambda token: len(model_key(token)), default="")


def match_model(raw: object, catalogue: CatalogueInput | Catalogue, *, field_name: str = FIELD) -> ModelMatch:
    """The catalogue entry for a typed model code (R-IN-2), tolerant of case, width, separators, typos."""
    text = clean(raw)
    if says_unknown(text.upper(), _UNKNOWN):
        return ModelMatch(text, issues=(problem(Problem.MODEL_MISSING, field_name=field_name),))
    index = as_catalogue(catalogue)
    entry = index.get(model_key(text))
    if entry is not None:
        return ModelMatch(text, entry, how="exact", typed=text)
    token = model_token(text)
    if not token:
        issue = problem(Problem.MODEL_NOT_A_MODEL, zh=text, en=text, field_name=field_name)
        return ModelMatch(text, issues=(issue,))
    key = model_key(token)
    entry = index.get(key)
    if entry is not None:
        return ModelMatch(text, entry, how="exact", typed=token)
    entry = index.typo(key)
    if entry is not None:
        return ModelMatch(text, entry, how="typo", typed=token)
    return ModelMatch(text, suggestions=index.near(key), how="uncatalogued", typed=token)
