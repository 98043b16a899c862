"""One technician never holds two overlapping confirmed appointments (R-DI-3, R-DI-9), in the database.

PostgreSQL only: an exclusion constraint over (technician, tstzrange(window_start, window_end)) with the
``btree_gist`` extension, for the statuses in which a visit holds its technician's time
(``doorstep.dispatch.moves.SLOT_HOLDING``). It is added by a vendor-guarded operation rather than declared
in ``WorkOrder.Meta``: SQLite has no exclusion constraints, and a constraint in the model state would make
``makemigrations --check`` differ between the two databases. On SQLite the move's guard
(``technician_slot_free``) checks the overlap under the write lock of its IMMEDIATE transaction.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Func, Q

NAME = "technician_appointments_do_not_overlap"
SLOT_HOLDING = ["confirmed", "en_route", "arrived", "in_service"]


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def _constraint() -> ExclusionConstraint:
    return ExclusionConstraint(
        name=NAME,
        expressions=[
            ("technician", RangeOperators.EQUAL),
            (TsTzRange("window_start", "window_end"), RangeOperators.OVERLAPS),
        ],
        condition=Q(
            status__in=SLOT_HOLDING,
            technician__isnull=False,
            window_start__isnull=False,
            window_end__isnull=False,
        ),
        violation_error_message="工程师在该时段已有确认的预约。",
    )


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_constraint(apps.get_model("orders", "WorkOrder"), _constraint())


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_constraint(apps.get_model("orders", "WorkOrder"), _constraint())


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_deadline_departure_arrival"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add, remove),
    ]
