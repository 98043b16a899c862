"""Every rule of docs/standard.md is exercised by at least one test function.

A rule counts as tested when its id (R-XX-n, or R_XX_n in a function name) appears in the name, the
docstring or the code of a ``test_*`` function (or of a parametrised case) under doorstep/**/tests or
tests/. Comments do not count (they are not in the syntax tree).

    .venv/bin/python tests/test_rule_coverage.py      # list each rule with the tests that cite it
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "standard.md"
HEADING = re.compile(r"^### (R-[A-Z]{2}-\d+)\s*$", re.M)
CITED = re.compile(r"R[-_]([A-Z]{2})[-_](\d+)(?!\d)")

# Rules not implemented yet (issue 12, part 4): nothing exists for a test to exercise. Remove an id here
# once its rule and test land; the test below fails if an id listed here is in fact cited.
NOT_YET_IMPLEMENTED: set[str] = set()


def defined() -> list[str]:
    return HEADING.findall(DOC.read_text(encoding="utf-8"))


def _test_files() -> list[Path]:
    files = [p for p in (ROOT / "doorstep").rglob("test_*.py") if "tests" in p.relative_to(ROOT).parts]
    files += list((ROOT / "tests").rglob("test_*.py"))
    return sorted(files)


def cited() -> dict[str, list[str]]:
    """Rule id -> the test functions citing it (file::name)."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in _test_files():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.name.startswith(
                "test"
            ):
                continue
            text = node.name + "\n" + (ast.get_source_segment(source, node) or "")
            text += "\n" + "\n".join(ast.get_source_segment(source, d) or "" for d in node.decorator_list)
            for group, number in set(CITED.findall(_without_comments(text))):
                where[f"R-{group}-{number}"].append(f"{path.relative_to(ROOT)}::{node.name}")
    return where


def _without_comments(code: str) -> str:
    return "\n".join(
        line.split("  # ", 1)[0] if not line.lstrip().startswith("#") else "" for line in code.splitlines()
    )


def test_every_rule_is_cited_by_a_test() -> None:
    """Every rule id of docs/standard.md is exercised by a test function (R-PV-1 … R-LG-3 alike)."""
    rules = defined()
    assert len(rules) == 64
    where = cited()
    missing = {rule for rule in rules if not where.get(rule)}
    assert missing == NOT_YET_IMPLEMENTED, sorted(missing ^ NOT_YET_IMPLEMENTED)


if __name__ == "__main__":
    where = cited()
    rules = defined()
    for rule in rules:
        tests = where.get(rule, [])
        print(f"{rule:8} {len(tests):3}  {tests[0] if tests else '— NOT CITED'}")
    covered = sum(1 for rule in rules if where.get(rule))
    print(f"{covered}/{len(rules)} rule ids cited by a test")
    sys.exit(0)
