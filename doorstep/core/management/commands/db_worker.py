"""django-tasks-db's worker with Doorstep's beat beside its loop (see ``doorstep.core.periodic``).

The beat keeps the periodic sweep enqueued and reclaims the tasks a killed worker left RUNNING, so no
SIGKILL stops the sweeps. ``--batch`` (drain the queue and exit, used by tests) runs without a beat.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as LibraryCommand

from doorstep.core.periodic import Beat


class Command(LibraryCommand):
    help = "Run a database background worker, with the beat that keeps periodic sweeps alive"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-beat",
            action="store_false",
            dest="beat",
            help="Do not run the beat (periodic sweeps, reclaiming a dead worker's tasks) in this worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        beat = options.pop("beat", True)
        reloading_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        runner = None
        if beat and not options.get("batch") and not reloading_parent:
            runner = Beat(options["worker_id"])
            runner.start()
        try:
            super().handle(*args, **options)
        finally:
            if runner is not None:
                runner.stop()
