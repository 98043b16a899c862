"""National scale: each staff page's queries and median latency at 1k, 10k and 100k open orders.

For each size a database is copied from a template holding the demo world (``manage.py demo_data``, made
once), grown by bulk SQL (``populate.py``: open orders in the busiest centre plus as many closed ones over
the past year), then measured (``measure.py``: queries per page in-process, median of 5 GETs over HTTP
against gunicorn with 2 workers, 120 s cap). PostgreSQL only (the local server, trust auth)::

    .venv/bin/python benchmarks/scale/run.py                     # 1k, 10k, 100k
    .venv/bin/python benchmarks/scale/run.py --sizes 1000,10000  # a quicker look

Results: a table on stdout and ``benchmarks/results/scale.json``; the figures are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG = ["-h", "127.0.0.1", "-U", "postgres"]
TEMPLATE = "doorstep_scale_demo"


def url(db: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{db}"


def run(argv: list[str], db: str) -> str:
    env = {**os.environ, "DATABASE_URL": url(db), "DOORSTEP_ENV": "dev"}
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    sys.stdout.write("".join(line + "\n" for line in done.stdout.splitlines() if line.startswith("[")))
    if done.returncode:
        raise SystemExit(f"{argv[1]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--fresh-template", action="store_true", help="reload the demo world template")
    parser.add_argument("--template", default=TEMPLATE, help="the demo world's database (made when missing)")
    parser.add_argument("--prefix", default="doorstep_scale_", help="name of each size's database, before N")
    parser.add_argument(
        "--keep", action="store_true", help="keep each size's database (to EXPLAIN its queries)"
    )
    args = parser.parse_args()
    template = args.template
    exists = (
        subprocess.run(
            ["psql", *PG, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{template}'"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        == "1"
    )
    if args.fresh_template or not exists:
        subprocess.run(["dropdb", *PG, "--if-exists", template], check=True)
        subprocess.run(["createdb", *PG, template], check=True)
        run([PYTHON, "benchmarks/scale/populate.py", "--open", "0"], template)
    results = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "sizes": {},
    }
    for size in (int(s) for s in args.sizes.split(",")):
        db = f"{args.prefix}{size}"
        subprocess.run(["dropdb", *PG, "--if-exists", db], check=True)
        subprocess.run(["createdb", *PG, "-T", template, db], check=True)
        started = time.monotonic()
        run([PYTHON, "benchmarks/scale/populate.py", "--open", str(size), "--closed", str(size)], db)
        print(f"[run] {size} open orders populated in {time.monotonic() - started:.0f} s", flush=True)
        started = time.monotonic()  # a bulk load bypasses the events: the KPI sums are rebuilt (R-QA-4)
        run([PYTHON, "manage.py", "kpi_rebuild"], db)
        print(f"[run] KPI facts and daily sums rebuilt in {time.monotonic() - started:.0f} s", flush=True)
        # what autovacuum does to a table that has grown: visibility map (index-only scans) and statistics
        subprocess.run(["psql", *PG, "-d", db, "-qc", "VACUUM (ANALYZE)"], check=True)
        out = run([PYTHON, "benchmarks/scale/measure.py"], db)
        results["sizes"][size] = json.loads(out.strip().splitlines()[-1])
        if not args.keep:
            subprocess.run(["dropdb", *PG, "--if-exists", db], check=True)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    out_file = ROOT / "benchmarks" / "results" / "scale.json"
    out_file.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    sizes = list(results["sizes"])
    print("\n| page | " + " | ".join(f"{s:,} open: queries / median ms" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for page in results["sizes"][sizes[0]]:
        cells = []
        for s in sizes:
            r = results["sizes"][s][page]
            ms = "no answer in 120 s" if r["median_ms"] is None else f"{r['median_ms']:,.0f}"
            cells.append(f"{r['queries']} / {ms}")
        print(f"| {page} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
