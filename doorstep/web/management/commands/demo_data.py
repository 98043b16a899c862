from typing import Any

from django.core.management.base import BaseCommand, CommandError

from doorstep.network.models import Brand
from doorstep.web.demo import PASSWORD, SEED, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo service network and a month of its work (~300 orders) through the real services, "
        "from a seeded random generator (once per database)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--orders", type=int, default=300)
        parser.add_argument("--seed", type=int, default=SEED, help="the same seed gives the same demo")
        parser.add_argument("--technicians", type=int, default=10, help="at least one per outlet (3)")

    def handle(self, *args: Any, **options: Any) -> None:
        if Brand.objects.filter(code="anke").exists():
            self.stdout.write("demo data already loaded")
            return
        if options["orders"] < 1:
            raise CommandError("--orders must be at least 1")
        demo = load_demo(orders=options["orders"], seed=options["seed"], technicians=options["technicians"])
        self.stdout.write(
            self.style.SUCCESS(f"demo loaded: {len(demo.customers)} customers, password {PASSWORD}")
        )
