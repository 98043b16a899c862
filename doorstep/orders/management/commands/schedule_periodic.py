from typing import Any

from django.core.management.base import BaseCommand

from doorstep.core.periodic import JOBS, schedule


class Command(BaseCommand):
    help = "Enqueue every periodic job that has no run waiting (idempotent; the worker's beat does the same)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name in JOBS:
            started = schedule(name)
            self.stdout.write(f"{name}: {'scheduled' if started else 'already pending'}")
