"""The staff search box finds a customer's name or an address fragment anywhere in the text (``icontains``).

PostgreSQL only: trigram (``pg_trgm``) GIN indexes on the expressions Django's ``icontains`` compares,
``UPPER(column::text)``, so that a fragment of three characters or more reads the index instead of every
row. Added by a vendor-guarded operation (as orders 0008 adds its exclusion constraint): SQLite has no such
index, and an index in the model state would make ``makemigrations --check`` differ between databases.
"""

from django.db import migrations

INDEXES = {
    "customer_name_trgm": ("customers_customer", "name"),
    "address_detail_trgm": ("customers_address", "detail"),
}


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [migrations.RunPython(add, remove)]
