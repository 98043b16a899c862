"""The staff lists answer in the same number of queries at two sizes of the centre (issue 16, part 1).

The board, the callbacks, the KPI pages and the technician's day have their own tests (dispatch, quality,
visits); these are the others the benchmark measures (benchmarks/scale/measure.py): the complaints, the
early warnings, the escalation tasks, the call log and the order list, for the central roles and for the
outlet manager. Each size adds orders sent to the outlet, each with a complaint, a logged call, an
escalation task and an early warning listing it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from doorstep.core import clock
from doorstep.dispatch.services import order_route_to_outlet
from doorstep.dispatch.tests.helpers import at
from doorstep.orders.desk import call_log
from doorstep.orders.tests.helpers import intake
from doorstep.quality.models import Complaint, EarlyWarning
from doorstep.quality.services.complaints import complaint_open
from doorstep.visits.models import EscalationTask

pytestmark = pytest.mark.django_db

PAGES: list[tuple[str, str, dict[str, str]]] = [
    ("quality", "/quality/complaints/", {"state": "all"}),
    ("outlet_manager", "/quality/complaints/", {"state": "all"}),
    ("quality", "/quality/warnings/", {}),
    ("dispatcher", "/visits/tasks/", {}),
    ("agent", "/orders/calls/", {}),
    ("dispatcher", "/orders/", {}),
    ("agent", "/orders/", {}),
    ("outlet_manager", "/orders/", {}),
    ("outlet_manager", "/orders/", {"status": "dispatched"}),
    ("outlet_manager", "/dispatch/", {}),
]


def _grow(world: Any, n: int, start: int = 0) -> None:
    for k in range(start, start + n):
        phone = f"1391236{k:04d}"
        order = intake(world, phone=phone)
        with clock.frozen_at(at(9)):
            order_route_to_outlet(order=order, actor=world.actor("dispatcher"))
        complaint_open(
            order=order,
            actor=world.actor("agent"),
            channel=Complaint.Channel.PHONE,
            category=Complaint.Category.LATENESS,
            description="师傅迟到",
        )
        call_log(actor=world.actor("agent"), direction="in", phone=phone, question="进度如何？", order=order)
        EscalationTask.objects.create(
            order=order,
            kind=EscalationTask.Kind.REBOOK,
            rule="R-AR-2",
            owner=world.staff["dispatcher"],
            created_at=clock.now(),
        )
        end = clock.now() - timedelta(minutes=k)
        EarlyWarning.objects.create(
            centre=world.centre,
            product_model=world.model,
            window_start=end - timedelta(days=30),
            window_end=end,
            observed=3,
            expected=1.0,
            p_value=0.01,
            test="poisson",
            order_ids=[order.pk],
            created_at=end,
        )


def _queries(client: Client, path: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def test_staff_lists_cost_the_same_queries_at_3_and_12_orders(world: Any) -> None:
    clients = {}
    for role in {role for role, _path, _params in PAGES}:
        clients[role] = Client()
        clients[role].force_login(world.staff[role].user)

    def measure() -> dict[str, int]:
        return {
            f"{role} {path} {params}": _queries(clients[role], path, params) for role, path, params in PAGES
        }

    _grow(world, 3)
    small = measure()
    _grow(world, 9, start=3)
    assert measure() == small
