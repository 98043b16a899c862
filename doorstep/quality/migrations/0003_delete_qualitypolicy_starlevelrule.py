from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("quality", "0002_quality_loop"), ("network", "0005_policy_from_area_policies")]

    operations = [
        migrations.DeleteModel(name="QualityPolicy"),
        migrations.DeleteModel(name="StarLevelRule"),
    ]
