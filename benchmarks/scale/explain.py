"""EXPLAIN ANALYZE the work-order and deadline queries of the hot staff pages of a populated database.

Each page is rendered in-process (Django's test client) with its queries captured; every query reading
``orders_workorder`` or ``orders_deadline`` is run again under ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)``.
Per page: those queries' total execution time, the shared buffers they touched, the indexes they used and
the scans that read a whole table of those two. Used for "closed orders out of the hot indexes"
(docs/benchmarks.md), before and after the partial indexes::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorstep_scale \\
        .venv/bin/python benchmarks/scale/explain.py --label after
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DOORSTEP_ENV", "dev")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TABLES = ("orders_workorder", "orders_deadline")
PAGES = [
    ("dispatcher board", "dispatcher", "/dispatch/"),
    ("order list (dispatcher)", "dispatcher", "/orders/"),
    ("order list, dispatched (dispatcher)", "dispatcher", "/orders/?status=dispatched"),
    ("order list (outlet manager)", "manager1", "/orders/"),
    ("order list, assigned (outlet manager)", "manager1", "/orders/?status=assigned"),
    ("technician today", "tech1", "/visits/"),
]
ROUNDS = 3  # each query's plan is run this many times; the fastest counts (a warm cache, a busy machine)


def _walk(node: dict[str, Any], found: dict[str, Any]) -> None:
    relation = node.get("Relation Name")
    if node.get("Index Name"):
        found["indexes"].add(node["Index Name"])
    if node.get("Node Type") == "Seq Scan" and relation in TABLES:
        found["seq_scans"].add(relation)
    for child in node.get("Plans", []):
        _walk(child, found)


def explain_page(username: str, path: str) -> dict[str, Any]:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    found: dict[str, Any] = {"indexes": set(), "seq_scans": set()}
    total_ms, buffers, count = 0.0, 0, 0
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or not any(t in sql for t in TABLES):
            continue
        count += 1
        best: tuple[float, int] | None = None
        with connection.cursor() as c:
            for _ in range(ROUNDS):
                c.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                plan = c.fetchone()[0][0]
                ms = plan["Execution Time"] + plan["Planning Time"]
                hit = plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
                best = (ms, hit) if best is None or ms < best[0] else best
        _walk(plan["Plan"], found)
        assert best is not None
        total_ms += best[0]
        buffers += best[1]
    return {
        "path": path,
        "status": response.status_code,
        "queries": count,
        "ms": round(total_ms, 1),
        "buffers": buffers,
        "seq_scans": sorted(found["seq_scans"]),
        "indexes": sorted(i for i in found["indexes"] if i.startswith(("orders_", "order_", "deadline_"))),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True, help="the name of this run in the results (before/after)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scale_explain.json"))
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("benchmarks/scale needs PostgreSQL (DATABASE_URL=postgres://…)")
    with connection.cursor() as c:
        c.execute("ANALYZE orders_workorder; ANALYZE orders_deadline")
        c.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('closed', 'cancelled')) FROM orders_workorder"
        )
        orders, closed = c.fetchone()
    results = {"orders": orders, "closed": closed, "pages": {}}
    print(f"[explain] {orders} orders, {closed} closed or cancelled")
    for name, username, path in PAGES:
        row = explain_page(username, path)
        results["pages"][name] = row
        print(
            f"[explain] {name:40} {row['queries']:>3} q {row['ms']:>8} ms {row['buffers']:>7} buf "
            f"seq={','.join(row['seq_scans']) or '-'} idx={','.join(row['indexes']) or '-'}",
            flush=True,
        )
    out = Path(args.out)
    kept = json.loads(out.read_text()) if out.exists() else {}
    kept[args.label] = results
    out.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
