"""The Celery application of DOORSTEP_TASKS=celery: ``celery -A config worker`` and ``celery -A config beat``.

Tasks are written and enqueued with Django's task interface (``django.tasks``) only; the backend
(doorstep/core/tasks_celery.py) hands them to this app. Its settings are Django's ``CELERY_*`` settings
(config/settings.py). When a worker or the beat starts (after Django is set up), every module of the project
that defines a task is imported so the worker knows them all, and the beat's schedule is built from the one
table of periodic jobs (``doorstep.core.periodic.JOBS``).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("doorstep")
app.config_from_object("django.conf:settings", namespace="CELERY")


@signals.import_modules.connect
def _project_tasks(sender: Any = None, **kwargs: Any) -> None:
    import django

    django.setup()  # done already by Celery's Django fix-up; idempotent
    from doorstep.core import periodic, tasks_celery

    tasks_celery.import_task_modules()
    app.conf.beat_schedule = periodic.beat_schedule()


@signals.worker_ready.connect
def _heartbeat(sender: Any = None, **kwargs: Any) -> None:
    from doorstep.core import tasks_celery

    tasks_celery.start_heartbeat(getattr(sender, "hostname", None) or f"celery-{os.getpid()}")
