# TrainingRecord arrives from the quality app (quality.0003_trainingrecord_to_network renamed its table):
# state only, plus the admin's content type and permissions follow the model.

import django.db.models.deletion
from django.db import migrations, models


def content_type_follows(apps, schema_editor):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="network", model="trainingrecord").exists():
        content_type.objects.filter(app_label="quality", model="trainingrecord").update(app_label="network")


def content_type_returns(apps, schema_editor):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="quality", model="trainingrecord").exists():
        content_type.objects.filter(app_label="network", model="trainingrecord").update(app_label="quality")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_faultcase"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("network", "0003_servicecentre_address_servicecentre_opening_hours"),
        ("quality", "0003_trainingrecord_to_network"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TrainingRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("product", "产品技术培训"), ("service", "服务规范培训"), ("safety", "安全培训"), ("assessment", "定期考核")], max_length=20, verbose_name="类型")),
                        ("course", models.CharField(max_length=100, verbose_name="课程")),
                        ("completed_on", models.DateField(verbose_name="完成日期")),
                        ("valid_until", models.DateField(blank=True, null=True, verbose_name="有效期至")),
                        ("score", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="成绩")),
                        ("passed", models.BooleanField(default=True, verbose_name="合格")),
                        ("mandatory", models.BooleanField(default=False, verbose_name="派工必需")),
                        ("product_line", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.productline")),
                        ("staff", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="training", to="network.staff")),
                    ],
                    options={
                        "verbose_name": "培训记录",
                        "verbose_name_plural": "培训记录",
                        "ordering": ["staff", "-completed_on"],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
