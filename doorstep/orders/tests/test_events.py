"""The record's vocabulary (R-CO-4): every kind written anywhere is an EventKind with one translated label,
and sequence numbers stay unique per order when several writers append at once."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from conftest import World
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind, event_record
from doorstep.orders.lifecycle import Action
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.orders.tests.helpers import intake
from doorstep.web.templatetags.event_tags import event_label

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted(p for p in (ROOT / "doorstep").rglob("*.py") if "migrations" not in p.parts)


def _is_test(path: Path) -> bool:
    return "tests" in path.parts or path.name in ("testing.py", "conftest.py")


def _kind_literals() -> list[tuple[Path, int, str, str]]:
    """(file, line, call, value) for every string passed as ``kind=`` to an event writer or an event query."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            call = ast.unparse(node.func)
            on_events = call in ("event_record", "OrderEvent") or (
                call.rsplit(".", 1)[-1] in ("filter", "get", "exclude")
                and ("events" in call or "OrderEvent" in call)
            )
            if not on_events:
                continue
            for kw in node.keywords:
                if kw.arg in ("kind", "kind__in"):
                    for const in ast.walk(kw.value):
                        if isinstance(const, ast.Constant) and isinstance(const.value, str):
                            found.append((path, node.lineno, call, const.value))
                        elif isinstance(const, ast.JoinedStr):
                            found.append((path, node.lineno, call, ast.unparse(const)))
    return found


def test_r_co_4_every_move_is_an_event_kind_with_the_moves_own_label() -> None:
    for action in Action:
        assert EventKind(action.value).label == action.label


def test_r_co_4_every_kind_has_one_distinct_translated_label() -> None:
    labels = [str(k.label) for k in EventKind]
    assert len(set(labels)) == len(labels), "two kinds share a label"
    with translation.override("en"):
        for kind, zh in zip(EventKind, labels, strict=True):
            assert str(kind.label) != kind.value
            assert str(kind.label) != zh, f"{kind.value}: no English for {zh!r} in locale/en"


def test_r_co_4_no_kind_is_written_or_read_as_free_text() -> None:
    """Production code names kinds through EventKind; tests may use values, but only existing ones."""
    literals = _kind_literals()
    assert literals, "the scan found no event queries at all: it is broken"
    free = [f"{p.relative_to(ROOT)}:{line} {call}" for p, line, call, _v in literals if not _is_test(p)]
    assert free == []
    unknown = [
        f"{p.relative_to(ROOT)}:{line} {v}" for p, line, _c, v in literals if v not in EventKind.values
    ]
    assert unknown == []


def test_r_co_4_only_the_vocabulary_writes_events() -> None:
    writers = [
        p.relative_to(ROOT).as_posix()
        for p in SOURCES
        if "OrderEvent.objects.create" in p.read_text(encoding="utf-8") and not _is_test(p)
    ]
    assert writers == ["doorstep/orders/models.py"]  # the writer lives beside OrderEvent


def test_r_co_4_every_kind_renders_a_label_not_its_value() -> None:
    for kind in EventKind:
        text = event_label(OrderEvent(kind=kind, data={}))
        assert text and text != kind.value and str(kind.label) in text


def test_r_co_4_an_unknown_kind_is_refused_on_save(world: World) -> None:
    order, made_up = intake(world), "made_up"
    with pytest.raises(ValueError, match="not a valid EventKind"):
        event_record(order=order, actor=world.actor("agent"), kind=made_up)
    with pytest.raises(ValueError, match="unknown event kind"):
        OrderEvent(
            order=order, seq=99, kind=made_up, actor_role="agent", actor_name="x", at=order.created_at
        ).save()
    assert not order.events.filter(seq=99).exists()


def test_r_co_4_sequence_numbers_count_per_order(world: World) -> None:
    first, second = intake(world), intake(world)
    agent = world.actor("agent")
    before = list(first.events.values_list("seq", flat=True))
    EventKind.CALL.record(order=first, actor=agent, data={"question": "何时上门"})
    EventKind.CALL.record(order=second, actor=agent)
    EventKind.FAULT_CAUSE.record(order=first, actor=agent, data={"cause": "缺氟"})
    seqs = list(first.events.values_list("seq", flat=True))
    assert seqs == list(range(1, len(before) + 3))
    assert first.events.last().kind == EventKind.FAULT_CAUSE  # type: ignore[union-attr]
    assert second.events.order_by("seq").last().seq == len(second.events.all())  # type: ignore[union-attr]


def test_r_co_4_the_next_number_is_taken_under_the_orders_row_lock(world: World) -> None:
    order = intake(world)
    with CaptureQueriesContext(connection) as queries:
        EventKind.CALL.record(order=order, actor=world.actor("agent"))
    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, s in enumerate(sql) if "orders_workorder" in s)
    count = next(i for i, s in enumerate(sql) if "MAX(" in s.upper())
    assert lock < count
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in sql[lock]


def test_r_co_4_the_intake_numbers_its_new_orders_events_without_reading_and_then_stops(world: World) -> None:
    """Inside the intake's transaction the new order's events are numbered from the object that inserted
    it (no lock, no MAX read: no one else can see the order); the object it returns reads them again, so a
    writer holding another copy of the order cannot make it reuse a number (issue 16)."""
    with CaptureQueriesContext(connection) as queries:
        order = intake(world)
    assert not [q for q in queries.captured_queries if "MAX(" in q["sql"].upper()]
    assert list(order.events.values_list("seq", flat=True)) == [1, 2]  # created, then its first move
    assert order.inserted_seq is None and not order.inserted_here
    EventKind.CALL.record(order=WorkOrder.objects.get(pk=order.pk), actor=world.actor("agent"))
    EventKind.FAULT_CAUSE.record(order=order, actor=world.actor("agent"))  # the intake's object: seq 4
    assert list(order.events.values_list("seq", flat=True)) == [1, 2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_r_co_4_concurrent_writers_get_distinct_sequence_numbers(world: World) -> None:
    """Several writers (moves, the worker, escalations) append to one order at once: none collides."""
    order = intake(world)
    start = order.events.count()
    writers, each = 4, 8
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            mine = WorkOrder.objects.get(pk=order.pk)
            barrier.wait(timeout=30)
            for _ in range(each):
                EventKind.CUSTOMER_MESSAGE.record(order=mine, actor=Actor.system())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    seqs = list(OrderEvent.objects.filter(order=order).values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, start + writers * each + 1))
