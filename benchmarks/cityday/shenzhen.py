"""Shenzhen city day (the shared generator's JSON format) in and out of the routing core.

The shared generator (``/work/shared/benchmarks/cityday/generate.py``) writes a day in minutes from
midnight; its checker reads ``{"routes": [{"technician", "visits", "break_after"}], "unassigned"}``.
Here: that JSON -> :class:`Problem` (seconds; urgent visits get priority 2, lunch latest start =
latest end − duration), and a :class:`Plan` -> the checker's plan JSON (``break_after`` = the core's
lunch gap).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.model import LunchBreak, Plan, Problem, Technician, Visit
from doorstep.dispatch.routing.travel import HaversineTravel

URGENT_PRIORITY = 2


def load(path: Path | str) -> tuple[Problem, dict[str, Any]]:
    data = json.loads(Path(path).read_text())
    return to_problem(data), data


def to_problem(data: dict[str, Any]) -> Problem:
    techs = []
    for t in data["technicians"]:
        br = t["break"]
        lunch = LunchBreak(
            duration=br["duration"] * 60,
            earliest_start=br["earliest"] * 60,
            latest_start=(br["latest"] - br["duration"]) * 60,
        )
        techs.append(
            Technician(
                t["id"],
                Location.from_latlng(*t["home"]),
                t["shift"][0] * 60,
                t["shift"][1] * 60,
                skills=frozenset(t["skills"]),
                lunch=lunch,
            )
        )
    visits = [
        Visit(
            v["id"],
            Location.from_latlng(*v["loc"]),
            v["window"][0] * 60,
            v["window"][1] * 60,
            v["duration_min"] * 60,
            frozenset(v["skills"]),
            priority=URGENT_PRIORITY if v["priority"] == "urgent" else 0,
            pinned_to=v.get("pinned_technician"),
        )
        for v in data["visits"]
    ]
    travel = HaversineTravel(road_factor=float(data["road_factor"]), speed_kmh=float(data["speed_kmh"]))
    return Problem(techs, visits, travel, name=data.get("name", ""))


def to_plan_json(plan: Plan, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    routes = []
    for r in plan.routes:
        if not r.stops:
            continue
        route: dict[str, Any] = {"technician": r.technician_id, "visits": r.visit_ids}
        if r.lunch is not None:
            route["break_after"] = r.lunch.before_stop
        routes.append(route)
    return {"routes": routes, "unassigned": [u.visit_id for u in plan.unassigned], "meta": meta or {}}
