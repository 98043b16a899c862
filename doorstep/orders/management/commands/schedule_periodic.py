from typing import Any

from django.core.management.base import BaseCommand

from doorstep.core.periodic import CHAINS, schedule


class Command(BaseCommand):
    help = "Start the periodic sweep chains on the task queue (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name in CHAINS:
            started = schedule(name)
            self.stdout.write(f"{name}: {'scheduled' if started else 'already pending'}")
