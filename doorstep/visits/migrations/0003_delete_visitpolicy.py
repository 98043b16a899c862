from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_visit_records"), ("network", "0005_policy_from_area_policies")]

    operations = [migrations.DeleteModel(name="VisitPolicy")]
