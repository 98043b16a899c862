"""The data migration keeps every changed number of the four old policy models and the star levels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("network", "0004_policy"),
    ("dispatch", "0001_initial"),
    ("visits", "0002_visit_records"),
    ("quality", "0002_quality_loop"),
]


def _migrate(targets: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_changed_numbers_become_brand_overrides_and_untouched_ones_inherit() -> None:
    old = _migrate(BEFORE)
    Brand = old.get_model("network", "Brand")
    touched = Brand.objects.create(code="a", name="A", hotline="1")
    untouched = Brand.objects.create(code="b", name="B", hotline="2")
    old.get_model("network", "ServicePolicy").objects.create(brand=touched, early_arrival_minutes=10)
    old.get_model("network", "ServicePolicy").objects.create(brand=untouched)  # all defaults
    old.get_model("dispatch", "DispatchPolicy").objects.create(brand=touched, slot_days=14)
    old.get_model("visits", "VisitPolicy").objects.create(brand=touched, escalation_due_hours=12)
    old.get_model("quality", "QualityPolicy").objects.create(
        brand=touched, apology_visit_hours=72, low_score=1
    )
    old.get_model("quality", "StarLevelRule").objects.create(
        brand=touched, stars=3, min_orders=9, min_on_time=Decimal("0.9")
    )
    executor = MigrationExecutor(connection)
    new = _migrate(executor.loader.graph.leaf_nodes())
    Policy = new.get_model("network", "Policy")
    row = Policy.objects.get(brand_id=touched.pk, centre=None)
    assert (row.early_arrival_minutes, row.slot_days, row.low_score) == (10, 14, 1)
    assert row.apology_visit_hours == 12  # R-AR-5's own setting wins over the complaint ladder's 72
    assert row.lateness_escalation_minutes is None  # untouched: follows the declared default
    (star,) = new.get_model("network", "StarLevelRule").objects.filter(policy=row)
    assert (star.stars, star.min_orders, star.min_on_time) == (3, 9, Decimal("0.9"))
    assert not Policy.objects.filter(brand_id=untouched.pk).exists()
