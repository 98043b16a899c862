"""Exact insertion and ejection chains for the visits a plan leaves over.

For each leftover visit (urgent first, then the scarcest: fewest technicians who may serve it,
narrowest window) every position of every eligible route near it is tried, cheapest added distance
first; each candidate is timed exactly by :func:`schedule.best_timing`, which moves the lunch break
to whichever gap keeps the route feasible. A visit that fits nowhere may eject a visit of a route it
would fit into, if the ejected visit can be re-inserted in another route (an ejection chain of
length two). An urgent visit that still fits nowhere displaces a less urgent one, which is then
left over itself: urgent visits are never left over while a less urgent one is served in the route
they would take.

Pure Python on sequences of visit indices; the caller builds and checks the final routes.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from doorstep.dispatch.routing.model import Plan, Problem, Route, Unassigned
from doorstep.dispatch.routing.schedule import build_route, feasible

NEAR_ROUTES = 30  # eligible routes tried per leftover, nearest first
MAX_TIMINGS = 400  # exact timings tried per direct insertion
EJECT_ROUTES = 25
EJECT2_ROUTES = 8  # second link of a three-visit chain
EJECT_PAIR_ROUTES = 6  # routes where a leftover may take the place of two visits (the last pass)
# Longer ejection chains (the last pass): routes tried per link, the first link first; a chain
# ``i`` -> ``u1`` -> ``u2`` ... ends when the last visit moved fits a route directly. A late two-hour
# install that only late-shift technicians with its certificate can take moves the late install
# such a technician has to another one, and so on (Shenzhen L: a visit with one possible taker).
CHAIN_ROUTES = (12, 6, 4, 3)
CHAIN_EJECT = 3  # visits one link may move out of a route
LATE_ROUTES = 10  # routes tried per visit once the start has used its time share
CUT_SHORT = "insertion cut short by its time share"  # routes searched for an ejection


@dataclass(slots=True)
class Routes:
    """Per-technician visit sequences, with who serves each visit (for the nearest-route search)."""

    problem: Problem
    seqs: dict[int, list[int]]
    eligible: dict[int, list[int]] = field(default_factory=dict)
    owner: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    masks: dict[int, npt.NDArray[np.bool_]] = field(default_factory=dict)
    _skilled: dict[tuple[frozenset[str], str | None], npt.NDArray[np.bool_]] = field(default_factory=dict)
    _shifts: tuple[npt.NDArray[np.int64], ...] | None = None

    def __post_init__(self) -> None:
        self.owner = np.full(self.problem.n_visits, -1, dtype=np.int64)
        for t, seq in self.seqs.items():
            self.owner[seq] = t

    def place(self, t: int, k: int, i: int) -> None:
        self.seqs.setdefault(t, []).insert(k, i)
        self.owner[i] = t

    def set_seq(self, t: int, seq: list[int]) -> None:
        for j in self.seqs.get(t, []):
            self.owner[j] = -1
        self.seqs[t] = seq
        self.owner[seq] = t

    def techs_for(self, i: int) -> list[int]:
        """Technicians who may serve visit ``i`` and whose shift can hold it (:meth:`reachable`):
        the scarcity that decides which visits go first, and the routes searched for it."""
        if i not in self.eligible:
            p, v = self.problem, self.problem.visits[i]
            key = (v.required_skills, v.pinned_to)
            if key not in self._skilled:
                skilled = [p.can_serve(t, i) for t in range(len(p.technicians))]
                self._skilled[key] = np.array(skilled, dtype=bool)
            ok = self._skilled[key] & self.reachable(i)
            self.eligible[i] = [int(t) for t in np.flatnonzero(ok)]
        return self.eligible[i]

    def reachable(self, i: int) -> npt.NDArray[np.bool_]:
        """Per technician, whether the shift could hold visit ``i`` as the day's only visit (lunch
        left aside): leave home at the shift's start, start inside the window, serve, and be home by
        the shift's end. Necessary for any route holding ``i``; with travel counted, a 16:00-18:00
        install of 120 min is out of reach of a shift ending at 18:00 and of most ending at 18:30
        (only those technicians are then offered it, and it is placed before they fill up)."""
        p, v = self.problem, self.problem.visits[i]
        if self._shifts is None:
            n_v, n_t = p.n_visits, len(p.technicians)
            self._shifts = (
                np.array([t.shift_start for t in p.technicians], dtype=np.int64),
                np.array([t.shift_end for t in p.technicians], dtype=np.int64),
                np.arange(n_v, n_v + n_t),
                np.arange(n_v + n_t, n_v + 2 * n_t),
            )
        shift_start, shift_end, homes, ends = self._shifts
        dur = p.matrix().durations
        here = p.visit_point(i)
        start = np.maximum(v.window_start, shift_start + dur[homes, here].astype(np.int64))
        back = start + v.service + dur[here, ends].astype(np.int64)
        reach: npt.NDArray[np.bool_] = (start <= v.window_end) & (back <= shift_end)
        return reach

    def taker_mask(self, i: int) -> npt.NDArray[np.bool_]:
        """Per technician, whether it is one of :meth:`techs_for` ``i``."""
        if i not in self.masks:
            mask = np.zeros(len(self.problem.technicians), dtype=bool)
            mask[self.techs_for(i)] = True
            self.masks[i] = mask
        return self.masks[i]

    def near(self, i: int, exclude: int | None = None, k: int = NEAR_ROUTES) -> list[int]:
        """Eligible technicians whose route (or home) passes nearest to visit ``i``."""
        p = self.problem
        n, n_t = p.n_visits, len(p.technicians)
        row = p.matrix().distances[p.visit_point(i)]
        best = row[n : n + n_t].astype(np.float64)  # homes (start points follow the visits)
        served = self.owner >= 0
        np.minimum.at(best, self.owner[served], row[:n][served])
        best[~self.taker_mask(i)] = np.inf
        if exclude is not None:
            best[exclude] = np.inf
        k = min(k, int(np.isfinite(best).sum()))
        if k <= 0:
            return []
        top = np.argpartition(best, k - 1)[:k]
        return [int(t) for t in top[np.argsort(best[top], kind="stable")]]

    def insertion_costs(self, t: int, seq: Sequence[int], i: int) -> list[tuple[int, int, int]]:
        """(added distance, technician, position) of the positions of ``i`` in ``seq`` that pass a
        quick bound: lunch-free earliest times (a lower bound) must meet ``i``'s window and the next
        visit's window."""
        return self.candidates(i, [t], {t: list(seq)})

    def candidates(
        self, i: int, techs: Sequence[int], seqs: dict[int, list[int]]
    ) -> list[tuple[int, int, int]]:
        """:meth:`insertion_costs` of ``i`` for every route of ``techs`` (one matrix look-up for all)."""
        p = self.problem
        m = p.matrix()
        v, visit = p.visit_point(i), p.visits[i]
        paths = [
            [p.start_point(t), *(p.visit_point(j) for j in seqs.get(t, [])), p.end_point(t)] for t in techs
        ]
        a = np.fromiter((x for path in paths for x in path[:-1]), dtype=np.int64)
        b = np.fromiter((x for path in paths for x in path[1:]), dtype=np.int64)
        added = (m.distances[a, v] + m.distances[v, b] - m.distances[a, b]).tolist()
        to_v, from_v, a_to_b = (
            m.durations[a, v].tolist(),
            m.durations[v, b].tolist(),
            m.durations[a, b].tolist(),
        )
        visits = p.visits
        w_start, w_end, service = visit.window_start, visit.window_end, visit.service
        out = []
        base = 0
        for t in techs:
            seq = seqs.get(t, [])
            n = len(seq)
            free = p.technicians[t].shift_start
            for k in range(n + 1):
                x = base + k
                start = max(free + to_v[x], w_start)
                if start <= w_end:
                    if k == n:
                        out.append((added[x], t, k))
                        break
                    nxt = visits[seq[k]]
                    if max(start + service + from_v[x], nxt.window_start) <= nxt.window_end:
                        out.append((added[x], t, k))
                elif k == n:
                    break
                nxt = visits[seq[k]]
                free = max(free + a_to_b[x], nxt.window_start) + nxt.service
            base += n + 1
        return out

    def feasible(self, t: int, seq: Sequence[int]) -> bool:
        return feasible(self.problem, t, seq)

    def best_insertion(
        self, i: int, techs: Sequence[int], base: dict[int, list[int]] | None = None
    ) -> tuple[int, int, int] | None:
        """Cheapest feasible (cost, technician, position) for visit ``i`` among ``techs``."""
        seqs = base if base is not None else self.seqs
        cands = self.candidates(i, techs, seqs)
        cands.sort()
        for cost, t, k in cands[:MAX_TIMINGS]:
            seq = seqs.get(t, [])
            if self.feasible(t, [*seq[:k], i, *seq[k:]]):
                return cost, t, k
        return None

    def route_distance(self, t: int, seq: Sequence[int]) -> int:
        p = self.problem
        d = p.matrix().distances
        path = [p.start_point(t), *(p.visit_point(j) for j in seq), p.end_point(t)]
        return sum(int(d[a, b]) for a, b in itertools.pairwise(path))


def _priority(problem: Problem, i: int) -> int:
    return problem.visits[i].priority


def _order(state: Routes, leftovers: Sequence[int]) -> list[int]:
    """Urgent first, then the scarcest (fewest eligible technicians), then the narrowest window."""
    p = state.problem

    def key(i: int) -> tuple[int, int, int]:
        v = p.visits[i]
        return (-v.priority, len(state.techs_for(i)), v.window_end - v.window_start)

    return sorted(leftovers, key=key)


def _insert(state: Routes, i: int, k: int = NEAR_ROUTES) -> bool:
    found = state.best_insertion(i, state.near(i, k=k))
    if found is None:
        return False
    _, t, k = found
    state.place(t, k, i)
    return True


def _eject(state: Routes, i: int, deadline: float) -> bool:
    """Put ``i`` in a nearby route in place of a visit that fits in another route."""
    p = state.problem
    best: tuple[int, int, list[int], int, int, int] | None = None
    for t in state.near(i, k=EJECT_ROUTES):
        seq = state.seqs.get(t, [])
        old = state.route_distance(t, seq)
        for j, u in enumerate(seq):
            if time.perf_counter() > deadline:
                break
            if p.visits[u].pinned_to is not None:
                continue
            rest = seq[:j] + seq[j + 1 :]
            placed = state.best_insertion(i, [t], {t: rest})
            if placed is None:
                continue
            new_seq = [*rest[: placed[2]], i, *rest[placed[2] :]]
            moved = state.best_insertion(u, state.near(u, exclude=t))
            if moved is None:
                continue
            cost = state.route_distance(t, new_seq) - old + moved[0]
            if best is None or cost < best[0]:
                best = (cost, t, new_seq, u, moved[1], moved[2])
        if best is not None:
            break  # the nearest route with a chain is good enough; the search polishes later
    if best is None:
        return False
    _, t, new_seq, u, t2, k2 = best
    state.set_seq(t, new_seq)
    state.place(t2, k2, u)
    return True


def _eject2(state: Routes, i: int, deadline: float) -> bool:
    """A chain of three: ``i`` takes ``u``'s place, ``u`` takes ``w``'s place, ``w`` fits elsewhere."""
    p = state.problem
    for t in state.near(i, k=EJECT_ROUTES):
        seq = state.seqs.get(t, [])
        for j, u in enumerate(seq):
            if p.visits[u].pinned_to is not None:
                continue
            rest = seq[:j] + seq[j + 1 :]
            placed = state.best_insertion(i, [t], {t: rest})
            if placed is None:
                continue
            for t2 in state.near(u, exclude=t, k=EJECT2_ROUTES):
                seq2 = state.seqs.get(t2, [])
                for j2, w in enumerate(seq2):
                    if time.perf_counter() > deadline:
                        return False
                    if p.visits[w].pinned_to is not None:
                        continue
                    rest2 = seq2[:j2] + seq2[j2 + 1 :]
                    placed_u = state.best_insertion(u, [t2], {t2: rest2})
                    if placed_u is None:
                        continue
                    moved = state.best_insertion(w, [x for x in state.near(w, exclude=t2) if x != t])
                    if moved is None:
                        continue
                    state.set_seq(t, [*rest[: placed[2]], i, *rest[placed[2] :]])
                    state.set_seq(t2, [*rest2[: placed_u[2]], u, *rest2[placed_u[2] :]])
                    state.place(moved[1], moved[2], w)
                    return True
    return False


def _eject_pair(state: Routes, i: int, deadline: float) -> bool:
    """``i`` takes the place of two visits of a nearby route, each of which fits in another route
    (a pinned visit whose technician's day is full, a two-hour visit in a day of short ones)."""
    p = state.problem
    for t in state.near(i, k=EJECT_PAIR_ROUTES):
        seq = list(state.seqs.get(t, []))
        for a, b in itertools.combinations(range(len(seq)), 2):
            if time.perf_counter() > deadline:
                return False
            u, w = seq[a], seq[b]
            if p.visits[u].pinned_to is not None or p.visits[w].pinned_to is not None:
                continue
            rest = [x for j, x in enumerate(seq) if j not in (a, b)]
            placed = state.best_insertion(i, [t], {t: rest})
            if placed is None:
                continue
            state.set_seq(t, [*rest[: placed[2]], i, *rest[placed[2] :]])
            moved_u = state.best_insertion(u, state.near(u, exclude=t))
            if moved_u is not None:
                state.place(moved_u[1], moved_u[2], u)
                moved_w = state.best_insertion(w, state.near(w, exclude=t))
                if moved_w is not None:
                    state.place(moved_w[1], moved_w[2], w)
                    return True
                state.set_seq(moved_u[1], [x for x in state.seqs[moved_u[1]] if x != u])
            state.set_seq(t, seq)
    return False


def _chain(state: Routes, i: int, deadline: float) -> bool:
    """``i`` in by a tree of ejections, shallowest first (iterative deepening): ``i`` takes the place
    of one, two or three visits of a nearby route (a two-hour late install needs a late technician's
    whole afternoon of short visits), each of which goes in directly or the same way, one level
    deeper, into a route no earlier link changed. Pinned visits are never moved; a failed attempt
    puts every route back."""
    for depth in range(1, len(CHAIN_ROUTES) + 1):
        if _link(state, i, deadline, depth, 0, frozenset()):
            return True
        if time.perf_counter() > deadline:
            return False
    return False


def _link(state: Routes, i: int, deadline: float, depth: int, level: int, touched: frozenset[int]) -> bool:
    """Place ``i`` outside the routes ``touched``: directly if it fits, else (above ``depth``) in
    place of visits that are placed one level deeper."""
    p = state.problem
    near = [t for t in state.near(i, k=NEAR_ROUTES + len(touched)) if t not in touched]
    if level > 0:  # the leftover itself fits nowhere directly (the caller tried)
        found = state.best_insertion(i, near)
        if found is not None:
            state.place(found[1], found[2], i)
            return True
    if level == depth:
        return False
    for size in range(1, CHAIN_EJECT + 1):
        for t in near[: CHAIN_ROUTES[level]]:
            seq = list(state.seqs.get(t, []))
            movable = [j for j, u in enumerate(seq) if p.visits[u].pinned_to is None]
            # the visits with the most other takers first: the easiest to move on
            movable.sort(key=lambda j: -len(state.techs_for(seq[j])))
            for out in itertools.combinations(movable, size):
                if time.perf_counter() > deadline:
                    return False
                rest = [u for j, u in enumerate(seq) if j not in out]
                placed = state.best_insertion(i, [t], {t: rest})
                if placed is None:
                    continue
                before = {x: list(s) for x, s in state.seqs.items()}
                state.set_seq(t, [*rest[: placed[2]], i, *rest[placed[2] :]])
                if all(_link(state, seq[j], deadline, depth, level + 1, touched | {t}) for j in out):
                    return True
                _restore(state, before)
    return False


def _restore(state: Routes, before: dict[int, list[int]]) -> None:
    for t in set(state.seqs) | set(before):
        if state.seqs.get(t, []) != before.get(t, []):
            state.set_seq(t, list(before.get(t, [])))


def _displace(state: Routes, i: int) -> int | None:
    """Urgent ``i`` takes the place of a less urgent visit; returns the visit left over instead."""
    p = state.problem
    prio = _priority(p, i)
    best: tuple[tuple[int, int], int, list[int], int] | None = None
    for t in state.near(i, k=EJECT_ROUTES):
        seq = state.seqs.get(t, [])
        for j, u in enumerate(seq):
            if _priority(p, u) >= prio:
                continue
            rest = seq[:j] + seq[j + 1 :]
            placed = state.best_insertion(i, [t], {t: rest})
            if placed is None:
                continue
            key = (_priority(p, u), placed[0])
            if best is None or key < best[0]:
                best = (key, t, [*rest[: placed[2]], i, *rest[placed[2] :]], u)
    if best is None:
        return None
    _, t, new_seq, u = best
    state.set_seq(t, new_seq)
    return u


def insert_leftovers(
    problem: Problem, plan: Plan, seconds: float = 5.0, pairs: bool = False, chains: bool = False
) -> Plan:
    """``plan`` with as many of its left-over visits inserted as fit (routes re-timed exactly).

    Visits that no technician may serve keep their reason; the others still left over after the
    pass are listed as "no feasible position in any route". The returned routes are built by
    :func:`schedule.build_route`; the caller runs the independent check. With ``pairs`` a visit
    that fits nowhere else may also take the place of two visits of a nearby route (the whole
    city's last leftover pass: a few visits, time left over); with ``chains`` by a longer chain of
    ejections (:func:`_chain`; the single day's last pass).
    """
    deadline = time.perf_counter() + seconds
    idx = problem.technician_index
    state = Routes(
        problem, {idx[r.technician_id]: [problem.visit_index[v] for v in r.visit_ids] for r in plan.routes}
    )
    fixed = [u for u in plan.unassigned if not state.techs_for(problem.visit_index[u.visit_id])]
    queue = _order(state, [problem.visit_index[u.visit_id] for u in plan.unassigned if u not in fixed])
    left: list[int] = []
    while queue:
        i = queue.pop(0)
        if time.perf_counter() > deadline:
            left.append(i)
            continue
        if _insert(state, i) or _eject(state, i, deadline) or _eject2(state, i, deadline):
            continue
        if pairs and _eject_pair(state, i, deadline):
            continue
        if chains and _chain(state, i, deadline):
            continue
        out = _displace(state, i) if _priority(problem, i) > 0 else None
        if out is None:
            left.append(i)
        else:
            queue.append(out)
    return rebuild_plan(problem, plan, state, fixed, left)


def rebuild_plan(
    problem: Problem, plan: Plan, state: Routes, fixed: list[Unassigned], left: list[int]
) -> Plan:
    old = {problem.technician_index[r.technician_id]: r for r in plan.routes}
    routes: list[Route] = []
    unassigned = list(fixed)
    for t, seq in sorted(state.seqs.items()):
        if not seq:
            continue
        route = old.get(t)
        if route is None or route.visit_ids != [problem.visits[i].id for i in seq]:
            route = build_route(problem, t, seq)
        if route is None:  # pragma: no cover - every accepted sequence was timed feasible
            unassigned += [Unassigned(problem.visits[i].id, "insertion timing mismatch") for i in seq]
            continue
        routes.append(route)
    unassigned += [Unassigned(problem.visits[i].id, "no feasible position in any route") for i in left]
    return Plan(routes, unassigned, plan.solver, plan.runtime_s, plan.notes)


def insertion_start(problem: Problem, seconds: float = 10.0) -> Plan:
    """A start plan by cheapest exact insertion, scarcest visits first.

    Order: pinned visits, then urgent, then by how few technicians may serve them (skills), then
    by window width and start — the visits with the fewest options are placed while there is room.
    Each goes to its cheapest feasible position (any position of the nearest eligible routes, lunch
    moved as needed); once ``seconds`` are spent, only the nearest few routes. What does not fit,
    and everything once twice ``seconds`` are spent (the plan is then noted as cut short), is left
    over for the ejection pass.
    """
    deadline = time.perf_counter() + seconds
    state = Routes(problem, {})
    servable = [i for i in range(problem.n_visits) if state.techs_for(i)]

    def key(i: int) -> tuple[bool, int, int, int, int]:
        v = problem.visits[i]
        return (
            v.pinned_to is None,
            -v.priority,
            len(state.techs_for(i)),
            v.window_end - v.window_start,
            v.window_start,
        )

    left: list[int] = []
    cut_short = False
    for i in sorted(servable, key=key):
        now = time.perf_counter()
        cut_short = cut_short or now > deadline + seconds
        # Past its share (a loaded machine) the insertion goes on over the nearest routes only;
        # past twice its share it stops (the caller then takes the board's greedy plan).
        if cut_short or not _insert(state, i, NEAR_ROUTES if now <= deadline else LATE_ROUTES):
            left.append(i)
    fixed = [
        Unassigned(v.id, "no technician with the required skills (R-DI-2, R-PR-2)")
        for i, v in enumerate(problem.visits)
        if not state.techs_for(i)
    ]
    return rebuild_plan(
        problem, Plan([], [], "insertion", notes=[CUT_SHORT] if cut_short else []), state, fixed, left
    )
