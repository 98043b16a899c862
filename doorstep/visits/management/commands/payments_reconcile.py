from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from doorstep.core import clock
from doorstep.visits.payment.settle import reconcile


class Command(BaseCommand):
    help = (
        "Reconcile the payment providers' statements of a day (default: yesterday) with the orders (R-CO-2)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help="YYYY-MM-DD (default: yesterday)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = date.fromisoformat(options["date"]) if options["date"] else clock.today() - timedelta(days=1)
        diffs = reconcile(day)
        self.stdout.write(f"{day}: {len(diffs)} difference(s)")
        for d in diffs:
            self.stdout.write(
                f"  {d.provider} {d.kind} {d.key} {d.transaction_id} ours={d.ours} theirs={d.theirs}"
            )
