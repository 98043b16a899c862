"""The phrase library (R-LG-1 standard phrases, R-LG-2 forbidden phrases, R-LG-3 conduct rules).

The library is read from JSON files shipped inside this package (``data/``). Every entry keeps
the seed file it was taken from, so a reviewer can trace a flag back to the manual that forbids it.
Pure Python: the Django side may persist or extend entries, and rebuild a library with
:meth:`PhraseLibrary.from_dict`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

Severity = Literal["forbidden", "advice"]

DATA_PACKAGE = "doorstep.quality.language"


@dataclass(frozen=True, slots=True)
class StandardPhrase:
    """A standard phrase for one situation (R-LG-1), e.g. greeting, phone opening, farewell."""

    id: str
    text: str
    situation: str
    source: str
    section: str = ""
    template: str | None = None
    rule_id: str = "R-LG-1"

    def render(self, **values: str) -> str:
        """Fill the template placeholders ({brand}, {name}, …); falls back to the seed text."""
        if self.template is None:
            return self.text
        return self.template.format_map(_Defaulting(values))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Defaulting(dict[str, str]):
    """Leaves unknown placeholders visible instead of raising (R-LG-1 scripts stay readable)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True, slots=True)
class ForbiddenPhrase:
    """A forbidden (服务禁语) or habitual phrase with its professional rewording (R-LG-2/R-LG-3).

    ``patterns`` are the surface forms searched for; ``text`` is the phrase as the seed gives it.
    ``severity`` is ``"forbidden"`` for 服务禁语 and ``"advice"`` for habitual wording that seed 003
    pairs with a professional expression.
    """

    id: str
    text: str
    patterns: tuple[str, ...]
    category: str
    severity: Severity
    rule_id: str
    suggestions: tuple[str, ...]
    source: str
    section: str = ""
    suggestion_basis: str = ""
    also_in: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ForbiddenPhrase:
        return cls(
            id=data["id"],
            text=data["text"],
            patterns=tuple(data.get("patterns") or (data["text"],)),
            category=data["category"],
            severity=data.get("severity", "forbidden"),
            rule_id=data.get("rule_id", "R-LG-2"),
            suggestions=tuple(data.get("suggestions", ())),
            source=data["source"],
            section=data.get("section", ""),
            suggestion_basis=data.get("suggestion_basis", ""),
            also_in=tuple(data.get("also_in", ())),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("patterns", "suggestions", "also_in"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True, slots=True)
class ConductItem:
    """A conduct rule that becomes a checklist item or complaint category (R-LG-3)."""

    id: str
    category: str
    text: str
    source: str
    section: str = ""
    rule_id: str = "R-LG-3"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class PhraseLibrary:
    """All phrase data: standard phrases by situation, forbidden phrases, conduct items."""

    standard: list[StandardPhrase] = field(default_factory=list)
    forbidden: list[ForbiddenPhrase] = field(default_factory=list)
    conduct: list[ConductItem] = field(default_factory=list)
    situations: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, phrases: Mapping[str, Any], conduct: Mapping[str, Any] | None = None) -> PhraseLibrary:
        """Build a library from the JSON structures of ``phrases.json`` and ``conduct.json``."""
        return cls(
            standard=[_standard_from_dict(item) for item in phrases.get("standard", ())],
            forbidden=[ForbiddenPhrase.from_dict(item) for item in phrases.get("forbidden", ())],
            conduct=[ConductItem(**item) for item in (conduct or {}).get("items", ())],
            situations=dict(phrases.get("situations", {})),
            sources=dict(phrases.get("sources", {})),
        )

    def standard_for(self, situation: str) -> list[StandardPhrase]:
        """Standard phrases for a situation such as ``"greeting"`` or ``"farewell"`` (R-LG-1)."""
        return [phrase for phrase in self.standard if phrase.situation == situation]

    def forbidden_by_id(self, phrase_id: str) -> ForbiddenPhrase:
        """Look up a forbidden phrase; raises ``KeyError`` for an unknown id."""
        for phrase in self.forbidden:
            if phrase.id == phrase_id:
                return phrase
        raise KeyError(phrase_id)

    def conduct_by_category(self, category: str) -> list[ConductItem]:
        """Conduct checklist items of one category, e.g. ``"no_gifts"`` (R-LG-3)."""
        return [item for item in self.conduct if item.category == category]

    def with_forbidden(self, extra: Iterable[ForbiddenPhrase]) -> PhraseLibrary:
        """A copy with additional forbidden phrases (e.g. brand-specific ones kept in the database)."""
        return PhraseLibrary(
            standard=list(self.standard),
            forbidden=[*self.forbidden, *extra],
            conduct=list(self.conduct),
            situations=dict(self.situations),
            sources=dict(self.sources),
        )


def _standard_from_dict(data: Mapping[str, Any]) -> StandardPhrase:
    return StandardPhrase(
        id=data["id"],
        text=data["text"],
        situation=data["situation"],
        source=data["source"],
        section=data.get("section", ""),
        template=data.get("template"),
        rule_id=data.get("rule_id", "R-LG-1"),
    )


def load_json(name: str) -> dict[str, Any]:
    """Read one JSON file from this package's ``data`` directory."""
    text = resources.files(DATA_PACKAGE).joinpath("data", name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def default_library() -> PhraseLibrary:
    """The library shipped with the package (seeds 001, 003, 004); built once per process."""
    return PhraseLibrary.from_dict(load_json("phrases.json"), load_json("conduct.json"))


def standard_phrases(situation: str) -> list[StandardPhrase]:
    """Shortcut: standard phrases of the shipped library for a situation (R-LG-1)."""
    return default_library().standard_for(situation)
