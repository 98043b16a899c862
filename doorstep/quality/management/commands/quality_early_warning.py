from typing import Any

from django.core.management.base import BaseCommand

from doorstep.quality.services.warnings import early_warning_scan_all


class Command(BaseCommand):
    help = "Flag product models / purchase-month cohorts whose repairs rose significantly (R-QA-5)."

    def handle(self, *args: Any, **options: Any) -> None:
        found = early_warning_scan_all()
        self.stdout.write(f"{found} early warning(s) raised or refreshed")
