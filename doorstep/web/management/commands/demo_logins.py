from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from doorstep.network.models import Staff
from doorstep.web.demo import PASSWORD


class Command(BaseCommand):
    help = "Print the demo log-ins for each role (the demo API token: manage.py demo_api_token)."

    def handle(self, *args: Any, **options: Any) -> None:
        url = settings.DOORSTEP_PUBLIC_URL.rstrip("/")
        self.stdout.write(f"\nDoorstep demo — {url}/   (password for every demo user: {PASSWORD})\n")
        for staff in Staff.objects.select_related("user", "outlet").order_by("role", "user__username"):
            where = f" @ {staff.outlet.name}" if staff.outlet else ""
            self.stdout.write(
                f"  {staff.get_role_display():<6} {staff.user.username:<11} {staff.name}{where}"
            )
        self.stdout.write(f"\n  admin site: {url}/admin/")
