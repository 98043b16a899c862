"""The intake's master data is kept per process and every change is seen by the next intake (issue 16).

Each save or delete of the catalogue, a centre, a warranty or urgency rule, a policy row or its star rules
writes a new token (doorstep.core.masterdata); an intake reads the token first and drops the process's copy
when it differs. Another process's change reaches this one through the database only — the data and the
token — which the tests below play by writing both without this process's signals.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from doorstep.catalog.models import ProductModel, WarrantyPolicy
from doorstep.core import clock
from doorstep.core.masterdata import bump, snapshot
from doorstep.core.models import MasterDataVersion
from doorstep.network.models import Policy
from doorstep.orders.intake import IntakeRequest, order_create
from doorstep.orders.models import Deadline, UrgencyRule
from doorstep.tests import dates

BOUGHT = dates.years_ago(3)


def _order(world, n: int, **over):  # type: ignore[no-untyped-def]
    fields = dict(
        brand="acme",
        channel="phone",
        service_type="repair",
        customer_name=f"客户{n}",
        phone=f"1392666{n:04d}",
        address_text=f"广州市海珠区新港西路 {n} 号",
        model_code="KFR-35GW",
        purchase_date=BOUGHT.isoformat(),
        faults=["空调不制冷"],
    )
    fields.update(over)
    order, _ = order_create(actor=world.actor("agent"), req=IntakeRequest(**fields))
    return order


def _token() -> str:
    return MasterDataVersion.objects.get(pk=1).token


def test_a_save_or_delete_of_master_data_writes_a_new_token(world) -> None:
    seen = {_token()}
    rule = UrgencyRule.objects.create(brand=world.brand, keywords="漏水")
    seen.add(_token())
    world.centre.save()
    seen.add(_token())
    rule.delete()
    seen.add(_token())
    assert len(seen) == 4


def test_the_second_intake_reads_no_master_data(world) -> None:
    _order(world, 1)
    with CaptureQueriesContext(connection) as captured:
        _order(world, 2)
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    for table in ("catalog_productmodel", "catalog_warrantypolicy", "orders_urgencyrule", "network_policy"):
        assert table not in tables
    assert "core_masterdataversion" in tables  # the token, once


def test_an_urgency_rule_saved_after_an_intake_applies_to_the_next_R_IN_4(world) -> None:
    july = dates.at(date(clock.today().year, 7, 15), 10)
    with clock.frozen_at(july):
        before = _order(world, 1)
        UrgencyRule.objects.create(brand=world.brand, line=world.line, keywords="不制冷", months="7")
        after = _order(world, 2)
    assert (before.priority, after.priority) == ("normal", "urgent")


def test_a_warranty_policy_changed_after_an_intake_applies_to_the_next_R_AN_7(world) -> None:
    assert _order(world, 1).warranty_status == "in_warranty"
    policy = WarrantyPolicy.objects.get(brand=world.brand, line=world.line)
    policy.whole_unit_years = 2
    policy.save()
    assert _order(world, 2).warranty_status == "paid"


def test_a_policy_number_changed_after_an_intake_applies_to_the_next(world) -> None:
    first = _order(world, 1)
    Policy.objects.create(brand=world.brand, response_minutes_normal=90)
    second = _order(world, 2)
    due = [(o.deadlines.get(kind=Deadline.Kind.RESPONSE).due_at - o.created_at) for o in (first, second)]
    assert [round(d / timedelta(minutes=1)) for d in due] == [24 * 60, 90]


def test_a_model_added_to_the_catalogue_is_known_to_the_next_intake_R_IN_2(world) -> None:
    assert _order(world, 1, model_code="KFR-72LW").product is None
    ProductModel.objects.create(brand=world.brand, line=world.line, code="KFR-72LW", name="柜机 3 匹")
    assert _order(world, 2, model_code="KFR-72LW").product.model.code == "KFR-72LW"


def test_another_process_change_is_seen_through_the_token(world) -> None:
    """Another process saved a rule: its row and its token are in the database, no signal ran here."""
    july = dates.at(date(clock.today().year, 7, 15), 10)
    with clock.frozen_at(july):
        assert _order(world, 1).priority == "normal"
        UrgencyRule.objects.bulk_create([UrgencyRule(brand=world.brand, keywords="不制冷")])  # no signal
        assert _order(world, 2).priority == "normal"  # the process's copy: the token did not change
        MasterDataVersion.objects.filter(pk=1).update(token="written-by-another-process")
        assert _order(world, 3).priority == "urgent"


def test_a_write_without_signals_is_seen_after_bump(world) -> None:
    _order(world, 1)
    WarrantyPolicy.objects.filter(brand=world.brand).update(whole_unit_years=1)
    bump()
    assert _order(world, 2).warranty_status == "paid"


def test_a_copy_read_inside_a_rolled_back_change_is_not_used_afterwards(world) -> None:
    _order(world, 1)
    try:
        with transaction.atomic():
            WarrantyPolicy.objects.filter(brand=world.brand).update(whole_unit_years=1)
            bump()
            assert _order(world, 2).warranty_status == "paid"  # read (and kept) under the new token
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert _order(world, 3).warranty_status == "in_warranty"  # the old token again: read anew


def test_a_missing_version_row_is_written_again_with_a_new_token(world) -> None:
    """A flushed database (a transactional test's teardown) loses the row the migration made."""
    before = _token()
    assert snapshot().get("k", lambda: 1) == 1
    MasterDataVersion.objects.all().delete()
    assert snapshot().get("k", lambda: 2) == 2  # a new token: the copy kept under the old one is dropped
    assert _token() != before
    assert snapshot().get("k", lambda: 3) == 2  # and kept again under it
