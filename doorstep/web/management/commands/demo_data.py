from typing import Any

from django.core.management.base import BaseCommand, CommandError

from doorstep.network.models import Brand
from doorstep.web.demo import PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo service network and ~300 orders with consistent histories (once per database)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--orders", type=int, default=300)

    def handle(self, *args: Any, **options: Any) -> None:
        if Brand.objects.filter(code="anke").exists():
            self.stdout.write("demo data already loaded")
            return
        if options["orders"] < 1:
            raise CommandError("--orders must be at least 1")
        demo = load_demo(orders=options["orders"])
        self.stdout.write(
            self.style.SUCCESS(f"demo loaded: {len(demo.customers)} customers, password {PASSWORD}")
        )
