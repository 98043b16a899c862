"""Early warning on repair rates (R-QA-5): fires on a seeded spike, stays quiet on noise."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from conftest import World
from doorstep.core import clock
from doorstep.customers.models import Address, Customer, OwnedProduct
from doorstep.network.policy import policy_for
from doorstep.orders.models import WorkOrder
from doorstep.quality.models import EarlyWarning
from doorstep.quality.services.warnings import (
    baseline_missing,
    baseline_windows,
    early_warning_scan,
    poisson_p,
)

S = timedelta(seconds=1)
BASELINE = [5, 6, 4, 5, 6, 4]  # repairs per 30-day window over the six windows before the current one


def _repairs(
    world: World, days_ago: list[float], bought: date = date(2023, 6, 1), service_type: str = "repair"
) -> list[WorkOrder]:
    now = clock.now()
    orders = []
    for i, ago in enumerate(days_ago):
        customer = Customer.objects.create(name=f"客户{i}", phone=f"+86139{len(days_ago):02d}{i:06d}")
        address = Address.objects.create(
            customer=customer, province="广东省", city="广州市", district="天河区", detail="x"
        )
        product = OwnedProduct.objects.create(customer=customer, model=world.model, purchase_date=bought)
        order = WorkOrder.objects.create(
            number=f"T{bought:%y%m}{len(days_ago):03d}{i:05d}", brand=world.brand, centre=world.centre,
            channel="phone", service_type=service_type, customer=customer, address=address, product=product,
        )  # fmt: skip
        WorkOrder.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=ago))
        orders.append(order)
    return orders


def _history(world: World, current: int) -> list[WorkOrder]:
    ages = [30 * (k + 1) + 1 + j * (28 / max(n, 1)) for k, n in enumerate(BASELINE) for j in range(n)]
    ages += [1 + j * (28 / current) for j in range(current)]
    # the centre's records begin with the oldest baseline window (an installation), so all six are history
    _repairs(world, [30 * (len(BASELINE) + 1) + 1], bought=date(2023, 5, 1), service_type="install")
    return _repairs(world, ages)


def test_poisson_tail() -> None:
    assert poisson_p(5, 5.0) == pytest.approx(0.5595, abs=1e-3)
    assert poisson_p(15, 5.0) < 0.001


def test_a_seeded_spike_raises_a_warning_with_the_orders_behind_it_R_QA_5(world: World) -> None:
    orders = _history(world, current=16)
    (warning,) = early_warning_scan(centre=world.centre)
    assert warning.product_model == world.model and warning.cohort == "" and warning.test == "poisson"
    assert warning.observed == 16 and warning.expected == pytest.approx(5.0) and warning.p_value < 0.01
    assert set(warning.order_ids) == {o.pk for o in orders[-16:]}
    early_warning_scan(centre=world.centre)  # idempotent: the same warning is refreshed, not duplicated
    assert EarlyWarning.objects.count() == 1


def test_noise_within_the_baseline_raises_nothing_R_QA_5(world: World) -> None:
    _history(world, current=8)  # 8 against a mean of 5: p ≈ 0.13
    assert early_warning_scan(centre=world.centre) == []


def _installed(world: World, n: int, bought: date) -> None:
    customer = Customer.objects.create(name="存量用户", phone=f"+8613700{bought:%y%m}00")
    OwnedProduct.objects.bulk_create(
        OwnedProduct(customer=customer, model=world.model, serial=f"S{i}", purchase_date=bought)
        for i in range(n)
    )


def test_a_purchase_month_cohort_over_represented_among_repairs_is_flagged_R_QA_5(world: World) -> None:
    _history(world, current=0)  # baseline repairs, all bought 2023-06
    _installed(world, 100, date(2023, 6, 1))
    _installed(world, 20, date(2024, 3, 1))
    _repairs(world, [2, 9, 20], bought=date(2023, 6, 1))
    bad = _repairs(world, [1 + 3 * j for j in range(8)], bought=date(2024, 3, 15))
    (warning,) = early_warning_scan(centre=world.centre)  # 11 vs a mean of 5 alone is not significant
    assert (warning.cohort, warning.test, warning.observed) == ("2024-03", "binomial", 8)
    assert warning.p_value < 0.001 and set(warning.order_ids) == {o.pk for o in bad}


def test_the_management_command_runs_the_scan(world: World) -> None:
    _history(world, current=16)
    call_command("quality_early_warning", verbosity=0)
    assert EarlyWarning.objects.filter(product_model=world.model).exists()


def test_no_rate_warning_before_the_records_cover_a_baseline_window_R_QA_5(world: World) -> None:
    """Walk finding 14: a centre whose records start within the current window (a demo month, a new centre)
    has no baseline; its repairs are not compared against the floor (every model used to alarm)."""
    _repairs(world, [1 + j for j in range(25)])
    assert early_warning_scan(centre=world.centre) == []
    assert baseline_missing(world.centre.pk)


@pytest.mark.parametrize(("offset", "covered"), [(-S, 1), (timedelta(0), 1), (S, 0)])
def test_a_baseline_window_counts_once_the_records_reach_its_start_R_QA_5(
    world: World, offset: timedelta, covered: int
) -> None:
    """R-QA-5: the first trailing window is history when the first order is at or before its start."""
    policy = policy_for(brand=world.brand.pk, centre=world.centre.pk)
    now = clock.now()
    start = now - timedelta(days=policy.warning_window_days) * 2
    assert baseline_windows(policy, start + offset, now) == covered
    assert baseline_windows(policy, None, now) == 0
