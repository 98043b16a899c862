"""Exact insertion of leftovers, ejection chains, urgent displacement and lunch placement.

Plane coordinates: 1 unit = 1 metre = 1 second of travel. Rules: R-AR-5 (service starts inside the
window), R-DI-2 / R-PR-2 (skills), pins.
"""

from doorstep.dispatch.routing.check import check_plan
from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.insert import insert_leftovers
from doorstep.dispatch.routing.model import Plan, Problem, Technician, Unassigned, Visit
from doorstep.dispatch.routing.schedule import build_route
from doorstep.dispatch.routing.tests.factories import LUNCH, H
from doorstep.dispatch.routing.travel import EuclideanTravel

A_SKILL = frozenset({"a"})


def _tech(tid: str, skills: frozenset[str] = A_SKILL, lunch: bool = False) -> Technician:
    return Technician(tid, Location(0, 0), 8 * H, 18 * H, skills=skills, lunch=LUNCH if lunch else None)


def _plan(problem: Problem, routes: dict[str, list[str]], left: list[str]) -> Plan:
    built = []
    for tid, ids in routes.items():
        t = problem.technician_index[tid]
        route = build_route(problem, t, [problem.visit_index[v] for v in ids])
        assert route is not None
        built.append(route)
    return Plan(built, [Unassigned(v, "left over") for v in left])


def _served(plan: Plan) -> dict[str, list[str]]:
    return {r.technician_id: r.visit_ids for r in plan.routes}


def test_leftover_goes_between_two_visits_with_the_lunch_moved_after_it() -> None:
    """B fits only between A and C, and only if the lunch moves from before C to after B."""
    problem = Problem(
        [_tech("T1", lunch=True)],
        [
            Visit("A", Location(600, 0), 9 * H, 11 * H, 2 * H),
            Visit("B", Location(1200, 0), 11 * H, 11 * H + 1800, 1800),
            Visit("C", Location(600, 0), 13 * H, 15 * H, 1800),
        ],
        EuclideanTravel(),
    )
    plan = _plan(problem, {"T1": ["A", "C"]}, ["B"])
    assert plan.routes[0].lunch is not None and plan.routes[0].lunch.before_stop == 1

    filled = insert_leftovers(problem, plan)

    assert _served(filled) == {"T1": ["A", "B", "C"]}
    assert filled.unassigned == []
    lunch = filled.routes[0].lunch
    assert lunch is not None and lunch.before_stop == 2  # after B, before C
    assert check_plan(problem, filled) == []


def test_leftover_ejects_a_visit_that_another_route_can_take() -> None:
    """V needs skill a (T1 only); T1 is busy with U, which T2 can serve: V in, U moved to T2."""
    problem = Problem(
        [_tech("T1"), _tech("T2", skills=frozenset())],
        [
            Visit("U", Location(3600, 0), 9 * H, 9 * H + 600, 2 * H),
            Visit("V", Location(3600, 0), 9 * H, 9 * H + 1800, 2 * H, A_SKILL),
        ],
        EuclideanTravel(),
    )
    plan = _plan(problem, {"T1": ["U"]}, ["V"])

    filled = insert_leftovers(problem, plan)

    assert _served(filled) == {"T1": ["V"], "T2": ["U"]}
    assert filled.unassigned == []
    assert check_plan(problem, filled) == []


def test_pinned_visit_is_never_ejected() -> None:
    problem = Problem(
        [_tech("T1"), _tech("T2", skills=frozenset())],
        [
            Visit("U", Location(3600, 0), 9 * H, 9 * H + 600, 2 * H, pinned_to="T1"),
            Visit("V", Location(3600, 0), 9 * H, 9 * H + 1800, 2 * H, A_SKILL),
        ],
        EuclideanTravel(),
    )
    filled = insert_leftovers(problem, _plan(problem, {"T1": ["U"]}, ["V"]))
    assert _served(filled) == {"T1": ["U"]}
    assert [u.visit_id for u in filled.unassigned] == ["V"]


def test_urgent_visit_displaces_a_normal_one_when_nothing_else_fits() -> None:
    """Only T1 may serve either; the urgent V takes U's place and U is left over instead."""
    problem = Problem(
        [_tech("T1"), _tech("T2", skills=frozenset())],
        [
            Visit("U", Location(3600, 0), 9 * H, 9 * H + 600, 2 * H, A_SKILL),
            Visit("V", Location(3600, 0), 9 * H, 9 * H + 1800, 2 * H, A_SKILL, priority=2),
        ],
        EuclideanTravel(),
    )
    filled = insert_leftovers(problem, _plan(problem, {"T1": ["U"]}, ["V"]))
    assert _served(filled) == {"T1": ["V"]}
    assert [u.visit_id for u in filled.unassigned] == ["U"]
    assert check_plan(problem, filled) == []


def test_normal_visit_does_not_displace_another_normal_one() -> None:
    problem = Problem(
        [_tech("T1"), _tech("T2", skills=frozenset())],
        [
            Visit("U", Location(3600, 0), 9 * H, 9 * H + 600, 2 * H, A_SKILL),
            Visit("V", Location(3600, 0), 9 * H, 9 * H + 1800, 2 * H, A_SKILL),
        ],
        EuclideanTravel(),
    )
    filled = insert_leftovers(problem, _plan(problem, {"T1": ["U"]}, ["V"]))
    assert _served(filled) == {"T1": ["U"]}


def test_visit_nobody_may_serve_keeps_its_reason() -> None:
    problem = Problem(
        [_tech("T1", skills=frozenset())],
        [Visit("V", Location(10, 0), 9 * H, 11 * H, 600, A_SKILL)],
        EuclideanTravel(),
    )
    plan = Plan([], [Unassigned("V", "no technician with the required skills")])
    assert insert_leftovers(problem, plan).unassigned == plan.unassigned


def test_lunch_goes_to_the_only_gap_that_keeps_the_day_feasible() -> None:
    """Lunch 11:30–13:30 start: not before A (A must start by 9:30), not between A and B (B must
    start by 11:45), not after C (C ends after 13:30): only after B."""
    problem = Problem(
        [_tech("T1", lunch=True)],
        [
            Visit("A", Location(600, 0), 9 * H, 9 * H + 1800, 2 * H),
            Visit("B", Location(1200, 0), 11 * H + 1800, 11 * H + 2700, 90 * 60),
            Visit("C", Location(600, 0), 14 * H + 1800, 16 * H, H),
        ],
        EuclideanTravel(),
    )
    route = build_route(problem, 0, [0, 1, 2])
    assert route is not None and route.lunch is not None
    assert route.lunch.before_stop == 2
    assert LUNCH.earliest_start <= route.lunch.start <= LUNCH.latest_start
    assert check_plan(problem, Plan([route], [])) == []


def test_insertion_start_is_feasible_and_places_the_scarce_visits_first() -> None:
    from doorstep.dispatch.routing.insert import insertion_start
    from doorstep.dispatch.routing.tests.factories import small_city_day

    problem = small_city_day(seed=4, n_visits=40, n_techs=6)
    plan = insertion_start(problem)
    assert check_plan(problem, plan) == []
    served = {v for r in plan.routes for v in r.visit_ids}
    pinned = {v.id for v in problem.visits if v.pinned_to}
    assert pinned <= served  # pinned visits go in first, while their technician has room
    assert len(served) + len(plan.unassigned) == len(problem.visits)


def test_a_budget_too_small_for_the_search_still_gives_a_checked_plan() -> None:
    from doorstep.dispatch.routing.solver import SolveOptions, solve
    from doorstep.dispatch.routing.tests.factories import small_city_day

    problem = small_city_day(seed=4, n_visits=40, n_techs=6)
    plan = solve(problem, SolveOptions(seconds=0.1))
    assert plan.solver == "insertion"
    assert check_plan(problem, plan) == []


def test_a_chain_of_three_moves_two_visits_to_make_room() -> None:
    """V needs a (T1 only); T1's U needs b (T1, T2); T2's W fits T3: V -> T1, U -> T2, W -> T3."""
    ab, b = frozenset({"a", "b"}), frozenset({"b"})
    problem = Problem(
        [_tech("T1", skills=ab), _tech("T2", skills=b), _tech("T3", skills=frozenset())],
        [
            Visit("U", Location(3600, 0), 9 * H, 9 * H + 1800, 2 * H, b),
            Visit("W", Location(3600, 0), 9 * H, 9 * H + 1800, 2 * H),
            Visit("V", Location(3600, 0), 9 * H, 9 * H + 1800, 2 * H, A_SKILL),
        ],
        EuclideanTravel(),
    )
    filled = insert_leftovers(problem, _plan(problem, {"T1": ["U"], "T2": ["W"]}, ["V"]))
    assert _served(filled) == {"T1": ["V"], "T2": ["U"], "T3": ["W"]}
    assert filled.unassigned == []
    assert check_plan(problem, filled) == []


def test_quick_feasibility_agrees_with_the_exact_timing_on_random_sequences() -> None:
    """schedule.feasible (lunch tried only in the gaps it can still start in) = best_timing found."""
    import random

    from doorstep.dispatch.routing.schedule import best_timing, feasible
    from doorstep.dispatch.routing.tests.factories import small_city_day

    problem = small_city_day(n_visits=40, n_techs=6)
    rng = random.Random(5)
    seen = {True: 0, False: 0}
    for _ in range(600):
        t = rng.randrange(len(problem.technicians))
        seq = rng.sample(range(problem.n_visits), rng.randrange(0, 6))
        seq.sort(key=lambda i: problem.visits[i].window_start + rng.randrange(-H, H))
        exact = best_timing(problem, t, seq) is not None
        assert feasible(problem, t, seq) == exact
        seen[exact] += 1
    assert seen[True] and seen[False]


def test_insertion_start_past_twice_its_time_share_is_noted_as_cut_short() -> None:
    """No time at all: noted as cut short (the solver then takes the greedy plan), still legal."""
    from doorstep.dispatch.routing.insert import CUT_SHORT, insertion_start
    from doorstep.dispatch.routing.tests.factories import small_city_day

    problem = small_city_day(n_visits=40, n_techs=6)
    plan = insertion_start(problem, seconds=0.0)
    assert CUT_SHORT in plan.notes and plan.solver == "insertion"
    assert [v for v in check_plan(problem, plan) if v.kind != "unserved"] == []


def test_a_pinned_leftover_takes_the_place_of_two_visits_that_fit_elsewhere_only_with_pairs() -> None:
    """P (pinned to T1, two hours from 9:00) clashes with both U and W of T1's morning; moving one of
    them is not enough, moving both to T2 is (the last leftover pass's pair ejection)."""
    techs = [
        Technician("T1", Location(0, 0), 8 * H, 12 * H),
        Technician("T2", Location(0, 150), 8 * H, 18 * H),
    ]
    visits = [
        Visit("P", Location(100, 0), 9 * H, 9 * H + 600, 2 * H, pinned_to="T1"),
        Visit("U", Location(0, 100), 9 * H, 9 * H + 1800, H),
        Visit("W", Location(0, 200), 10 * H + 600, 11 * H, H),
    ]
    problem = Problem(techs, visits, EuclideanTravel())
    route = build_route(problem, 0, [1, 2])
    assert route is not None
    plan = Plan([route], [Unassigned("P", "left over")])
    assert [u.visit_id for u in insert_leftovers(problem, plan, 2.0).unassigned] == ["P"]
    filled = insert_leftovers(problem, plan, 2.0, pairs=True)
    assert filled.unassigned == []
    assert {r.technician_id: r.visit_ids for r in filled.routes} == {"T1": ["P"], "T2": ["U", "W"]}
    assert check_plan(problem, filled) == []


def _late_day() -> Problem:
    """A: 16:00-18:00, two hours, skill a (R-DI-2); B: 16:00-18:00, one hour, any technician.
    T_late (home at 0, shift to 19:30) is the only one who can serve A and be home in time; T_early
    (home 2000 s from A, shift to 18:00) could hold B alone. B is listed first and is cheapest for
    T_late."""
    techs = [
        Technician("T_late", Location(0, 0), 8 * H, 19 * H + 1800, skills=A_SKILL),
        Technician("T_early", Location(3000, 0), 8 * H, 18 * H, skills=A_SKILL),
    ]
    visits = [
        Visit("B", Location(0, 500), 16 * H, 18 * H, H),
        Visit("A", Location(1000, 0), 16 * H, 18 * H, 2 * H, A_SKILL),
    ]
    return Problem(techs, visits, EuclideanTravel())


def test_only_technicians_whose_shift_can_hold_the_visit_alone_are_its_takers() -> None:
    """A ends at 18:00 at the earliest; T_early would be home 2000 s after the end of its shift."""
    from doorstep.dispatch.routing.insert import Routes

    problem = _late_day()
    state = Routes(problem, {})
    assert state.techs_for(1) == [0]
    assert state.techs_for(0) == [0, 1]


def test_a_shift_ending_exactly_when_the_technician_is_home_holds_the_visit() -> None:
    """At the threshold: home at the shift's last second is in time (R-AR-5 for the start), one
    second later is not."""
    from doorstep.dispatch.routing.insert import Routes

    visit = Visit("A", Location(1000, 0), 16 * H, 18 * H, 2 * H)
    for end, ok in ((18 * H + 1000, True), (18 * H + 999, False)):
        tech = Technician("T", Location(0, 0), 8 * H, end)
        problem = Problem([tech], [visit], EuclideanTravel())
        assert Routes(problem, {}).techs_for(0) == ([0] if ok else [])
        assert (build_route(problem, 0, [0]) is not None) is ok


def test_insertion_start_gives_the_late_technician_to_the_visit_only_they_can_take() -> None:
    from doorstep.dispatch.routing.insert import insertion_start

    problem = _late_day()
    plan = insertion_start(problem)
    assert _served(plan) == {"T_late": ["A"], "T_early": ["B"]}
    assert plan.unassigned == []
    assert check_plan(problem, plan) == []


def _chain_day() -> tuple[Problem, Plan]:
    """V (skill a: T1 only, 2 h from 9:00) clashes with both U1 and U2 of T1's morning. U1 (skill b)
    fits T2; U2 (skill c) only T3, whose W (skill d) clashes with it and fits T4."""
    techs = [
        _tech("T1", skills=frozenset({"a", "b", "c"})),
        _tech("T2", skills=frozenset({"b"})),
        _tech("T3", skills=frozenset({"c", "d"})),
        _tech("T4", skills=frozenset({"d"})),
    ]
    here = Location(3600, 0)
    visits = [
        Visit("V", here, 9 * H, 9 * H + 1800, 2 * H, A_SKILL),
        Visit("U1", here, 9 * H, 9 * H + 1800, H, frozenset({"b"})),
        Visit("U2", here, 10 * H, 10 * H + 1800, H, frozenset({"c"})),
        Visit("W", here, 10 * H, 10 * H + 1800, H, frozenset({"d"})),
    ]
    problem = Problem(techs, visits, EuclideanTravel())
    return problem, _plan(problem, {"T1": ["U1", "U2"], "T3": ["W"]}, ["V"])


def test_a_longer_chain_moves_two_visits_out_and_one_of_them_on_again() -> None:
    """V -> T1 in place of U1 and U2; U1 -> T2; U2 -> T3 in place of W; W -> T4. Neither a chain of
    two or three nor a pair ejection finds it."""
    problem, plan = _chain_day()
    assert [u.visit_id for u in insert_leftovers(problem, plan, 2.0, pairs=True).unassigned] == ["V"]

    filled = insert_leftovers(problem, plan, 2.0, chains=True)

    assert _served(filled) == {"T1": ["V"], "T2": ["U1"], "T3": ["U2"], "T4": ["W"]}
    assert filled.unassigned == []
    assert check_plan(problem, filled) == []


def test_a_chain_that_cannot_end_puts_every_route_back() -> None:
    """Without T4, W has nowhere to go: V stays over and the routes are as they were."""
    problem, _ = _chain_day()
    problem = Problem(list(problem.technicians[:3]), list(problem.visits), EuclideanTravel())
    plan = _plan(problem, {"T1": ["U1", "U2"], "T3": ["W"]}, ["V"])

    filled = insert_leftovers(problem, plan, 2.0, pairs=True, chains=True)

    assert _served(filled) == {"T1": ["U1", "U2"], "T3": ["W"]}
    assert [u.visit_id for u in filled.unassigned] == ["V"]
    assert [v for v in check_plan(problem, filled) if v.kind != "unserved"] == []
