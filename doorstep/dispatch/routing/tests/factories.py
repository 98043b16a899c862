"""Tiny hand-made problems for the routing tests (plane coordinates, 1 unit = 1 second = 1 metre)."""

from __future__ import annotations

import random
from dataclasses import replace

from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.model import LunchBreak, Problem, Technician, Visit
from doorstep.dispatch.routing.travel import EuclideanTravel, HaversineTravel

__all__ = ["LUNCH", "SOLOMON_DIR", "H", "line_problem", "replace", "small_city_day"]

H = 3600
SOLOMON_DIR = "/work/shared/benchmarks/vrptw/solomon"
LUNCH = LunchBreak(duration=H, earliest_start=11 * H + 1800, latest_start=13 * H + 1800)


def line_problem(lunch: LunchBreak | None = None, margin: int = 300) -> Problem:
    """Two technicians at x=0 (T1 has skill "ac", T2 "washer"); three visits along the x axis."""
    techs = [
        Technician(
            "T1", Location(0, 0), 8 * H, 18 * H, skills=frozenset({"ac"}), lunch=lunch, capacity=(10,)
        ),
        Technician(
            "T2", Location(0, 0), 8 * H, 18 * H, skills=frozenset({"washer"}), lunch=lunch, capacity=(10,)
        ),
    ]
    visits = [
        Visit("A", Location(600, 0), 9 * H, 11 * H, 1800, frozenset({"ac"}), demand=(4,)),
        Visit("B", Location(1200, 0), 10 * H, 12 * H, 1800, frozenset({"ac"}), demand=(4,)),
        Visit("C", Location(0, 900), 9 * H, 11 * H, 1800, frozenset({"washer"}), pinned_to="T2", demand=(1,)),
    ]
    return Problem(techs, visits, EuclideanTravel(), early_margin=margin)


def small_city_day(seed: int = 3, n_visits: int = 40, n_techs: int = 6) -> Problem:
    """A small Shanghai-like day: skills by product line, pins, lunch, 2-hour windows."""
    rng = random.Random(seed)
    centre = (31.23, 121.47)
    lines = ["ac", "washer", "fridge"]

    def place() -> Location:
        return Location.from_latlng(centre[0] + rng.gauss(0, 0.03), centre[1] + rng.gauss(0, 0.03))

    techs = [
        Technician(
            f"T{k}",
            place(),
            8 * H + 1800,
            18 * H,
            skills=frozenset({lines[k % 3], lines[(k + 1) % 3]}),
            lunch=LUNCH,
        )
        for k in range(n_techs)
    ]
    visits = []
    for k in range(n_visits):
        start = rng.choice(range(9, 17)) * H
        skill = rng.choice(lines)
        pin = None
        if k % 10 == 0:
            pin = next(t.id for t in techs if skill in t.skills)
        visits.append(
            Visit(
                f"V{k}",
                place(),
                start,
                start + 2 * H,
                rng.choice([20, 30, 40]) * 60,
                frozenset({skill}),
                pinned_to=pin,
            )
        )
    return Problem(techs, visits, HaversineTravel(), early_margin=5 * 60, name="small-city")
