"""The KPIs' kept facts and daily sums (R-QA-4): what the events moved equals a rebuild from the event log,
the dashboard reads the same figures whatever has been settled, and the dashboard, its drill-downs and
exports cost the same queries at any number of orders."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from conftest import World
from doorstep.core import clock
from doorstep.core.punctuality import Lateness
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import intake
from doorstep.quality.models import KpiDaily, KpiFact
from doorstep.quality.selectors.kpis import METRICS, KpiReport, drill_cursor, kpi_orders, kpi_report
from doorstep.quality.services.complaints import complaint_open
from doorstep.quality.services.feedback import callback_record, survey_submit
from doorstep.quality.services.kpis import kpi_settle
from doorstep.quality.tests.helpers import Visit, at, drive, quality_hooks_only, streamed

pytestmark = pytest.mark.django_db
K = EventKind


def _today() -> date:
    return clock.local(clock.now()).date()


def _world(world: World, seed: int) -> list[WorkOrder]:
    """A random-ish history: visits over seven weeks by both technicians, early or late, some taken back,
    then callbacks, surveys, complaints and reopens at random later moments."""
    rng = random.Random(seed)
    agent = world.actor("agent")
    orders = []
    for n in range(7):
        other = rng.random() < 0.4
        visit = Visit(
            day=_today() - timedelta(days=rng.randint(3, 50)),
            hour=rng.choice((9, 10, 14)),
            arrive_early=rng.randint(-20, 15),
            tech="other_technician" if other else "technician",
            manager="other_manager" if other else "outlet_manager",
            take_back=rng.random() < 0.2,
        )
        order = drive(world, visit, serial=f"SN{rng.randint(1, 3)}")  # some come back for the same product
        orders.append(order)
        done = order.events.get(kind="complete").at
        later = done + timedelta(days=rng.randint(2, 9), hours=rng.randint(1, 5))  # R-QA-1: not too early
        if later >= clock.now():
            continue
        pick = rng.random()
        with clock.frozen_at(later), quality_hooks_only():
            if pick < 0.35:
                callback_record(
                    order=order, actor=agent, outcome="reached", satisfaction=rng.randint(1, 5),
                    product_works=True,
                )  # fmt: skip
            elif pick < 0.6:
                scores = {k: rng.randint(2, 5) for k in ("timeliness", "skill", "attitude", "fees")}
                survey_submit(order=order, actor=Actor.customer("客户"), scores=scores)
            elif pick < 0.75:
                callback_record(
                    order=order, actor=agent, outcome="reached", satisfaction=2, product_works=False,
                    feedback="又坏了", follow_up="reopen",
                )  # fmt: skip
            if n % 3 == 0:
                complaint_open(
                    order=order, actor=agent, channel="phone", category="lateness", description="迟到"
                )
    return orders


def _facts() -> list[tuple[Any, ...]]:
    cols = ("centre_id", "order_id", "metric", "at", "day", "outlet_id", "technician_id", "ok", "total")
    rows = KpiFact.objects.values_list(*cols, "score", "pending_until", "listed")
    return sorted(rows, key=repr)


def _daily() -> list[tuple[Any, ...]]:
    cols = ("centre_id", "day", "metric", "outlet_id", "technician_id", "ok", "total", "score")
    rows = KpiDaily.objects.exclude(ok=0, total=0, score=0).values_list(*cols)
    return sorted(((*r[:7], round(r[7], 6)) for r in rows), key=repr)


def _figures(report: KpiReport) -> dict[tuple[str, int, str], tuple[int, int, float]]:
    out = {}
    for row in [report.scope, *report.outlets, *report.technicians]:
        for m, f in row.figures.items():
            out[(row.group, row.key, m)] = (f.ok, f.total, round(f.score_sum, 6))
    return out


def _periods() -> list[tuple[Any, Any]]:
    today = _today()
    return [
        (at(today - timedelta(days=60), 0), at(today + timedelta(days=1), 0)),  # whole days
        (at(today - timedelta(days=30), 13, 7), clock.now()),  # ragged at both ends
        (at(today - timedelta(days=20), 0), at(today - timedelta(days=6), 18)),
    ]


@pytest.mark.parametrize("seed", [1604])
def test_kept_sums_equal_a_rebuild_from_the_event_log_R_QA_4(world: World, seed: int) -> None:
    _world(world, seed)
    roles = ("quality", "other_manager")
    before = {
        (r, p): _figures(kpi_report(actor=world.actor(r), since=p[0], until=p[1]))
        for r in roles
        for p in _periods()
    }
    assert any(f[("scope", 0, "first_fix")][1] for f in before.values())  # something was counted
    kpi_settle()  # the daily task: windows closed, promises of past days summed
    kpi_settle()  # idempotent
    kept_facts, kept_daily = _facts(), _daily()
    settled = {k: _figures(kpi_report(actor=world.actor(k[0]), since=k[1][0], until=k[1][1])) for k in before}
    call_command("kpi_rebuild", verbosity=0, stdout=io.StringIO())
    assert _facts() == kept_facts
    assert _daily() == kept_daily
    rebuilt = {k: _figures(kpi_report(actor=world.actor(k[0]), since=k[1][0], until=k[1][1])) for k in before}
    assert settled == before and rebuilt == before


def _from_order_facts(actor: Actor, since: Any, until: Any) -> KpiReport:
    """The outlet manager's figures as they were computed before the daily sums: their orders' facts."""
    from doorstep.orders.models import Deadline
    from doorstep.orders.selectors import orders_visible_to
    from doorstep.quality.selectors import kpis

    tally = kpis._Tally(str(kpis._scope_label(actor)))
    scope = orders_visible_to(actor).values("pk")
    facts = KpiFact.objects.filter(order__in=scope, at__gte=since, at__lt=until)
    kpis._add_sums(tally, facts.filter(kpis._counted(clock.now())))
    kpis._add_promises(tally, Deadline.objects.filter(order__in=scope), since, min(until, clock.now()))
    kpis._language(actor, tally, since, until)
    return kpis._report(actor, tally, since, until)


def test_an_outlet_managers_figures_come_from_the_daily_sums_and_equal_their_orders_facts_R_QA_4(
    world: World,
) -> None:
    _world(world, 1604)
    kpi_settle()
    for role in ("outlet_manager", "other_manager"):
        actor = world.actor(role)
        for since, until in _periods():
            with CaptureQueriesContext(connection) as captured:
                report = kpi_report(actor=actor, since=since, until=until)
            assert _figures(report) == _figures(_from_order_facts(actor, since, until)), (role, since)
        assert "quality_kpidaily" in " ".join(q["sql"] for q in captured.captured_queries)


def test_a_callback_window_closing_counts_the_callback_as_missed_without_the_daily_task_R_QA_1(
    world: World,
) -> None:
    order = drive(world, Visit(day=_today() - timedelta(days=1)))
    since, until = at(_today() - timedelta(days=2), 0), at(_today() + timedelta(days=30), 0)
    assert (
        kpi_report(actor=world.actor("quality"), since=since, until=until).scope.figures["callbacks"].total
        == 0
    )
    fact = KpiFact.objects.get(order=order, metric="callbacks")
    assert fact.pending_until is not None
    with clock.frozen_at(fact.pending_until):  # the window's last instant: not yet missed
        assert (
            kpi_report(actor=world.actor("quality"), since=since, until=until)
            .scope.figures["callbacks"]
            .total
            == 0
        )
    with clock.frozen_at(fact.pending_until + timedelta(seconds=1)):
        fig = kpi_report(actor=world.actor("quality"), since=since, until=until).scope.figures["callbacks"]
        assert (fig.ok, fig.total) == (0, 1)
        kpi_settle()
        fig = kpi_report(actor=world.actor("quality"), since=since, until=until).scope.figures["callbacks"]
        assert (fig.ok, fig.total) == (0, 1)
        assert [r["ok"] for r in kpi_orders(
            actor=world.actor("quality"), since=since, until=until, metric="callbacks", group="scope", key=0
        )] == [False]  # fmt: skip


def test_drill_down_pages_by_keyset_without_gaps(world: World) -> None:
    _grow(world, 7)
    actor, (since, until) = world.actor("quality"), _periods()[0]
    whole = kpi_orders(actor=actor, since=since, until=until, metric="first_fix", group="scope", key=0)
    seen, after = [], ""
    while True:
        page = kpi_orders(
            actor=actor,
            since=since,
            until=until,
            metric="first_fix",
            group="scope",
            key=0,
            after=after,
            size=3,
        )
        seen += page
        if len(page) < 3:
            break
        after = drill_cursor(page[-1])
    assert [r["order"].pk for r in seen] == [r["order"].pk for r in whole] and len(whole) == 7
    assert [r["order"].pk for r in kpi_orders(
        actor=actor, since=since, until=until, metric="first_fix", group="scope", key=0, after="x_y", size=3
    )] == [r["order"].pk for r in whole[:3]]  # fmt: skip  # a cursor that is not ours: the first page


# --- constant queries ------------------------------------------------------------------------------------
def _grow(world: World, n: int) -> None:
    """``n`` more served orders, their events recorded directly over the last days: arrival, completion,
    callback or survey, some complaints (each event moves the facts as in production)."""
    system = world.actor("dispatcher")
    for k in range(n):
        other = k % 2 == 1
        outlet = world.other_outlet if other else world.outlet
        tech = world.other_tech if other else world.tech
        day = _today() - timedelta(days=1 + k % 5)
        order = intake(world, serial=f"G{k}")
        start = at(day, 10)
        window = [start.isoformat(), (start + timedelta(hours=2)).isoformat()]
        steps = [
            (K.DISPATCH, at(day, 8), {"outlet": outlet.pk}),
            (K.ASSIGN, at(day, 8, 10), {"technician": tech.pk}),
            (K.CONFIRM_APPOINTMENT, at(day, 8, 20), {"window": window}),
            (K.ARRIVE, at(day, 9, 55), {"lateness": Lateness.ON_TIME if k % 3 else Lateness.LATE_MINOR}),
            (K.START_SERVICE, at(day, 10, 5), {}),
            (K.COMPLETE, at(day, 11), {}),
            (K.RECORD_CALLBACK, at(day, 15), {"satisfaction": 1 + k % 5}),
        ]  # fmt: skip
        if k % 4 == 0:
            steps.append((K.COMPLAINT_OPENED, at(day, 16), {"outlet": outlet.pk, "technician": tech.pk}))
        for kind, when, data in steps:
            with clock.frozen_at(when):
                kind.record(order=order, actor=system, data=data)
        WorkOrder.objects.filter(pk=order.pk).update(outlet=outlet, technician=tech, status="completed")


PAGES: list[tuple[str, str, dict[str, Any]]] = [
    ("quality", "/quality/dashboard/", {}),
    ("outlet_manager", "/quality/dashboard/", {}),
    ("quality", "/quality/dashboard/export.csv", {}),
    ("quality", "/quality/dashboard/export.xlsx", {}),
    *[("quality", "/quality/dashboard/orders/", {"metric": m, "group": "scope", "key": 0}) for m in METRICS],
    ("quality", "/quality/dashboard/orders/", {"metric": "on_time", "group": "technician", "key": "TECH"}),
    ("quality", "/quality/dashboard/orders/", {"metric": "promises", "group": "outlet", "key": "OUTLET"}),
    (
        "outlet_manager",
        "/quality/dashboard/orders/",
        {"metric": "first_fix", "group": "technician", "key": "TECH"},
    ),
]


def _queries(client: Client, path: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
        assert response.status_code == 200
        body = streamed(response) if response.streaming else response.content
    assert body
    return len(captured)


def test_dashboard_drill_downs_and_exports_cost_the_same_queries_at_3_and_30_orders_R_QA_4(
    world: World,
) -> None:
    clients = {}
    for role in ("quality", "outlet_manager"):
        clients[role] = Client()
        clients[role].force_login(world.staff[role].user)
    keys = {"TECH": world.tech.pk, "OUTLET": world.outlet.pk}

    def measure() -> list[int]:
        return [
            _queries(
                clients[role],
                path,
                {k: keys.get(v, v) if isinstance(v, str) else v for k, v in params.items()},
            )
            for role, path, params in PAGES
        ]

    _grow(world, 3)
    small = measure()
    _grow(world, 27)
    large = measure()
    assert large == small
    drill = clients["quality"].get("/quality/dashboard/orders/", {"metric": "first_fix", "group": "scope"})
    assert drill.content.decode().count('data-order="') == 30
    xlsx = streamed(clients["quality"].get("/quality/dashboard/export.xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None and sheet["D2"].value == 30  # the scope's completions


def test_the_promise_index_covers_the_promise_kinds() -> None:
    from doorstep.orders.models import Deadline

    (index,) = [i for i in Deadline._meta.indexes if i.name == "deadline_promise_due_idx"]
    assert set(dict(index.condition.children)["kind__in"]) == set(Deadline.PROMISE_KINDS)
