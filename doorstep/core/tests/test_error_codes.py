"""One vocabulary of refusals: every code is an ErrorCode with one message, translated, raised by name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import translation

from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid, NotFound

ROOT = Path(__file__).resolve().parents[3]
BASES = {"DomainError", "Invalid", "Forbidden", "NotFound"}
# Intake problems carry their own vocabulary of codes (doorstep.customers.parsing), each with its text; a
# refused correction raises those problems of the intake under its one code (CORRECTION_PROBLEM).
DYNAMIC = {"doorstep/orders/intake.py", "doorstep/orders/correction.py"}


def _sources() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted((ROOT / "doorstep").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" not in rel and "/migrations/" not in rel:
            found.append((rel, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _error_classes(sources: list[tuple[str, ast.Module]]) -> set[str]:
    """DomainError and every class defined on it, at any depth."""
    classes = set(BASES)
    grew = True
    while grew:
        grew = False
        for _rel, tree in sources:
            for node in ast.walk(tree):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in getattr(node, "bases", [])}
                if isinstance(node, ast.ClassDef) and node.name not in classes and bases & classes:
                    classes.add(node.name)
                    grew = True
    return classes


def _raise_sites() -> list[tuple[str, int, ast.expr]]:
    sources = _sources()
    classes = _error_classes(sources)
    sites = []
    for rel, tree in sources:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                f = node.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
                if name in classes:
                    sites.append((rel, node.lineno, node.args[0]))
    return sites


def test_every_refusal_is_raised_by_its_code_with_no_message_of_its_own() -> None:
    sites = _raise_sites()
    assert len(sites) > 150, "the scan found almost no raise sites: it is broken"
    loose = []
    for rel, line, first in sites:
        by_name = isinstance(first, ast.Attribute) and getattr(first.value, "id", "") == "ErrorCode"
        if not by_name and rel not in DYNAMIC:
            loose.append(f"{rel}:{line}")
    assert loose == []


def test_every_code_has_one_translated_message() -> None:
    assert len(ErrorCode.values) == len(set(ErrorCode.values))
    untranslated = []
    for code in ErrorCode:
        source = str(code.label)
        if source == "%(detail)s":  # shows a text computed at the raise site, translated there
            continue
        with translation.override("en"):
            if str(code.label) == source:
                untranslated.append(code.value)
    assert untranslated == []


@pytest.mark.parametrize(
    "cls, status", [(DomainError, 409), (Invalid, 422), (Forbidden, 403), (NotFound, 404)]
)
def test_a_code_brings_its_message_in_both_languages(cls: type[DomainError], status: int) -> None:
    err = cls(ErrorCode.REASON_REQUIRED, field="reason", action="改约")
    assert err.code == "reason_required" and err.status == status and err.field == "reason"
    assert err.text("zh-hans") == "「改约」必须填写原因。"
    assert "改约" in err.text("en") and err.text("en") != err.text("zh-hans")
    assert err.as_dict() == {"code": "reason_required", "message": err.text(), "field": "reason"}


def test_an_unknown_code_without_a_message_is_refused() -> None:
    with pytest.raises(ValueError):
        DomainError("no_such_code")
