"""Issue records shared by every intake parser (R-IN-2).

An issue names the field, a stable machine code, a severity and the reason in Chinese and English.
Severity drives the intake verdict (R-IN-2):

* ``missing``  – the item is absent: the order is *information incomplete*;
* ``doubtful`` – the item is present but unclear or probably wrong: *information incomplete*;
* ``invalid``  – the input cannot become an order at all: the record is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    MISSING = "missing"
    DOUBTFUL = "doubtful"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one intake field, with its reason in Chinese and English."""

    code: str
    field: str
    severity: Severity
    zh: str
    en: str
    suggestions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "field": self.field,
            "severity": str(self.severity),
            "zh": self.zh,
            "en": self.en,
            "suggestions": list(self.suggestions),
        }


def missing(field_name: str, code: str, zh: str, en: str) -> Issue:
    return Issue(code, field_name, Severity.MISSING, zh, en)


def doubtful(field_name: str, code: str, zh: str, en: str, suggestions: tuple[str, ...] = ()) -> Issue:
    return Issue(code, field_name, Severity.DOUBTFUL, zh, en, suggestions)


def invalid(field_name: str, code: str, zh: str, en: str) -> Issue:
    return Issue(code, field_name, Severity.INVALID, zh, en)
