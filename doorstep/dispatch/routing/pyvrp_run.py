"""Running PyVRP's iterated local search with an eligibility-aware granular neighbourhood.

PyVRP's default neighbourhood holds the nearest clients of each client. With skills, pins and
per-technician lunches most of those may be unable to share a route (R-DI-2, R-PR-2), so moves
between them are wasted, and a lunch or pinned visit pushed into a foreign route can have no move
that brings it back. Here each client's neighbours are its nearest clients that at least one common
technician may serve; lunches and pinned visits get neighbours among their own technician's clients.
"""

from __future__ import annotations

import time

import numpy as np
import pyvrp
from pyvrp import _pyvrp as pv
from pyvrp.IteratedLocalSearch import IteratedLocalSearch
from pyvrp.PenaltyManager import PenaltyManager, PenaltyParams
from pyvrp.search import LocalSearch, PerturbationManager, PerturbationParams, compute_neighbours
from pyvrp.stop import MaxRuntime

from doorstep.dispatch.routing.model import Problem
from doorstep.dispatch.routing.pyvrp_encode import Encoding

MIN_NEIGHBOURS = 25
# At most this many random moves perturb the plan between two descents (PyVRP's default: 25). A field day's
# routes are tight (2-hour windows, lunches, skills): a smaller kick keeps the search near the best plan and
# leaves time for more descents. Tuned on generator seeds 511-514 (M) and 511-512 (L), none of the draws the
# figures are reported on: mean km vs greedy M 0.696 -> 0.665, L 0.659 -> 0.637 (docs/benchmarks.md).
MAX_PERTURBATIONS = 10
Neighbours = dict[pv.Activity, list[pv.Activity]]


def eligibility(problem: Problem, enc: Encoding) -> list[int]:
    """Per PyVRP client: a bit mask of the technicians that may serve it."""
    masks: list[int] = []
    for visit, tech in zip(enc.client_visit, enc.client_lunch_tech, strict=True):
        if visit < 0:
            masks.append(1 << tech)
            continue
        masks.append(sum(1 << t for t in range(len(problem.technicians)) if problem.can_serve(t, visit)))
    return masks


def _nearest_compatible(
    problem: Problem, enc: Encoding, masks: list[int], c: int, k: int, locs: np.ndarray
) -> list[int]:
    m = problem.matrix().distances
    here = enc.data.client(c).location
    order = np.argsort(m[here, locs] + m[locs, here], kind="stable")
    out = [int(j) for j in order if j != c and masks[int(j)] & masks[c]][:k]
    return out


def neighbours(problem: Problem, enc: Encoding, k: int = 40) -> Neighbours:
    """Eligibility-filtered neighbours, topped up from the matrix where too few remain."""
    base = compute_neighbours(enc.data)
    masks = eligibility(problem, enc)
    out: Neighbours = {}
    locs = np.array([cl.location for cl in enc.data.clients()], dtype=np.int64)
    for act, near in base.items():
        c = act.idx
        kept = [n for n in near if masks[n.idx] & masks[c]]
        if len(kept) < MIN_NEIGHBOURS or enc.client_visit[c] < 0:
            extra = _nearest_compatible(problem, enc, masks, c, k, locs)
            seen = {n.idx for n in kept}
            kept += [pv.Activity(pv.ActivityType.CLIENT, j) for j in extra if j not in seen]
        out[act] = kept[:k] if len(kept) > k else kept
    return out


def run_ils(
    problem: Problem,
    enc: Encoding,
    seconds: float,
    seed: int,
    init: pv.Solution | None,
    filtered: bool,
) -> pv.Solution:
    """PyVRP's ``solve`` with our neighbourhood (when ``filtered``) and firm penalty bounds."""
    t0 = time.perf_counter()
    params = pyvrp.SolveParams(
        penalty=PenaltyParams(min_penalty=1_000.0, max_penalty=1_000_000.0),
        perturbation=PerturbationParams(1, MAX_PERTURBATIONS),
    )
    if not filtered:
        result = pyvrp.solve(
            enc.data, MaxRuntime(seconds), seed=seed, collect_stats=False, initial_solution=init
        )
        return result.best
    rng = pv.RandomNumberGenerator(seed=seed)
    ls = LocalSearch(enc.data, rng, neighbours(problem, enc), PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(enc.data):
            ls.add_operator(op(enc.data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(enc.data), params.penalty)
    # An exhaustive descent from the warm start first: starting the perturbation loop from a poor
    # feasible plan lets the search drift into plans that break the per-technician codes.
    start = init if init is not None else pv.Solution.make_random(enc.data, rng)
    start = ls(start, pm.cost_evaluator(), exhaustive=True)
    if init is not None and not start.is_feasible():
        start = init
    algo = IteratedLocalSearch(enc.data, pm, ls, start, params.ils)
    remaining = max(0.05, seconds - (time.perf_counter() - t0))
    return algo.run(MaxRuntime(remaining), collect_stats=False).best
