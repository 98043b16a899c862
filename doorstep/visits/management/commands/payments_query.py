from typing import Any

from django.core.management.base import BaseCommand

from doorstep.visits.payment.settle import intents_query, refunds_query


class Command(BaseCommand):
    help = (
        "Ask the payment providers about codes shown, and refunds asked, with no notification since (R-CO-2, "
        "query on timeout)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = intents_query()
        self.stdout.write(f"asked {counts['asked']}, paid {counts['paid']}, failed {counts['failed']}")
        # refunds still processing at WeChat Pay whose notification has not come
        refunds = refunds_query()
        self.stdout.write(
            f"refunds asked {refunds['asked']}, refunded {refunds['refunded']}, failed {refunds['failed']}"
        )
