# A complaint's answer clock (per level) moves into orders.Deadline.

import django.db.models.deletion
from django.db import migrations, models


def to_deadlines(apps, schema_editor):
    Deadline = apps.get_model("orders", "Deadline")
    Complaint = apps.get_model("quality", "Complaint")
    for c in Complaint.objects.all().iterator():
        answered = c.state != "open"
        deadline = Deadline.objects.create(
            order_id=c.order_id,
            kind="complaint_answer",
            rule="R-QA-3",
            ref=f"quality.Complaint:{c.pk}",
            owner_id=c.owner_id,
            due_at=c.response_due_at,
            state="met" if answered else "open",
            met_at=(c.responded_at or c.resolved_at) if answered else None,
        )
        Complaint.objects.filter(pk=c.pk).update(deadline=deadline)


def from_deadlines(apps, schema_editor):
    Complaint = apps.get_model("quality", "Complaint")
    for c in Complaint.objects.select_related("deadline").exclude(deadline=None).iterator():
        Complaint.objects.filter(pk=c.pk).update(response_due_at=c.deadline.due_at)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0006_one_deadline_table'),
        ('quality', '0004_merge_training_and_policy'),
    ]

    operations = [
        migrations.AddField(
            model_name='complaint',
            name='deadline',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaint', to='orders.deadline'),
        ),
        migrations.RunPython(to_deadlines, from_deadlines),
        migrations.AlterModelOptions(
            name='complaint',
            options={'ordering': ['deadline__due_at', 'pk'], 'verbose_name': '投诉', 'verbose_name_plural': '投诉'},
        ),
        migrations.RemoveField(
            model_name='complaint',
            name='response_due_at',
        ),
    ]
