"""Routing core of dispatch: problem model, travel times, optimiser, greedy baseline, checker.

Pure Python (no Django). Typical use from the dispatch app::

    from doorstep.dispatch.routing import Problem, Technician, Visit, Location, LunchBreak
    from doorstep.dispatch.routing import HaversineTravel, SolveOptions, solve, check_plan

    problem = Problem(technicians, visits, HaversineTravel(), early_margin=policy.early_arrival_minutes * 60)
    plan = solve(problem, SolveOptions(seconds=20))
    assert check_plan(problem, plan) == []
"""

from doorstep.dispatch.routing.check import Violation, check_plan
from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.greedy import solve_greedy
from doorstep.dispatch.routing.insert import insert_leftovers
from doorstep.dispatch.routing.model import (
    LunchBreak,
    LunchSlot,
    Plan,
    Problem,
    Route,
    Stop,
    Technician,
    Unassigned,
    Visit,
)
from doorstep.dispatch.routing.plan_times import Departure, departure_time, plan_departures
from doorstep.dispatch.routing.repair import repair
from doorstep.dispatch.routing.replan import Change, Event, Replan, replan
from doorstep.dispatch.routing.schedule import build_route
from doorstep.dispatch.routing.solomon import solomon_problem
from doorstep.dispatch.routing.solver import SolveOptions, solve
from doorstep.dispatch.routing.travel import (
    EuclideanTravel,
    HaversineTravel,
    OsrmTravel,
    TravelMatrix,
    TravelTimeProvider,
)

__all__ = [
    "Change",
    "Departure",
    "EuclideanTravel",
    "Event",
    "HaversineTravel",
    "Location",
    "LunchBreak",
    "LunchSlot",
    "OsrmTravel",
    "Plan",
    "Problem",
    "Replan",
    "Route",
    "SolveOptions",
    "Stop",
    "Technician",
    "TravelMatrix",
    "TravelTimeProvider",
    "Unassigned",
    "Violation",
    "Visit",
    "build_route",
    "check_plan",
    "departure_time",
    "insert_leftovers",
    "plan_departures",
    "repair",
    "replan",
    "solomon_problem",
    "solve",
    "solve_greedy",
]
