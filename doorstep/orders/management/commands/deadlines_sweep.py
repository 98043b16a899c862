from typing import Any

from django.core.management.base import BaseCommand

from doorstep.orders.deadlines import deadlines_sweep


class Command(BaseCommand):
    help = "Mark every open deadline that is already due as overdue (safety net beside the task queue)."

    def handle(self, *args: Any, **options: Any) -> None:
        fired = deadlines_sweep()
        self.stdout.write(f"{fired} deadline(s) marked overdue")
