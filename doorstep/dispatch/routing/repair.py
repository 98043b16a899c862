"""Making a plan pass the independent checker: unassign the visits behind violations.

Used by the optimiser and the greedy baseline before they return a plan, and available to the
dispatch app for a plan edited by hand.
"""

from __future__ import annotations

from doorstep.dispatch.routing.check import Violation, check_plan
from doorstep.dispatch.routing.model import Plan, Problem, Route, Unassigned
from doorstep.dispatch.routing.schedule import build_route


def feasible_route(
    problem: Problem, t: int, seq: list[int], gap: int | None
) -> tuple[Route | None, list[int]]:
    """Time the route; while infeasible, drop the visit whose removal helps (else the last one)."""
    removed: list[int] = []
    while seq:
        route = build_route(problem, t, seq, gap)
        if route is not None:
            return route, removed
        j = next(
            (j for j in range(len(seq)) if build_route(problem, t, seq[:j] + seq[j + 1 :]) is not None),
            len(seq) - 1,
        )
        removed.append(seq.pop(j))
        gap = None
    return None, removed


def repair(problem: Problem, plan: Plan, max_passes: int = 5) -> Plan:
    """Unassign the visits behind every violation until :func:`check_plan` finds none."""
    for _ in range(max_passes):
        violations = [v for v in check_plan(problem, plan) if v.kind not in ("unserved",)]
        if not violations:
            plan.unassigned = list({u.visit_id: u for u in reversed(plan.unassigned)}.values())[::-1]
            return plan
        plan = _drop_violations(problem, plan, violations)
    plan.notes.append("repair did not converge")
    return plan


def _drop_violations(problem: Problem, plan: Plan, violations: list[Violation]) -> Plan:
    bad_visits = {v.visit_id for v in violations if v.visit_id}
    bad_routes = {v.technician_id for v in violations if v.technician_id and not v.visit_id}
    routes, unassigned = [], list(plan.unassigned)
    for route in plan.routes:
        t = problem.technician_index[route.technician_id]
        seq = [problem.visit_index[s.visit_id] for s in route.stops if s.visit_id not in bad_visits]
        if route.technician_id in bad_routes and seq:
            unassigned.append(Unassigned(problem.visits[seq[-1]].id, "dropped by feasibility check"))
            seq = seq[:-1]
        unassigned += [
            Unassigned(s.visit_id, "dropped by feasibility check")
            for s in route.stops
            if s.visit_id in bad_visits
        ]
        rebuilt, removed = feasible_route(problem, t, seq, None)
        unassigned += [Unassigned(problem.visits[i].id, "dropped: route timing infeasible") for i in removed]
        if rebuilt is not None:
            routes.append(rebuilt)
    return Plan(routes, unassigned, plan.solver, plan.runtime_s, plan.notes)
