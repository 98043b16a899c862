"""The demo month (``manage.py demo_data``) is believable (walk finding 14, R-QA-4): every KPI falls in a
plausible range and follows from what the simulated month did, the open work covers every role, and the
same seed gives the same demo."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils.dateparse import parse_datetime

from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.network.models import Staff
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.quality.models import Complaint
from doorstep.quality.selectors.kpis import kpi_report
from doorstep.quality.services.warnings import baseline_missing
from doorstep.tests import pinned_time
from doorstep.visits.models import Signature
from doorstep.web.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=False)
SIZE = 80  # orders: the default is 300; the same mix, smaller, for 4 technicians instead of 10


def _quality() -> Actor:
    return Actor.for_user(Staff.objects.get(user__username="quality").user)


def test_the_demo_month_is_believable_R_QA_4(db: None) -> None:
    """One month at a smaller size, then every check on it (loading it once per check would be slow)."""
    demo = load_demo(orders=SIZE, technicians=4)
    now = clock.now()
    report = kpi_report(actor=_quality(), since=now - timedelta(days=30), until=now)
    _kpis_plausible(report, now)
    _failed_and_return_visits()
    _work_for_every_role(demo)
    _dashboard_and_commands()


def _kpis_plausible(report: Any, now: Any) -> None:
    scope = report.scope
    first_fix = scope.value("first_fix")
    assert first_fix is not None and 0.60 < first_fix < 0.98  # not 100 % for everyone (walk finding 14)
    # on time, recomputed from the arrivals themselves: arrived at or before the appointment (R-AR-5)
    arrivals = list(OrderEvent.objects.filter(kind="arrive", at__gte=now - timedelta(days=30), at__lt=now))
    on_time = [
        e
        for e in arrivals
        if parse_datetime(e.data["arrived_at"]) <= parse_datetime(e.data["appointment_at"])
    ]
    late = [e for e in arrivals if e not in on_time]
    assert (scope.figures["on_time"].ok, scope.figures["on_time"].total) == (len(on_time), len(arrivals))
    assert late and all(e.data["lateness"] != "on_time" and e.data["late_minutes"] > 0 for e in late)
    assert 0.75 < len(on_time) / len(arrivals) < 0.98
    calls = {e.data["late_call"] for e in late}
    assert calls == {"in_window", "breach"}  # late with the call 1–2 minutes before, and late without
    assert len({r.stars for r in report.technicians}) > 1, "every technician the same rating"
    satisfaction = scope.value("satisfaction")
    assert satisfaction is not None and 3.8 < satisfaction < 4.9
    assert scope.figures["repeat"].ok >= 1 and scope.value("repeat") < 0.15
    assert Complaint.objects.exists() and scope.value("complaints") < 0.1
    callbacks = scope.value("callbacks")
    assert callbacks is not None and 0.6 < callbacks < 1.0


def _failed_and_return_visits() -> None:
    kinds = set(OrderEvent.objects.values_list("kind", flat=True))
    assert {"nobody_home", "rebook", "take_back", "return_unit", "reopen"} <= kinds
    reopened = OrderEvent.objects.filter(kind="reopen").values_list("order_id", flat=True)
    # the return visit of a reopened order is signed again and completed (R-QA-1)
    again = [pk for pk in reopened if Signature.objects.filter(order_id=pk).count() == 2]
    assert again and WorkOrder.objects.filter(pk__in=again, status__in=["callback_done", "closed"]).exists()
    products = list(WorkOrder.objects.exclude(product=None).values_list("product_id", flat=True))
    assert len(products) > len(set(products))  # a product came back (repeat repair)


def _work_for_every_role(demo: Any) -> None:
    statuses = set(WorkOrder.objects.values_list("status", flat=True))
    assert {
        "info_incomplete", "triaged", "dispatched", "assigned", "confirmed", "en_route", "arrived",
        "in_service", "nobody_home", "taken_back", "completed", "paid",
    } <= statuses  # fmt: skip
    assert not OrderEvent.objects.filter(at__gt=clock.now()).exists()  # nothing happened in the future
    assert baseline_missing(demo.centre.pk)  # a month is no repair-rate baseline (R-QA-5)


def _dashboard_and_commands() -> None:
    client = Client()
    client.force_login(Staff.objects.get(user__username="quality").user)
    page = client.get("/quality/dashboard/").content.decode()
    assert "一次修复率" in page and "历史数据不足一个基线周期" in page
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "tech1" in out.getvalue()
    call_command("schedule_periodic", stdout=StringIO())


class _Undo(Exception):
    pass


def _digest() -> list[tuple[Any, ...]]:
    """The demo as data, order numbers replaced by their rank: a number carries the database's id, which
    PostgreSQL's sequences do not give back after a rollback."""
    orders = list(
        WorkOrder.objects.order_by("number").values_list("number", "status", "technician__staff__name")
    )
    rank = {number: i for i, (number, _, _) in enumerate(orders)}
    events = list(
        OrderEvent.objects.order_by("order__number", "seq").values_list("order__number", "kind", "at")
    )
    return [(rank[n], *rest) for n, *rest in orders] + [(rank[n], *rest) for n, *rest in events]


def test_the_same_seed_gives_the_same_demo(db: None) -> None:
    digests = []
    for _ in range(2):
        pinned_time.reset()
        try:
            with transaction.atomic():
                load_demo(orders=20, seed=7, technicians=3)
                digests.append(_digest())
                raise _Undo
        except _Undo:
            pass
    assert digests[0] == digests[1] and len(digests[0]) > 100
