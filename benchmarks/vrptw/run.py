"""Routing core on the Solomon (100) and Gehring–Homberger (1000) VRPTW instances.

Gap against the distance-only best-known value in ``bks.csv``, in that value's convention:
Solomon in double precision (solver fed round/ceil of 1000·d, distance recomputed exactly),
GH-1000 in the DIMACS convention (every arc truncated to 0.1). Every plan is verified by
``check_plan``; an instance counts as feasible only with no violation and every customer served.

Usage::

    nice -n 15 taskset -c 1 .venv/bin/python benchmarks/vrptw/run.py --set solomon --seconds 10
    nice -n 15 taskset -c 1 .venv/bin/python benchmarks/vrptw/run.py --set gh --seconds 60 \
        --instances C1_10_1,C2_10_1,R1_10_1,R2_10_1,RC1_10_1,RC2_10_1
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import platform
import re
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from doorstep.dispatch.routing.check import check_plan  # noqa: E402
from doorstep.dispatch.routing.model import Plan, Problem  # noqa: E402
from doorstep.dispatch.routing.solomon import solomon_problem  # noqa: E402
from doorstep.dispatch.routing.solver import SolveOptions, solve  # noqa: E402

DATA = Path("/work/shared/benchmarks/vrptw")
RESULTS = ROOT / "benchmarks" / "results"


def instance_files(which: str, names: str | None) -> list[Path]:
    files: list[Path] = []
    if which in ("solomon", "all"):
        files += sorted((DATA / "solomon").glob("*.txt"))
    if which in ("gh", "all"):
        files += sorted((DATA / "gehring_homberger_1000").glob("*.txt"))
    if names:
        wanted = {n.strip().upper() for n in names.split(",")}
        prefixes = tuple(w[:-1] for w in wanted if w.endswith("*"))
        files = [
            f for f in files if f.stem.upper() in wanted or (prefixes and f.stem.upper().startswith(prefixes))
        ]
    return files


def instance_class(name: str) -> str:
    if "_" in name:
        return name.split("_")[0].upper()
    match = re.match(r"([A-Z]+)(\d)", name.upper())
    return match.group(1) + match.group(2) if match else name


def load_bks() -> dict[str, dict[str, str]]:
    with (DATA / "bks.csv").open() as fh:
        return {row["instance"].upper(): row for row in csv.DictReader(fh)}


def exact_distance(problem: Problem, plan: Plan) -> float:
    """Double-precision length of the plan (Solomon convention)."""
    depot = problem.technicians[0].start
    total = 0.0
    for route in plan.routes:
        pts = [depot, *(problem.visits[problem.visit_index[s.visit_id]].location for s in route.stops), depot]
        total += sum(math.hypot(a.x - b.x, a.y - b.y) for a, b in itertools.pairwise(pts))
    return total


def run_one(path: Path, seconds: float, seed: int, bks: dict[str, dict[str, str]]) -> dict[str, object]:
    gh = "_" in path.stem
    problem = (
        solomon_problem(path, scale=10, rounding="trunc", distance_rounding="trunc")
        if gh
        else solomon_problem(path, scale=1000)
    )
    t0 = time.perf_counter()
    plan = solve(problem, SolveOptions(seconds=seconds, seed=seed))
    wall = time.perf_counter() - t0
    violations = check_plan(problem, plan)
    distance = plan.distance / 10 if gh else exact_distance(problem, plan)
    ref = bks.get(path.stem.upper(), {})
    ref_d = float(ref["dist_only_bks"]) if ref.get("dist_only_bks") else float("nan")
    return {
        "instance": path.stem,
        "class": instance_class(path.stem),
        "n": problem.n_visits,
        "convention": "dimacs_trunc1" if gh else "double",
        "seconds": seconds,
        "seed": seed,
        "served": plan.n_served,
        "vehicles": len(plan.routes),
        "distance": round(distance, 2),
        "bks_dist_only": ref_d,
        "gap_pct": round(100 * (distance - ref_d) / ref_d, 3),
        "feasible": not violations and plan.n_served == problem.n_visits,
        "violations": [str(v) for v in violations[:5]],
        "wall_s": round(wall, 2),
    }


def summary(rows: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    by_class: dict[str, list[float]] = {}
    for row in rows:
        by_class.setdefault(str(row["class"]), []).append(float(row["gap_pct"]))  # type: ignore[arg-type]
    out = {
        c: {"n": len(g), "mean_gap": statistics.mean(g), "worst_gap": max(g)}
        for c, g in sorted(by_class.items())
    }
    gaps = [float(r["gap_pct"]) for r in rows]  # type: ignore[arg-type]
    out["ALL"] = {"n": len(gaps), "mean_gap": statistics.mean(gaps), "worst_gap": max(gaps)}
    return out


def machine() -> dict[str, str]:
    return {"python": platform.python_version(), "pyvrp": version("pyvrp"), "platform": platform.platform()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--set", choices=["solomon", "gh", "all"], default="solomon")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--instances", help="comma-separated names or prefixes*, e.g. C101,R1_10_*")
    ap.add_argument("--out", help="JSON file (default benchmarks/results/vrptw_<set>_<seconds>s.json)")
    args = ap.parse_args()
    bks, rows = load_bks(), []
    out = Path(args.out) if args.out else RESULTS / f"vrptw_{args.set}_{args.seconds:g}s.json"
    print(
        f"{'instance':<10} {'n':>5} {'veh':>4} {'served':>6} {'distance':>10} {'bks':>10} {'gap%':>7}"
        " ok  wall"
    )
    for path in instance_files(args.set, args.instances):
        row = run_one(path, args.seconds, args.seed, bks)
        rows.append(row)
        print(
            f"{row['instance']:<10} {row['n']:>5} {row['vehicles']:>4} {row['served']:>6} "
            f"{row['distance']:>10} {row['bks_dist_only']:>10} {row['gap_pct']:>7} "
            f"{'Y' if row['feasible'] else 'N'}  {row['wall_s']}",
            flush=True,
        )
        _write(out, args, rows)
    for cls, s in summary(rows).items():
        print(f"{cls:<5} n={s['n']:<3} mean gap {s['mean_gap']:.3f}%  worst {s['worst_gap']:.3f}%")


def _write(out: Path, args: argparse.Namespace, rows: list[dict[str, object]]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": " ".join(sys.argv),
        "seconds": args.seconds,
        "seed": args.seed,
        "machine": machine(),
        "summary": summary(rows),
        "rows": rows,
    }
    out.write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
