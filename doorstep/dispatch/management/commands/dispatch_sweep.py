from typing import Any

from django.core.management.base import BaseCommand

from doorstep.dispatch.tasks import dispatch_sweep


class Command(BaseCommand):
    help = "Fire outlet-acceptance offers and call-before-late deadlines already due (R-DI-1, R-AR-5)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{dispatch_sweep()} dispatch deadline(s) fired")
