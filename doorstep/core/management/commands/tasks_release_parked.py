from typing import Any

from django.core.management.base import BaseCommand

from doorstep.core.tasks_celery import release_parked


class Command(BaseCommand):
    help = "Hand to Celery the tasks parked in the database that are now due within the parking horizon."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"released: {release_parked()}")
