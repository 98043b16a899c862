"""City day: the optimiser against the greedy board dispatcher on a generated Shanghai day.

Usage::

    nice -n 15 taskset -c 1 .venv/bin/python benchmarks/cityday/run.py --seconds 25
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate  # noqa: E402

from doorstep.core.punctuality import is_early_enough  # noqa: E402
from doorstep.dispatch.routing.check import check_plan  # noqa: E402
from doorstep.dispatch.routing.greedy import solve_greedy  # noqa: E402
from doorstep.dispatch.routing.model import Plan, Problem  # noqa: E402
from doorstep.dispatch.routing.solver import SolveOptions, solve  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def metrics(problem: Problem, plan: Plan, wall: float) -> dict[str, object]:
    stops = [(s, problem.visits[problem.visit_index[s.visit_id]]) for r in plan.routes for s in r.stops]
    in_window = sum(v.window_start <= s.start <= v.window_end for s, v in stops)
    early = sum(
        is_early_enough(v.window_start, s.arrival, early_margin_s=problem.early_margin) for s, v in stops
    )
    jobs = [len(r.stops) for r in plan.routes]
    pinned = [v for v in problem.visits if v.pinned_to]
    served_ids = {s.visit_id for s, _ in stops}
    return {
        "served": len(stops),
        "served_pct": round(100 * len(stops) / len(problem.visits), 2),
        "unassigned": len(plan.unassigned),
        "travel_km": round(plan.distance / 1000, 1),
        "windows_met_pct": round(100 * in_window / max(1, len(stops)), 2),
        "arrive_5min_early_pct": round(100 * early / max(1, len(stops)), 1),
        "technicians_used": len(jobs),
        "jobs_per_tech_mean": round(statistics.mean(jobs), 2) if jobs else 0,
        "jobs_per_tech_max": max(jobs, default=0),
        "pinned_served": sum(v.id in served_ids for v in pinned),
        "pinned": len(pinned),
        "solve_s": round(wall, 2),
        "violations": len(check_plan(problem, plan)),
    }


def run(seed: int, visits: int, techs: int, seconds: float) -> dict[str, object]:
    problem = generate(seed, visits, techs)
    problem.matrix()
    t0 = time.perf_counter()
    greedy = solve_greedy(problem)
    g = metrics(problem, greedy, time.perf_counter() - t0)
    t0 = time.perf_counter()
    plan = solve(problem, SolveOptions(seconds=seconds, seed=1))
    o = metrics(problem, plan, time.perf_counter() - t0)
    o["km_vs_greedy"] = round(float(o["travel_km"]) / float(g["travel_km"]), 3)  # type: ignore[arg-type]
    reasons: dict[str, int] = {}
    for u in plan.unassigned:
        reasons[u.reason] = reasons.get(u.reason, 0) + 1
    return {
        "instance": problem.name,
        "seconds": seconds,
        "greedy": g,
        "optimiser": o,
        "unassigned_reasons": reasons,
        "notes": plan.notes,
    }


def print_table(result: dict[str, object]) -> None:
    g, o = result["greedy"], result["optimiser"]
    assert isinstance(g, dict) and isinstance(o, dict)
    print(f"{result['instance']}  budget {result['seconds']} s")
    print(f"{'metric':<22} {'greedy':>10} {'optimiser':>10}")
    for key in g:
        print(f"{key:<22} {g[key]!s:>10} {o[key]!s:>10}")
    print(f"{'km_vs_greedy':<22} {'1.000':>10} {o['km_vs_greedy']!s:>10}")


def main() -> None:
    ap = argparse.ArgumentParser(description="Optimiser vs greedy on a generated city day.")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--visits", type=int, default=2000)
    ap.add_argument("--technicians", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=25.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    result = run(args.seed, args.visits, args.technicians, args.seconds)
    result["command"] = " ".join(sys.argv)
    result["machine"] = {"python": platform.python_version(), "pyvrp": version("pyvrp")}
    print_table(result)
    out = (
        args.out
        or RESULTS / f"cityday_{args.visits}x{args.technicians}_seed{args.seed}_{args.seconds:g}s.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
