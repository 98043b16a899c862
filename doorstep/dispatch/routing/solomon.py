"""Solomon-format VRPTW instances (Solomon 1987, Gehring–Homberger) as a :class:`Problem`.

Vehicles become identical technicians at the depot with a one-dimensional capacity; customers become
visits with a demand. Times and distances are multiplied by ``scale`` so that the integer matrices
keep the benchmark's precision (see :class:`EuclideanTravel`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.model import Problem, Technician, Visit
from doorstep.dispatch.routing.travel import EuclideanTravel, Rounding


@dataclass(frozen=True, slots=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    rows: list[tuple[int, float, float, int, float, float, float]]  # id, x, y, demand, ready, due, service


def read_solomon(path: str | Path) -> SolomonInstance:
    lines = [ln.split() for ln in Path(path).read_text().splitlines()]
    name = next(parts[0] for parts in lines if parts)
    numeric = [parts for parts in lines if parts and all(_is_number(x) for x in parts)]
    vehicles, capacity = (int(x) for x in numeric[0][:2])
    rows = [
        (int(r[0]), float(r[1]), float(r[2]), int(float(r[3])), float(r[4]), float(r[5]), float(r[6]))
        for r in numeric[1:]
        if len(r) >= 7
    ]
    return SolomonInstance(name, vehicles, capacity, rows)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _scaled(value: float, scale: float, up: bool) -> int:
    return math.ceil(value * scale - 1e-9) if up else math.floor(value * scale + 1e-9)


def solomon_problem(
    path: str | Path,
    scale: float = 1000.0,
    rounding: Rounding = "ceil",
    distance_rounding: Rounding = "round",
    vehicles: int | None = None,
) -> Problem:
    """Build the problem: depot = row 0, technicians ``T1..Tk`` with capacity, visits ``1..n``.

    Windows are scaled outwards-safe: ready times up, due dates down, service times up, so that any
    schedule feasible in integers is feasible in real arithmetic.
    """
    inst = read_solomon(path)
    depot = inst.rows[0]
    home = Location(depot[1], depot[2])
    shift_end = _scaled(depot[5], scale, up=False)
    techs = [
        Technician(f"T{k + 1}", home, 0, shift_end, capacity=(inst.capacity,))
        for k in range(vehicles or inst.vehicles)
    ]
    visits = [
        Visit(
            id=str(cid),
            location=Location(x, y),
            window_start=_scaled(ready, scale, up=True),
            window_end=_scaled(due, scale, up=False),
            service=_scaled(service, scale, up=True),
            demand=(demand,),
        )
        for cid, x, y, demand, ready, due, service in inst.rows[1:]
    ]
    travel = EuclideanTravel(scale=scale, duration_rounding=rounding, distance_rounding=distance_rounding)
    return Problem(techs, visits, travel, early_margin=0, allow_unassigned=False, name=inst.name)
