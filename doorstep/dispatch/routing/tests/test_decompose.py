"""Geographic decomposition: partition, merge of the parts' plans, boundary exchange, check by parts."""

import time

import numpy as np

from doorstep.dispatch.routing.check import check_plan
from doorstep.dispatch.routing.decompose import (
    LAST_IDLE_REACH,
    _transport,
    check_by_parts,
    exchange_leftovers,
    last_leftovers,
    merge,
    part_seconds,
    part_size,
    partition,
    route_partition,
    solve_in_parts,
    sub_problem,
)
from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.greedy import solve_greedy
from doorstep.dispatch.routing.model import Plan, Problem, Technician, Unassigned, Visit
from doorstep.dispatch.routing.schedule import build_route
from doorstep.dispatch.routing.solver import solve_part
from doorstep.dispatch.routing.tests.factories import LUNCH, H, small_city_day
from doorstep.dispatch.routing.travel import EuclideanTravel


def test_partition_covers_every_visit_and_technician_once_and_pins_follow_their_technician() -> None:
    problem = small_city_day(n_visits=60, n_techs=8)
    parts = partition(problem, part_visits=15)
    assert len(parts) >= 4
    visits = [i for vs, _ in parts for i in vs]
    techs = [t for _, ts in parts for t in ts]
    assert sorted(visits) == list(range(60))
    assert sorted(techs) == list(range(8))
    part_of_tech = {problem.technicians[t].id: k for k, (_, ts) in enumerate(parts) for t in ts}
    for k, (vs, _) in enumerate(parts):
        for i in vs:
            pin = problem.visits[i].pinned_to
            assert pin is None or part_of_tech[pin] == k


def test_transport_is_the_cheapest_assignment_within_the_quotas() -> None:
    """Row 0 is cheap everywhere, row 1 only in column 0: the greedy pair (0, 0) first would send
    row 1 to column 1 at cost 10; the optimum moves row 0 instead."""
    cost = np.array([[0.0, 1.0], [0.0, 10.0], [5.0, 0.0]])
    owner = _transport(cost, [1, 2])
    assert owner.tolist() == [1, 0, 1]


def _four_districts() -> Problem:
    """Four districts of 10 visits at the corners of a 20 km square; 8 technicians, 4 of them living
    in the north-east district (few live in the other three)."""
    corners = {"SW": (0, 0), "SE": (20_000, 0), "NW": (0, 20_000), "NE": (20_000, 20_000)}
    homes = ["NE", "NE", "NE", "NE", "NW", "NW", "SW", "SE"]
    techs = [
        Technician(f"T{k}", Location(*corners[d]), 8 * H, 18 * H, lunch=LUNCH) for k, d in enumerate(homes)
    ]
    visits = [
        Visit(f"{d}{k}", Location(x + 100 * k, y + 50 * (k % 3)), 9 * H, 17 * H, 1800)
        for d, (x, y) in corners.items()
        for k in range(10)
    ]
    return Problem(techs, visits, EuclideanTravel())


def test_partition_keeps_technicians_in_the_district_they_live_in_when_it_has_room() -> None:
    """Each part takes its share of the technicians (2 of 8 for 10 of 40 visits); a technician
    stays in the part of the district it lives in while that part has room, and the two surplus
    north-east technicians go to the two districts that have only one technician of their own."""
    problem = _four_districts()
    parts = partition(problem, part_visits=10)
    assert len(parts) == 4
    district_of = {}
    for vs, ts in parts:
        (district,) = {problem.visits[i].id[:2] for i in vs}
        district_of.update({problem.technicians[t].id: district for t in ts})
        assert len(ts) == 2
    homes = ["NE", "NE", "NE", "NE", "NW", "NW", "SW", "SE"]
    assert [district_of[f"T{k}"] for k in range(4, 8)] == homes[4:]
    assert sorted(district_of[f"T{k}"] for k in range(4)) == ["NE", "NE", "SE", "SW"]


def test_a_part_takes_the_time_the_parts_before_it_left_over_but_never_less_than_its_share() -> None:
    now = time.time()
    # 60 s left for 3 waves: 19 s each (1 s per wave kept back), more than the planned 10 s
    assert 18.5 < part_seconds(10.0, now + 60, 3) <= 19.0
    # the parts before overran: 12 s left for 3 waves still gives the planned share
    assert part_seconds(10.0, now + 12, 3) == 10.0
    # ... but never past the deadline, and the last wave takes what is left
    assert part_seconds(10.0, now + 4, 3) <= 4.0
    assert 28.5 < part_seconds(10.0, now + 30, 1) <= 29.0


def test_a_day_that_fits_one_wave_of_large_parts_is_cut_into_as_many_parts_as_processes() -> None:
    assert part_size(5000, 2) == 2500  # Shenzhen XL on 2 cores: two parts side by side
    assert part_size(5000, 1) == 1250  # one core: parts of the usual size
    assert part_size(20000, 2) == 1250  # XXL: 16 parts in 8 waves


def test_merge_of_part_plans_is_one_feasible_plan_of_the_whole_day() -> None:
    problem = small_city_day(n_visits=60, n_techs=8)
    parts = partition(problem, part_visits=15)
    plans = [solve_greedy(sub_problem(problem, vs, ts)) for vs, ts in parts]
    merged = merge(problem, plans)
    assert check_plan(problem, merged) == []
    assert check_by_parts(problem, merged) == []
    assert merged.n_served == sum(p.n_served for p in plans)
    assert len({r.technician_id for r in merged.routes}) == len(merged.routes)


def test_boundary_exchange_puts_a_leftover_into_a_route_of_another_part() -> None:
    """A visit left over in its own part is inserted into any near route, whichever part it is in."""
    problem = small_city_day(n_visits=60, n_techs=8)
    plan = solve_greedy(problem)
    victim = next(r for r in plan.routes if len(r.stops) >= 2)
    moved = victim.stops[-1].visit_id
    shortened = solve_greedy(problem)  # same plan, with the last stop of one route left over
    for r in shortened.routes:
        if r.technician_id == victim.technician_id:
            r.stops = r.stops[:-1]
    shortened.unassigned.append(Unassigned(moved, "left over by its part"))
    filled = exchange_leftovers(problem, shortened, seconds=5)
    assert moved not in {u.visit_id for u in filled.unassigned}
    assert check_plan(problem, filled) == []


def test_solve_in_parts_serves_the_day_and_passes_both_checks() -> None:
    problem = small_city_day(n_visits=60, n_techs=8)
    plan = solve_in_parts(problem, 4, solve_part, workers=1, part_visits=20)
    assert check_plan(problem, plan) == []
    assert check_by_parts(problem, plan) == []
    greedy = solve_greedy(problem)
    assert plan.n_served >= greedy.n_served


def test_check_by_parts_finds_a_duplicate_and_a_missing_visit() -> None:
    problem = small_city_day(n_visits=20, n_techs=4)
    plan = solve_greedy(problem)
    served = [s.visit_id for r in plan.routes for s in r.stops]
    broken = Plan(plan.routes, [Unassigned(served[0], "x")])
    kinds = {v.kind for v in check_by_parts(problem, broken)}
    assert "duplicate" in kinds
    listed = {u.visit_id for u in plan.unassigned}
    missing = Plan(plan.routes[1:], plan.unassigned)
    assert {v.kind for v in check_by_parts(problem, missing)} == {"missing"} or not (
        set(plan.routes[0].visit_ids) - listed
    )


def test_second_pass_parts_keep_each_route_whole_and_cover_the_day_once() -> None:
    """The second partition moves whole routes (a technician with its visits); leftovers go where
    they are, a pinned one with its technician."""
    problem = small_city_day(n_visits=60, n_techs=8)
    plan = solve_greedy(problem)
    pinned = next(i for i, v in enumerate(problem.visits) if v.pinned_to is not None)
    pinned_id = problem.visits[pinned].id
    for r in plan.routes:
        if pinned_id in r.visit_ids:
            k = r.visit_ids.index(pinned_id)
            r.stops = r.stops[:k] + r.stops[k + 1 :]
    plan.unassigned.append(Unassigned(pinned_id, "left over"))
    parts = route_partition(problem, plan, part_visits=15)
    assert len(parts) >= 3
    assert sorted(i for vs, _ in parts for i in vs) == list(range(60))
    assert sorted(t for _, ts in parts for t in ts) == list(range(8))
    part_of_visit = {i: k for k, (vs, _) in enumerate(parts) for i in vs}
    for k, (_, ts) in enumerate(parts):
        for t in ts:
            route = plan.route_of(problem.technicians[t].id)
            assert route is None or {part_of_visit[problem.visit_index[v]] for v in route.visit_ids} <= {k}
    pin_tech = problem.technician_index[problem.visits[pinned].pinned_to or ""]
    assert pin_tech in parts[part_of_visit[pinned]][1]


def test_two_passes_never_serve_fewer_than_the_first() -> None:
    """The second pass keeps a part's first-pass routes unless its own plan is better."""
    problem = small_city_day(n_visits=60, n_techs=8)
    plan = solve_in_parts(problem, 6, solve_part, workers=1, part_visits=30, second_pass=0.4)
    assert any("second pass" in n for n in plan.notes)
    assert check_plan(problem, plan) == []
    assert plan.n_served >= solve_greedy(problem).n_served


def _busy_and_idle(idle_at: float) -> tuple[Problem, Plan]:
    """T1's day is full (A from 9:00 to 17:00); X (10:00-12:00, one hour) is left over; T2 lives
    ``idle_at`` seconds away from X with no route."""
    techs = [
        Technician("T1", Location(0, 0), 8 * H, 18 * H),
        Technician("T2", Location(200 + idle_at, 0), 8 * H, 18 * H),
    ]
    visits = [
        Visit("A", Location(100, 0), 9 * H, 9 * H + 600, 8 * H),
        Visit("X", Location(200, 0), 10 * H, 12 * H, H),
    ]
    problem = Problem(techs, visits, EuclideanTravel())
    route = build_route(problem, 0, [0])
    assert route is not None
    return problem, Plan([route], [Unassigned("X", "left over by its part")])


def test_last_leftovers_give_a_leftover_to_an_idle_technician_near_it() -> None:
    problem, plan = _busy_and_idle(idle_at=600)
    filled = last_leftovers(problem, plan, time.perf_counter() + 5)
    assert filled.unassigned == []
    assert {r.technician_id: r.visit_ids for r in filled.routes} == {"T1": ["A"], "T2": ["X"]}
    assert check_plan(problem, filled) == []
    assert filled.notes[-1].startswith("last leftovers: 1 of 1 placed, +")


def test_last_leftovers_offer_idle_technicians_beyond_three_reaches_nothing_and_keep_the_deadline() -> None:
    far = 3 * LAST_IDLE_REACH
    problem, plan = _busy_and_idle(idle_at=far - 60)
    assert last_leftovers(problem, plan, time.perf_counter() + 5).unassigned == []
    problem, plan = _busy_and_idle(idle_at=far + 60)
    assert [u.visit_id for u in last_leftovers(problem, plan, time.perf_counter() + 5).unassigned] == ["X"]
    problem, plan = _busy_and_idle(idle_at=600)
    assert last_leftovers(problem, plan, time.perf_counter() - 1) is plan  # no time left: unchanged
