"""PostgreSQL only: the order event table partitioned by month on ``at`` (doorstep.core.partitions).

SQLite keeps the plain table. Django's model is unchanged (``id`` stays its primary key); in SQL the
primary key becomes (id, at) and the unique (order, seq) becomes (order, seq, at) — ``seq`` is taken
under the order's row lock, so it stays unique per order. Reversing leaves the table partitioned.
"""

from django.db import migrations


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from doorstep.core.partitions import convert

    convert("orders_orderevent", "at")


class Migration(migrations.Migration):
    dependencies = [("orders", "0020_deadline_promise_due_idx"), ("core", "0002_archived_month")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
