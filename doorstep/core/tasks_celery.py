"""Celery behind Django's task interface (DOORSTEP_TASKS=celery; docs/deploy.md, "Topology").

The backend is django-tasks-celery's, which registers every ``@task`` of ``django.tasks`` as a Celery task
under its dotted path, with three additions:

- **Parking.** A broker holds a delayed task as an unacknowledged message, and drops or re-delivers it past
  its own limits (RabbitMQ's consumer timeout, Redis's visibility timeout). A task whose ``run_after`` lies
  further ahead than ``DOORSTEP_CELERY_PARK_SECONDS`` is therefore kept as a row of the database backend
  named in ``PARK_BACKEND`` and handed to Celery by ``release_parked`` (run by the sweeps job of
  ``core.periodic.JOBS``, so by the beat) when it comes within that horizon.
- **Discovery.** A Celery worker knows only the tasks registered when it starts: ``import_task_modules``
  imports every module of the project (tests and migrations aside), so a task added anywhere is known to
  the workers without a list to keep.
- **Heartbeat.** Each worker writes ``core.WorkerBeat`` as the database worker does, so ``/readyz`` and
  ``doorstep_workers_alive`` count Celery workers too. Nothing is reclaimed: with ``acks_late`` and
  ``reject_on_worker_lost`` the broker hands a dead worker's task to another one.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks.base import Task, TaskResult
from django.utils import timezone
from django_tasks_celery import CeleryBackend as LibraryBackend

log = logging.getLogger(__name__)


class CeleryBackend(LibraryBackend):
    def enqueue(self, task: Task[..., Any], args: Any, kwargs: Any) -> TaskResult[..., Any]:  # type: ignore[override]
        park = self.options.get("PARK_BACKEND")
        horizon = timedelta(seconds=float(getattr(settings, "DOORSTEP_CELERY_PARK_SECONDS", 600)))
        if park and task.run_after is not None and task.run_after > timezone.now() + horizon:
            return task.using(backend=park).enqueue(*args, **kwargs)
        return self.send(task, args, kwargs)

    def send(self, task: Task[..., Any], args: Any, kwargs: Any) -> TaskResult[..., Any]:
        """To the broker now, whatever ``run_after`` says (the release of a parked task)."""
        return super().enqueue(task, args, kwargs)


def release_parked(*, now: Any = None) -> int:
    """Hand to Celery the parked tasks due within the horizon; a no-op without a parking backend.

    Each row is sent then deleted in one transaction (``SKIP LOCKED`` on PostgreSQL, so two releases never
    send one row twice); a crash between the two sends it again later, which idempotent tasks allow.
    """
    tasks: dict[str, dict[str, Any]] = settings.TASKS
    parking = [
        (alias, options["OPTIONS"]["PARK_BACKEND"])
        for alias, options in tasks.items()
        if options.get("OPTIONS", {}).get("PARK_BACKEND")
    ]
    if not parking:
        return 0
    default, park = parking[0]
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    horizon = now + timedelta(seconds=float(getattr(settings, "DOORSTEP_CELERY_PARK_SECONDS", 600)))
    due = DBTaskResult.objects.filter(backend_name=park, status="READY", run_after__lte=horizon)
    released = 0
    for pk in list(due.order_by("run_after").values_list("pk", flat=True)):
        with transaction.atomic():
            locked = DBTaskResult.objects.select_for_update(skip_locked=True)
            row = locked.filter(pk=pk, status="READY").first()
            if row is None:
                continue
            target = row.task.using(backend=default, run_after=row.run_after)
            backend = target.get_backend()
            args, kwargs = row.args_kwargs.get("args", []), row.args_kwargs.get("kwargs", {})
            if isinstance(backend, CeleryBackend):
                backend.send(target, args, kwargs)
            else:
                target.enqueue(*args, **kwargs)
            row.delete()
            released += 1
    return released


SKIP = (".tests", ".migrations", ".benchmarks")


def import_task_modules(package: str = "doorstep") -> list[str]:
    """Import every module of the project, so each ``@task`` in it is registered with Celery."""
    root = importlib.import_module(package)
    imported = []
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        if any(part in info.name for part in SKIP):
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
    return imported


def start_heartbeat(worker_id: str) -> None:
    from doorstep.core.periodic import Beat

    Beat(worker_id, reclaim=False).start()
