from typing import Any

from django.core.management.base import BaseCommand

from doorstep.quality.services.kpis import kpi_settle


class Command(BaseCommand):
    help = (
        "Settle the KPI sums (R-QA-4): callbacks whose window passed unanswered, the promises of the days "
        "that are over (idempotent; the worker runs it daily)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{kpi_settle()} KPI fact(s) and day(s) settled")
