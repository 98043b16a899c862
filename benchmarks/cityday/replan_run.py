"""Live re-plan on a Shenzhen L day: 100 random events, median time, fixed parts and calls checked.

Usage::

    nice -n 15 .venv/bin/python benchmarks/cityday/replan_run.py --size L --seed 101 --events 100

The day is planned once (``--seconds``); every planned start is taken as confirmed to the customer.
Each event (urgent order, cancel, 40-minute overrun, technician sick; in turn) is applied to that
plan at a random time between 09:30 and 16:00. Counted per event: the re-plan time, violations of
the re-planned routes (independent check), confirmed times changed without a call (must be 0),
stops under way changed (must be 0), customers to call (R-DI-8).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shenzhen import load  # noqa: E402
from shenzhen_run import SHARED  # noqa: E402

from doorstep.dispatch.routing.model import Plan, Problem, Visit  # noqa: E402
from doorstep.dispatch.routing.replan import Event, Replan, check_replan, replan  # noqa: E402
from doorstep.dispatch.routing.solver import SolveOptions, solve  # noqa: E402

KINDS = ("urgent", "cancel", "overrun", "sick")


def _event(problem: Problem, plan: Plan, kind: str, now: int, rng: random.Random, k: int) -> Event | None:
    if kind == "urgent":
        like = rng.choice(problem.visits)
        start = now + 3600
        return Event(
            "urgent",
            visit=Visit(f"URG{k}", like.location, start, start + 1800, 3600, like.required_skills, 2),
        )
    if kind == "cancel":
        future = [s for r in plan.routes for s in r.stops if s.departure > now]
        return Event("cancel", visit_id=rng.choice(future).visit_id) if future else None
    if kind == "overrun":
        going = [s for r in plan.routes for s in r.stops if s.start <= now < s.end]
        return Event("overrun", visit_id=rng.choice(going).visit_id, seconds=40 * 60) if going else None
    busy = [r for r in plan.routes if any(s.departure > now for s in r.stops)]
    return Event("sick", technician_id=rng.choice(busy).technician_id) if busy else None


def _audit(plan: Plan, result: Replan, now: int, confirmed: dict[str, int]) -> tuple[int, int]:
    """(confirmed times changed without a call, stops under way changed)."""
    calls = {c.visit_id for c in result.to_call}
    starts = {s.visit_id: s.start for r in result.plan.routes for s in r.stops}
    silent = sum(
        1
        for vid, t in confirmed.items()
        if vid in result.problem.visit_index and vid not in calls and starts.get(vid) != t
    )
    after = {r.technician_id: r for r in result.plan.routes}
    moved_fixed = 0
    for r in plan.routes:
        fixed = [(s.visit_id, s.start) for s in r.stops if s.departure <= now]
        new = after.get(r.technician_id)
        got = [(s.visit_id, s.start) for s in (new.stops if new else [])][: len(fixed)]
        moved_fixed += fixed != got
    return silent, moved_fixed


def main() -> None:
    ap = argparse.ArgumentParser(description="Live re-plan: 100 random events on a city day.")
    ap.add_argument("--size", default="L")
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--seconds", type=float, default=60.0, help="budget of the day's plan")
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cityday"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / f"{args.size}_{args.seed}.json"
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "generate.py"),
                "--size",
                args.size,
                "--seed",
                str(args.seed),
                "--out",
                str(path),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    problem, _ = load(path)
    plan = solve(problem, SolveOptions(seconds=args.seconds))
    problem.matrix()
    confirmed = {s.visit_id: s.start for r in plan.routes for s in r.stops}
    rng = random.Random(args.seed)
    rows: list[dict[str, Any]] = []
    for k in range(args.events):
        kind = KINDS[k % len(KINDS)]
        now = rng.randrange(9 * 3600 + 1800, 16 * 3600, 60)
        event = _event(problem, plan, kind, now, rng, k)
        if event is None:
            continue
        t0 = time.perf_counter()
        result = replan(problem, plan, event, now, confirmed)
        wall = time.perf_counter() - t0
        silent, moved_fixed = _audit(plan, result, now, confirmed)
        found = [v for v in check_replan(result) if v.technician_id not in result.forced]
        forced = [v for v in check_replan(result) if v.technician_id in result.forced]
        rows.append(
            {
                "kind": kind,
                "wall_s": wall,
                "technicians": len(result.technicians),
                "violations": len(found),
                "forced_by_event": [str(v) for v in forced],
                "violation_kinds": sorted({str(v) for v in found}),
                "silent_changes": silent,
                "fixed_changed": moved_fixed,
                "to_call": len(result.to_call),
                "left_over": len(result.plan.unassigned) - len(plan.unassigned),
            }
        )
    walls = sorted(r["wall_s"] for r in rows)
    summary = {
        "instance": problem.name,
        "events": len(rows),
        "median_s": round(statistics.median(walls), 3),
        "p90_s": round(walls[int(0.9 * (len(walls) - 1))], 3),
        "max_s": round(walls[-1], 3),
        "violations": sum(r["violations"] for r in rows),
        "forced_by_event": sum(len(r["forced_by_event"]) for r in rows),
        "silent_changes": sum(r["silent_changes"] for r in rows),
        "fixed_changed": sum(r["fixed_changed"] for r in rows),
        "to_call_mean": round(statistics.mean(r["to_call"] for r in rows), 2),
        "per_kind_median_s": {
            k: round(statistics.median([r["wall_s"] for r in rows if r["kind"] == k]), 3)
            for k in KINDS
            if any(r["kind"] == k for r in rows)
        },
        "command": " ".join(sys.argv),
    }
    print(json.dumps(summary, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "events": rows}, indent=1))


if __name__ == "__main__":
    main()
