import pytest

from doorstep.dispatch.routing.check import check_plan
from doorstep.dispatch.routing.greedy import solve_greedy
from doorstep.dispatch.routing.model import Problem, Visit
from doorstep.dispatch.routing.pyvrp_encode import code_words
from doorstep.dispatch.routing.repair import repair
from doorstep.dispatch.routing.schedule import build_route
from doorstep.dispatch.routing.solomon import solomon_problem
from doorstep.dispatch.routing.solver import SolveOptions, solve
from doorstep.dispatch.routing.tests.factories import SOLOMON_DIR, line_problem, small_city_day


def test_code_words_are_an_antichain() -> None:
    """Equal-weight codes: no technician's code is contained in another's (exact pins)."""
    words = code_words(252)
    assert len(set(words)) == 252 and {len(w) for w in words} == {10} and {sum(w) for w in words} == {5}


@pytest.mark.parametrize(("name", "ceiling"), [("C101", 828.94 * 1.02), ("R101", 1642.88 * 1.05)])
def test_solver_plans_on_solomon_are_feasible(name: str, ceiling: float) -> None:
    problem = solomon_problem(f"{SOLOMON_DIR}/{name}.txt")
    plan = solve(problem, SolveOptions(seconds=1.5))
    assert check_plan(problem, plan) == []
    assert plan.n_served == 100
    assert plan.distance / 1000 <= ceiling


def test_greedy_plan_on_solomon_is_feasible() -> None:
    problem = solomon_problem(f"{SOLOMON_DIR}/RC201.txt")
    plan = solve_greedy(problem)
    violations = check_plan(problem, plan)
    assert {v.kind for v in violations} <= {"unserved"}  # greedy may leave customers over


def _assert_field_rules(problem: Problem, plan_kind: str) -> None:
    plan = solve_greedy(problem) if plan_kind == "greedy" else solve(problem, SolveOptions(seconds=2))
    assert check_plan(problem, plan) == []
    techs = {t.id: t for t in problem.technicians}
    for route in plan.routes:
        tech = techs[route.technician_id]
        assert route.lunch is not None and tech.lunch is not None
        assert tech.lunch.earliest_start <= route.lunch.start <= tech.lunch.latest_start
        for stop in route.stops:
            visit = problem.visits[problem.visit_index[stop.visit_id]]
            assert visit.required_skills <= tech.skills  # R-DI-2, R-PR-2
            assert visit.pinned_to in (None, tech.id)
            assert visit.window_start <= stop.start <= visit.window_end  # R-AR-5
            assert not (stop.start < route.lunch.end and route.lunch.start < stop.end)
    assert plan.n_served + len(plan.unassigned) == len(problem.visits)


@pytest.mark.parametrize("plan_kind", ["greedy", "optimiser"])
def test_skills_pins_and_lunch_are_honoured_on_a_small_city_day(plan_kind: str) -> None:
    _assert_field_rules(small_city_day(), plan_kind)


def test_optimiser_serves_at_least_as_many_and_travels_less_than_greedy() -> None:
    problem = small_city_day(seed=5)
    greedy, plan = solve_greedy(problem), solve(problem, SolveOptions(seconds=2))
    assert plan.n_served >= greedy.n_served
    assert plan.distance <= greedy.distance


def test_visit_nobody_may_serve_is_unassigned_with_reason() -> None:
    problem = line_problem()
    fridge = Visit("D", problem.visits[0].location, 0, 100, 10, frozenset({"fridge"}))
    problem.visits = [*problem.visits, fridge]
    plan = solve(problem, SolveOptions(seconds=0.5))
    assert check_plan(problem, plan) == []
    reasons = {u.visit_id: u.reason for u in plan.unassigned}
    assert "R-DI-2" in reasons["D"]


def test_repair_unassigns_the_visit_behind_a_violation() -> None:
    problem = line_problem()
    bad = solve_greedy(problem)
    wrong = build_route(problem, 1, [0, 2])  # T2 lacks "ac" for visit A (R-DI-2, R-PR-2)
    assert wrong is not None
    bad.routes = [r for r in bad.routes if r.technician_id != "T2"] + [wrong]
    bad.routes[0] = build_route(problem, 0, [1]) or bad.routes[0]
    assert "skills" in {v.kind for v in check_plan(problem, bad)}
    fixed = repair(problem, bad)
    assert check_plan(problem, fixed) == []
    assert {u.visit_id for u in fixed.unassigned} == {"A"}


def test_warm_start_from_a_current_plan() -> None:
    problem = small_city_day(seed=4)
    current = solve_greedy(problem)
    plan = solve(problem, SolveOptions(seconds=1), initial=current)
    assert check_plan(problem, plan) == []
    assert plan.n_served >= current.n_served


def test_a_lunch_round_without_time_for_its_search_is_left_out_and_the_plan_still_passes() -> None:
    """Two seconds kept for the leftovers leave the rounds of a 0.6 s budget no time: the first
    round runs its minimum, the second (whose set-up alone would overrun) is left out."""
    problem = small_city_day()
    plan = solve(problem, SolveOptions(seconds=0.6))
    assert check_plan(problem, plan) == []
    (steps,) = [n for n in plan.notes if n.startswith("pyvrp ")]
    assert "pyvrp1 (" in steps and "pyvrp2 left out" in steps


def test_a_lunch_day_runs_the_exact_relocation_between_the_rounds_and_at_the_end() -> None:
    """The relocation pass (improve.relocate) is a step of solve on a day with lunches, and its plan passes
    the check."""
    problem = small_city_day()
    plan = solve(problem, SolveOptions(seconds=2))
    assert check_plan(problem, plan) == []
    (steps,) = [n for n in plan.notes if n.startswith("pyvrp ")]
    assert steps.count("relocate ") == 2


def test_a_visit_far_from_everyone_who_may_take_it_is_worth_the_round_trip() -> None:
    """The prize of an optional visit covers the round trip from the nearest home of a technician
    who may serve it (skills, R-DI-2), so the search never drops it to save that trip; an urgent
    visit (R-IN-4) is still worth more than any normal one."""
    from doorstep.dispatch.routing.geo import Location
    from doorstep.dispatch.routing.model import Technician
    from doorstep.dispatch.routing.pyvrp_encode import PRIZE_UNIT, _prizes
    from doorstep.dispatch.routing.travel import EuclideanTravel

    h = 3600
    techs = [
        Technician("T1", Location(0, 0), 6 * h, 22 * h, skills=frozenset({"a"})),
        Technician("T2", Location(4_000, 0), 6 * h, 22 * h),
    ]
    visits = [
        Visit("FAR", Location(5_000, 0), 9 * h, 11 * h, h, frozenset({"a"})),  # T1 only, 5 km away
        Visit("NEAR", Location(4_100, 0), 9 * h, 11 * h, h),
        Visit("URGENT", Location(4_100, 0), 9 * h, 9 * h + 1800, h, priority=2),
    ]
    problem = Problem(techs, visits, EuclideanTravel())
    prizes = _prizes(problem, [0, 1, 2])
    assert prizes[0] == PRIZE_UNIT + 10_000
    assert prizes[1] == PRIZE_UNIT + 200
    assert prizes[2] == 3 * PRIZE_UNIT + 200 + 2 * 10_000
    assert prizes[2] > prizes[0]
