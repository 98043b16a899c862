"""Accepted quotes keep their fingerprint under the new rule: the agreed items, not their translated labels."""

import hashlib
import json

from django.db import migrations

AGREED = ("id", "code", "quantity", "unit_price", "amount", "covered")


def refingerprint(apps, schema_editor):  # type: ignore[no-untyped-def]
    Quote = apps.get_model("visits", "Quote")
    for quote in Quote.objects.all().iterator():
        agreed = [{key: line.get(key) for key in AGREED} for line in quote.lines or []]
        quote.fingerprint = hashlib.sha256(json.dumps(agreed, sort_keys=True).encode()).hexdigest()
        quote.save(update_fields=["fingerprint"])


class Migration(migrations.Migration):
    dependencies = [("visits", "0008_payment_transaction_once")]

    operations = [migrations.RunPython(refingerprint, migrations.RunPython.noop)]
