"""The optimiser: PyVRP's iterated local search behind the field-service encoding, then an exact
re-timing, an independent check and a repair (:mod:`repair`), so that every returned plan passes
:func:`check_plan`.

Steps: visits nobody may serve (skills R-DI-2 / R-PR-2, pins) are unassigned up front; the greedy
board plan gives a warm start and the first lunch anchors; PyVRP runs in rounds, re-anchoring each
technician's lunch next to where the previous round placed it (which makes its cost exact); between
the rounds and at the end visits are relocated with the lunch re-timed exactly (:mod:`improve`: the
moves PyVRP's fixed-place lunch hides); routes are re-timed by :mod:`schedule` (waits, lunch, R-DI-7
departures); any route or visit the checker rejects is repaired by unassigning visits.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.dispatch.routing.check import check_plan
from doorstep.dispatch.routing.decompose import PartJob, part_seconds, solve_in_parts
from doorstep.dispatch.routing.greedy import solve_greedy
from doorstep.dispatch.routing.improve import relocate
from doorstep.dispatch.routing.insert import CUT_SHORT, insert_leftovers, insertion_start
from doorstep.dispatch.routing.model import Plan, Problem, Route, Unassigned
from doorstep.dispatch.routing.pyvrp_encode import as_solution, decode, encode
from doorstep.dispatch.routing.pyvrp_run import run_ils
from doorstep.dispatch.routing.repair import feasible_route, repair

INSERTION_START = True
ALL_ANCHORS = False  # every place of the route: measured worse (more clients, slower search)
DECOMPOSE_ABOVE = 2500  # visits: larger days are solved in parts (one part is about an M/L day)
QUICK_PER_VISIT = 0.004  # seconds per visit below which the search is skipped
# Seconds before the budget's end by which the last leftover pass of a single field day stops (the
# caller still writes and checks the plan).
END_MARGIN = 1.5
# Share of the budget the exact relocation between two rounds may take (an M day needs about 1 s of 29).
RELOCATE_SHARE = 0.1

Decoded = tuple[int, list[int], int | None, int | None]  # technician, order, lunch gap, lunch anchor


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """``seconds`` is the total budget; ``lunch_rounds`` PyVRP runs share it (60/40 for two).

    ``warm_start`` starts PyVRP from the greedy plan (always done when technicians have a lunch).
    ``chains``: on a field day (lunches) the leftover passes also try pair ejections and longer
    ejection chains (:func:`insert.insert_leftovers`); off for the parts of a whole city, whose
    spare time goes to the parts after them.
    """

    seconds: float = 10.0
    seed: int = 1
    lunch_rounds: int = 2
    warm_start: bool = False
    chains: bool = True


def solve(problem: Problem, options: SolveOptions | None = None, initial: Plan | None = None) -> Plan:
    """Optimised plan that passes :func:`check_plan` (violating visits are unassigned, with reasons).

    ``initial`` (e.g. the plan currently on the board) is used as the warm start instead of the
    greedy plan; it must be feasible (run :func:`repair` on it first if unsure).
    """
    opts = options or SolveOptions()
    if initial is None and problem.n_visits > DECOMPOSE_ABOVE and problem._matrix is None:
        # A whole city: no full matrix; districts solved in parallel processes, then merged.
        return solve_in_parts(problem, opts.seconds, solve_part, opts.seed)
    t0 = time.perf_counter()
    steps: list[tuple[str, float]] = []
    # A field day keeps 4 % of its budget for assembling, re-timing and the final check.
    seconds = opts.seconds * (0.96 if problem.allow_unassigned else 1.0)
    visits, unassigned = _servable(problem)
    has_lunch = any(t.lunch is not None for t in problem.technicians)
    deep = opts.chains and has_lunch
    if initial is None and has_lunch and problem.allow_unassigned and seconds < QUICK_PER_VISIT * len(visits):
        # Too little time for the search to pay (a late part of a whole city on a loaded machine):
        # the insertion start and the leftover passes only.
        plan = _fill(problem, _start(problem, seconds, 0.45), _final(opts, seconds, t0, deep), deep)
        return _timed(plan, "insertion", t0, seconds, [("start+fill", time.perf_counter())])
    decoded: list[Decoded] = []
    if initial is not None:
        decoded = _from_plan(problem, initial)
    elif has_lunch or opts.warm_start:
        start = _start(problem, seconds)
        steps.append(("start", time.perf_counter()))
        if problem.allow_unassigned:
            start = _fill(problem, start, _insertion_reserve(seconds), deep)
            steps.append(("fill", time.perf_counter()))
            left = seconds - (time.perf_counter() - t0)
            if initial is None and has_lunch and left < QUICK_PER_VISIT * len(visits):
                # The start used the time (a loaded machine): a search now would overrun the budget
                # (its first descent has no time cap) and delay the parts after this one.
                plan = _fill(problem, start, _final(opts, seconds, t0, deep), deep)
                return _timed(plan, "insertion", t0, seconds, [*steps, ("fill", time.perf_counter())])
        decoded = _from_plan(problem, start)
    rounds = opts.lunch_rounds if has_lunch else 1
    reserve = _insertion_reserve(seconds) if problem.allow_unassigned else 0.0
    overhead = 0.0  # what the last round took past its share
    for r in range(rounds):
        budget = seconds - reserve * (rounds - r) - (time.perf_counter() - t0)
        share = budget * (0.6 if r == 0 and rounds > 1 else 1.0 / max(1, rounds - r))
        if r > 0 and share <= overhead:
            # A round's neighbour lists, encoding and first descent are not under its time cap: on a
            # loaded machine (an XXL part at load 6) a round given 1.2 s took 4.0 s. A round that
            # would spend more on those than on the search is left out.
            steps.append((f"pyvrp{r + 1} left out ({share:.1f})", time.perf_counter()))
            break
        began = time.perf_counter()
        decoded = _run_pyvrp(problem, visits, decoded, max(0.1, share), opts, has_lunch)
        overhead = max(0.0, time.perf_counter() - began - max(0.1, share))
        steps.append((f"pyvrp{r + 1} ({share:.1f})", time.perf_counter()))
        if r < rounds - 1 and problem.allow_unassigned:
            # Leftovers go in between rounds, so the next round shortens routes that serve everyone.
            between = repair(problem, _assemble(problem, decoded, unassigned))
            between = _fill(problem, between, reserve, deep)
            steps.append(("fill", time.perf_counter()))
            if has_lunch:
                # Visits held next to a lunch's anchor move now, so the next round starts from there.
                between = _improve(problem, between, RELOCATE_SHARE * seconds)
                steps.append(("relocate", time.perf_counter()))
            decoded = _from_plan(problem, between)
    plan = _assemble(problem, decoded, unassigned)
    plan = repair(problem, plan)
    steps.append(("assemble", time.perf_counter()))
    if problem.allow_unassigned:
        plan = _fill(problem, plan, _final(opts, seconds, t0, deep), deep)
        steps.append(("fill", time.perf_counter()))
    if has_lunch:
        plan = _improve(problem, plan, max(0.0, seconds - (time.perf_counter() - t0)))
        steps.append(("relocate", time.perf_counter()))
    return _timed(plan, "pyvrp", t0, seconds, steps)


def _timed(plan: Plan, solver: str, t0: float, seconds: float, steps: Sequence[tuple[str, float]]) -> Plan:
    """The plan with its solver, run time and a note of the time each step took."""
    plan.solver, plan.runtime_s = solver, time.perf_counter() - t0
    if steps:
        took, last = [], t0
        for name, at in steps:
            took.append(f"{name} {at - last:.1f}")
            last = at
        plan.notes = [
            *plan.notes,
            f"{plan.solver} {plan.runtime_s:.1f} s of {seconds:.1f}: {', '.join(took)}; "
            f"{plan.n_served} served, distance {plan.distance}",
        ]
    return plan


def solve_part(job: PartJob) -> Plan:
    """One part of a large day: within its share (more if the parts before it left time over),
    never past the wall-clock ``until``, from the plan ``initial`` (the first pass's routes of the
    part) if given."""
    part, share, seed, until, initial, waves_left = job
    options = SolveOptions(seconds=part_seconds(share, until, waves_left), seed=seed, chains=False)
    return solve(part, options, initial)


def _start(problem: Problem, seconds: float, share: float = 0.35) -> Plan:
    """Cheapest-insertion start (scarcest first); past its share over fewer routes; the greedy board
    plan if cut short at twice its share (going on over three routes left 917 visits of an XXL day
    unserved at load 11)."""
    if not INSERTION_START:
        return solve_greedy(problem)
    inserted = insertion_start(problem, share * seconds)  # a cap: well under 1 s of CPU on an L day
    return solve_greedy(problem) if CUT_SHORT in inserted.notes else inserted


def _insertion_reserve(seconds: float) -> float:
    """Time kept back from the search for the exact insertion of leftovers."""
    return min(max(0.05 * seconds, 1.0), 4.0)


def _final(opts: SolveOptions, seconds: float, t0: float, deep: bool) -> float:
    """Seconds for the last leftover pass: the rest of the budget, with the deep pass (which may
    use all of it) stopping ``END_MARGIN`` before its end."""
    end = min(seconds, opts.seconds - END_MARGIN) if deep else seconds
    return max(0.2, end - (time.perf_counter() - t0))


def _fill(problem: Problem, plan: Plan, seconds: float, deep: bool = False) -> Plan:
    """Insert leftovers exactly (``deep``: also by pair ejections and longer chains); keep the
    result only if the independent check still passes."""
    if not plan.unassigned:
        return plan
    filled = insert_leftovers(problem, plan, seconds, pairs=deep, chains=deep)
    if any(v.kind != "unserved" for v in check_plan(problem, filled)):  # pragma: no cover - defensive
        plan.notes.append("insertion pass rejected by the check")
        return plan
    return filled


def _improve(problem: Problem, plan: Plan, seconds: float) -> Plan:
    """Relocate visits exactly (:func:`improve.relocate`); keep the result only if the check still passes."""
    if seconds <= 0 or not plan.routes:
        return plan
    moved = relocate(problem, plan, seconds)
    rejected = moved is not plan and any(v.kind != "unserved" for v in check_plan(problem, moved))
    if rejected:  # pragma: no cover - defensive: every move was timed exactly
        plan.notes.append("relocation pass rejected by the check")
        return plan
    return moved


def _servable(problem: Problem) -> tuple[list[int], list[Unassigned]]:
    visits, unassigned = [], []
    for i, v in enumerate(problem.visits):
        if any(problem.can_serve(t, i) for t in range(len(problem.technicians))):
            visits.append(i)
        elif v.pinned_to is not None and v.pinned_to not in problem.technician_index:
            unassigned.append(Unassigned(v.id, f"pinned technician {v.pinned_to} is not working"))
        else:
            unassigned.append(Unassigned(v.id, "no technician with the required skills (R-DI-2, R-PR-2)"))
    return visits, unassigned


def _from_plan(problem: Problem, plan: Plan) -> list[Decoded]:
    out: list[Decoded] = []
    for route in plan.routes:
        t = problem.technician_index[route.technician_id]
        seq = [problem.visit_index[s.visit_id] for s in route.stops]
        gap = route.lunch.before_stop if route.lunch else None
        out.append((t, seq, gap, _anchor_of(problem, t, route, seq)))
    return out


def _anchor_of(problem: Problem, t: int, route: Route, seq: Sequence[int]) -> int | None:
    """Where the lunch is taken: at the next place if eaten on arrival there, else at the previous one."""
    lunch = route.lunch
    if lunch is None:
        return None
    k = lunch.before_stop
    on_arrival = route.stops[k].arrival <= lunch.start if k < len(seq) else lunch.end >= route.return_home
    if on_arrival:
        return problem.visit_point(seq[k]) if k < len(seq) else problem.end_point(t)
    return problem.visit_point(seq[k - 1]) if k > 0 else problem.start_point(t)


def _anchors(problem: Problem, decoded: Sequence[Decoded]) -> dict[int, list[int]]:
    """Lunch candidate places per technician: home, the current anchor and the lunch gap's neighbours."""
    anchors = {
        t: [problem.start_point(t)] + ([problem.end_point(t)] if tech.end_location != tech.start else [])
        for t, tech in enumerate(problem.technicians)
        if tech.lunch
    }
    for t, seq, gap, anchor in decoded:
        if t not in anchors or gap is None:
            continue
        # Every place of the route: wherever the search moves the lunch, it is costed exactly.
        near = seq if ALL_ANCHORS else [seq[j] for j in (gap - 1, gap) if 0 <= j < len(seq)]
        anchors[t] += ([anchor] if anchor is not None else []) + [problem.visit_point(i) for i in near]
    return {t: list(dict.fromkeys(points)) for t, points in anchors.items()}


def _with_idle_lunches(problem: Problem, decoded: list[Decoded]) -> list[Decoded]:
    """Warm start: technicians without visits take their (required) lunch at home."""
    used = {t for t, *_ in decoded}
    idle: list[Decoded] = [
        (t, [], 0, problem.start_point(t))
        for t, tech in enumerate(problem.technicians)
        if tech.lunch is not None and t not in used
    ]
    return [*decoded, *idle]


def _run_pyvrp(
    problem: Problem,
    visits: list[int],
    decoded: list[Decoded],
    seconds: float,
    opts: SolveOptions,
    has_lunch: bool,
) -> list[Decoded]:
    enc = encode(problem, visits, _anchors(problem, decoded) if has_lunch else {})
    init = as_solution(enc, _with_idle_lunches(problem, decoded)) if decoded else None
    best = run_ils(problem, enc, seconds, opts.seed, init, filtered=_has_field_rules(problem))
    if init is not None and not best.is_feasible() and init.is_feasible():
        best = init
    return decode(enc, best)


def _has_field_rules(problem: Problem) -> bool:
    """Skills, pins or lunches: use the eligibility-aware neighbourhood."""
    return any(t.lunch for t in problem.technicians) or any(
        v.required_skills or v.pinned_to for v in problem.visits
    )


def _assemble(problem: Problem, decoded: Sequence[Decoded], unassigned: list[Unassigned]) -> Plan:
    routes: list[Route] = []
    dropped: list[Unassigned] = []
    for t, seq, gap, _ in decoded:
        if not seq:
            continue
        route, removed = feasible_route(problem, t, list(seq), gap)
        dropped += [Unassigned(problem.visits[i].id, "dropped: route timing infeasible") for i in removed]
        if route is not None:
            routes.append(route)
    served = {s.visit_id for r in routes for s in r.stops}
    listed = {u.visit_id for u in unassigned + dropped}
    rest = [
        Unassigned(v.id, "no feasible slot found by the optimiser")
        for v in problem.visits
        if v.id not in served and v.id not in listed
    ]
    return Plan(routes, unassigned + dropped + rest)
