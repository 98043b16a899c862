"""PostgreSQL only: the message table partitioned by month on created_at (doorstep.core.partitions).

SQLite keeps the plain table. Django's model is unchanged (``id`` stays its primary key); in SQL the
primary key becomes (id, created_at) and each unique constraint gains created_at. Reversing leaves the
table partitioned (the same columns and names, so the models work on it either way).
"""

from django.db import migrations


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from doorstep.core.partitions import convert

    convert("notify_message", "created_at")


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_receipt_message_without_db_constraint"), ("core", "0002_archived_month")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
