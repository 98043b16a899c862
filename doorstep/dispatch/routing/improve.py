"""Exact relocation: each visit moved to the position of any nearby route that shortens the day.

PyVRP's search costs a technician's lunch at a fixed place (its anchor, :mod:`pyvrp_encode`). A visit next
to the lunch is anchored there: moving it away leaves the lunch at the visit's old address, so the search
sees a detour that the real day would not drive, and keeps the visit where it is.

This pass moves visits one at a time, timing each changed route exactly with :func:`schedule.feasible`,
which takes the lunch wherever the technician is (any gap of the route). A move is made when it lowers
the day's distance; the sweep over all visits repeats until no move is left or the time is up. The
visits served, the technicians who may serve them (skills R-DI-2 / R-PR-2, pins) and every window
(R-DI-3) stay as the check wants them; only the order and the technician change.

Pure Python on sequences of visit indices, like :mod:`insert`; the caller checks the returned plan.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from doorstep.dispatch.routing.insert import MAX_TIMINGS, Routes, rebuild_plan
from doorstep.dispatch.routing.model import Plan, Problem

RELOCATE_ROUTES = 10  # routes tried per visit: its own, then those of the visits and homes nearest to it
NEAR_PLACES = 40  # nearest places (visits, homes) whose routes are looked at
MAX_SWEEPS = 20


def relocate(problem: Problem, plan: Plan, seconds: float) -> Plan:
    """``plan`` with visits relocated while a move shortens the day (at most ``seconds``).

    After the first sweep a visit is looked at again only if its route or one of the routes near it
    changed since it was last looked at."""
    deadline = time.perf_counter() + seconds
    idx = problem.technician_index
    state = Routes(
        problem, {idx[r.technician_id]: [problem.visit_index[v] for v in r.visit_ids] for r in plan.routes}
    )
    dist = {t: state.route_distance(t, seq) for t, seq in state.seqs.items()}
    near = _near_places(problem)
    seen: dict[int, int] = {}  # visit -> sweep counter when last looked at
    changed: dict[int, int] = dict.fromkeys(state.seqs, 0)  # route -> sweep counter of its last change
    moves = clock = 0
    for _ in range(MAX_SWEEPS):
        moved = 0
        for i in range(problem.n_visits):
            if time.perf_counter() > deadline:
                break
            techs = _routes_near(state, near, i)
            if i in seen and all(changed.get(u, -1) < seen[i] for u in techs):
                continue
            clock += 1
            seen[i] = clock
            touched = _relocate(state, dist, i, techs)
            for u in touched:
                changed[u] = clock
            moved += bool(touched)
        moves += moved
        if not moved or time.perf_counter() > deadline:
            break
    if not moves:
        return plan
    before = plan.distance
    out = rebuild_plan(problem, plan, state, list(plan.unassigned), [])
    out.notes = [*plan.notes, f"relocated {moves} visit(s): distance {before} -> {out.distance}"]
    return out


def _near_places(problem: Problem) -> npt.NDArray[np.int64]:
    """Per visit, the ``NEAR_PLACES`` places nearest to it (there and back), nearest first: other visits
    (point index below ``n_visits``) and technicians' homes (start points)."""
    n, n_t = problem.n_visits, len(problem.technicians)
    d = problem.matrix().distances
    places = n + n_t  # visits, then start points
    both = d[:n, :places].astype(np.int64) + d[:places, :n].T
    np.fill_diagonal(both, np.iinfo(np.int64).max)  # the visit itself (point i of row i)
    k = min(NEAR_PLACES, places - 1)
    if k <= 0:
        return np.zeros((n, 0), dtype=np.int64)
    part = np.argpartition(both, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(both, part, axis=1), axis=1, kind="stable")
    near: npt.NDArray[np.int64] = np.take_along_axis(part, order, axis=1)
    return near


def _routes_near(state: Routes, near: npt.NDArray[np.int64], i: int) -> list[int]:
    """Visit ``i``'s own route, then the routes of the visits and homes nearest to it that may take it
    (skills, pins, shift)."""
    n = state.problem.n_visits
    own = int(state.owner[i])
    mask = state.taker_mask(i)
    out = [own] if own >= 0 else []
    owner = state.owner
    for p in near[i].tolist():
        u = int(owner[p]) if p < n else p - n
        if u >= 0 and mask[u] and u not in out:
            out.append(u)
            if len(out) == RELOCATE_ROUTES:
                break
    return out


def _relocate(state: Routes, dist: dict[int, int], i: int, techs: list[int]) -> tuple[int, ...]:
    """Move visit ``i`` to the cheapest feasible position among ``techs`` that saves distance; the
    routes changed (none if it stays)."""
    t = int(state.owner[i])
    if t < 0:
        return ()
    seq = state.seqs[t]
    k = seq.index(i)
    rest = seq[:k] + seq[k + 1 :]
    rest_dist = state.route_distance(t, rest)
    gain = dist[t] - rest_dist
    if gain <= 0:
        return ()
    seqs = {u: (rest if u == t else state.seqs.get(u, [])) for u in techs}
    cands = sorted(c for c in state.candidates(i, techs, seqs) if c[0] < gain)
    rest_ok: bool | None = None
    for cost, u, pos in cands[:MAX_TIMINGS]:
        new = [*seqs[u][:pos], i, *seqs[u][pos:]]
        if u == t and new == seq:
            continue
        if not state.feasible(u, new):
            continue
        if u != t:
            if rest_ok is None:
                rest_ok = state.feasible(t, rest)
            if not rest_ok:
                return ()
            state.set_seq(t, rest)
            dist[t] = rest_dist
            dist[u] = (dist[u] if u in dist else state.route_distance(u, [])) + cost
        else:
            dist[t] = rest_dist + cost
        state.set_seq(u, new)
        return (t, u)
    return ()
