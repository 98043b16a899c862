"""Periodic safety nets on the same database task queue (no separate scheduler process).

Each chain is a task that runs its management commands and then enqueues its own next run with
``run_after``; ``manage.py schedule_periodic`` starts any chain that has no pending run (the demo script
calls it before starting the worker). A restart loses nothing: the next run is a row in the queue.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

from django.core.management import call_command
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from doorstep.core import clock

log = logging.getLogger(__name__)

CHAINS: dict[str, tuple[int, tuple[str, ...]]] = {
    # name: (minutes between runs, management commands)
    "sweeps": (5, ("deadlines_sweep", "complaints_sweep", "dispatch_sweep")),
    "daily": (24 * 60, ("quality_early_warning",)),
}


def _pending(name: str) -> bool:
    return DBTaskResult.objects.filter(
        task_path=f"{__name__}.run_chain", status="READY", args_kwargs__args=[name]
    ).exists()


def schedule(name: str, *, delay_minutes: int = 0) -> bool:
    """Enqueue the chain's next run unless one is already waiting; True when enqueued."""
    if _pending(name):
        return False
    run_chain.using(run_after=clock.now() + timedelta(minutes=delay_minutes)).enqueue(name)
    return True


@task()
def run_chain(name: str) -> list[str]:
    minutes, commands = CHAINS[name]
    done = []
    for command in commands:
        try:
            call_command(command, verbosity=0, stdout=io.StringIO())
            done.append(command)
        except Exception:  # one failing sweep must not stop the others or the chain
            log.exception("periodic %s: %s failed", name, command)
    schedule(name, delay_minutes=minutes)
    return done
