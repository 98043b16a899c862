from typing import Any

from django.core.management.base import BaseCommand

from doorstep.quality.services.complaints import complaints_sweep


class Command(BaseCommand):
    help = (
        "Escalate every open complaint past its response deadline (safety net beside the task queue, R-QA-3)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{complaints_sweep()} complaint(s) escalated")
