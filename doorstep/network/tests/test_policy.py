"""The one policy: declared defaults, brand and centre overrides, one read-only accessor, the admin."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from conftest import World
from doorstep.core.policy import DEFAULT, DEFAULT_STAR_RULES, NAMES, STORED_NAMES, Policy, declared
from doorstep.network.models import Brand, ServiceCentre, StarLevelRule
from doorstep.network.models import Policy as PolicyRow
from doorstep.network.policy import numbers_by_section, policy_for, policy_of

pytestmark = pytest.mark.django_db


def test_every_number_is_declared_with_unit_rule_and_help() -> None:
    for spec in declared():
        assert spec.metadata["unit"] and spec.metadata["help"], spec.name
        assert re.fullmatch(r"R-[A-Z]{2}-\d+", spec.metadata["rule"]), spec.name
    assert set(STORED_NAMES) == {f.name for f in PolicyRow._meta.concrete_fields} & set(NAMES)
    assert [n for _title, names in numbers_by_section() for n in names] == list(STORED_NAMES)


def test_the_standards_defaults() -> None:
    assert (DEFAULT.early_arrival_minutes, DEFAULT.lateness_escalation_minutes) == (5, 15)  # R-DI-7, R-AR-5
    assert (DEFAULT.reschedule_notice_same_day_minutes, DEFAULT.reschedule_notice_minutes) == (
        30,
        120,
    )  # R-DI-8
    assert DEFAULT.reschedule_half_day_minutes == 12 * 60  # R-DI-8 "half a day"
    assert (DEFAULT.knock_retry_seconds, DEFAULT.knock_call_after_minutes) == (30, 5)  # R-AR-1
    assert DEFAULT.consultation_followup_minutes == 180  # R-AN-2
    assert (DEFAULT.callback_min_days, DEFAULT.callback_max_days) == (1, 3)  # R-QA-1
    assert DEFAULT.late_call_before_minutes == 2  # R-AR-5: 1–2 minutes before


def test_the_apology_visit_has_one_number_R_AR_5() -> None:
    assert [n for n in NAMES if "apology" in n or "escalation_due" in n] == ["apology_visit_hours"]
    assert DEFAULT.apology_visit_hours == 24


def test_a_read_never_writes_and_gives_the_defaults(world: World, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(1):
        policy = policy_for(brand=world.brand, centre=world.centre)
    assert policy == DEFAULT and not PolicyRow.objects.exists()


def test_the_policy_is_immutable(world: World) -> None:
    policy = policy_for(brand=world.brand)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.early_arrival_minutes = 10  # type: ignore[misc]


def test_a_centre_overrides_its_brand_and_an_empty_value_inherits(world: World) -> None:
    PolicyRow.objects.create(brand=world.brand, early_arrival_minutes=10, lateness_escalation_minutes=20)
    PolicyRow.objects.create(brand=world.brand, centre=world.centre, early_arrival_minutes=8)
    other = ServiceCentre.objects.create(
        brand=world.brand, name="佛山", province="广东", city="佛山", hotline="1"
    )
    here = policy_for(brand=world.brand, centre=world.centre)
    assert (here.early_arrival_minutes, here.lateness_escalation_minutes) == (8, 20)
    there = policy_for(brand=world.brand.pk, centre=other.pk)
    assert (there.early_arrival_minutes, there.lateness_escalation_minutes) == (10, 20)
    assert policy_for(brand=world.brand).knock_retry_seconds == DEFAULT.knock_retry_seconds


def test_an_order_reads_its_brand_and_centre(world: World) -> None:
    PolicyRow.objects.create(brand=world.brand, centre=world.centre, verify_hours=3)
    order = type("O", (), {"brand_id": world.brand.pk, "centre_id": world.centre.pk})()
    assert policy_of(order).verify_hours == 3


def test_another_brand_is_not_affected(world: World) -> None:
    PolicyRow.objects.create(brand=world.brand, slot_days=14)
    other = Brand.objects.create(code="b2", name="B2", hotline="400")
    assert policy_for(brand=other).slot_days == DEFAULT.slot_days


def test_star_levels_default_then_brand_then_centre_replaces_R_QA_4(world: World) -> None:
    assert policy_for(brand=world.brand).star_rules == DEFAULT_STAR_RULES
    brand_row = PolicyRow.objects.create(brand=world.brand)
    StarLevelRule.objects.create(policy=brand_row, stars=2, min_orders=7)
    StarLevelRule.objects.create(policy=brand_row, stars=1, min_orders=1)
    assert [(r.stars, r.min_orders) for r in policy_for(brand=world.brand).star_rules] == [(2, 7), (1, 1)]
    centre_row = PolicyRow.objects.create(brand=world.brand, centre=world.centre)
    StarLevelRule.objects.create(policy=centre_row, stars=1, min_orders=3, min_on_time=Decimal("0.5"))
    (only,) = policy_for(brand=world.brand, centre=world.centre).star_rules
    assert (only.stars, only.min_orders, only.min_on_time) == (1, 3, Decimal("0.5"))


def test_a_centre_of_another_brand_is_refused(world: World) -> None:
    other = Brand.objects.create(code="b2", name="B2", hotline="400")
    with pytest.raises(ValidationError):
        PolicyRow(brand=other, centre=world.centre).full_clean()


def test_unknown_numbers_are_refused() -> None:
    with pytest.raises(KeyError):
        Policy().with_values({"no_such_number": 1})


def test_the_admin_edits_a_brand_policy(world: World) -> None:
    User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.login(username="root", password="pw")
    assert client.get("/admin/network/policy/add/").status_code == 200
    row = PolicyRow.objects.create(brand=world.brand, early_arrival_minutes=7)
    page = client.get(f"/admin/network/policy/{row.pk}/change/")
    assert page.status_code == 200 and "R-DI-7" in page.content.decode()
