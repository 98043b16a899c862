"""Queries per intake do not grow with the orders already taken (R-IN-1, R-IN-2; issue "national scale").

The 2nd and the 50th order cost the same number of queries, for a new customer and for a customer already
on file (an earlier order of theirs closed, so the duplicate check runs and finds none), through the
service every channel uses and through the partner API. The 1st order after a change of the master data
(here: the test's world, just built) also reads it into the process (doorstep.core.masterdata), at most
``MASTER_DATA_READS`` more. The numbers themselves are a ceiling, so a change that adds a query per order is
seen here; timings are measured in benchmarks/scale/intake.py, not here.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doorstep.channels.models import PartnerAccount
from doorstep.orders.intake import IntakeRequest, Outcome, intake_submit
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.tests import dates

ORDERS = 50
# the ceilings (queries for one order); see docs/benchmarks.md "Intake at scale" for what they are. The
# same on both databases: PostgreSQL takes the advisory lock of the customer's phone (R-IN-2 duplicates)
# and reserves the order's id in that round trip, so the order is inserted with its number instead of
# inserted and then numbered. The order is new in the intake's transaction (WorkOrder.inserted_seq), so its
# events are numbered without a read, its first message is written without its key's lock and look-up,
# and the deadline's task row is written in the same transaction (the database queue). A new customer's
# order skips the read of the product's earlier repairs (R-QA-4 repeat repairs): there are none.
NEW_CUSTOMER_MAX = 15
KNOWN_CUSTOMER_MAX = 17
PARTNER_API_MAX = 25
# the first order after a change reads the brand, its first centre, the catalogue, the policy (with its star
# rules), the warranty and the urgency rules into the process
MASTER_DATA_READS = 7


def _constant(counts: list[int], ceiling: int) -> None:
    assert counts[1] == counts[-1] == max(counts[1:]) <= ceiling, counts
    assert counts[0] <= ceiling + MASTER_DATA_READS, counts


def _request(world: Any, n: int, **over: Any) -> IntakeRequest:
    fields: dict[str, Any] = dict(
        brand=world.brand.code,
        channel="phone",
        service_type="repair",
        customer_name=f"客户{n}",
        phone=f"1392000{n:04d}",
        province="广东省",
        city="广州市",
        district="天河区",
        detail=f"天河路 {n} 号",
        model_code="KFR-35GW",
        purchase_date=dates.years_ago(3),
        faults=["空调不制冷"],
        requirement="明天上午",
    )
    fields.update(over)
    return IntakeRequest(**fields)


def _queries(world: Any, req: IntakeRequest) -> tuple[int, Outcome | None]:
    with CaptureQueriesContext(connection) as captured:
        result = intake_submit(actor=world.actor("agent"), req=req)
    return len(captured), result.outcome


def test_queries_per_order_are_the_same_for_the_1st_and_the_50th_new_customer(world) -> None:
    counts = []
    for n in range(1, ORDERS + 1):
        count, outcome = _queries(world, _request(world, n))
        assert outcome == Outcome.CREATED
        counts.append(count)
    _constant(counts, NEW_CUSTOMER_MAX)


def test_queries_per_order_are_the_same_for_the_1st_and_the_50th_known_customer(world) -> None:
    for n in range(1, ORDERS + 1):  # each customer on file, with a closed order of the same product line
        intake_submit(actor=world.actor("agent"), req=_request(world, n))
    WorkOrder.objects.update(status=Status.CLOSED)
    counts = []
    for n in range(1, ORDERS + 1):
        count, outcome = _queries(world, _request(world, n, faults=["漏水"]))
        assert outcome == Outcome.CREATED  # R-IN-2: a closed order is no duplicate
        counts.append(count)
    _constant(counts, KNOWN_CUSTOMER_MAX)


def test_partner_api_queries_per_order_are_the_same_for_the_1st_and_the_50th(world) -> None:
    account, key = PartnerAccount.issue(brand=world.brand, code="jd", name="京东")
    PartnerAccount.objects.filter(pk=account.pk).update(last_used_at=timezone.now())  # stamped once a minute
    client = Client()
    counts = []
    for n in range(1, ORDERS + 1):
        body = {
            "external_ref": f"JD-{n}",
            "customer_name": f"客户{n}",
            "phone": f"1393000{n:04d}",
            "address_text": f"广州市天河区天河路 {n} 号",
            "model_code": "KFR-35GW",
            "faults": ["不制冷"],
            "delivery": [{"name": "空调", "quantity": 1}],
        }
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/api/partner/orders",
                json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
        assert response.status_code == 201, response.content
        counts.append(len(captured))
    _constant(counts, PARTNER_API_MAX)
