"""Merge VRPTW result files from ``run.py`` and print per-class gaps as a Markdown table.

Usage::

    .venv/bin/python benchmarks/vrptw/summarise.py benchmarks/results/vrptw_gh_60s_*.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def load_rows(paths: list[Path]) -> list[dict[str, object]]:
    rows: dict[str, dict[str, object]] = {}
    for path in paths:
        for row in json.loads(path.read_text())["rows"]:
            rows[str(row["instance"])] = row
    return sorted(rows.values(), key=lambda r: str(r["instance"]))


def table(rows: list[dict[str, object]]) -> str:
    by_class: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_class.setdefault(str(row["class"]), []).append(row)
    lines = [
        "| class | instances | mean gap % | worst gap % (instance) | feasible |",
        "|---|---|---|---|---|",
    ]
    for cls, group in [*sorted(by_class.items()), ("all", rows)]:
        gaps = [float(str(r["gap_pct"])) for r in group]
        worst = max(group, key=lambda r: float(str(r["gap_pct"])))
        feasible = sum(bool(r["feasible"]) for r in group)
        lines.append(
            f"| {cls} | {len(group)} | {statistics.mean(gaps):.3f} | {max(gaps):.3f} ({worst['instance']}) "
            f"| {feasible}/{len(group)} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="Per-class summary of VRPTW result files.")
    ap.add_argument("files", nargs="+", type=Path)
    args = ap.parse_args()
    print(table(load_rows(args.files)))


if __name__ == "__main__":
    main()
