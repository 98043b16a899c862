"""Greedy "nearest available technician" baseline (a dispatcher at a board).

Pinned (already confirmed) visits are placed first, then the others by window start (then
priority). Each goes to the end of the route of the eligible technician (skills R-DI-2 / R-PR-2,
pin) with the least added travel distance whose timing stays feasible: window (R-AR-5), lunch break
still placeable, home by shift end, capacity.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from doorstep.dispatch.routing.model import Plan, Problem, Unassigned, Visit
from doorstep.dispatch.routing.repair import repair
from doorstep.dispatch.routing.schedule import build_route

I64 = npt.NDArray[np.int64]
BIG = np.int64(1 << 50)


@dataclass(slots=True)
class _Fleet:
    """Vectorised state of every technician's open route end."""

    here: I64
    free_at: I64
    lunch_pending: npt.NDArray[np.bool_]
    home: I64
    shift_end: I64
    l_early: I64
    l_late: I64
    l_dur: I64
    load: I64
    capacity: I64

    @classmethod
    def of(cls, problem: Problem) -> _Fleet:
        techs = problem.technicians
        n_t, dims = len(techs), max((len(t.capacity) for t in techs), default=0)

        def arr(values: list[int]) -> I64:
            return np.array(values, dtype=np.int64)

        return cls(
            here=arr([problem.start_point(t) for t in range(n_t)]),
            free_at=arr([t.shift_start for t in techs]),
            lunch_pending=np.array([t.lunch is not None for t in techs], dtype=bool),
            home=arr([problem.end_point(t) for t in range(n_t)]),
            shift_end=arr([t.shift_end for t in techs]),
            l_early=arr([t.lunch.earliest_start if t.lunch else 0 for t in techs]),
            l_late=arr([t.lunch.latest_start if t.lunch else int(BIG) for t in techs]),
            l_dur=arr([t.lunch.duration if t.lunch else 0 for t in techs]),
            load=np.zeros((n_t, dims), dtype=np.int64),
            capacity=np.array(
                [list(t.capacity) + [0] * (dims - len(t.capacity)) for t in techs], np.int64
            ).reshape(n_t, dims),
        )


def _lunch_leg(f: _Fleet, free_at: I64, travel: I64) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Arrival with lunch taken in this gap (as schedule._leg without splitting), and feasibility."""
    on_arrival = np.maximum(f.l_early, free_at + travel)
    before = np.maximum(f.l_early, free_at)
    ready = np.where(on_arrival <= f.l_late, on_arrival + f.l_dur, before + f.l_dur + travel)
    return ready, before <= f.l_late


def _options(problem: Problem, f: _Fleet, i: int) -> tuple[npt.NDArray[np.bool_], I64, npt.NDArray[np.bool_]]:
    """Feasibility, service start and "take lunch now" for appending visit ``i`` to every route."""
    m, v, p = problem.matrix().durations, problem.visits[i], problem.visit_point(i)
    travel, home_travel = m[f.here, p], m[p, f.home]
    start_a = np.maximum(f.free_at + travel, v.window_start)
    end_a = start_a + v.service
    close_ready, close_ok = _lunch_leg(f, end_a, home_travel)
    ok_a = (start_a <= v.window_end) & np.where(
        f.lunch_pending, close_ok & (close_ready <= f.shift_end), end_a + home_travel <= f.shift_end
    )
    ready_b, ok_lunch = _lunch_leg(f, f.free_at, travel)
    start_b = np.maximum(ready_b, v.window_start)
    ok_b = f.lunch_pending & ok_lunch & (start_b <= v.window_end)
    ok_b &= start_b + v.service + home_travel <= f.shift_end
    take_b = ok_b & (~ok_a | (start_b <= start_a))
    return ok_a | ok_b, np.where(take_b, start_b, start_a), take_b


def _eligible(problem: Problem, i: int) -> npt.NDArray[np.bool_]:
    return np.array([problem.can_serve(t, i) for t in range(len(problem.technicians))], dtype=bool)


def _board_order(visit: Visit) -> tuple[bool, int, int]:
    """Confirmed (pinned) jobs first, then by window start, then by priority."""
    return (visit.pinned_to is None, visit.window_start, -visit.priority)


def greedy_sequences(problem: Problem) -> tuple[list[list[int]], list[int | None], list[Unassigned]]:
    """Per technician: visit order and lunch gap; plus the visits left over with a reason."""
    f, dist = _Fleet.of(problem), problem.matrix().distances
    seqs: list[list[int]] = [[] for _ in problem.technicians]
    gaps: list[int | None] = [None] * len(problem.technicians)
    unassigned: list[Unassigned] = []
    order = sorted(range(problem.n_visits), key=lambda i: _board_order(problem.visits[i]))
    for i in order:
        v, p = problem.visits[i], problem.visit_point(i)
        eligible = _eligible(problem, i)
        if not eligible.any():
            unassigned.append(Unassigned(v.id, "no technician with the required skills/pin (R-DI-2)"))
            continue
        ok, start, take_lunch = _options(problem, f, i)
        demand = np.array(list(v.demand) + [0] * (f.load.shape[1] - len(v.demand)), dtype=np.int64)
        ok &= eligible & ((f.load + demand) <= f.capacity).all(axis=1)
        if not ok.any():
            unassigned.append(Unassigned(v.id, "no eligible technician can fit the window and shift"))
            continue
        added = dist[f.here, p] + dist[p, f.home] - dist[f.here, f.home]
        t = int(np.argmin(np.where(ok, added, BIG)))
        if take_lunch[t]:
            gaps[t], f.lunch_pending[t] = len(seqs[t]), False
        seqs[t].append(i)
        f.here[t], f.free_at[t] = p, start[t] + v.service
        f.load[t] += demand
    return seqs, gaps, unassigned


def solve_greedy(problem: Problem) -> Plan:
    """The greedy board plan; every route is timed by :func:`schedule.build_route`."""
    t0 = time.perf_counter()
    seqs, gaps, unassigned = greedy_sequences(problem)
    routes = []
    for t, seq in enumerate(seqs):
        if not seq:
            continue
        route = build_route(problem, t, seq, gaps[t] if gaps[t] is not None else len(seq))
        if route is None:  # pragma: no cover - greedy timing mirrors schedule timing
            unassigned += [Unassigned(problem.visits[i].id, "greedy timing mismatch") for i in seq]
            continue
        routes.append(route)
    plan = repair(problem, Plan(routes, unassigned, solver="greedy"))
    plan.runtime_s = time.perf_counter() - t0
    return plan
