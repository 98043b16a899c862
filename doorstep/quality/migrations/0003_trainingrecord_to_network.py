# TrainingRecord moves to the network app (dispatch eligibility reads it; dispatch may not import quality).
# The rows stay: the table is renamed, and the model leaves quality's state here and enters network's in
# network.0004_trainingrecord.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0002_quality_loop"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("trainingrecord", "network_trainingrecord")],
            state_operations=[migrations.DeleteModel("TrainingRecord")],
        ),
    ]
