import pytest

from doorstep.dispatch.routing.check import check_plan
from doorstep.dispatch.routing.model import Plan
from doorstep.dispatch.routing.plan_times import departure_time, plan_departures
from doorstep.dispatch.routing.schedule import build_route
from doorstep.dispatch.routing.tests.factories import H, line_problem, replace


def test_r_di_7_departure_is_window_start_minus_travel_minus_margin() -> None:
    """R-DI-7: departure = appointment time − travel time − early margin (arrive 5 min early)."""
    assert departure_time(10 * H, 600, 300) == 10 * H - 900


def test_r_di_7_planned_departure_and_arrival_of_first_visit() -> None:
    """R-DI-7 in a plan: the technician leaves home so as to arrive 5 minutes before the window."""
    problem = line_problem()
    route = build_route(problem, 0, [0, 1])
    assert route is not None
    first = route.stops[0]
    assert first.departure == 9 * H - 600 - 300 and first.arrival == 9 * H - 300
    assert route.depart_home == first.departure
    deps = plan_departures(problem, Plan([route], []))
    assert deps["A"].rule_departure == 9 * H - 900 and deps["A"].arrives_early_enough


def test_r_di_7_never_departs_before_previous_service_ends() -> None:
    """R-DI-7 with a busy technician: the rule's time is earlier than the end of the previous job."""
    problem = line_problem()
    route = build_route(problem, 0, [0, 1])
    assert route is not None
    assert route.stops[1].departure == 10 * H - 600 - 300  # free at 09:30, rule says 09:45
    problem.visits = [
        problem.visits[0],
        replace(problem.visits[1], window_start=9 * H + 1800),
        problem.visits[2],
    ]
    route = build_route(problem, 0, [0, 1])
    assert route is not None
    a, b = route.stops
    assert a.end == 9 * H + 1800 > departure_time(9 * H + 1800, 600, 300)
    assert (b.departure, b.arrival, b.start) == (a.end, a.end + 600, a.end + 600)
    assert not plan_departures(problem, Plan([route], []))["B"].arrives_early_enough


@pytest.mark.parametrize("margin", [0, 300, 600])
def test_r_di_7_margin_is_honoured_in_checked_plans(margin: int) -> None:
    """R-DI-7: the early margin moves departures, never makes the plan infeasible."""
    problem = line_problem(margin=margin)
    route = build_route(problem, 0, [0, 1])
    assert route is not None and route.stops[0].arrival == 9 * H - margin
    plan = Plan([route], [])
    kinds = {v.kind for v in check_plan(problem, plan)}
    assert kinds == {"missing"}  # only visit C is neither served nor listed
