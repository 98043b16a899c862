"""Monthly partitions of the big tables on PostgreSQL, the months ahead, and the archive of old months.

The order events and the notification messages grow with every order and are read almost only while
recent. On PostgreSQL each is a table partitioned by range on its time column (``BIG_TABLES``), one
partition per calendar month of the service's time zone (``orders_orderevent_p202612``), plus a default
partition that catches a row of a month not created yet, so an insert never fails for want of a month.

- **Keys.** A partitioned table's primary key and unique constraints must contain the partition column:
  the SQL primary key is ``(id, <time column>)`` while Django keeps ``id`` as the model's primary key (one
  sequence numbers every row, so ``id`` stays unique); each unique constraint gets the time column added.
  Where that weakens a rule the code keeps it: an event's ``seq`` is taken under the order's row lock
  (``orders.models.event_record``), a message's key under an advisory lock (``notify.outbox.enqueue``).
  No foreign key may point *into* a partitioned table (``convert`` refuses); a message's receipts name
  their message without a database constraint and are archived with it.
- **Ahead.** ``maintain`` (the daily periodic job, ``manage.py partitions_maintain``) creates the months up
  to ``DOORSTEP_PARTITION_AHEAD_MONTHS`` ahead and moves rows that fell into the default partition into
  their own month.
- **Retention.** A month is archived once it ended at least the table's hot months before the current
  month began (``DOORSTEP_EVENTS_HOT_MONTHS``, ``DOORSTEP_MESSAGES_HOT_MONTHS``; 0 keeps every month): it
  is detached (a brief lock), copied to ``<DOORSTEP_ARCHIVE_DIR>/<table>/<partition>.csv.gz`` (with its
  dependent rows, e.g. the messages' receipts, in a file beside it), recorded as an
  :class:`~doorstep.core.models.ArchivedMonth` and dropped. A crash after the detach leaves a detached
  table that the next run finishes archiving.

On SQLite nothing here does anything: the tables stay plain (the embedded demo never grows that big).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from doorstep.core.models import ArchivedMonth


@dataclass(frozen=True)
class BigTable:
    table: str
    column: str  # the time column partitioned on
    hot_setting: str  # the setting with the months kept hot
    dependents: tuple[tuple[str, str], ...] = field(default=())  # (table, column naming this table's id)

    @property
    def hot_months(self) -> int:
        return int(getattr(settings, self.hot_setting))


# Named by table, not imported: core sits below the apps that own these tables.
BIG_TABLES = (
    BigTable("orders_orderevent", "at", "DOORSTEP_EVENTS_HOT_MONTHS"),
    BigTable(
        "notify_message", "created_at", "DOORSTEP_MESSAGES_HOT_MONTHS", (("notify_receipt", "message_id"),)
    ),
)


def big_table(table: str) -> BigTable:
    return next(t for t in BIG_TABLES if t.table == table)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- months ---------------------------------------------------------------------------------------------
def month_of(moment: datetime) -> date:
    """The first day of the month holding ``moment`` in the service's time zone."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    """Midnight of the month's first day in the service's time zone (a partition bound)."""
    return timezone.make_aware(datetime(month.year, month.month, 1), timezone.get_default_timezone())


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def archive_threshold(table: BigTable, now: datetime) -> date | None:
    """The first month kept hot: every month before it is archived (None: the table keeps every month)."""
    if table.hot_months <= 0:
        return None
    return add_months(month_of(now), -table.hot_months)


# --- what is there --------------------------------------------------------------------------------------
def is_partitioned(table: str) -> bool:
    with connection.cursor() as c:
        c.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = c.fetchone()
    return bool(row and row[0] == "p")


def _month_from_name(table: str, name: str) -> date | None:
    found = re.fullmatch(re.escape(table) + r"_p(\d{4})(\d{2})", name)
    return date(int(found[1]), int(found[2]), 1) if found else None


def attached_months(table: str) -> list[date]:
    with connection.cursor() as c:
        c.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [table],
        )
        names = [r[0] for r in c.fetchall()]
    return sorted(m for m in (_month_from_name(table, n) for n in names) if m)


def detached_months(table: str) -> list[date]:
    """Month tables of ``table`` that exist but are no partition of it (an archive run cut short)."""
    with connection.cursor() as c:
        c.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE %s "
            "AND pg_table_is_visible(c.oid) AND NOT c.relispartition",
            [table.replace("_", r"\_") + r"\_p%"],
        )
        names = [r[0] for r in c.fetchall()]
    return sorted(m for m in (_month_from_name(table, n) for n in names) if m)


def months_in(source: str, column: str) -> list[date]:
    """The months (service time zone) that rows of ``source`` fall in."""
    with connection.cursor() as c:
        c.execute(
            f'SELECT DISTINCT date_trunc(\'month\', "{column}" AT TIME ZONE %s)::date FROM "{source}"',
            [settings.TIME_ZONE],
        )
        return sorted(r[0] for r in c.fetchall())


# --- creating months ------------------------------------------------------------------------------------
def _bounds(month: date) -> list[datetime]:
    return [month_start(month), month_start(add_months(month, 1))]


def _create_partition(c: Any, parent: str, name: str, month: date) -> None:
    c.execute(f'CREATE TABLE "{name}" PARTITION OF "{parent}" FOR VALUES FROM (%s) TO (%s)', _bounds(month))


def create_month(table: BigTable, month: date) -> bool:
    """Create the month's partition (moving its rows out of the default partition); False if it exists."""
    if month in attached_months(table.table):
        return False
    name, default, col = partition_name(table.table, month), default_name(table.table), table.column
    with transaction.atomic(), connection.cursor() as c:
        c.execute(f'LOCK TABLE "{table.table}" IN SHARE ROW EXCLUSIVE MODE')
        c.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE "{col}" >= %s AND "{col}" < %s)', _bounds(month)
        )
        if not c.fetchone()[0]:
            _create_partition(c, table.table, name, month)
            return True
        # rows of this month wait in the default partition: the month cannot be attached over them
        c.execute(f'CREATE TABLE "{name}" (LIKE "{table.table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
        c.execute(
            f'WITH moved AS (DELETE FROM "{default}" WHERE "{col}" >= %s AND "{col}" < %s RETURNING *) '
            f'INSERT INTO "{name}" SELECT * FROM moved',
            _bounds(month),
        )
        c.execute(
            f'ALTER TABLE "{table.table}" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)',
            _bounds(month),
        )
    return True


def ensure_months(table: BigTable, now: datetime, ahead: int) -> list[date]:
    """Create the current month and ``ahead`` months after it, and every month with rows in the default
    partition (an old one is then archived like any other); the months created."""
    wanted = {add_months(month_of(now), n) for n in range(ahead + 1)}
    wanted |= set(months_in(default_name(table.table), table.column))
    return [m for m in sorted(wanted) if create_month(table, m)]


# --- archiving months -----------------------------------------------------------------------------------
def _copy_out(sql: str, path: Path) -> str:
    """COPY ``sql`` (a table or query) as CSV with a header into a gzip file; the file's sha256."""
    tmp = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as c, gzip.open(tmp, "wb") as out:
        raw: Any = c.cursor
        with raw.copy(f"COPY {sql} TO STDOUT (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                out.write(bytes(chunk))
    with open(tmp, "rb") as written:
        os.fsync(written.fileno())
    os.replace(tmp, path)
    digest = hashlib.sha256()
    with open(path, "rb") as done:
        for block in iter(lambda: done.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_month(table: BigTable, month: date, *, directory: Path | None = None) -> ArchivedMonth:
    """Detach the month, copy it (and its dependent rows) to gzip CSV files, record it, drop it."""
    name = partition_name(table.table, month)
    folder = Path(directory or settings.DOORSTEP_ARCHIVE_DIR) / table.table
    with transaction.atomic():
        if month in attached_months(table.table):
            with connection.cursor() as c:  # a brief lock of the parent; the copy below holds none of it
                c.execute(f'ALTER TABLE "{table.table}" DETACH PARTITION "{name}"')
        record, _ = ArchivedMonth.objects.get_or_create(table=table.table, month=month)
    files = {f"{name}.csv.gz": _copy_out(f'"{name}"', folder / f"{name}.csv.gz")}
    with connection.cursor() as c:
        c.execute(f'SELECT count(*) FROM "{name}"')
        rows = c.fetchone()[0]
    with transaction.atomic():
        for dep_table, dep_column in table.dependents:
            picked = f'SELECT * FROM "{dep_table}" WHERE "{dep_column}" IN (SELECT id FROM "{name}")'
            dep_file = f"{name}.{dep_table}.csv.gz"
            files[dep_file] = _copy_out(f"({picked})", folder / dep_file)
            with connection.cursor() as c:
                c.execute(f'DELETE FROM "{dep_table}" WHERE "{dep_column}" IN (SELECT id FROM "{name}")')
        record.rows, record.folder, record.files, record.archived_at = (
            rows,
            str(folder),
            files,
            timezone.now(),
        )
        record.save()
        with connection.cursor() as c:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred key checks of rows of this transaction
            c.execute(f'DROP TABLE "{name}"')
    return record


def months_to_archive(table: BigTable, now: datetime) -> list[date]:
    threshold = archive_threshold(table, now)
    if threshold is None:
        return sorted(detached_months(table.table))
    return sorted(
        {m for m in attached_months(table.table) if m < threshold} | set(detached_months(table.table))
    )


@dataclass
class Report:
    created: dict[str, list[date]] = field(default_factory=dict)
    archived: dict[str, list[date]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        for table, months in self.created.items():
            out.append(f"{table}: created {', '.join(f'{m:%Y-%m}' for m in months) or '-'}")
        for table, months in self.archived.items():
            out.append(f"{table}: archived {', '.join(f'{m:%Y-%m}' for m in months) or '-'}")
        return out


def maintain(*, now: datetime | None = None, directory: Path | None = None) -> Report:
    """The daily job: months ahead created, rows out of the default partition, old months archived."""
    from doorstep.core import clock

    report = Report()
    if not is_postgres():
        return report
    now = now or clock.now()
    ahead = settings.DOORSTEP_PARTITION_AHEAD_MONTHS
    for table in BIG_TABLES:
        if not is_partitioned(table.table):
            continue
        report.created[table.table] = ensure_months(table, now, ahead)
        report.archived[table.table] = []
        for month in months_to_archive(table, now):
            archive_month(table, month, directory=directory)
            report.archived[table.table].append(month)
    return report


def archived_months(table: str, *, since: date | None = None) -> list[date]:
    """The months of ``table`` moved to the archive (from ``since`` on); on any database."""
    qs = ArchivedMonth.objects.filter(table=table)
    if since is not None:
        qs = qs.filter(month__gte=since)
    return list(qs.order_by("month").values_list("month", flat=True))


# --- converting a plain table (the migrations) ----------------------------------------------------------
def convert(table: str, column: str, *, now: datetime | None = None, ahead: int | None = None) -> None:
    """Turn the plain table into one partitioned by month on ``column`` (PostgreSQL; idempotent).

    The same columns, the same names of indexes and constraints (so later migrations find them), the
    primary key ``(id, column)``, each unique constraint with ``column`` added, ``id`` numbered by a sequence
    of the table's own; a partition for each month holding rows, the current one and ``ahead`` after it,
    and the default partition.
    """
    if not is_postgres() or is_partitioned(table):
        return
    now = now or timezone.now()
    ahead = settings.DOORSTEP_PARTITION_AHEAD_MONTHS if ahead is None else ahead
    new = f"{table}__partitioned"
    with connection.cursor() as c:
        c.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE confrelid = to_regclass(%s)", [table]
        )
        if referring := [r[0] for r in c.fetchall()]:
            raise RuntimeError(f"{table} cannot be partitioned: foreign keys of {referring} point to it")
        c.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u', 'f')",
            [table],
        )
        constraints = c.fetchall()
        c.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = to_regclass(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            [table],
        )
        indexes = [r[0] for r in c.fetchall()]
        c.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
        last_id = c.fetchone()[0]
        c.execute(
            f'CREATE TABLE "{new}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
            f'INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("{column}")'
        )
        months = set(months_in(table, column)) | {add_months(month_of(now), n) for n in range(-1, ahead + 1)}
        for month in sorted(months):
            _create_partition(c, new, partition_name(table, month), month)
        c.execute(f'CREATE TABLE "{default_name(table)}" PARTITION OF "{new}" DEFAULT')
        c.execute(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
        c.execute(f'DROP TABLE "{table}"')
        c.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
        for name, kind, definition in constraints:
            if kind == "p":
                definition = f'PRIMARY KEY (id, "{column}")'
            elif kind == "u":
                definition = re.sub(r"\)\s*$", f', "{column}")', definition)
            c.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        for definition in indexes:
            c.execute(definition)
        seq = f"{table}_id_seq"
        c.execute(f'CREATE SEQUENCE "{seq}" OWNED BY "{table}".id')
        c.execute("SELECT setval(%s, %s, %s)", [seq, max(last_id, 1), last_id > 0])
        c.execute(f'ALTER TABLE "{table}" ALTER COLUMN id SET DEFAULT nextval(\'"{seq}"\'::regclass)')
