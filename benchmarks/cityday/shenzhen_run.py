"""Shenzhen city day (shared generator, sizes S–XXL): the routing core scored by the shared checker.

Usage::

    nice -n 15 .venv/bin/python benchmarks/cityday/shenzhen_run.py --size M --seed 101 --seconds 30

The instance is generated with ``/work/shared/benchmarks/cityday/generate.py`` into ``--work``
(default ``/tmp/cityday``), solved by ``doorstep.dispatch.routing.solve`` (wall time counts loading,
encoding and the final check), written in the checker's plan format, then scored by the shared
``check.py`` against the shared ``greedy.py`` on the same instance. Peak memory is the largest
resident set of this process and of its child processes (the parallel parts of a large day).
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
    t0 = time.perf_counter()
    problem, _ = load(problem_json)
    plan = solve(problem, SolveOptions(seconds=seconds, seed=solver_seed))
    wall = time.perf_counter() - t0
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
    }


def main() -> None:
    ap = argparse.ArgumentParser(description="Routing core vs greedy board on a Shenzhen city day.")
    ap.add_argument("--size", default="M", choices=["S", "M", "L", "XL", "XXL"])
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--solver-seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cityday"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--no-greedy", action="store_true", help="score against an existing greedy plan only")
    args = ap.parse_args()
    result = run(args.size, args.seed, args.seconds, args.work, args.solver_seed, not args.no_greedy)
    result["command"] = " ".join(sys.argv)
    result["machine"] = {"python": platform.python_version(), "cores": os.cpu_count()}
    print(json.dumps(result, ensure_ascii=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
