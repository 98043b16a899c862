"""docs/standard.md is the rulebook: it defines each of the 64 rules once, every rule id cited anywhere in
the repository resolves to it, and every policy setting it names exists."""

from __future__ import annotations

import dataclasses
import os
import re
from collections import Counter
from pathlib import Path

from django.apps import apps

from doorstep.core.policy import Policy

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "standard.md"
RULE_ID = re.compile(r"R-[A-Z]{2}-\d+")
HEADING = re.compile(r"^### (R-[A-Z]{2}-\d+)\s*$", re.M)
TYPE_LINE = re.compile(r"^### (R-[A-Z]{2}-\d+)\s*\n\*\*([A-Z]+(?:[/+][A-Z]+)*) · ", re.M)
GROUPS = {"IN": 9, "AN": 7, "DI": 10, "PR": 3, "AR": 7, "SV": 10, "CO": 6, "QA": 7, "LG": 3, "PV": 2}
TYPES = {"STEP", "TIMER", "CHECK", "SCRIPT", "KPI", "DATA", "RULE"}
SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "var",
    "test-artifacts",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
}
TEXT = {
    ".py",
    ".md",
    ".html",
    ".txt",
    ".js",
    ".css",
    ".toml",
    ".cfg",
    ".ini",
    ".json",
    ".po",
    ".sh",
    ".yml",
    ".yaml",
}


def _defined() -> list[str]:
    return HEADING.findall(DOC.read_text(encoding="utf-8"))


def _cited() -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            path = Path(folder) / name
            if path == DOC or (path.suffix not in TEXT and path.parent.name != "scripts"):
                continue
            for rule in set(RULE_ID.findall(path.read_text(encoding="utf-8", errors="ignore"))):
                where.setdefault(rule, []).append(path.relative_to(ROOT).as_posix())
    return where


def test_the_rulebook_defines_exactly_the_64_rules_once_each() -> None:
    defined = _defined()
    assert [r for r, n in Counter(defined).items() if n > 1] == []
    expected = {f"R-{group}-{n}" for group, count in GROUPS.items() for n in range(1, count + 1)}
    assert set(defined) == expected and len(defined) == 64


def test_every_rule_states_its_type() -> None:
    typed = dict(TYPE_LINE.findall(DOC.read_text(encoding="utf-8")))
    assert set(typed) == set(_defined())
    assert {r: t for r, t in typed.items() if not set(re.split(r"[/+]", t)) <= TYPES} == {}


def test_every_rule_id_cited_in_the_repository_is_in_the_rulebook() -> None:
    cited = _cited()
    assert len(cited) > 50, "the scan found almost no citations: it is broken"
    defined = set(_defined())
    assert {r: files for r, files in cited.items() if r not in defined} == {}


def test_every_policy_setting_the_rulebook_names_exists() -> None:
    models = {m.__name__: m for m in apps.get_models()}
    named = set(re.findall(r"`([A-Z][A-Za-z]+)\.([a-z_]+)`", DOC.read_text(encoding="utf-8")))
    assert len(named) > 30
    missing = []
    declared = {f.name for f in dataclasses.fields(Policy)}  # `Policy.x`: the one policy's declaration
    for model, field in sorted(named):
        if model == "Policy":
            fields = declared
        else:
            fields = {f.name for f in models[model]._meta.get_fields()} if model in models else set()
        if field not in fields:
            missing.append(f"{model}.{field}")
    assert missing == []
