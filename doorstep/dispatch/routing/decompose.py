"""A whole city in parts: geographic decomposition, parts solved in parallel processes, merge.

A day too large for one travel matrix (5,000–20,000 visits, 1,000–4,000 technicians; a full matrix
of 24,000 places would need ~9 GB) is cut by recursive coordinate bisection into districts of at
most ``part_visits`` visits. Each cut splits the visits at the median of the wider axis; each part
then gets as many technicians as its share of the visits: those a rough board would keep busy
there and who live nearest (:func:`assign_technicians`). A pinned visit follows its technician.
Every part is a :class:`Problem` of its own, with its own small matrix, solved by
:func:`solver.solve` in a worker process.

Boundary exchange: the visits a part leaves over are offered to the routes of every technician near
them, whichever part they came from — a small problem of the leftovers and the routes of their
nearest eligible technicians, filled by the exact insertion pass (:mod:`insert`).

The merged plan is checked route by route with each route's own small matrix (:func:`check_by_parts`):
every place a route touches is in its part's problem, so no full matrix is ever built.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from doorstep.dispatch.routing.check import Violation, check_plan
from doorstep.dispatch.routing.insert import insert_leftovers
from doorstep.dispatch.routing.model import Plan, Problem, Route, Unassigned
from doorstep.dispatch.routing.repair import repair

# part, seconds, seed, until, warm start, waves left (this part's included)
PartJob = tuple[Problem, float, int, float, Plan | None, int]
PartSolver = Callable[[PartJob], Plan]
PART_VISITS = 1250  # visits per part: one part solves like an M/L day
MAX_PART_VISITS = 2500  # a part's matrix and PyVRP's data stay ~1 GB per process
# Travel seconds to a part that one second of the rough board's work there outweighs (a technician
# the board would keep busy four hours in a part goes there even from ~8 km further).
VOTE_WEIGHT = 0.08
BOARD_ROOM = 1.1  # the rough board's room per technician: the day's average load, +10 %
PIN_PULL = 1e7  # seconds: a pinned visit outweighs any travel
# Share of the parts' time for a second pass over parts cut across the first. Off: on the loaded
# measuring machine a part of the second pass (PyVRP from the first pass's routes) overran its
# share (Shenzhen XXL: 187 s instead of 116 s, 0.999x greedy km); see docs/benchmarks.md.
SECOND_PASS = 0.0
NEAR_TECHS = 25  # technicians offered each leftover in the boundary exchange
BATCH = 12  # leftovers per boundary problem (bounds its matrix)
# Seconds per wave of parts kept back: without it the parts overran on a loaded machine (XXL at
# load 11: the first pass ended 14 s after its deadline).
WAVE_MARGIN = 1.0
# Technicians with no route yet offered each leftover besides those routes: a day's idle
# technicians live ~4-6 km from the inner districts' last leftovers (Shenzhen XXL seed 302), where
# more than 120 busy routes pass nearer. 20 + 8 stay inside the insertion's 30 nearest routes.
LAST_IDLE = 8
# Travel seconds from an idle technician's home to the leftover beyond which it is not offered: on a
# Shenzhen XL day an idle technician from ~30 km away took one visit for 81 km (+1.2 % of the day).
LAST_IDLE_REACH = 1800
LAST_FAR = 3  # the last round's reach, in LAST_IDLE_REACH: only for what nothing nearer took
# The last leftover pass: per round, the routes offered each leftover (nearest by where they pass,
# not by home; half as many again of any skill take the visits an ejection moves out) and the idle
# technicians (count, reach in LAST_IDLE_REACH): first busy routes only (an idle technician's day of
# one visit costs ~2 x 6 km; the chains through busy routes cost less), then with the idle near by,
# then with the idle further away.
LAST_NEAR = ((20, 0, 0), (60, 0, 0), (20, LAST_IDLE, 1), (120, LAST_IDLE, 1), (20, LAST_IDLE, LAST_FAR))


def part_size(n_visits: int, workers: int) -> int:
    """Visits per part: one wave of ``workers`` parts if each holds at most ``MAX_PART_VISITS``
    (fewer borders: the insertion start of a Shenzhen XL day in 2 parts came to 0.80x the board's
    km, in 4 parts 0.85x, whole 0.74x), else ``PART_VISITS``."""
    one_wave = math.ceil(n_visits / max(1, workers))
    return one_wave if one_wave <= MAX_PART_VISITS else PART_VISITS


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _xy(problem: Problem, places: Sequence[tuple[float, float]]) -> np.ndarray:
    """Plane kilometres-ish coordinates (longitude scaled by the cosine of the mean latitude)."""
    arr = np.array(places, dtype=np.float64).reshape(-1, 2)
    if not len(arr):
        return arr
    lat0 = float(np.mean(arr[:, 1]))
    geo = all(-180 <= x <= 180 for x in arr[:, 0]) and all(-90 <= y <= 90 for y in arr[:, 1])
    scale = math.cos(math.radians(lat0)) if geo else 1.0
    return np.column_stack([arr[:, 0] * scale, arr[:, 1]])


def partition(problem: Problem, part_visits: int = PART_VISITS) -> list[tuple[list[int], list[int]]]:
    """(visit indices, technician indices) per part: the visits by recursive coordinate bisection,
    then the technicians by :func:`assign_technicians` (each part as many as its share of the
    visits: those a rough board would keep busy there, living nearest)."""
    vxy = _xy(problem, [(v.location.x, v.location.y) for v in problem.visits])
    n_t, n_v = len(problem.technicians), max(1, problem.n_visits)
    groups: list[list[int]] = []

    def cut(vs: list[int]) -> None:
        if len(vs) <= part_visits or n_t * (len(vs) // 2) / n_v < 2:  # a part keeps two technicians
            groups.append(vs)
            return
        spread = vxy[vs].max(axis=0) - vxy[vs].min(axis=0)
        axis = int(np.argmax(spread))
        vs = sorted(vs, key=lambda i: (vxy[i, axis], i))
        half = len(vs) // 2
        cut(vs[:half])
        cut(vs[half:])

    cut(list(range(problem.n_visits)))
    owner = assign_technicians(problem, groups)
    parts = [(vs, [t for t in range(n_t) if owner[t] == k]) for k, vs in enumerate(groups)]
    return _pins_follow(problem, parts)


def _quotas(weights: Sequence[float], total: int) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders)."""
    whole = sum(weights) or 1.0
    exact = [w * total / whole for w in weights]
    out = [int(x) for x in exact]
    for k in sorted(range(len(exact)), key=lambda k: (out[k] - exact[k], k))[: total - sum(out)]:
        out[k] += 1
    return out


def assign_technicians(problem: Problem, groups: Sequence[Sequence[int]]) -> list[int]:
    """The part of every technician: each part as many as its share of the visits; within those
    quotas, the cheapest assignment (:func:`_transport`) where a technician's cost for a part is
    the travel time from home to it (its 5th-nearest visit) less ``VOTE_WEIGHT`` times the service
    time a rough board (:func:`_board_votes`) would give the technician there.

    Why: cutting the technicians along the visits' axes gave the inner districts, where fewer
    technicians live than visits need, whichever came next along the axis, often far across the
    other axis (Shenzhen XXL seed 301: the 16 parts' insertion starts came to 1.02x the board's
    km, against 0.78x on an L day solved whole). By distance alone, parts took the technicians at
    their edges (1.03x); by the rough board's work, 0.86x."""
    techs = problem.technicians
    n_t, n_v = len(techs), problem.n_visits
    pts = [(v.location.x, v.location.y) for v in problem.visits] + [(t.start.x, t.start.y) for t in techs]
    xy = _xy(problem, pts)
    vxy, txy = xy[:n_v], xy[n_v:]
    part_of = np.zeros(n_v, dtype=np.int64)
    for k, vs in enumerate(groups):
        part_of[list(vs)] = k
    cost = np.empty((n_t, len(groups)))
    for k, vs in enumerate(groups):
        d = _sq_dist(txy, vxy[list(vs)])
        m = min(5, len(vs)) - 1
        cost[:, k] = np.sqrt(np.partition(d, m, axis=1)[:, m]) if m >= 0 else 0.0
    votes = _board_votes(problem, vxy, txy, part_of, len(groups))
    cost = cost * _seconds_per_unit(problem, xy) - VOTE_WEIGHT * votes
    # A technician goes where its pinned visits are (within the quotas), so the pins need not follow
    # it into a part whose share of visits was counted without them.
    for i, visit in enumerate(problem.visits):
        t = problem.technician_index.get(visit.pinned_to) if visit.pinned_to is not None else None
        if t is not None:
            cost[t, part_of[i]] -= PIN_PULL
    return [int(k) for k in _transport(cost, _quotas([len(vs) for vs in groups], n_t))]


def _sq_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared plane distances between the rows of ``a`` and of ``b``."""
    return np.maximum(0.0, (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * a @ b.T)


def _seconds_per_unit(problem: Problem, xy: np.ndarray) -> float:
    """Travel seconds per unit of :func:`_xy` distance (from the problem's own travel times)."""
    pts = [v.location for v in problem.visits] + [t.start for t in problem.technicians]
    far = int(np.argmax(((xy[: len(pts)] - xy[0]) ** 2).sum(axis=1))) if len(pts) > 1 else 0
    if far == 0:
        return 1.0
    secs = float(problem.travel.matrix([pts[0], pts[far]]).durations[0, 1])
    return secs / max(1e-12, float(np.sqrt(((xy[far] - xy[0]) ** 2).sum())))


def _board_votes(
    problem: Problem, vxy: np.ndarray, txy: np.ndarray, part_of: np.ndarray, n_parts: int
) -> np.ndarray:
    """Service seconds per (technician, part) of a rough board: every visit to the nearest
    technician who may serve it and still has room (room = the day's average share of service in
    the shift, +10 %), nearest pairs first; no times, no routes — only who works where."""
    techs, visits = problem.technicians, problem.visits
    n_t, n_v = len(techs), len(visits)
    service = [float(v.service) for v in visits]
    shift = [float(t.shift_end - t.shift_start) for t in techs]
    share = sum(service) / max(1.0, sum(shift))
    room = [BOARD_ROOM * share * h for h in shift]
    skill_sets = sorted({v.required_skills for v in visits}, key=sorted)
    tech_sets = sorted({t.skills for t in techs}, key=sorted)
    vcls = [skill_sets.index(v.required_skills) for v in visits]
    tcls = [tech_sets.index(t.skills) for t in techs]
    ok = [[need <= has for has in tech_sets] for need in skill_sets]
    owner = [-1] * n_v
    votes = np.zeros((n_t, n_parts))
    for i, visit in enumerate(visits):  # pinned visits first, with their technician
        t = problem.technician_index.get(visit.pinned_to) if visit.pinned_to is not None else None
        if t is not None:
            owner[i] = t
            room[t] -= service[i]
            votes[t, part_of[i]] += service[i]
    for k_near in (40, 400, n_t):
        todo = np.array([i for i in range(n_v) if owner[i] < 0], dtype=np.int64)
        if not len(todo):
            break
        k_near = min(k_near, n_t)
        dists, vis, tec = [], [], []
        for lo in range(0, len(todo), 1000):
            sel = todo[lo : lo + 1000]
            d = _sq_dist(vxy[sel], txy)
            if k_near < n_t:
                near = np.argpartition(d, k_near - 1, axis=1)[:, :k_near]
                d = np.take_along_axis(d, near, axis=1)
            else:
                near = np.broadcast_to(np.arange(n_t), d.shape)
            dists.append(d.ravel())
            vis.append(np.repeat(sel, k_near))
            tec.append(near.ravel())
        order = np.argsort(np.concatenate(dists), kind="stable")
        pairs = zip(np.concatenate(vis)[order].tolist(), np.concatenate(tec)[order].tolist(), strict=True)
        for i, t in pairs:
            if owner[i] < 0 and room[t] >= service[i] and ok[vcls[i]][tcls[t]]:
                owner[i] = t
                room[t] -= service[i]
                votes[t, part_of[i]] += service[i]
    return votes


def _transport(cost: np.ndarray, quota: Sequence[int]) -> np.ndarray:
    """The cheapest assignment of rows to columns with ``quota[k]`` rows in column ``k``.

    Everyone starts in their cheapest column; then, while a column is over its quota, one row moves
    along the shortest chain of moves (a row of column k to column j costs ``cost[row, j] -
    cost[row, k]``, Bellman–Ford over the few columns) from an overfull to an underfull column —
    successive shortest paths, so the result is the optimum of the transport problem."""
    n_parts = cost.shape[1]
    owner = np.argmin(cost, axis=1)
    count = np.bincount(owner, minlength=n_parts)
    want = np.asarray(quota)
    while (count > want).any():
        step = np.full((n_parts, n_parts), np.inf)
        mover = np.zeros((n_parts, n_parts), dtype=np.int64)
        for k in range(n_parts):
            rows = np.flatnonzero(owner == k)
            if len(rows):
                delta = cost[rows] - cost[rows, k][:, None]
                best = np.argmin(delta, axis=0)
                step[k] = delta[best, np.arange(n_parts)]
                mover[k] = rows[best]
        np.fill_diagonal(step, np.inf)
        dist = np.where(count > want, 0.0, np.inf)
        pred = np.full(n_parts, -1)
        for _ in range(n_parts):
            via = dist[:, None] + step
            k_best = np.argmin(via, axis=0)
            better = via[k_best, np.arange(n_parts)] < dist - 1e-12
            if not better.any():
                break
            dist = np.where(better, via[k_best, np.arange(n_parts)], dist)
            pred = np.where(better, k_best, pred)
        under = np.flatnonzero(count < want)
        j = int(under[np.argmin(dist[under])])
        count[j] += 1
        while pred[j] >= 0:
            k = int(pred[j])
            owner[mover[k, j]] = j
            j = k
        count[j] -= 1
    return owner


def _pins_follow(
    problem: Problem, parts: list[tuple[list[int], list[int]]]
) -> list[tuple[list[int], list[int]]]:
    part_of_tech = {t: k for k, (_, ts) in enumerate(parts) for t in ts}
    out: list[tuple[list[int], list[int]]] = [([], ts) for _, ts in parts]
    for k, (vs, _) in enumerate(parts):
        for i in vs:
            pin = problem.visits[i].pinned_to
            t = problem.technician_index.get(pin) if pin is not None else None
            out[part_of_tech[t] if t is not None else k][0].append(i)
    return out


def sub_problem(problem: Problem, visits: Sequence[int], techs: Sequence[int], name: str = "") -> Problem:
    """The part as a problem of its own (its own matrix); pins to technicians elsewhere stay pins."""
    return Problem(
        [problem.technicians[t] for t in techs],
        [problem.visits[i] for i in visits],
        problem.travel,
        early_margin=problem.early_margin,
        allow_unassigned=problem.allow_unassigned,
        name=name or problem.name,
    )


def merge(problem: Problem, plans: Sequence[Plan]) -> Plan:
    """One plan from the parts' plans (each technician and visit in exactly one part)."""
    routes = [r for plan in plans for r in plan.routes]
    served = {v for r in routes for v in r.visit_ids}
    listed: dict[str, Unassigned] = {}
    for plan in plans:
        for u in plan.unassigned:
            if u.visit_id not in served:
                listed.setdefault(u.visit_id, u)
    notes = [n for plan in plans for n in plan.notes]
    return Plan(routes, list(listed.values()), "pyvrp-parts", 0.0, notes)


def solve_in_parts(
    problem: Problem,
    seconds: float,
    part_solver: PartSolver,
    seed: int = 1,
    workers: int | None = None,
    part_visits: int | None = None,
    second_pass: float = SECOND_PASS,
) -> Plan:
    """Partition, solve the parts in ``workers`` processes, merge, exchange leftovers; then a second
    pass over parts cut across the first ones (routes near a first-pass border are re-optimised with
    their neighbours on the other side), and the check.

    ``part_solver((part, seconds, seed, until, initial))`` solves one part within ``seconds`` and
    before the wall-clock time ``until``, from the plan ``initial`` if given; it is a module-level
    function (sent to the worker processes by name).
    """
    t0 = time.perf_counter()
    seconds *= 0.97  # the caller's own loading and scoring share the wall clock
    until = time.time() + seconds
    workers = workers or cpu_count()
    part_visits = part_visits or part_size(problem.n_visits, workers)
    tail = _tail_seconds(problem, seconds)
    parts = partition(problem, part_visits)
    subs = [(sub_problem(problem, vs, ts, f"{problem.name}#{k}"), None) for k, (vs, ts) in enumerate(parts)]
    span = until - tail - time.time()
    first_until = until - tail - second_pass * span
    with _Pool(workers, len(subs)) as run:
        plan = merge(problem, run(_jobs(subs, seed, first_until, workers), part_solver))
        t_first = time.perf_counter() - t0
        plan = exchange_leftovers(problem, plan, max(0.2, 0.01 * seconds))
        second = route_partition(problem, plan, part_visits) if second_pass > 0 else []
        if second_pass > 0 and until - tail - time.time() > 0.5 * math.ceil(len(second) / workers):
            jobs = _jobs(_with_plans(problem, plan, second), seed + len(subs), until - tail, workers)
            plan = _better_parts(problem, plan, second, run(jobs, part_solver))
    t_parts = time.perf_counter() - t0
    remaining = seconds - (time.perf_counter() - t0)
    plan = exchange_leftovers(problem, plan, max(0.5, remaining - 0.5 * tail))
    t_exchange = time.perf_counter() - t0
    plan = last_leftovers(problem, plan, t0 + seconds - _check_margin(tail))
    t_last = time.perf_counter() - t0
    plan = _drop_checked(problem, plan)
    plan.runtime_s = time.perf_counter() - t0
    plan.notes += [
        f"{len(parts)} + {len(second)} parts in {workers} processes; first pass done at {t_first:.1f} s, "
        f"second at {t_parts:.1f} s, exchange at {t_exchange:.1f} s, last leftovers at {t_last:.1f} s, "
        f"checked at {plan.runtime_s:.1f} s"
    ]
    return plan


class _Pool:
    """The worker processes, kept for both passes (a spawned process imports the solver once)."""

    def __init__(self, workers: int, n_jobs: int) -> None:
        self.workers = min(workers, n_jobs)
        self.executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> Callable[[list[PartJob], PartSolver], list[Plan]]:
        if self.workers > 1:
            self.executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))
        return self.run

    def run(self, jobs: list[PartJob], part_solver: PartSolver) -> list[Plan]:
        if self.executor is None:
            return [part_solver(job) for job in jobs]
        return list(self.executor.map(part_solver, jobs))

    def __exit__(self, *exc: object) -> None:
        if self.executor is not None:
            self.executor.shutdown()


def _jobs(
    subs: Sequence[tuple[Problem, Plan | None]], seed: int, until: float, workers: int
) -> list[PartJob]:
    """One job per part: the parts run in waves of ``workers``, each part with an equal share of
    the time left, and none past ``until``; a part that starts when the parts before it have left
    time over takes its part of that too (:func:`part_seconds`). (Slots per wave, where a part
    starting late takes less, starved the last parts on a loaded machine: 86 % served on a
    Shenzhen XXL day at load 15.)"""
    waves = math.ceil(len(subs) / workers)
    share = max(0.5, (until - time.time()) / waves - WAVE_MARGIN)
    n = len(subs)
    return [
        (sub, share, seed + k, until, initial, math.ceil((n - k) / workers))
        for k, (sub, initial) in enumerate(subs)
    ]


def part_seconds(share: float, until: float, waves_left: int) -> float:
    """A part's seconds when it starts: its planned ``share``, or more if the parts before it
    finished early — an equal share of the time left among the waves left — and never past
    ``until``. Never less than the planned share (short of ``until``), so a part that overran
    does not starve the ones after it any more than before."""
    left = until - time.time()
    fair = left / max(1, waves_left) - WAVE_MARGIN
    return max(0.5, min(max(share, fair), left))


def route_partition(
    problem: Problem, plan: Plan, part_visits: int = PART_VISITS, angle: float = math.pi / 4
) -> list[tuple[list[int], list[int]]]:
    """Parts of a planned day cut across the first partition: coordinates turned by ``angle``, and
    each technician placed at the middle of its route (home if idle), with its route's visits.
    Left-over visits are placed where they are (a pinned one with its technician)."""
    idx, tidx = problem.visit_index, problem.technician_index
    seqs = {tidx[r.technician_id]: [idx[v] for v in r.visit_ids] for r in plan.routes}
    left = [idx[u.visit_id] for u in plan.unassigned]
    places: list[tuple[float, float]] = []
    for t, tech in enumerate(problem.technicians):
        locs = [problem.visits[i].location for i in seqs.get(t, [])] or [tech.start]
        places.append((sum(p.x for p in locs) / len(locs), sum(p.y for p in locs) / len(locs)))
    loose = [i for i in left if problem.visits[i].pinned_to not in tidx]
    places += [(problem.visits[i].location.x, problem.visits[i].location.y) for i in loose]
    xy = _xy(problem, places)
    c, s = math.cos(angle), math.sin(angle)
    xy = np.column_stack([c * xy[:, 0] - s * xy[:, 1], s * xy[:, 0] + c * xy[:, 1]])
    n_t = len(problem.technicians)
    weight = [len(seqs.get(t, [])) for t in range(n_t)] + [1] * len(loose)
    for i in left:
        pin = problem.visits[i].pinned_to
        if pin in tidx:
            weight[tidx[pin]] += 1
    groups: list[list[int]] = []

    def cut(items: list[int]) -> None:
        total = sum(weight[j] for j in items)
        if total <= 1.1 * part_visits or sum(1 for j in items if j < n_t) < 2:  # routes are not cut
            groups.append(items)
            return
        spread = xy[items].max(axis=0) - xy[items].min(axis=0)
        axis = int(np.argmax(spread))
        items = sorted(items, key=lambda j: (xy[j, axis], j))
        acc, k = 0, 0
        while k < len(items) - 1 and acc + weight[items[k]] <= total / 2:
            acc += weight[items[k]]
            k += 1
        k = max(1, k)
        cut(items[:k])
        cut(items[k:])

    cut(list(range(len(places))))
    pinned_left: dict[int, list[int]] = {}
    for i in left:
        pin = problem.visits[i].pinned_to
        if pin in tidx:
            pinned_left.setdefault(tidx[pin], []).append(i)
    out: list[tuple[list[int], list[int]]] = []
    for items in groups:
        techs = [j for j in items if j < n_t]
        visits = [i for t in techs for i in seqs.get(t, []) + pinned_left.get(t, [])]
        visits += [loose[j - n_t] for j in items if j >= n_t]
        if visits or techs:
            out.append((visits, techs))
    return out


def _with_plans(
    problem: Problem, plan: Plan, parts: Sequence[tuple[list[int], list[int]]]
) -> list[tuple[Problem, Plan | None]]:
    """Each part of the second pass with the routes and leftovers it holds as its warm start."""
    route_of = {r.technician_id: r for r in plan.routes}
    reason = {u.visit_id: u for u in plan.unassigned}
    out: list[tuple[Problem, Plan | None]] = []
    for k, (vs, ts) in enumerate(parts):
        ids = [problem.technicians[t].id for t in ts]
        initial = Plan(
            [route_of[tid] for tid in ids if tid in route_of],
            [reason[problem.visits[i].id] for i in vs if problem.visits[i].id in reason],
        )
        out.append((sub_problem(problem, vs, ts, f"{problem.name}#b{k}"), initial))
    return out


def _better_parts(
    problem: Problem, plan: Plan, parts: Sequence[tuple[list[int], list[int]]], plans: Sequence[Plan]
) -> Plan:
    """The second pass's plan of each part where it serves more, or as many with less travel."""
    route_of = {r.technician_id: r for r in plan.routes}
    reason = {u.visit_id: u for u in plan.unassigned}
    kept = 0
    for (vs, ts), new in zip(parts, plans, strict=True):
        ids = [problem.technicians[t].id for t in ts]
        old_routes = [route_of[tid] for tid in ids if tid in route_of]
        old = (sum(len(r.stops) for r in old_routes), -sum(r.distance for r in old_routes))
        if (new.n_served, -new.distance) <= old:
            kept += 1
            continue
        for tid in ids:
            route_of.pop(tid, None)
        route_of.update({r.technician_id: r for r in new.routes if r.stops})
        for i in vs:
            reason.pop(problem.visits[i].id, None)
        reason.update({u.visit_id: u for u in new.unassigned})
    notes = [*plan.notes, f"second pass: {len(parts) - kept} of {len(parts)} parts improved"]
    return Plan(list(route_of.values()), list(reason.values()), plan.solver, plan.runtime_s, notes)


def _tail_seconds(problem: Problem, seconds: float) -> float:
    """Kept for the boundary exchange and the route-by-route check (grows with the fleet)."""
    return min(0.25 * seconds, 2.0 + len(problem.technicians) / 1000)


def _nearest_techs(problem: Problem, i: int, k: int) -> list[int]:
    v = problem.visits[i].location
    homes = np.array([(t.start.x, t.start.y) for t in problem.technicians], dtype=np.float64)
    scale = math.cos(math.radians(v.y)) if abs(v.y) <= 90 else 1.0
    d = ((homes[:, 0] - v.x) * scale) ** 2 + (homes[:, 1] - v.y) ** 2
    order = np.argsort(d, kind="stable")
    out = []
    for t in order:
        if problem.can_serve(int(t), i):
            out.append(int(t))
            if len(out) == k:
                break
    return out


def exchange_leftovers(problem: Problem, plan: Plan, seconds: float) -> Plan:
    """Offer each part's leftovers to the nearest eligible technicians of every part."""
    deadline = time.perf_counter() + seconds
    left = [
        u
        for u in plan.unassigned
        if any(problem.can_serve(t, problem.visit_index[u.visit_id]) for t in range(len(problem.technicians)))
    ]
    if not left:
        return plan
    route_of = {r.technician_id: r for r in plan.routes}
    keep = [u for u in plan.unassigned if u not in left]
    still: list[Unassigned] = []
    for lo in range(0, len(left), BATCH):
        batch = left[lo : lo + BATCH]
        if time.perf_counter() > deadline:
            still += batch
            continue
        vis = [problem.visit_index[u.visit_id] for u in batch]
        techs = list(dict.fromkeys(t for i in vis for t in _nearest_techs(problem, i, NEAR_TECHS)))
        tech_ids = [problem.technicians[t].id for t in techs]
        served = [
            problem.visit_index[v] for tid in tech_ids if tid in route_of for v in route_of[tid].visit_ids
        ]
        sub = sub_problem(problem, served + vis, techs)
        sub_plan = Plan([route_of[tid] for tid in tech_ids if tid in route_of], list(batch))
        filled = insert_leftovers(sub, sub_plan, max(0.1, deadline - time.perf_counter()))
        if any(v.kind != "unserved" for v in check_plan(sub, filled)):  # pragma: no cover - defensive
            still += batch
            continue
        for tid in tech_ids:
            route_of.pop(tid, None)
        route_of.update({r.technician_id: r for r in filled.routes})
        still += filled.unassigned
    return Plan(list(route_of.values()), keep + still, plan.solver, plan.runtime_s, plan.notes)


def _check_margin(tail: float) -> float:
    """Seconds kept after the last leftover pass for the route-by-route check (0.4-0.5 s on a
    Shenzhen XXL day at load 3-6) and the caller's writing of the plan."""
    return max(1.5, 0.25 * tail)


def _route_owner(problem: Problem, route_of: dict[str, Route]) -> np.ndarray:
    """The technician index serving each visit, -1 if none."""
    owner = np.full(problem.n_visits, -1, dtype=np.int64)
    for r in route_of.values():
        owner[[problem.visit_index[v] for v in r.visit_ids]] = problem.technician_index[r.technician_id]
    return owner


def _near_routes(
    problem: Problem, xy: np.ndarray, owner: np.ndarray, i: int, k: int, idle: int, reach: float = math.inf
) -> list[int]:
    """The ``k`` nearest routes of technicians who may serve visit ``i``, by where they pass (home or
    any visit), and the ``idle`` nearest such technicians with no route yet, by home and within
    ``reach`` (in a dense district their homes are further than ``k`` busy routes); then ``k // 2``
    more routes and ``idle`` idle technicians of any skill (they take the visits an ejection moves
    out)."""
    n_v = problem.n_visits
    d = ((xy - xy[i]) ** 2).sum(axis=1)
    best = d[n_v:].copy()
    served = owner >= 0
    np.minimum.at(best, owner[served], d[:n_v][served])
    has_route = np.bincount(owner[served], minlength=len(best)) > 0
    near_idle = ~has_route & (best <= reach * reach)
    order = [int(t) for t in np.argsort(best, kind="stable")]
    eligible = [t for t in order if problem.can_serve(t, i)]
    chosen = [t for t in eligible if has_route[t]][:k] + [t for t in eligible if near_idle[t]][:idle]
    taken = set(chosen)
    others = [t for t in order if has_route[t] and t not in taken][: k // 2]
    return chosen + others + [t for t in order if near_idle[t] and t not in taken][:idle]


def last_leftovers(
    problem: Problem, plan: Plan, until: float, near: Sequence[tuple[int, int, float]] = LAST_NEAR
) -> Plan:
    """The last leftovers of the merged plan, one at a time over the whole city, until ``until``
    (a :func:`time.perf_counter` time): each with the routes passing nearest to it (whichever part
    they came from) and the routes around them, by the exact insertion, ejection chains and lunch
    moves of :func:`insert.insert_leftovers`; rounds over more routes while time is left.

    Why: the boundary exchange offers a leftover to the routes of technicians living near it only,
    in batches, once; on Shenzhen XXL days 2-22 visits stayed over with ~8 s of the budget unused.
    Urgent visits go first, and within a round an urgent visit may displace a normal one, which is
    then left over itself (urgent cases first, R-IN-4)."""
    idx = problem.visit_index
    n_t = len(problem.technicians)
    left = [u for u in plan.unassigned if any(problem.can_serve(t, idx[u.visit_id]) for t in range(n_t))]
    if not left or time.perf_counter() >= until:
        return plan
    keep = [u for u in plan.unassigned if u not in left]
    route_of = {r.technician_id: r for r in plan.routes}
    owner = _route_owner(problem, route_of)
    pts = [(v.location.x, v.location.y) for v in problem.visits] + [
        (t.start.x, t.start.y) for t in problem.technicians
    ]
    xy = _xy(problem, pts)
    reach = LAST_IDLE_REACH / _seconds_per_unit(problem, xy)
    served_before = len(left)
    for r_no, (k, idle, far) in enumerate(near):
        left.sort(key=lambda u: (-problem.visits[idx[u.visit_id]].priority, u.visit_id))
        still: list[Unassigned] = []
        for n_done, u in enumerate(left):
            now = time.perf_counter()
            i = idx[u.visit_id]
            if now >= until:
                still.append(u)
                continue
            techs = _near_routes(problem, xy, owner, i, k, idle, far * reach)
            tech_ids = [problem.technicians[t].id for t in techs]
            served = [idx[v] for tid in tech_ids if tid in route_of for v in route_of[tid].visit_ids]
            sub = sub_problem(problem, [*served, i], techs)
            sub_plan = Plan([route_of[tid] for tid in tech_ids if tid in route_of], [u])
            share = (until - now) / max(1, (len(left) - n_done) * (len(near) - r_no))
            filled = insert_leftovers(sub, sub_plan, max(0.05, min(share, until - now)), pairs=True)
            if any(v.kind != "unserved" for v in check_plan(sub, filled)):  # pragma: no cover - defensive
                still.append(u)
                continue
            for tid in tech_ids:
                route_of.pop(tid, None)
            route_of.update({r.technician_id: r for r in filled.routes})
            for t in techs:
                owner[owner == t] = -1
            for r in filled.routes:
                owner[[idx[v] for v in r.visit_ids]] = problem.technician_index[r.technician_id]
            still += filled.unassigned
        left = still
        if not left:
            break
    added = sum(r.distance for r in route_of.values()) - sum(r.distance for r in plan.routes)
    notes = [
        *plan.notes,
        f"last leftovers: {served_before - len(left)} of {served_before} placed, {added:+d} distance",
    ]
    return Plan(list(route_of.values()), keep + left, plan.solver, plan.runtime_s, notes)


def check_by_parts(problem: Problem, plan: Plan) -> list[Violation]:
    """:func:`check_plan` without a full matrix: coverage over the whole plan, times per route."""
    out: list[Violation] = []
    full = Plan([], plan.unassigned)
    # coverage: every visit served once or listed, with no matrix needed
    seen: dict[str, int] = {}
    for r in plan.routes:
        for vid in r.visit_ids:
            seen[vid] = seen.get(vid, 0) + 1
    listed = {u.visit_id for u in full.unassigned}
    for vid, n in seen.items():
        if n > 1 or vid in listed or vid not in problem.visit_index:
            out.append(Violation("duplicate", None, vid, f"served {n} times or also unassigned / unknown"))
    for visit in problem.visits:
        if visit.id not in seen and visit.id not in listed:
            out.append(Violation("missing", None, visit.id, "neither served nor unassigned"))
    techs_seen: set[str] = set()
    for r in plan.routes:
        if r.technician_id in techs_seen or r.technician_id not in problem.technician_index:
            out.append(Violation("technician", r.technician_id, None, "unknown or duplicate route"))
            continue
        techs_seen.add(r.technician_id)
        out += _check_route_alone(problem, r)
    return out


def _check_route_alone(problem: Problem, route: Route) -> list[Violation]:
    vis = [problem.visit_index[v] for v in route.visit_ids if v in problem.visit_index]
    sub = sub_problem(problem, vis, [problem.technician_index[route.technician_id]])
    return [v for v in check_plan(sub, Plan([route], [])) if v.kind not in ("missing", "unserved")]


def _drop_checked(problem: Problem, plan: Plan) -> Plan:
    """The final independent check, route by route; a failing route is re-timed and repaired alone."""
    bad = {v.technician_id for v in check_by_parts(problem, plan) if v.technician_id}
    if not bad:
        return plan
    routes = [r for r in plan.routes if r.technician_id not in bad]  # pragma: no cover - defensive
    unassigned = list(plan.unassigned)
    for r in plan.routes:
        if r.technician_id not in bad:
            continue
        vis = [problem.visit_index[v] for v in r.visit_ids]
        sub = sub_problem(problem, vis, [problem.technician_index[r.technician_id]])
        fixed = repair(sub, Plan([r], []))
        routes += fixed.routes
        unassigned += fixed.unassigned
    plan.notes.append(f"{len(bad)} routes failed the check and were repaired")
    return Plan(routes, unassigned, plan.solver, plan.runtime_s, plan.notes)
