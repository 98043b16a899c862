"""``manage.py rulebook [MOVE …]``: every rule of a lifecycle move with its rule id and its function.

``--write`` regenerates docs/rulebook.md (a test fails when it is stale).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.orders.lifecycle import Action
from doorstep.orders.rulebook import describe, document

DOC = Path(settings.BASE_DIR) / "docs" / "rulebook.md"


class Command(BaseCommand):
    help = "Print every rule of the lifecycle moves (or of the moves named), with rule ids and functions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("moves", nargs="*", help=f"actions: {', '.join(Action.values)}")
        parser.add_argument("--write", action="store_true", help=f"regenerate {DOC.name}")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write"]:
            DOC.write_text(document(), encoding="utf-8")
            self.stdout.write(f"wrote {DOC}")
            return
        wanted = []
        for name in options["moves"]:
            try:
                wanted.append(Action(name))
            except ValueError:
                raise CommandError(f"unknown move {name!r}; moves: {', '.join(Action.values)}") from None
        self.stdout.write(describe(wanted or None))
