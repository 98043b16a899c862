# The outlet's acceptance clock and the call-before-late clock move into orders.Deadline.

import django.db.models.deletion
from django.db import migrations, models


def to_deadlines(apps, schema_editor):
    Deadline = apps.get_model("orders", "Deadline")
    OutletOffer = apps.get_model("dispatch", "OutletOffer")
    LateCall = apps.get_model("dispatch", "LateCall")
    for offer in OutletOffer.objects.all().iterator():
        deadline = Deadline.objects.create(
            order_id=offer.order_id,
            kind="outlet_accept",
            rule="R-DI-1",
            ref=f"dispatch.OutletOffer:{offer.pk}",
            due_at=offer.due_at,
            state=offer.state,
            met_at=offer.closed_at if offer.state == "met" else None,
            overdue_at=offer.due_at if offer.state == "overdue" else None,
        )
        OutletOffer.objects.filter(pk=offer.pk).update(deadline=deadline)
    for late in LateCall.objects.select_related("technician").all().iterator():
        deadline = Deadline.objects.create(
            order_id=late.order_id,
            kind="late_call",
            rule="R-AR-5",
            ref=f"dispatch.LateCall:{late.pk}",
            owner_id=late.technician.staff_id,
            due_at=late.due_at,
            state=late.state,
            met_at=late.met_at if late.state == "met" else None,
            overdue_at=late.due_at if late.state == "overdue" else None,
        )
        LateCall.objects.filter(pk=late.pk).update(deadline=deadline)


def from_deadlines(apps, schema_editor):
    for name in ("OutletOffer", "LateCall"):
        Model = apps.get_model("dispatch", name)
        for row in Model.objects.select_related("deadline").exclude(deadline=None).iterator():
            Model.objects.filter(pk=row.pk).update(due_at=row.deadline.due_at, state=row.deadline.state)


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch', '0002_delete_dispatchpolicy'),
        ('orders', '0006_one_deadline_table'),
    ]

    operations = [
        migrations.AddField(
            model_name='latecall',
            name='deadline',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='late_call', to='orders.deadline'),
        ),
        migrations.AddField(
            model_name='outletoffer',
            name='deadline',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='outlet_offer', to='orders.deadline'),
        ),
        migrations.RunPython(to_deadlines, from_deadlines),
        migrations.AlterModelOptions(
            name='latecall',
            options={'ordering': ['deadline__due_at', 'pk'], 'verbose_name': '迟到前致电', 'verbose_name_plural': '迟到前致电'},
        ),
        migrations.RemoveField(
            model_name='latecall',
            name='due_at',
        ),
        migrations.RemoveField(
            model_name='latecall',
            name='state',
        ),
        migrations.RemoveField(
            model_name='outletoffer',
            name='due_at',
        ),
        migrations.RemoveField(
            model_name='outletoffer',
            name='state',
        ),
    ]
