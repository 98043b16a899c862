import pytest

from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.model import Problem
from doorstep.dispatch.routing.solomon import read_solomon, solomon_problem
from doorstep.dispatch.routing.tests.factories import SOLOMON_DIR, line_problem


def test_read_solomon_header_and_rows() -> None:
    inst = read_solomon(f"{SOLOMON_DIR}/C101.txt")
    assert (inst.name, inst.vehicles, inst.capacity) == ("C101", 25, 200)
    assert len(inst.rows) == 101
    assert inst.rows[0] == (0, 40.0, 50.0, 0, 0.0, 1236.0, 0.0)


def test_solomon_problem_builds_identical_technicians_with_capacity() -> None:
    problem = solomon_problem(f"{SOLOMON_DIR}/C101.txt", scale=1000)
    assert isinstance(problem, Problem)
    assert len(problem.technicians) == 25 and len(problem.visits) == 100
    tech = problem.technicians[0]
    assert tech.capacity == (200,) and tech.shift_end == 1_236_000 and tech.start == Location(40, 50)
    first = problem.visits[0]
    assert (first.id, first.window_start, first.window_end, first.service, first.demand) == (
        "1",
        912_000,
        967_000,
        90_000,
        (10,),
    )
    assert not problem.allow_unassigned and problem.early_margin == 0


def test_point_indices_and_eligibility() -> None:
    problem = line_problem()
    assert problem.start_point(0) == 3 and problem.end_point(1) == 6
    assert len(problem.points()) == 7
    assert problem.can_serve(0, 0) and not problem.can_serve(1, 0)  # skills (R-DI-2, R-PR-2)
    assert problem.can_serve(1, 2) and not problem.can_serve(0, 2)  # pin and skills


@pytest.mark.parametrize("name", ["R101", "RC208"])
def test_every_solomon_window_is_sane(name: str) -> None:
    problem = solomon_problem(f"{SOLOMON_DIR}/{name}.txt")
    assert all(v.window_start <= v.window_end for v in problem.visits)
