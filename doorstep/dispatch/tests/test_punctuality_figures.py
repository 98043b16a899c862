"""The board's on-time figure and the plan's departures judge arrivals with ``core.punctuality`` (R-AR-5,
R-DI-7): exactly at the appointment is on time, one second later is not."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from doorstep.core.policy import DEFAULT
from doorstep.dispatch.daymodel import DayModel, evaluate_plan
from doorstep.dispatch.routing import Location, Plan, Problem, Route, Stop, Technician, Visit, plan_departures
from doorstep.dispatch.routing.travel import EuclideanTravel

TEN = 10 * 3600


def _model(margin: int) -> DayModel:
    problem = Problem(
        [Technician("t", Location(0, 0), 8 * 3600, 18 * 3600)],
        [Visit("v", Location(0, 0), TEN, TEN, 600)],
        EuclideanTravel(),
        early_margin=margin,
    )
    techs = {"t": SimpleNamespace(staff=SimpleNamespace(name="李师傅"))}
    return DayModel(None, date(2026, 12, 1), problem, {}, techs, {}, {"v"}, policy=DEFAULT)  # type: ignore[arg-type]


def _plan(arrival: int) -> Plan:
    start = max(arrival, TEN)
    return Plan([Route("t", [Stop("v", arrival - 60, arrival, start, start + 600)], 0, 0)], [])


@pytest.mark.parametrize(("arrival", "on_time"), [(TEN - 1, 1), (TEN, 1), (TEN + 1, 0)])
def test_plan_on_time_figure_at_the_appointment_R_AR_5(arrival: int, on_time: int) -> None:
    assert evaluate_plan(_model(300), _plan(arrival))["on_time"] == on_time


@pytest.mark.parametrize(("arrival", "early"), [(TEN - 301, True), (TEN - 300, True), (TEN - 299, False)])
def test_departure_is_early_enough_at_the_margin_R_DI_7(arrival: int, early: bool) -> None:
    model = _model(300)
    assert plan_departures(model.problem, _plan(arrival))["v"].arrives_early_enough is early
