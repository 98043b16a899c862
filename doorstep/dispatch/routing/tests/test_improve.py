"""Exact relocation of visits between routes, with the lunch re-timed (:mod:`improve`).

Plane coordinates: 1 unit = 1 metre = 1 second of travel. Rules: R-DI-3 / R-AR-5 (service inside the
window), R-DI-2 / R-PR-2 (skills), pins, the lunch break inside its window.
"""

from doorstep.dispatch.routing.check import check_plan
from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.improve import relocate
from doorstep.dispatch.routing.insert import insertion_start
from doorstep.dispatch.routing.model import Plan, Problem, Technician, Unassigned, Visit
from doorstep.dispatch.routing.schedule import build_route
from doorstep.dispatch.routing.tests.factories import LUNCH, H, small_city_day
from doorstep.dispatch.routing.travel import EuclideanTravel

AC = frozenset({"ac"})


def _tech(tid: str, x: int, skills: frozenset[str] = AC) -> Technician:
    return Technician(tid, Location(x, 0), 8 * H, 18 * H, skills=skills, lunch=LUNCH)


def _plan(problem: Problem, routes: dict[str, list[str]], left: tuple[str, ...] = ()) -> Plan:
    built = []
    for tid, ids in routes.items():
        route = build_route(problem, problem.technician_index[tid], [problem.visit_index[v] for v in ids])
        assert route is not None
        built.append(route)
    return Plan(built, [Unassigned(v, "left over") for v in left])


def _served(plan: Plan) -> dict[str, list[str]]:
    return {r.technician_id: r.visit_ids for r in plan.routes}


def _two_homes(far: Visit) -> Problem:
    """T1 lives at 0, T2 at 6 km; the visit ``far`` (near T2) is on T1's day, next to T1's lunch."""
    visits = [
        Visit("X", Location(500, 0), 9 * H, 11 * H, H, AC),
        far,
        Visit("Y", Location(5500, 0), 9 * H, 11 * H, H, AC),
    ]
    return Problem([_tech("T1", 0), _tech("T2", 6000)], visits, EuclideanTravel())


def _far(**over: object) -> Visit:
    fields: dict[str, object] = dict(
        id="A",
        location=Location(5000, 0),
        window_start=13 * H,
        window_end=15 * H,
        service=H,
        required_skills=AC,
    )
    fields.update(over)
    return Visit(**fields)  # type: ignore[arg-type]


def test_a_visit_next_to_the_lunch_moves_to_the_route_that_passes_by_and_the_lunch_is_retimed() -> None:
    problem = _two_homes(_far())
    plan = _plan(problem, {"T1": ["X", "A"], "T2": ["Y"]})
    t1 = plan.routes[0]
    assert t1.lunch is not None and t1.lunch.before_stop == 1  # lunch between X and A

    moved = relocate(problem, plan, seconds=5)

    assert _served(moved) == {"T1": ["X"], "T2": ["Y", "A"]}
    assert moved.distance < plan.distance
    assert check_plan(problem, moved) == []
    for route in moved.routes:
        assert route.lunch is not None and LUNCH.earliest_start <= route.lunch.start <= LUNCH.latest_start
    assert "relocated 1 visit(s)" in moved.notes[-1]


def test_a_pinned_visit_stays_with_its_technician() -> None:
    problem = _two_homes(_far(pinned_to="T1"))
    plan = _plan(problem, {"T1": ["X", "A"], "T2": ["Y"]})

    assert relocate(problem, plan, seconds=5) is plan


def test_a_visit_moves_only_to_a_technician_with_its_skill_R_DI_2() -> None:
    problem = Problem(
        [_tech("T1", 0, frozenset({"ac", "washer"})), _tech("T2", 6000)],
        [
            Visit("X", Location(500, 0), 9 * H, 11 * H, H, AC),
            _far(required_skills=frozenset({"washer"})),
            Visit("Y", Location(5500, 0), 9 * H, 11 * H, H, AC),
        ],
        EuclideanTravel(),
    )
    plan = _plan(problem, {"T1": ["X", "A"], "T2": ["Y"]})

    assert relocate(problem, plan, seconds=5) is plan


def test_a_move_that_would_start_a_service_after_its_window_is_not_made_R_AR_5() -> None:
    """T2 is at Y from 13:00 to 15:00: A (13:00-15:00, one hour) fits neither before nor after Y."""
    problem = Problem(
        [_tech("T1", 0), _tech("T2", 6000)],
        [
            Visit("X", Location(500, 0), 9 * H, 11 * H, H, AC),
            _far(),
            Visit("Y", Location(5500, 0), 13 * H, 13 * H + 600, 2 * H, AC),
        ],
        EuclideanTravel(),
    )
    plan = _plan(problem, {"T1": ["X", "A"], "T2": ["Y"]})

    assert relocate(problem, plan, seconds=5) is plan


def test_a_route_is_reordered_when_another_order_is_shorter() -> None:
    wide = (8 * H, 17 * H)
    problem = Problem(
        [_tech("T1", 0)],
        [
            Visit("P", Location(3000, 0), *wide, 1800, AC),
            Visit("Q", Location(1000, 0), *wide, 1800, AC),
            Visit("R", Location(2000, 0), *wide, 1800, AC),
        ],
        EuclideanTravel(),
    )
    plan = _plan(problem, {"T1": ["P", "Q", "R"]})

    moved = relocate(problem, plan, seconds=5)

    assert moved.distance == 6000  # out to 3 km and back: the shortest possible
    assert check_plan(problem, moved) == []


def test_no_time_leaves_the_plan_as_it_is() -> None:
    problem = _two_homes(_far())
    plan = _plan(problem, {"T1": ["X", "A"], "T2": ["Y"]})

    assert relocate(problem, plan, seconds=0) is plan


def test_on_a_small_city_day_the_plan_only_gets_shorter_and_serves_the_same_visits() -> None:
    problem = small_city_day(seed=5, n_visits=40, n_techs=6)
    start = insertion_start(problem, seconds=5)

    moved = relocate(problem, start, seconds=5)

    assert moved.distance <= start.distance
    served = sorted(v for r in moved.routes for v in r.visit_ids)
    assert served == sorted(v for r in start.routes for v in r.visit_ids)
    assert moved.unassigned == start.unassigned
    assert [v for v in check_plan(problem, moved) if v.kind != "unserved"] == []
