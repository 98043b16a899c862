"""Deliver the notification outbox's due messages (run by the worker's periodic job ``notify``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from doorstep.notify.outbox import deliver_due


class Command(BaseCommand):
    help = "Deliver due notification messages (retries, failover, quiet hours)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=200, help="At most this many messages in this run.")
        parser.add_argument("--worker", default="", help="The worker's name on the leases it takes.")

    def handle(self, *args: Any, **options: Any) -> None:
        handled = total = 0
        while total < options["limit"]:
            handled = deliver_due(worker=options["worker"], limit=min(20, options["limit"] - total))
            total += handled
            if not handled:
                break
        self.stdout.write(f"{total} message(s) handled")
