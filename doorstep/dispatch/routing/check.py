"""Independent feasibility checker for a :class:`Plan`.

It trusts nothing a solver computed: it re-reads the stated times of every route and checks them
against the problem with its own arithmetic on the travel matrix. Checked: each visit served at most
once and either served or listed unassigned; skills (R-DI-2, R-PR-2); pins; appointment windows —
service starts inside the window, an early arrival waits, a late start is lateness (R-AR-5); travel
between places (lunch time spent on the way does not count as travel); shift start and end (the depot
due date in benchmarks); capacity; the lunch break (present, long enough, started in its window, not
overlapping a service, inside the shift).
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.dispatch.routing.model import Plan, Problem, Route, Technician


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str
    technician_id: str | None
    visit_id: str | None
    detail: str

    def __str__(self) -> str:
        who = "/".join(x for x in (self.technician_id, self.visit_id) if x)
        return f"{self.kind}[{who}]: {self.detail}"


def check_plan(problem: Problem, plan: Plan) -> list[Violation]:
    """All violations of ``plan``; an empty list means the plan is feasible."""
    out: list[Violation] = []
    out += _check_coverage(problem, plan)
    seen_techs: set[str] = set()
    for route in plan.routes:
        tech_i = problem.technician_index.get(route.technician_id)
        if tech_i is None or route.technician_id in seen_techs:
            out.append(Violation("technician", route.technician_id, None, "unknown or duplicate route"))
            continue
        seen_techs.add(route.technician_id)
        if any(s.visit_id not in problem.visit_index for s in route.stops):
            continue  # reported by coverage
        out += _check_route(problem, tech_i, route)
    return out


def _check_coverage(problem: Problem, plan: Plan) -> list[Violation]:
    out: list[Violation] = []
    served: dict[str, int] = {}
    for route in plan.routes:
        for stop in route.stops:
            served[stop.visit_id] = served.get(stop.visit_id, 0) + 1
    listed = {u.visit_id for u in plan.unassigned}
    for vid, count in served.items():
        if vid not in problem.visit_index:
            out.append(Violation("unknown_visit", None, vid, "visit is not in the problem"))
        elif count > 1:
            out.append(Violation("duplicate", None, vid, f"served {count} times"))
        if vid in listed:
            out.append(Violation("duplicate", None, vid, "both served and unassigned"))
    for visit in problem.visits:
        if visit.id not in served and visit.id not in listed:
            out.append(Violation("missing", None, visit.id, "neither served nor unassigned"))
        if not problem.allow_unassigned and visit.id not in served:
            out.append(Violation("unserved", None, visit.id, "every visit must be served"))
    return out


def _check_route(problem: Problem, t: int, route: Route) -> list[Violation]:
    tech = problem.technicians[t]
    out = _check_assignment(problem, tech, route)
    out += _check_times(problem, t, route)
    out += _check_lunch(problem, tech, route)
    return out


def _check_assignment(problem: Problem, tech: Technician, route: Route) -> list[Violation]:
    out: list[Violation] = []
    load = [0] * len(tech.capacity)
    for stop in route.stops:
        visit = problem.visits[problem.visit_index[stop.visit_id]]
        missing = visit.required_skills - tech.skills
        if missing:
            out.append(Violation("skills", tech.id, visit.id, f"lacks {sorted(missing)} (R-DI-2, R-PR-2)"))
        if visit.pinned_to is not None and visit.pinned_to != tech.id:
            out.append(Violation("pin", tech.id, visit.id, f"pinned to {visit.pinned_to}"))
        for d, amount in enumerate(visit.demand):
            if d >= len(load):
                out.append(Violation("capacity", tech.id, visit.id, f"no capacity in dimension {d}"))
                continue
            load[d] += amount
    for d, (used, cap) in enumerate(zip(load, tech.capacity, strict=True)):
        if used > cap:
            out.append(Violation("capacity", tech.id, None, f"dimension {d}: load {used} > {cap}"))
    return out


def _lunch_overlap(route: Route, a: int, b: int) -> int:
    if route.lunch is None:
        return 0
    return max(0, min(b, route.lunch.end) - max(a, route.lunch.start))


def _check_times(problem: Problem, t: int, route: Route) -> list[Violation]:
    tech, m = problem.technicians[t], problem.matrix().durations
    out: list[Violation] = []
    if route.depart_home < tech.shift_start:
        out.append(Violation("shift_start", tech.id, None, f"leaves home {route.depart_home} < shift"))
    here, free_at = problem.start_point(t), route.depart_home
    for stop in route.stops:
        i = problem.visit_index[stop.visit_id]
        visit, p = problem.visits[i], problem.visit_point(i)
        out += _check_leg(
            route, tech.id, stop.visit_id, free_at, stop.departure, stop.arrival, int(m[here, p])
        )
        if stop.start < stop.arrival or stop.start < visit.window_start:
            out.append(
                Violation("window_early", tech.id, visit.id, f"starts {stop.start} before arrival/window")
            )
        if stop.start > visit.window_end:
            out.append(
                Violation(
                    "window_late", tech.id, visit.id, f"starts {stop.start} > {visit.window_end} (R-AR-5)"
                )
            )
        if stop.end - stop.start < visit.service:
            out.append(Violation("service", tech.id, visit.id, "service shorter than required"))
        here, free_at = p, stop.end
    back = int(m[here, problem.end_point(t)])
    out += _check_leg(route, tech.id, None, free_at, free_at, route.return_home, back)
    if route.return_home > tech.shift_end:
        out.append(Violation("shift_end", tech.id, None, f"home at {route.return_home} > {tech.shift_end}"))
    return out


def _check_leg(
    route: Route, tech_id: str, visit_id: str | None, free_at: int, departure: int, arrival: int, travel: int
) -> list[Violation]:
    out: list[Violation] = []
    if departure < free_at:
        out.append(
            Violation("sequence", tech_id, visit_id, f"leaves at {departure} before free at {free_at}")
        )
    moving = arrival - departure - _lunch_overlap(route, departure, arrival)
    if moving < travel:
        out.append(Violation("travel", tech_id, visit_id, f"{moving}s to travel {travel}s"))
    return out


def _check_lunch(problem: Problem, tech: Technician, route: Route) -> list[Violation]:
    rule, lunch = tech.lunch, route.lunch
    if rule is None or not route.stops:
        return []
    if lunch is None:
        return [Violation("lunch_missing", tech.id, None, "no lunch break planned")]
    out: list[Violation] = []
    if not rule.earliest_start <= lunch.start <= rule.latest_start:
        out.append(Violation("lunch_window", tech.id, None, f"lunch starts at {lunch.start}"))
    if lunch.end - lunch.start < rule.duration:
        out.append(Violation("lunch_duration", tech.id, None, "lunch shorter than the rule"))
    if lunch.start < tech.shift_start or lunch.end > tech.shift_end:
        out.append(Violation("lunch_shift", tech.id, None, "lunch outside the shift"))
    for stop in route.stops:
        if max(stop.start, lunch.start) < min(stop.end, lunch.end):
            out.append(Violation("lunch_overlap", tech.id, stop.visit_id, "lunch overlaps a service"))
    return out
