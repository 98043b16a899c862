from typing import Any

from django.core.management.base import BaseCommand

from doorstep.catalog.kb import kb_seed


class Command(BaseCommand):
    help = "Load the shipped fault knowledge-base cases for the product lines this installation has (R-AN-1)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{kb_seed()} fault case(s) added")
