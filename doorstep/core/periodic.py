"""Periodic work on the database task queue, kept alive by the worker's beat (no chain to break).

Every background worker (``manage.py db_worker``, doorstep's subclass of django-tasks-db's command) runs a
*beat* thread beside its loop. Every ``DOORSTEP_BEAT_SECONDS`` the beat:

1. writes the worker's heartbeat (``core.WorkerBeat``);
2. reclaims the tasks a dead worker left RUNNING: django-tasks-db claims only READY rows and never looks
   at a RUNNING one again, so a row whose worker has had no heartbeat for ``DOORSTEP_TASK_LEASE_SECONDS``
   (and that started longer ago than that) is set back to READY — or failed, once it has been reclaimed
   ``DOORSTEP_TASK_MAX_RECLAIMS`` times. Our tasks are idempotent (each claims its own rows), so a re-run
   finishes what the dead run left;
3. enqueues each job of ``JOBS`` that has no READY or RUNNING run, due one period after its last run.

A SIGKILL therefore loses nothing: the next worker's beat reclaims the orphan and the sweep runs again.

With DOORSTEP_TASKS=celery the same ``JOBS`` table is Celery beat's schedule (``beat_schedule``), the broker
hands a dead worker's task to another one (acks_late), and each Celery worker's beat only writes its
heartbeat (doorstep/core/tasks_celery.py).

Times here are the machine's (``timezone.now``), as in the task rows, not the business clock.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connections, transaction
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from doorstep.core.models import WorkerBeat

log = logging.getLogger(__name__)
READY, RUNNING, FAILED = "READY", "RUNNING", "FAILED"


class Job(NamedTuple):
    every: str  # the setting that holds the period in seconds
    commands: tuple[str, ...]  # management commands, run in order


# The periodic jobs: the one deadline sweep (every timer of the standard), plan runs past their lease,
# tasks parked for later handed to Celery (a no-op on the database backend), the payment query on timeout,
# and the daily early-warning scan, payment reconciliation and KPI settlement (callbacks whose window passed,
# the promises of the days that are over), and the big tables' months (created ahead, archived past their hot
# months: core.partitions; PostgreSQL only).
JOBS: dict[str, Job] = {
    "sweeps": Job(
        "DOORSTEP_SWEEP_SECONDS",
        ("deadlines_sweep", "plan_runs_expire", "tasks_release_parked", "payments_query"),
    ),
    "daily": Job(
        "DOORSTEP_DAILY_SECONDS",
        ("quality_early_warning", "payments_reconcile", "kpi_settle", "partitions_maintain"),
    ),
    "notify": Job("DOORSTEP_NOTIFY_SECONDS", ("notify_deliver",)),  # the notification outbox
}
CHAINS = JOBS  # the old name


def _path() -> str:
    return f"{__name__}.run_periodic"


def pending(name: str) -> bool:
    return DBTaskResult.objects.filter(
        task_path=_path(), args_kwargs__args=[name], status__in=[READY, RUNNING]
    ).exists()


def schedule(name: str, *, now: datetime | None = None) -> bool:
    """Enqueue the job's next run unless one is waiting or running; True when enqueued.

    The run is due one period after the last one finished (at once if it never ran). Only on the database
    backend: Celery beat schedules the same jobs itself (``beat_schedule``).
    """
    if settings.DOORSTEP_TASKS != "db" or pending(name):
        return False
    now = now or timezone.now()
    last = (
        DBTaskResult.objects.filter(task_path=_path(), args_kwargs__args=[name], finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    every = timedelta(seconds=float(getattr(settings, JOBS[name].every)))
    run_periodic.using(run_after=max(now, last + every) if last else now).enqueue(name)
    return True


def run_job(name: str) -> list[str]:
    done = []
    for command in JOBS[name].commands:
        try:
            call_command(command, verbosity=0, stdout=io.StringIO())
            done.append(command)
        except Exception:  # one failing sweep must not stop the others
            log.exception("periodic %s: %s failed", name, command)
    return done


@task()
def run_periodic(name: str) -> list[str]:
    """One run of a periodic job; the beat enqueues the next (this task does not re-enqueue itself)."""
    return run_job(name)


@task()
def run_chain(name: str) -> list[str]:
    """Rows queued under the old self-re-enqueueing chain: run once; the beat takes over."""
    return run_job(name) if name in JOBS else []


def beat_schedule() -> dict[str, dict[str, object]]:
    """Celery beat's schedule: the same jobs at the same periods. A run not started within its period
    expires (the next one is already queued), so a stopped worker does not come back to a pile of sweeps."""
    return {
        f"doorstep-{name}": {
            "task": _path(),
            "schedule": timedelta(seconds=float(getattr(settings, job.every))),
            "args": (name,),
            "options": {"expires": float(getattr(settings, job.every))},
        }
        for name, job in JOBS.items()
    }


# --- the beat -------------------------------------------------------------------------------------------
def heartbeat(worker_id: str, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    updated = WorkerBeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerBeat.objects.create(
            worker_id=worker_id, pid=os.getpid(), host=socket.gethostname()[:100], started_at=now, beat_at=now
        )


def reclaim_orphans(*, now: datetime | None = None) -> int:
    """Set back to READY (or fail) the tasks left RUNNING by workers without a heartbeat for the lease."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DOORSTEP_TASK_LEASE_SECONDS)
    alive = set(WorkerBeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True))
    reclaimed = 0
    for row in DBTaskResult.objects.filter(status=RUNNING, started_at__lt=cutoff):
        owner = row.worker_ids[-1] if row.worker_ids else ""
        if owner in alive:
            continue  # a long task of a live worker
        give_up = len(row.worker_ids) >= settings.DOORSTEP_TASK_MAX_RECLAIMS
        with transaction.atomic():
            done = DBTaskResult.objects.filter(pk=row.pk, status=RUNNING).update(
                **(
                    {
                        "status": FAILED,
                        "finished_at": now,
                        "exception_class_path": "doorstep.core.periodic.WorkerLost",
                        "traceback": f"worker {owner} stopped while running this task "
                        f"({len(row.worker_ids)} attempt(s)); not retried again",
                    }
                    if give_up
                    else {"status": READY, "started_at": None}
                )
            )
        if done:
            reclaimed += 1
            log.warning("task %s (%s) of dead worker %s reclaimed", row.pk, row.task_path, owner)
    WorkerBeat.objects.filter(
        beat_at__lt=now - 10 * timedelta(seconds=settings.DOORSTEP_TASK_LEASE_SECONDS)
    ).delete()
    return reclaimed


def beat(worker_id: str) -> None:
    """One beat: heartbeat, reclaim orphans, make sure every periodic job has a run waiting."""
    now = timezone.now()
    heartbeat(worker_id, now=now)
    reclaim_orphans(now=now)
    for name in JOBS:
        schedule(name, now=now)


class Beat(threading.Thread):
    """The worker's beat, a daemon thread: it dies with the worker, and the next worker's beat takes over."""

    def __init__(self, worker_id: str, *, reclaim: bool = True) -> None:
        super().__init__(name=f"doorstep-beat-{worker_id[:8]}", daemon=True)
        self.worker_id = worker_id
        self.reclaim = reclaim  # False for a Celery worker: the heartbeat only
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                self.once()
            except Exception:  # a locked database or a lost connection: try again next beat
                log.exception("worker beat failed")
            finally:
                connections.close_all()
            self.stopped.wait(settings.DOORSTEP_BEAT_SECONDS)

    def once(self) -> None:
        if self.reclaim:
            beat(self.worker_id)
        else:
            heartbeat(self.worker_id)

    def stop(self) -> None:
        self.stopped.set()
