"""R-IN-2 duplicates under concurrency, on PostgreSQL: 50 concurrent copies of one request make one order and
49 links to it, never a second order. The duplicate check and the order it may create share one transaction
holding a transaction-level advisory lock on the normalised phone (``orders.intake._lock_phone``): a unique
constraint cannot say "an open order of the same line within 72 hours", the lock serialises exactly the
requests that could be duplicates of each other (the same phone) and nothing else.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from doorstep.channels.models import PartnerAccount
from doorstep.orders.events import EventKind
from doorstep.orders.intake import IntakeRequest, Outcome, intake_submit
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.test_races import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need concurrent writers: SQLite serialises every write transaction (IMMEDIATE)",
    ),
]

N = 50
REQUEST = dict(
    brand="acme",
    channel="phone",
    service_type="repair",
    customer_name="黄先生",
    phone="139 2222 3333",
    address_text="广州市天河区体育西路101号8楼",
    model_code="KFR-35GW",
    purchase_date="2024-05-03",
    faults=["空调不制冷"],
)


def test_r_in_2_fifty_concurrent_copies_make_one_order_and_49_links(world) -> None:  # type: ignore[no-untyped-def]
    def submit(i: int) -> str:
        # each copy written its own way: the normalised phone is what makes them one customer's request
        phone = ["139 2222 3333", "+86 13922223333", "139-2222-3333"][i % 3]
        result = intake_submit(actor=world.actor("agent"), req=IntakeRequest(**{**REQUEST, "phone": phone}))
        assert result.order is not None and result.verdict.status == "ok"  # each keeps its own verdict
        return f"{result.outcome}:{result.order.number}"

    results = race(submit, n=N)
    assert [v for k, v in results if k != "ok"] == []
    answers = Counter(v.split(":")[0] for _k, v in results)
    assert answers == Counter({Outcome.CREATED: 1, Outcome.LINKED: N - 1})
    assert WorkOrder.objects.count() == 1 and len({v for _k, v in results if True}) >= 1
    order = WorkOrder.objects.get()
    assert {v.split(":")[1] for _k, v in results} == {order.number}
    assert order.events.filter(kind=EventKind.DUPLICATE_LINKED).count() == N - 1


def test_r_in_2_fifty_concurrent_partner_pushes_of_one_request_make_one_order(world) -> None:  # type: ignore[no-untyped-def]
    _account, key = PartnerAccount.issue(brand=world.brand, code="race", name="并发合作方")
    body = {k: v for k, v in REQUEST.items() if k not in ("brand", "channel")}

    def push(i: int) -> tuple[int, str | None]:
        response = Client().post(
            "/api/partner/orders",
            data=json.dumps({**body, "external_ref": f"R-{i}"}),  # a partner re-sending under new references
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        intake = response.json()["intake"]
        return response.status_code, intake["outcome"]

    results = race(push, n=N)
    assert [v for k, v in results if k != "ok"] == []
    assert Counter(outcome for _k, (_status, outcome) in results) == Counter(
        {Outcome.CREATED: 1, Outcome.LINKED: N - 1}
    )
    assert WorkOrder.objects.count() == 1
