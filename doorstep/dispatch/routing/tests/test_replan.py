"""Live re-plan: fixed parts stay fixed, confirmed times change only with a call (R-DI-8).

Every planned start of the day is taken as the time confirmed to the customer.
"""

import pytest

from doorstep.dispatch.routing.check import check_plan
from doorstep.dispatch.routing.greedy import solve_greedy
from doorstep.dispatch.routing.model import Plan, Problem, Visit
from doorstep.dispatch.routing.replan import Event, Replan, check_replan, replan
from doorstep.dispatch.routing.tests.factories import H, small_city_day


@pytest.fixture(scope="module")
def day() -> tuple[Problem, Plan]:
    problem = small_city_day(seed=5, n_visits=40, n_techs=8)
    return problem, solve_greedy(problem)


def _confirmed(plan: Plan) -> dict[str, int]:
    return {s.visit_id: s.start for r in plan.routes for s in r.stops}


def _assert_invariants(plan: Plan, result: Replan, now: int, confirmed: dict[str, int]) -> None:
    assert check_replan(result) == []
    assert [v for v in check_plan(result.problem, result.plan) if v.kind != "unserved"] == []
    before = {r.technician_id: r for r in plan.routes}
    after = {r.technician_id: r for r in result.plan.routes}
    for tid, route in before.items():
        if tid not in result.technicians:
            assert after[tid] is route  # untouched technicians keep their route object
            continue
        under_way = [s for s in route.stops if s.departure <= now]
        new = after[tid].stops if tid in after else []
        assert [s.visit_id for s in new[: len(under_way)]] == [s.visit_id for s in under_way]
        assert [s.start for s in new[: len(under_way)]] == [s.start for s in under_way]
    calls = {c.visit_id for c in result.to_call}
    starts = _confirmed(result.plan)
    for vid, time in confirmed.items():
        if vid in result.problem.visit_index and vid not in calls:
            assert starts.get(vid) == time, vid  # never moved silently (R-DI-8)


def _busiest(plan: Plan) -> str:
    return max(plan.routes, key=lambda r: len(r.stops)).technician_id


def test_cancel_frees_the_slot_and_moves_no_confirmed_time(day: tuple[Problem, Plan]) -> None:
    problem, plan = day
    route = next(r for r in plan.routes if r.technician_id == _busiest(plan))
    gone = route.stops[-1].visit_id
    now = route.stops[0].departure
    result = replan(problem, plan, Event("cancel", visit_id=gone), now, _confirmed(plan))
    assert gone not in result.problem.visit_index
    assert gone not in {s.visit_id for r in result.plan.routes for s in r.stops}
    assert result.technicians == [route.technician_id]
    _assert_invariants(plan, result, now, _confirmed(plan))


def test_overrun_keeps_the_visit_under_way_and_lists_the_calls(day: tuple[Problem, Plan]) -> None:
    problem, plan = day
    route = next(r for r in plan.routes if r.technician_id == _busiest(plan))
    first = route.stops[0]
    now = first.start + 60
    result = replan(
        problem, plan, Event("overrun", visit_id=first.visit_id, seconds=40 * 60), now, _confirmed(plan)
    )
    new = next(r for r in result.plan.routes if r.technician_id == route.technician_id)
    assert new.stops[0].visit_id == first.visit_id and new.stops[0].start == first.start
    assert new.stops[0].end == first.end + 40 * 60
    _assert_invariants(plan, result, now, _confirmed(plan))


def test_sick_technician_keeps_only_what_is_under_way(day: tuple[Problem, Plan]) -> None:
    problem, plan = day
    route = next(r for r in plan.routes if r.technician_id == _busiest(plan))
    now = route.stops[1].departure - 1
    result = replan(problem, plan, Event("sick", technician_id=route.technician_id), now, _confirmed(plan))
    new = next(r for r in result.plan.routes if r.technician_id == route.technician_id)
    assert new.visit_ids == [route.stops[0].visit_id]
    others = {s.visit_id for r in result.plan.routes for s in r.stops} | {
        u.visit_id for u in result.plan.unassigned
    }
    assert {s.visit_id for s in route.stops} <= others
    _assert_invariants(plan, result, now, _confirmed(plan))


def test_urgent_order_is_placed_without_moving_a_confirmed_time(day: tuple[Problem, Plan]) -> None:
    problem, plan = day
    somewhere = problem.visits[3]
    urgent = Visit("URG", somewhere.location, 15 * H, 17 * H, 30 * 60, somewhere.required_skills, priority=2)
    now = 10 * H
    result = replan(problem, plan, Event("urgent", visit=urgent), now, _confirmed(plan))
    assert "URG" in result.problem.visit_index
    served = {s.visit_id for r in result.plan.routes for s in r.stops}
    assert "URG" in served or "URG" in {u.visit_id for u in result.plan.unassigned}
    assert result.runtime_s < 1.0
    _assert_invariants(plan, result, now, _confirmed(plan))
