from typing import Any

from django.core.management.base import BaseCommand

from doorstep.core.partitions import maintain


class Command(BaseCommand):
    help = (
        "PostgreSQL: create the big tables' months ahead and archive the months past their hot months "
        "(doorstep.core.partitions; a no-op on SQLite)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in maintain().lines():
            self.stdout.write(line)
