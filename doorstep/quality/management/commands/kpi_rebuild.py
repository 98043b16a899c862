from typing import Any

from django.core.management.base import BaseCommand

from doorstep.quality.services.kpis import kpi_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every KPI fact and daily sum (R-QA-4) from the event log and the deadlines: after a bulk "
        "load, a change of the policy's callback or repeat-repair window, or to check the kept sums."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{kpi_rebuild()} KPI fact(s) rebuilt")
