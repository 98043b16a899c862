"""Departure times from a plan (R-DI-7).

R-DI-7: departure time = appointment time − travel time − early margin, so that the technician
arrives 5 minutes before the appointment. The rule's time can be earlier than the moment the
technician is free (the previous service is still running, or the shift has not started); the
planned departure is then the later of the two, and the visit is reached later than the margin but,
in a feasible plan, still within its window (R-AR-5 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.core.punctuality import is_early_enough
from doorstep.dispatch.routing.model import Plan, Problem, Route


@dataclass(frozen=True, slots=True)
class Departure:
    visit_id: str
    technician_id: str
    rule_departure: int  # R-DI-7: window start − travel − early margin
    free_at: int  # when the technician can leave (end of previous service, or shift start)
    planned_departure: int  # the stop's departure in the plan
    travel: int
    arrives_early_enough: bool  # arrival <= window start − early margin


def departure_time(window_start: int, travel_s: int, early_margin_s: int) -> int:
    """R-DI-7: departure = appointment time − travel time − early margin."""
    return window_start - travel_s - early_margin_s


def route_departures(problem: Problem, route: Route) -> list[Departure]:
    t = problem.technician_index[route.technician_id]
    dur = problem.matrix().durations
    here, free_at = problem.start_point(t), problem.technicians[t].shift_start
    out = []
    for stop in route.stops:
        i = problem.visit_index[stop.visit_id]
        visit, travel = problem.visits[i], int(dur[here, problem.visit_point(i)])
        rule = departure_time(visit.window_start, travel, problem.early_margin)
        early = is_early_enough(visit.window_start, stop.arrival, early_margin_s=problem.early_margin)
        out.append(
            Departure(stop.visit_id, route.technician_id, rule, free_at, stop.departure, travel, early)
        )
        here, free_at = problem.visit_point(i), stop.end
    return out


def plan_departures(problem: Problem, plan: Plan) -> dict[str, Departure]:
    """R-DI-7 departure information for every served visit, by visit id."""
    return {d.visit_id: d for route in plan.routes for d in route_departures(problem, route)}
