"""Exact relocation: each visit moved to the position of any nearby route that shortens the day.

PyVRP's search costs a technician's lunch at a fixed place (its anchor, :mod:`pyvrp_encode`). A visit next
to the lunch is anchored there: moving it away leaves the lunch at the visit's old address, so the search
sees a detour that the real day would not drive, and keeps the visit where it is. About a third of a
field day's visits sit next to a lunch or a visit that does.

This pass moves visits one at a time, timing each changed route exactly with :func:`schedule.feasible`,
which takes the lunch wherever the technician is (any gap of the route). A move is made when it lowers
the day's distance; the sweep over all visits repeats until no move is left or the time is up. The
visits served, the technicians who may serve them (skills R-DI-2 / R-PR-2, pins) and every window
(R-DI-3) stay as the check wants them; only the order and the technician change.

Pure Python on sequences of visit indices, like :mod:`insert`; the caller checks the returned plan.
"""

from __future__ import annotations

import time

from doorstep.dispatch.routing.insert import MAX_TIMINGS, Routes, rebuild_plan
from doorstep.dispatch.routing.model import Plan, Problem

RELOCATE_ROUTES = 10  # nearest eligible routes (the visit's own first) tried per visit
MAX_SWEEPS = 20


def relocate(problem: Problem, plan: Plan, seconds: float) -> Plan:
    """``plan`` with visits relocated while a move shortens the day (at most ``seconds``)."""
    deadline = time.perf_counter() + seconds
    idx = problem.technician_index
    state = Routes(
        problem, {idx[r.technician_id]: [problem.visit_index[v] for v in r.visit_ids] for r in plan.routes}
    )
    dist = {t: state.route_distance(t, seq) for t, seq in state.seqs.items()}
    moves = 0
    for _ in range(MAX_SWEEPS):
        moved = 0
        for i in range(problem.n_visits):
            if time.perf_counter() > deadline:
                break
            moved += _relocate(state, dist, i)
        moves += moved
        if not moved or time.perf_counter() > deadline:
            break
    if not moves:
        return plan
    before = plan.distance
    out = rebuild_plan(problem, plan, state, list(plan.unassigned), [])
    out.notes = [*plan.notes, f"relocated {moves} visit(s): distance {before} -> {out.distance}"]
    return out


def _relocate(state: Routes, dist: dict[int, int], i: int) -> int:
    """Move visit ``i`` to the cheapest feasible position that saves distance (1), or leave it (0)."""
    t = int(state.owner[i])
    if t < 0:
        return 0
    seq = state.seqs[t]
    k = seq.index(i)
    rest = seq[:k] + seq[k + 1 :]
    rest_dist = state.route_distance(t, rest)
    gain = dist[t] - rest_dist
    if gain <= 0:
        return 0
    techs = state.near(i, k=RELOCATE_ROUTES)
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
                return 0
            state.set_seq(t, rest)
            dist[t] = rest_dist
            dist[u] = dist.get(u, state.route_distance(u, [])) + cost
        else:
            dist[t] = rest_dist + cost
        state.set_seq(u, new)
        return 1
    return 0
