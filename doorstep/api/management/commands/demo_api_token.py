from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from doorstep.api.models import ApiToken
from doorstep.network.models import Staff

DEMO_TOKEN = "demo-dispatcher-token"


class Command(BaseCommand):
    help = "Ensure a demo API token for the demo dispatcher and print how to use it."

    def handle(self, *args: Any, **options: Any) -> None:
        url = settings.DOORSTEP_PUBLIC_URL.rstrip("/")
        dispatcher = Staff.objects.filter(user__username="dispatcher").first()
        if dispatcher and not ApiToken.lookup(DEMO_TOKEN):
            ApiToken.issue(user=dispatcher.user, name="demo", key=DEMO_TOKEN)
        self.stdout.write(f"  API: {url}/api/docs  (Bearer {DEMO_TOKEN})\n")
