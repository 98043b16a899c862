"""Move the four per-area policy rows (ServicePolicy, DispatchPolicy, VisitPolicy, QualityPolicy) and the
star levels into the one Policy row per brand.

Only values an operator changed (different from the old field's default) become overrides; untouched
values keep following the declared default. The R-AR-5 apology visit had two numbers: VisitPolicy's
``escalation_due_hours`` (24) and QualityPolicy's ``apology_visit_hours`` (48). It is one number now,
``apology_visit_hours``: a changed VisitPolicy value wins (it is R-AR-5's own setting), else a changed
QualityPolicy value, else the declared default.
"""

from django.db import migrations

AREAS = (  # (app, model, {old name: new name})
    ("network", "ServicePolicy", {}),
    ("dispatch", "DispatchPolicy", {}),
    ("visits", "VisitPolicy", {"escalation_due_hours": "apology_visit_hours"}),
    ("quality", "QualityPolicy", {}),
)
SKIP = {"id", "brand", "created_at", "updated_at"}


def _changed(row):
    """The values of one old row that differ from that field's default, by field name."""
    out = {}
    for f in row._meta.concrete_fields:
        if f.name in SKIP or f.name.endswith("_id"):
            continue
        value = getattr(row, f.name)
        if value != f.get_default():
            out[f.name] = value
    return out


def forwards(apps, schema_editor):
    Brand = apps.get_model("network", "Brand")
    Policy = apps.get_model("network", "Policy")
    StarLevelRule = apps.get_model("network", "StarLevelRule")
    OldStar = apps.get_model("quality", "StarLevelRule")
    columns = {f.name for f in Policy._meta.concrete_fields}
    for brand in Brand.objects.all():
        values = {}
        apology = None
        for app, model, renamed in AREAS:
            old = apps.get_model(app, model).objects.filter(brand=brand).first()
            if old is None:
                continue
            for name, value in _changed(old).items():
                if (app, name) == ("quality", "apology_visit_hours"):
                    apology = value if apology is None else apology
                    continue
                name = renamed.get(name, name)
                if name == "apology_visit_hours":
                    apology = value  # R-AR-5's own setting wins over the complaint ladder's
                    continue
                if name in columns:
                    values[name] = value
        if apology is not None:
            values["apology_visit_hours"] = apology
        stars = list(OldStar.objects.filter(brand=brand))
        if not values and not stars:
            continue
        policy = Policy.objects.create(brand=brand, centre=None, **values)
        for s in stars:
            StarLevelRule.objects.create(
                policy=policy,
                stars=s.stars,
                min_orders=s.min_orders,
                min_on_time=s.min_on_time,
                min_first_fix=s.min_first_fix,
                max_repeat=s.max_repeat,
                min_satisfaction=s.min_satisfaction,
                max_complaint_rate=s.max_complaint_rate,
                max_language_flags=s.max_language_flags,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0004_policy"),
        ("dispatch", "0001_initial"),
        ("visits", "0002_visit_records"),
        ("quality", "0002_quality_loop"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
