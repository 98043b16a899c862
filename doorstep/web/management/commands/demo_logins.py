from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from doorstep.api.models import ApiToken
from doorstep.network.models import Staff
from doorstep.web.demo import PASSWORD

DEMO_TOKEN = "demo-dispatcher-token"


class Command(BaseCommand):
    help = "Print the demo log-ins for each role (and ensure a demo API token for the dispatcher)."

    def handle(self, *args: Any, **options: Any) -> None:
        url = settings.DOORSTEP_PUBLIC_URL.rstrip("/")
        self.stdout.write(f"\nDoorstep demo — {url}/   (password for every demo user: {PASSWORD})\n")
        for staff in Staff.objects.select_related("user", "outlet").order_by("role", "user__username"):
            where = f" @ {staff.outlet.name}" if staff.outlet else ""
            self.stdout.write(
                f"  {staff.get_role_display():<6} {staff.user.username:<11} {staff.name}{where}"
            )
        dispatcher = Staff.objects.filter(user__username="dispatcher").first()
        if dispatcher and not ApiToken.lookup(DEMO_TOKEN):
            ApiToken.issue(user=dispatcher.user, name="demo", key=DEMO_TOKEN)
        self.stdout.write(f"\n  admin site: {url}/admin/  ·  API: {url}/api/docs  (Bearer {DEMO_TOKEN})\n")
