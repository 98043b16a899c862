"""The big tables by month on PostgreSQL (core.partitions): months ahead, rows in their month, retention.

The retention threshold is tested at its edge: with H hot months, the month that ends exactly where the
current month minus H begins is archived (and one before it), the month beginning there stays — and at
the instant itself, a row one microsecond before the threshold goes, one at it stays. The DDL runs in the
test's transaction, so every partition made here is rolled back with it. The timeline's archive note is
tested on every database (test_timeline_says_which_months_are_archived).
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from doorstep.core import clock
from doorstep.core import partitions as p
from doorstep.core.models import ArchivedMonth
from doorstep.network.actors import Actor
from doorstep.notify.models import Message, Receipt
from doorstep.notify.outbox import Draft, enqueue
from doorstep.orders.events import EventKind
from doorstep.orders.models import OrderEvent, WorkOrder, event_record
from doorstep.orders.tests.helpers import intake
from doorstep.orders.tracking import tracking_token

EVENTS = p.big_table("orders_orderevent")
MESSAGES = p.big_table("notify_message")
HOT = 24

only_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions by month exist on PostgreSQL only"
)


@pytest.fixture
def hot(settings):  # type: ignore[no-untyped-def]
    settings.DOORSTEP_EVENTS_HOT_MONTHS = HOT
    settings.DOORSTEP_MESSAGES_HOT_MONTHS = HOT
    settings.DOORSTEP_PARTITION_AHEAD_MONTHS = 3
    return settings


def _where(table: str, pk: int) -> str:
    with connection.cursor() as c:
        c.execute(f'SELECT tableoid::regclass::text FROM "{table}" WHERE id = %s', [pk])
        return c.fetchone()[0]


def _event_at(order: WorkOrder, moment, seq: int) -> OrderEvent:  # type: ignore[no-untyped-def]
    return OrderEvent.objects.create(
        order=order,
        seq=seq,
        kind=EventKind.CUSTOMER_MESSAGE,
        actor_role="system",
        actor_name="系统",
        at=moment,
    )


def _message_at(order: WorkOrder, moment, occasion: str) -> Message:  # type: ignore[no-untyped-def]
    return Message.objects.create(
        order_id=order.pk, order_number=order.number, template="t", recipient="+8613800000000",
        occasion=occasion, channel="sms", text="您好", created_at=moment, next_at=moment,
    )  # fmt: skip


@only_postgres
@pytest.mark.django_db
def test_migrations_partition_both_tables_with_the_time_column_in_the_primary_key() -> None:
    for table in p.BIG_TABLES:
        assert p.is_partitioned(table.table)
        with connection.cursor() as c:
            c.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
                "AND contype = 'p'",
                [table.table],
            )
            assert c.fetchone()[0] == f"PRIMARY KEY (id, {table.column})"


@only_postgres
@pytest.mark.django_db
def test_the_daily_job_creates_the_months_ahead_once(hot, tmp_path: Path) -> None:
    later = clock.now() + timedelta(days=500)  # past every month the migration made
    first = p.month_of(later)
    report = p.maintain(now=later, directory=tmp_path)
    wanted = [p.add_months(first, n) for n in range(4)]
    for table in p.BIG_TABLES:
        assert report.created[table.table] == wanted
        assert set(wanted) <= set(p.attached_months(table.table))
    assert p.maintain(now=later, directory=tmp_path).created == {t.table: [] for t in p.BIG_TABLES}


@only_postgres
@pytest.mark.django_db
def test_events_and_messages_land_in_their_month(world, hot, tmp_path: Path) -> None:
    p.maintain(directory=tmp_path)
    order = intake(world)
    event = event_record(order=order, actor=Actor.system(), kind=EventKind.CUSTOMER_MESSAGE, reason="备注")
    message, created = enqueue(
        Draft(order_id=order.pk, order_number=order.number, template="t", recipient="+8613800000000",
              occasion="partition-test", channel="sms", to_phone="+8613800000000", text="您好", params=[])
    )  # fmt: skip
    assert created
    month = p.month_of(clock.now())
    assert _where("orders_orderevent", event.pk) == p.partition_name("orders_orderevent", month)
    assert _where("notify_message", message.pk) == p.partition_name("notify_message", month)
    # the idempotent key still holds across the month's key (order, template, recipient, occasion)
    again, created = enqueue(
        Draft(order_id=order.pk, order_number=order.number, template="t", recipient="+8613800000000",
              occasion="partition-test", channel="sms", to_phone="+8613800000000", text="您好", params=[]),
        now=clock.now() + timedelta(days=40),
    )  # fmt: skip
    assert (again.pk, created) == (message.pk, False)


@only_postgres
@pytest.mark.django_db
def test_a_row_of_a_month_not_created_waits_in_the_default_then_moves_to_its_month(world, hot) -> None:
    order = intake(world)
    month = p.add_months(p.month_of(clock.now()), 30)
    event = _event_at(order, p.month_start(month) + timedelta(days=3), seq=90)
    assert _where("orders_orderevent", event.pk) == "orders_orderevent_default"
    assert p.create_month(EVENTS, month)
    assert _where("orders_orderevent", event.pk) == p.partition_name("orders_orderevent", month)
    assert OrderEvent.objects.filter(pk=event.pk).exists()


def _rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return list(csv.DictReader(io.StringIO(f.read())))


@only_postgres
@pytest.mark.django_db
def test_retention_archives_exactly_the_months_past_the_hot_months(world, hot, tmp_path: Path) -> None:
    now = clock.now()
    threshold = p.add_months(p.month_of(now), -HOT)  # the first month kept
    at_, before, after = p.add_months(threshold, -1), p.add_months(threshold, -2), threshold
    order = intake(world)
    edge = p.month_start(threshold)
    gone_events = [_event_at(order, p.month_start(before) + timedelta(days=1), 80),
                   _event_at(order, edge - timedelta(microseconds=1), 81)]  # fmt: skip
    kept_event = _event_at(order, edge, 82)
    _message_at(order, p.month_start(before), "older")
    gone_message = _message_at(order, edge - timedelta(microseconds=1), "old")
    receipt = Receipt.objects.create(message=gone_message, kind=Receipt.Kind.SENT, at=edge)
    kept_message = _message_at(order, edge, "kept")

    report = p.maintain(now=now, directory=tmp_path)

    for table in (EVENTS, MESSAGES):
        assert {before, at_} <= set(report.archived[table.table])
        assert after not in report.archived[table.table]
        months = p.attached_months(table.table)
        assert after in months and at_ not in months and before not in months
        assert p.archived_months(table.table, since=before)[:2] == [before, at_]
    assert not OrderEvent.objects.filter(pk__in=[e.pk for e in gone_events]).exists()
    assert OrderEvent.objects.filter(pk=kept_event.pk).exists()
    assert not Message.objects.filter(pk=gone_message.pk).exists()
    assert Message.objects.filter(pk=kept_message.pk).exists()
    assert not Receipt.objects.filter(pk=receipt.pk).exists()
    # the archive holds every row, in files named by partition, with their checksums recorded
    folder = tmp_path / "orders_orderevent"
    assert [r["id"] for r in _rows(folder / f"{p.partition_name('orders_orderevent', at_)}.csv.gz")] == [
        str(gone_events[1].pk)
    ]
    record = ArchivedMonth.objects.get(table="orders_orderevent", month=before)
    assert record.rows == 1 and record.archived_at is not None
    assert set(record.files) == {f"{p.partition_name('orders_orderevent', before)}.csv.gz"}
    msg_name = p.partition_name("notify_message", at_)
    receipts = _rows(tmp_path / "notify_message" / f"{msg_name}.notify_receipt.csv.gz")
    assert [r["id"] for r in receipts] == [str(receipt.pk)]


@only_postgres
@pytest.mark.django_db
def test_hot_months_zero_keeps_every_month(world, hot, tmp_path: Path) -> None:
    hot.DOORSTEP_EVENTS_HOT_MONTHS = 0
    old = p.add_months(p.month_of(clock.now()), -HOT - 5)
    p.create_month(EVENTS, old)
    assert p.maintain(directory=tmp_path).archived["orders_orderevent"] == []
    assert old in p.attached_months("orders_orderevent")


@only_postgres
@pytest.mark.django_db
def test_a_month_left_detached_by_a_cut_short_run_is_archived_by_the_next(world, hot, tmp_path: Path) -> None:
    month = p.add_months(p.month_of(clock.now()), -HOT - 3)
    p.create_month(EVENTS, month)
    event = _event_at(intake(world), p.month_start(month) + timedelta(hours=1), 70)
    name = p.partition_name("orders_orderevent", month)
    with connection.cursor() as c:
        c.execute(f'ALTER TABLE orders_orderevent DETACH PARTITION "{name}"')
    assert p.detached_months("orders_orderevent") == [month]
    assert month in p.maintain(directory=tmp_path).archived["orders_orderevent"]
    assert p.detached_months("orders_orderevent") == []
    assert [r["id"] for r in _rows(tmp_path / "orders_orderevent" / f"{name}.csv.gz")] == [str(event.pk)]


@pytest.mark.django_db
def test_the_daily_job_does_nothing_on_sqlite(tmp_path: Path) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite case")
    assert p.maintain(directory=tmp_path).lines() == []


@pytest.mark.django_db
def test_timeline_says_which_months_are_archived(world, hot) -> None:
    """The order's record reads on after its oldest months were archived, and says which ones are."""
    order = intake(world)
    first = p.month_of(order.created_at)
    WorkOrder.objects.filter(pk=order.pk).update(created_at=p.month_start(p.add_months(first, -2)))
    for month in (p.add_months(first, -3), p.add_months(first, -2), p.add_months(first, -1)):
        ArchivedMonth.objects.create(table="orders_orderevent", month=month, rows=1)
    months = f"{p.add_months(first, -2):%Y-%m}, {p.add_months(first, -1):%Y-%m}"  # not the month before it

    staff = Client()
    staff.force_login(world.staff["agent"].user)
    page = staff.get(f"/orders/{order.number}/").content.decode()
    assert f"{months} 的服务记录已转入归档" in page and "archived" in page
    assert order.events.count() and 'id="timeline"' in page
    customer = Client().get(f"/t/{tracking_token(order)}/").content.decode()
    assert f"{months} 的服务记录已转入归档" in customer

    fresh = intake(world, phone="13900001111")
    assert "的服务记录已转入归档" not in staff.get(f"/orders/{fresh.number}/").content.decode()


def test_the_daily_periodic_job_maintains_the_partitions() -> None:
    from doorstep.core.periodic import JOBS

    assert "partitions_maintain" in JOBS["daily"].commands
