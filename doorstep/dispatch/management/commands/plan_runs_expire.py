from typing import Any

from django.core.management.base import BaseCommand

from doorstep.dispatch.planning import plan_runs_expire


class Command(BaseCommand):
    help = "Fail the day-optimisation runs left RUNNING past their lease (their worker stopped)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{plan_runs_expire()} plan run(s) failed")
