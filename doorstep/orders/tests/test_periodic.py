"""The periodic chains live on the task queue: scheduled once, run by the worker, re-enqueued."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from doorstep.core.periodic import CHAINS

pytestmark = pytest.mark.django_db(transaction=True)


def test_schedule_is_idempotent_and_the_worker_runs_and_re_enqueues_the_chain() -> None:
    call_command("schedule_periodic", verbosity=0)
    call_command("schedule_periodic", verbosity=0)
    pending = DBTaskResult.objects.filter(task_path="doorstep.core.periodic.run_chain", status="READY")
    assert pending.count() == len(CHAINS)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    done = DBTaskResult.objects.filter(task_path="doorstep.core.periodic.run_chain", status="SUCCESSFUL")
    assert done.count() == len(CHAINS)
    assert pending.count() == len(CHAINS)  # each chain queued its next run
