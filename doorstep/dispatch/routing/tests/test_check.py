import pytest

from doorstep.dispatch.routing.check import check_plan
from doorstep.dispatch.routing.model import LunchSlot, Plan, Problem, Route, Unassigned
from doorstep.dispatch.routing.schedule import build_route
from doorstep.dispatch.routing.tests.factories import LUNCH, H, line_problem, replace


def _route(problem: Problem, t: int, seq: list[int]) -> Route:
    route = build_route(problem, t, seq)
    assert route is not None
    return route


def _valid_plan(problem: Problem) -> Plan:
    return Plan([_route(problem, 0, [0, 1]), _route(problem, 1, [2])], [])


def _kinds(problem: Problem, plan: Plan) -> set[str]:
    return {v.kind for v in check_plan(problem, plan)}


@pytest.mark.parametrize("lunch", [None, LUNCH])
def test_valid_plan_has_no_violation(lunch: object) -> None:
    problem = line_problem(lunch=LUNCH if lunch else None)
    assert check_plan(problem, _valid_plan(problem)) == []


def test_visit_served_twice_and_missing_visit() -> None:
    problem = line_problem()
    plan = Plan([_route(problem, 0, [0, 1]), _route(problem, 1, [2, 0])], [])
    assert "duplicate" in _kinds(problem, plan)
    assert _kinds(problem, Plan([_route(problem, 0, [0, 1])], [])) == {"missing"}
    listed = Plan([_route(problem, 0, [0, 1])], [Unassigned("C", "test")])
    assert check_plan(problem, listed) == []


def test_unserved_visit_when_everything_is_required() -> None:
    problem = line_problem()
    problem.allow_unassigned = False
    assert _kinds(problem, Plan([_route(problem, 0, [0, 1])], [Unassigned("C", "x")])) == {"unserved"}


def test_skills_r_pr_2() -> None:
    """R-DI-2 / R-PR-2: a technician without the qualification may not take the job."""
    problem = line_problem()
    plan = Plan([_route(problem, 1, [0, 2]), _route(problem, 0, [1])], [])
    assert _kinds(problem, plan) == {"skills"}


def test_pin_to_another_technician() -> None:
    problem = line_problem()
    problem.visits = [*problem.visits[:2], replace(problem.visits[2], required_skills=frozenset())]
    plan = Plan([_route(problem, 0, [2, 0, 1])], [])
    assert _kinds(problem, plan) == {"pin"}


def test_late_start_is_r_ar_5_lateness_and_early_start_is_caught() -> None:
    problem = line_problem()
    plan = _valid_plan(problem)
    stop = plan.routes[0].stops[1]
    plan.routes[0].stops[1] = replace(stop, start=12 * H + 1, end=12 * H + 1 + 1800)
    assert "window_late" in _kinds(problem, plan)
    plan = _valid_plan(problem)
    stop = plan.routes[0].stops[1]
    plan.routes[0].stops[1] = replace(stop, start=10 * H - 60, end=10 * H - 60 + 1800)
    assert "window_early" in _kinds(problem, plan)


def test_travel_too_short_and_departure_before_free() -> None:
    problem = line_problem()
    plan = _valid_plan(problem)
    a, b = plan.routes[0].stops
    plan.routes[0].stops[1] = replace(b, departure=b.arrival - 10)
    assert "travel" in _kinds(problem, plan)
    plan.routes[0].stops[1] = replace(b, departure=a.end - 100)
    assert "sequence" in _kinds(problem, plan)


def test_shift_end_depot_due_date() -> None:
    problem = line_problem()
    plan = _valid_plan(problem)
    plan.routes[1].return_home = 18 * H + 1
    assert _kinds(problem, plan) == {"shift_end"}
    plan = _valid_plan(problem)
    plan.routes[1].depart_home = 7 * H
    assert "shift_start" in _kinds(problem, plan)


def test_capacity() -> None:
    problem = line_problem()
    problem.technicians = [replace(problem.technicians[0], capacity=(5,)), problem.technicians[1]]
    assert _kinds(problem, _valid_plan(problem)) == {"capacity"}


def test_lunch_missing_outside_window_short_and_overlapping() -> None:
    problem = line_problem(lunch=LUNCH)
    plan = _valid_plan(problem)
    plan.routes[0].lunch = None
    assert _kinds(problem, plan) == {"lunch_missing"}
    plan = _valid_plan(problem)
    lunch = plan.routes[1].lunch
    assert lunch is not None
    plan.routes[1].lunch = LunchSlot(lunch.before_stop, 11 * H, 12 * H)
    assert "lunch_window" in _kinds(problem, plan)
    plan.routes[1].lunch = LunchSlot(lunch.before_stop, 12 * H, 12 * H + 1800)
    assert "lunch_duration" in _kinds(problem, plan)
    start = plan.routes[0].stops[1].start
    plan.routes[0].lunch = LunchSlot(1, start, start + H)
    assert "lunch_overlap" in _kinds(problem, plan)


def test_lunch_taken_on_the_way_does_not_count_as_travel() -> None:
    problem = line_problem(lunch=LUNCH)
    route = _route(problem, 0, [0, 1])
    assert route.lunch is not None
    a, b = route.stops
    squeezed = replace(b, departure=a.end, arrival=a.end + 600)
    lunch = LunchSlot(1, a.end + 100, a.end + 100 + H)
    bad = Route(route.technician_id, [a, squeezed], route.depart_home, route.return_home, lunch)
    plan = Plan([bad, _route(problem, 1, [2])], [])
    assert "travel" in _kinds(problem, plan)
