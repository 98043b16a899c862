"""Shenzhen city day (shared generator, sizes S–XXL): the routing core scored by the shared checker.

Usage::

    nice -n 15 .venv/bin/python benchmarks/cityday/shenzhen_run.py --size M --seed 101 --seconds 30

The instance is generated with ``/work/shared/benchmarks/cityday/generate.py`` into ``--work``
(default ``/tmp/cityday``), solved by ``doorstep.dispatch.routing.solve`` (wall time counts loading,
encoding and the final check), written in the checker's plan format, then scored by the shared
``check.py`` against the shared ``greedy.py`` on the same instance. Peak memory is the largest
resident set of this process and of its child processes (the parallel parts of a large day); CPU
seconds are this process's own (on a shared machine, the part of the wall time it got a core).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shenzhen import load, to_plan_json  # noqa: E402

from doorstep.dispatch.routing.solver import SolveOptions, solve  # noqa: E402

SHARED = Path(os.environ.get("CITYDAY_SHARED", "/work/shared/benchmarks/cityday"))
RESULTS = ROOT / "benchmarks" / "results"


def _check(problem_json: Path, plan_json: Path) -> dict[str, object]:
    out = plan_json.with_suffix(".report.json")
    subprocess.run(
        [
            sys.executable,
            str(SHARED / "check.py"),
            str(problem_json),
            str(plan_json),
            "--json",
            str(out),
            "--quiet",
        ],
        check=False,
    )
    report: dict[str, object] = json.loads(out.read_text())
    report.pop("routes", None)
    return report


def _greedy(problem_json: Path, work: Path) -> dict[str, object]:
    plan = work / (problem_json.stem + ".greedy.json")
    if not plan.exists():
        subprocess.run(
            [sys.executable, str(SHARED / "greedy.py"), str(problem_json), str(plan)],
            check=True,
            cwd=SHARED,
            stdout=subprocess.DEVNULL,
        )
    return _check(problem_json, plan)


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


def run(
    size: str, seed: int, seconds: float, work: Path, solver_seed: int, greedy: bool = True
) -> dict[str, object]:
    work.mkdir(parents=True, exist_ok=True)
    problem_json = work / f"{size}_{seed}.json"
    if not problem_json.exists():
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "generate.py"),
                "--size",
                size,
                "--seed",
                str(seed),
                "--out",
                str(problem_json),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    load_start = os.getloadavg()[0]
    t0, cpu0 = time.perf_counter(), time.process_time()
    problem, _ = load(problem_json)
    plan = solve(problem, SolveOptions(seconds=seconds, seed=solver_seed))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = _peak_mb()
    plan_json = work / f"{size}_{seed}.plan.json"
    meta = {"method": "doorstep", "budget_s": seconds, "wall_s": round(wall, 2), "solve_s": round(wall, 2)}
    plan_json.write_text(json.dumps(to_plan_json(plan, meta)))
    ours = _check(problem_json, plan_json)
    board = _greedy(problem_json, work) if greedy or (work / f"{size}_{seed}.greedy.json").exists() else None
    ratio = float(ours["travel_km"]) / float(board["travel_km"]) if board else float("nan")  # type: ignore[arg-type]
    return {
        "instance": problem.name,
        "size": size,
        "seed": seed,
        "seconds": seconds,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),  # this process's CPU time (children not counted): the share it got
        "peak_mb": peak,
        "served_pct": ours["served_pct"],
        "unassigned": ours["unassigned"],
        "unassigned_urgent": ours["unassigned_urgent"],
        "violations": ours["violations_total"],
        "travel_km": ours["travel_km"],
        "greedy_km": board["travel_km"] if board else None,
        "greedy_served_pct": board["served_pct"] if board else None,
        "km_vs_greedy": round(ratio, 3),
        "notes": plan.notes,
        "load_avg": os.getloadavg()[0],
        "load_start": load_start,
    }


BUDGET = {"S": 10.0, "M": 30.0, "L": 60.0, "XL": 120.0, "XXL": 120.0}


def markdown_row(r: dict[str, object]) -> str:
    greedy = f"{r['greedy_served_pct']} %" if r.get("greedy_served_pct") is not None else "—"
    return (
        f"| {r['size']} | {r['seed']} | {r['seconds']:g} | {r['served_pct']} % | {r['violations']} "
        f"| {r['unassigned_urgent']} | {r['km_vs_greedy']} | {greedy} | {r['wall_s']} "
        f"| {r.get('cpu_s', '—')} | {r['peak_mb']} | {r['load_avg']:.1f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="Routing core vs greedy board on a Shenzhen city day.")
    ap.add_argument("--size", default="M", help="one size or a comma list (S,M,L,XL,XXL)")
    ap.add_argument("--seed", default="101", help="one generator seed or a comma list")
    ap.add_argument("--seconds", type=float, help="budget (default: S 10, M 30, L 60, XL/XXL 120)")
    ap.add_argument("--solver-seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cityday"))
    ap.add_argument(
        "--out", type=Path, help="JSON results (default benchmarks/results/cityday_shenzhen_*.json)"
    )
    ap.add_argument("--no-greedy", action="store_true", help="score against an existing greedy plan only")
    args = ap.parse_args()
    results = []
    for size in args.size.split(","):
        for seed in (int(x) for x in args.seed.split(",")):
            seconds = args.seconds or BUDGET[size]
            result = run(size, seed, seconds, args.work, args.solver_seed, not args.no_greedy)
            result["command"] = " ".join(sys.argv)
            result["machine"] = {"python": platform.python_version(), "cores": os.cpu_count()}
            print(json.dumps(result, ensure_ascii=False), flush=True)
            results.append(result)
    print(
        "| size | seed | budget s | served | violations | urgent left | km vs greedy | greedy served "
        "| wall s | CPU s | peak MB | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(markdown_row(r))
    out = (
        args.out
        or RESULTS / f"cityday_shenzhen_{args.size.replace(',', '-')}_{args.seed.replace(',', '-')}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
