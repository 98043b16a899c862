"""Import orders from an .xlsx or .csv file and print the per-row report (R-IN-1 import channel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.channels.imports import LABELS, counts, run_import
from doorstep.core.errors import DomainError
from doorstep.network.actors import Actor


class Command(BaseCommand):
    help = "Import work orders from an Excel/CSV file; each row in its own transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--brand", required=True, help="brand code; must be the agent's centre's brand")
        parser.add_argument(
            "--agent", required=True, help="username of the agent who takes the orders (R-IN-5)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["agent"], options["brand"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            batch = run_import(actor=actor, filename=path.name, content=path.read_bytes())
        except DomainError as err:
            raise CommandError(err.text()) from None
        for line in batch.rows:
            label = LABELS.get(line["status"], line["status"])
            detail = line["number"] or ""
            if line["field"]:
                detail = f"{detail} {line['field']}: {line['reason']}".strip()
            self.stdout.write(f"{line['row']:>5}  {label}  {detail}")
        summary = ", ".join(f"{LABELS[s]} {n}" for s, n in counts(batch).items() if n and s in LABELS)
        self.stdout.write(self.style.SUCCESS(f"{len(batch.rows)} rows: {summary}"))

    def _actor(self, username: str, brand: str) -> Actor:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no such user: {username}")
        try:
            actor = Actor.for_user(user)
        except DomainError as err:
            raise CommandError(err.text()) from None
        if actor.staff is None or actor.staff.centre.brand.code != brand:
            raise CommandError(f"{username} does not work for brand {brand}")
        return actor
