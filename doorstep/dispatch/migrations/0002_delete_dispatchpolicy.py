from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial"), ("network", "0005_policy_from_area_policies")]

    operations = [migrations.DeleteModel(name="DispatchPolicy")]
