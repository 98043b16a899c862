# A visit task's due time is its orders.Deadline (until now a mirror found through ``ref``).

import django.db.models.deletion
from django.db import migrations, models


def to_deadlines(apps, schema_editor):
    Deadline = apps.get_model("orders", "Deadline")
    EscalationTask = apps.get_model("visits", "EscalationTask")
    for task in EscalationTask.objects.all().iterator():
        ref = f"visits.EscalationTask:{task.pk}"
        deadline = Deadline.objects.filter(ref=ref).order_by("pk").first()
        if deadline is None:
            done = task.state == "done"
            deadline = Deadline.objects.create(
                order_id=task.order_id,
                kind="visit_task",
                rule=task.rule,
                ref=ref,
                owner_id=task.owner_id,
                due_at=task.due_at,
                state="met" if done else "open",
                met_at=task.done_at if done else None,
            )
        EscalationTask.objects.filter(pk=task.pk).update(deadline=deadline)


def from_deadlines(apps, schema_editor):
    EscalationTask = apps.get_model("visits", "EscalationTask")
    for task in EscalationTask.objects.select_related("deadline").exclude(deadline=None).iterator():
        EscalationTask.objects.filter(pk=task.pk).update(due_at=task.deadline.due_at)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0006_one_deadline_table'),
        ('visits', '0004_payment_intent'),
    ]

    operations = [
        migrations.AddField(
            model_name='escalationtask',
            name='deadline',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='visit_task', to='orders.deadline'),
        ),
        migrations.RunPython(to_deadlines, from_deadlines),
        migrations.AlterModelOptions(
            name='escalationtask',
            options={'ordering': ['state', 'deadline__due_at', 'pk'], 'verbose_name': '上门升级任务', 'verbose_name_plural': '上门升级任务'},
        ),
        migrations.RemoveField(
            model_name='escalationtask',
            name='due_at',
        ),
    ]
