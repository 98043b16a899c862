"""Grow the demo world to a national service centre's size by bulk SQL (PostgreSQL only).

The demo data (``manage.py demo_data``: one brand, centres, outlets, technicians, ~300 orders made through
the real services) is loaded first; then its orders are cloned, with every row that hangs off an order
(events, deadlines, fault items, visits, complaints …: each model with a foreign key to ``WorkOrder``),
until the busiest centre holds ``--open`` open orders; ``--closed`` closed orders are spread over the past
year the same way. Clones keep their source's customer, address, product, outlet and technician (a big
backlog is many orders on the same network); a clone of an order holding a technician's time slot
becomes ``assigned`` (not yet confirmed to the customer) so the no-double-booking constraint holds.

Usage (the database comes from DATABASE_URL; it is migrated and filled from scratch when empty)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorstep_scale \\
        .venv/bin/python benchmarks/scale/populate.py --open 100000 --closed 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DOORSTEP_ENV", "dev")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from doorstep.orders.lifecycle import TERMINAL  # noqa: E402
from doorstep.orders.models import WorkOrder  # noqa: E402

SLOT_HOLDING = ("confirmed", "en_route", "arrived", "in_service")


def say(text: str) -> None:
    print(f"[populate] {text}", flush=True)


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def _children() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key to WorkOrder, and that key's column (one-to-one included)."""
    found = []
    for model in apps.get_models():
        if model is WorkOrder or model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is WorkOrder:
                found.append((model, f.column))
                break
    return found


def _unique_columns(model: type[models.Model]) -> set[str]:
    """Columns that must differ between a row and its clone: unique ones, and one of each unique set."""
    cols = {f.column for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            fields = [model._meta.get_field(name) for name in constraint.fields]
            chars = [f for f in fields if isinstance(f, models.CharField)]
            if chars and not any(getattr(f, "related_model", None) is WorkOrder for f in fields):
                cols.add(chars[0].column)
    return cols


def _child_value(model: type[models.Model], col: str, fk: str) -> str:
    if col == fk:
        return "m.new_id"
    if col not in _unique_columns(model):
        return f'x."{col}"'
    field = next(f for f in model._meta.concrete_fields if f.column == col)
    if isinstance(field, models.ForeignKey) and field.null:
        return "NULL"  # a timer or offer of its own is not cloned with it
    if isinstance(field, models.CharField):
        return f"left(x.\"{col}\", {field.max_length - 12}) || '-' || m.new_id::text"
    return f'x."{col}"'


def clone(centre_id: int, closed: bool, count: int, batch: int = 20_000) -> int:
    """Clone the centre's open (or closed) orders until ``count`` clones exist; returns clones made.

    The clones are written ``batch`` orders (with all their rows) per transaction: at 100k orders and their
    ~1.5M events one transaction would hold every new row's locks and WAL until the end; a batch keeps the
    server's work per commit bounded and shows progress. Nothing of the rows passes through Python."""
    table = WorkOrder._meta.db_table
    terminal = "(" + ", ".join(f"'{s}'" for s in sorted(TERMINAL)) + ")"  # our own constants
    where = f"status IN {terminal}" if closed else f"status NOT IN {terminal}"
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM {table} WHERE centre_id = %s AND {where}", [centre_id])
        sources = c.fetchone()[0]
        if not sources:
            raise SystemExit("the demo centre has no such orders to clone")
        copies = -(-count // sources)
        c.execute("DROP TABLE IF EXISTS clone_map")
        c.execute(
            f"""CREATE TEMP TABLE clone_map AS
                SELECT old_id, nextval(pg_get_serial_sequence('{table}', 'id')) AS new_id, copy, seq
                FROM (
                    SELECT o.id AS old_id, g AS copy, row_number() OVER (ORDER BY g, o.id) AS seq
                    FROM {table} o CROSS JOIN generate_series(1, %s) g
                    WHERE o.centre_id = %s AND o.{where}
                    ORDER BY g, o.id
                    LIMIT %s
                ) picked""",
            [copies, centre_id, count],
        )
        c.execute("CREATE UNIQUE INDEX ON clone_map (old_id, new_id)")
        c.execute("CREATE UNIQUE INDEX ON clone_map (seq)")
        c.execute("ANALYZE clone_map")
        cols = _columns(WorkOrder)
        # a year back for closed clones, spread by copy; open clones stay around today
        shift = "make_interval(days => (m.copy % 365))" if closed else "make_interval(mins => (m.copy % 600))"
        select = []
        for col in cols:
            if col == "number":
                select.append(f"'{'H' if closed else 'S'}' || m.new_id::text")
            elif col == "status" and not closed:
                select.append(f"CASE WHEN o.status IN {SLOT_HOLDING!r} THEN 'assigned' ELSE o.status END")
            elif col in ("created_at", "updated_at"):
                select.append(f"o.{col} - {shift}" if closed else f"o.{col}")
            elif col in ("window_start", "window_end") and closed:
                select.append(f"o.{col} - {shift}")
            else:
                select.append(f"o.{col}")
        c.execute("SELECT count(*) FROM clone_map")
        wanted = c.fetchone()[0]
    children = _children()
    skipped: set[str] = set()
    made = 0
    for start in range(0, wanted, batch):
        in_batch = f"m.seq > {int(start)} AND m.seq <= {int(start + batch)}"
        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                f"INSERT INTO {table} (id, {', '.join(cols)}) "
                f"SELECT m.new_id, {', '.join(select)} FROM clone_map m JOIN {table} o ON o.id = m.old_id "
                f"WHERE {in_batch}"
            )
            made += c.rowcount
            for model, fk in children:
                if model._meta.label in skipped:
                    continue
                child_cols = _columns(model)
                picked = ", ".join(_child_value(model, col, fk) for col in child_cols)
                names = ", ".join(f'"{c}"' for c in child_cols)
                sql = (
                    f"INSERT INTO {model._meta.db_table} ({names}) "
                    f"SELECT {picked} FROM clone_map m JOIN {model._meta.db_table} x ON x.{fk} = m.old_id "
                    f"WHERE {in_batch}"
                )
                c.execute("SAVEPOINT child")
                try:
                    c.execute(sql)
                    c.execute("RELEASE SAVEPOINT child")
                except Exception as error:  # a row that cannot be copied as is (a unique key of its own)
                    c.execute("ROLLBACK TO SAVEPOINT child")
                    reason = f"{type(error).__name__}: {str(error).splitlines()[0]}"
                    say(f"  {model._meta.label}: not cloned ({reason})")
                    skipped.add(model._meta.label)
        say(f"  {made} of {wanted} cloned")
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, required=True, help="open orders wanted in the busiest centre")
    parser.add_argument("--closed", type=int, default=0, help="closed orders over the past year")
    parser.add_argument("--batch", type=int, default=20_000, help="orders cloned per transaction")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("benchmarks/scale needs PostgreSQL (DATABASE_URL=postgres://…)")
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if not WorkOrder.objects.exists():
        call_command("demo_data", verbosity=0)
        say(f"demo data loaded ({WorkOrder.objects.count()} orders, {time.monotonic() - started:.0f} s)")
    centre_id = (
        WorkOrder.objects.values("centre_id").annotate(n=models.Count("id")).order_by("-n")[0]["centre_id"]
    )
    open_now = WorkOrder.objects.filter(centre_id=centre_id).exclude(status__in=TERMINAL).count()
    closed_now = WorkOrder.objects.filter(centre_id=centre_id, status__in=TERMINAL).count()
    if args.open > open_now:
        say(f"cloning {args.open - open_now} open orders …")
        clone(centre_id, closed=False, count=args.open - open_now, batch=args.batch)
    if args.closed > closed_now:
        say(f"cloning {args.closed - closed_now} closed orders …")
        clone(centre_id, closed=True, count=args.closed - closed_now, batch=args.batch)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    open_now = WorkOrder.objects.filter(centre_id=centre_id).exclude(status__in=TERMINAL).count()
    say(
        f"centre {centre_id}: {open_now} open orders, {WorkOrder.objects.count()} in all "
        f"({time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
