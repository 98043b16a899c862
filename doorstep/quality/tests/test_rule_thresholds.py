"""Quality thresholds exactly at, one unit before and one unit after the policy number (R-QA-1, R-QA-3,
R-QA-4, R-QA-5, R-PR-2). Numbers come from doorstep/core/policy.py through the order's policy; the unit is
one second for times, one point for scores, one order for counts and one day for dates."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from conftest import World
from doorstep.core import clock
from doorstep.core.policy import DEFAULT
from doorstep.network.actors import Actor
from doorstep.network.models import Policy, Qualification
from doorstep.network.policy import policy_of
from doorstep.orders.models import WorkOrder
from doorstep.quality.models import Complaint, EarlyWarning
from doorstep.quality.selectors.kpis import kpi_report
from doorstep.quality.selectors.people import expiring_soon
from doorstep.quality.services.feedback import callback_record, survey_submit
from doorstep.quality.services.kpis import kpi_refresh
from doorstep.quality.services.warnings import early_warning_scan, poisson_p
from doorstep.quality.tests.helpers import Visit, at, drive, quality_hooks_only
from doorstep.quality.tests.test_warnings import _repairs

S = timedelta(seconds=1)
GOOD = {"timeliness": 5, "skill": 5, "attitude": 4, "fees": 4}


def _completed(world: World) -> WorkOrder:
    return drive(world, Visit(day=clock.local(clock.now()).date() - timedelta(days=40)))


def _done_at(order: WorkOrder):  # type: ignore[no-untyped-def]
    return order.events.get(kind="complete").at


def _figure(world: World, order: WorkOrder, metric: str) -> tuple[int, int]:
    day = clock.local(_done_at(order)).date()
    report = kpi_report(actor=world.actor("quality"), since=at(day, 0), until=at(day + timedelta(days=1), 0))
    fig = report.scope.figures[metric]
    return fig.ok, fig.total


@pytest.mark.parametrize(("delta", "complaint"), [(-1, True), (0, True), (1, False)])
def test_a_score_at_the_low_score_threshold_opens_a_complaint_R_QA_3(
    world: World, delta: int, complaint: bool
) -> None:
    """R-QA-3: a survey score at or below ``low_score`` becomes a complaint; one point above does not."""
    order = _completed(world)
    score = policy_of(order).low_score + delta
    survey_submit(order=order, actor=Actor.customer("刘女士"), scores={**GOOD, "timeliness": score})
    assert Complaint.objects.filter(order=order).exists() is complaint


@pytest.mark.parametrize(("offset", "repeat"), [(-S, True), (timedelta(0), True), (S, False)])
def test_the_product_back_within_the_repeat_window_is_a_repeat_repair_R_QA_4(
    world: World, offset: timedelta, repeat: bool
) -> None:
    """R-QA-4: a new order for the same product up to ``repeat_repair_days`` after completion, that instant
    included, makes the completion a repeat repair — and not a first-time fix (walk finding 14)."""
    first = _completed(world)
    again = drive(world, Visit(day=clock.local(clock.now()).date() - timedelta(days=2)))
    back_at = _done_at(first) + timedelta(days=policy_of(first).repeat_repair_days) + offset
    WorkOrder.objects.filter(pk=again.pk).update(product=first.product, created_at=back_at)
    kpi_refresh([first.pk])  # the order was rewritten behind the event log's back: the facts with it
    assert _figure(world, first, "repeat") == (int(repeat), 1)
    assert _figure(world, first, "first_fix") == (int(not repeat), 1)


@pytest.mark.parametrize(("offset", "reopened"), [(-S, True), (timedelta(0), True), (S, False)])
def test_a_reopening_within_the_repeat_window_is_a_repeat_repair_R_QA_4(
    world: World, offset: timedelta, reopened: bool
) -> None:
    """R-QA-4: an order reopened up to ``repeat_repair_days`` after completion (inclusive) is a repeat, and
    its first visit did not fix it (the return visit is the same job: no first-fix count of its own)."""
    order = _completed(world)
    when = _done_at(order) + timedelta(days=policy_of(order).repeat_repair_days) + offset
    with clock.frozen_at(when), quality_hooks_only():
        callback_record(
            order=order, actor=world.actor("agent"), outcome="reached", satisfaction=2, product_works=False,
            feedback="又坏了", follow_up="reopen",
        )  # fmt: skip
    assert _figure(world, order, "repeat") == (int(reopened), 1)
    assert _figure(world, order, "first_fix") == (int(not reopened), 1)


@pytest.mark.parametrize(("offset", "counted"), [(-S, True), (timedelta(0), True), (S, False)])
def test_a_callback_up_to_the_last_callback_day_counts_R_QA_1(
    world: World, offset: timedelta, counted: bool
) -> None:
    """R-QA-1: a callback made up to ``callback_max_days`` after completion (inclusive) counts as made."""
    order = _completed(world)
    with clock.frozen_at(_done_at(order) + timedelta(days=policy_of(order).callback_max_days) + offset):
        callback_record(
            order=order, actor=world.actor("agent"), outcome="reached", satisfaction=5, product_works=True
        )
    assert _figure(world, order, "callbacks") == (int(counted), 1)


@pytest.mark.parametrize(("delta", "warned"), [(-1, False), (0, True), (1, True)])
def test_an_early_warning_needs_at_least_the_minimum_count_R_QA_5(
    world: World, delta: int, warned: bool
) -> None:
    """R-QA-5: with a near-empty baseline a handful of repairs is significant, but the warning needs at least
    ``warning_min_count`` repairs in the window."""
    order_count = policy_of(_repairs(world, [200.0])[0]).warning_min_count + delta
    _repairs(world, [1 + j for j in range(order_count)], bought=date(2023, 7, 1))
    found = early_warning_scan(centre=world.centre)
    assert bool([w for w in found if w.cohort == ""]) is warned
    assert EarlyWarning.objects.filter(cohort="").exists() is warned


@pytest.mark.parametrize(("delta", "listed"), [(-1, True), (0, True), (1, False)])
def test_a_qualification_expiring_within_the_warning_days_is_listed_R_PR_2(
    world: World, delta: int, listed: bool
) -> None:
    """R-PR-2: qualifications expiring within ``expiry_warning_days`` (the last day included) are listed."""
    on = clock.local(clock.now()).date()
    days = policy_of(_completed(world)).expiry_warning_days
    Qualification.objects.create(
        technician=world.tech, kind="electrician", number="EDGE-1", valid_from=on - timedelta(days=300),
        valid_until=on + timedelta(days=days + delta),
    )  # fmt: skip
    rows = expiring_soon(actor=world.actor("outlet_manager"), on=on)
    assert (
        any(row["until"] == on + timedelta(days=days + delta) and row["what"] == "电工证" for row in rows)
        is listed
    )


@pytest.mark.parametrize(("step", "warned"), [(-1, False), (0, False), (1, True)])
def test_an_early_warning_needs_a_p_value_strictly_below_alpha_R_QA_5(
    world: World, step: int, warned: bool
) -> None:
    """R-QA-5: the spike must be significant at ``warning_alpha``: a p-value equal to alpha is not; the next
    float above alpha (one unit for a float) is."""
    count = DEFAULT.warning_min_count
    _repairs(world, [200.0])  # one repair in the oldest baseline window: a mean of 1/6 per window
    _repairs(world, [1 + j for j in range(count)], bought=date(2023, 7, 1))
    p = poisson_p(count, 1 / DEFAULT.warning_baseline_windows)
    alpha = {-1: math.nextafter(p, 0.0), 0: p, 1: math.nextafter(p, 1.0)}[step]
    Policy.objects.create(brand=world.brand, centre=world.centre, warning_alpha=alpha)
    found = [w for w in early_warning_scan(centre=world.centre) if w.cohort == ""]
    assert bool(found) is warned
