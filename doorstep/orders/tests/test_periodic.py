"""The periodic jobs live on the task queue, kept alive by the worker's beat (no self-re-enqueueing chain)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from doorstep.core import periodic
from doorstep.core.models import WorkerBeat

pytestmark = pytest.mark.django_db(transaction=True)
PATH = "doorstep.core.periodic.run_periodic"


def test_schedule_is_idempotent_the_worker_runs_each_job_once_and_the_beat_queues_the_next() -> None:
    call_command("schedule_periodic", verbosity=0)
    call_command("schedule_periodic", verbosity=0)
    pending = DBTaskResult.objects.filter(task_path=PATH, status="READY")
    assert pending.count() == len(periodic.JOBS)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    done = DBTaskResult.objects.filter(task_path=PATH, status="SUCCESSFUL")
    assert done.count() == len(periodic.JOBS) and pending.count() == 0  # a run does not re-enqueue itself
    periodic.beat("w-test")
    assert pending.count() == len(periodic.JOBS)  # the beat does, one period after the last run
    sweeps = pending.get(args_kwargs__args=["sweeps"])
    last = done.get(args_kwargs__args=["sweeps"]).finished_at
    assert sweeps.run_after == last + timedelta(seconds=periodic.settings.DOORSTEP_SWEEP_SECONDS)
    assert WorkerBeat.objects.filter(worker_id="w-test").exists()


def _running(worker: str, started_ago: float, attempts: int = 1) -> DBTaskResult:
    result = periodic.run_periodic.enqueue("sweeps")
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING",
        started_at=timezone.now() - timedelta(seconds=started_ago),
        worker_ids=[f"old-{i}" for i in range(attempts - 1)] + [worker],
    )
    return DBTaskResult.objects.get(pk=result.id)


@override_settings(DOORSTEP_TASK_LEASE_SECONDS=60, DOORSTEP_TASK_MAX_RECLAIMS=3)
def test_a_task_left_running_by_a_dead_worker_is_reclaimed_after_the_lease() -> None:
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="alive", started_at=now, beat_at=now)
    WorkerBeat.objects.create(worker_id="dead", started_at=now, beat_at=now - timedelta(seconds=120))
    long_task_of_live_worker = _running("alive", started_ago=600)
    fresh_of_dead_worker = _running("dead", started_ago=10)  # within the lease: not yet
    orphan = _running("dead", started_ago=120)
    never_beat = _running("gone", started_ago=120)  # a worker without the beat
    given_up = _running("dead", started_ago=120, attempts=3)
    assert periodic.reclaim_orphans() == 3
    status = {r.pk: r.status for r in DBTaskResult.objects.all()}
    assert status[long_task_of_live_worker.pk] == "RUNNING"
    assert status[fresh_of_dead_worker.pk] == "RUNNING"
    assert status[orphan.pk] == status[never_beat.pk] == "READY"
    assert status[given_up.pk] == "FAILED"
    assert "stopped while running" in DBTaskResult.objects.get(pk=given_up.pk).traceback


def test_a_plan_run_left_running_past_its_lease_fails(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.core import clock
    from doorstep.dispatch.models import PlanRun
    from doorstep.dispatch.planning import plan_runs_expire

    lease = periodic.settings.DOORSTEP_PLAN_LEASE_SECONDS
    old = clock.now() - timedelta(seconds=lease + 120)
    stuck = PlanRun.objects.create(
        outlet=world.outlet, day=old.date(), requested_by=world.staff["dispatcher"], seconds=60,
        created_at=old, state=PlanRun.State.RUNNING,
    )  # fmt: skip
    fresh = PlanRun.objects.create(
        outlet=world.outlet, day=old.date(), requested_by=world.staff["dispatcher"], seconds=60,
        created_at=clock.now(), state=PlanRun.State.RUNNING,
    )  # fmt: skip
    assert plan_runs_expire() == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == PlanRun.State.FAILED and stuck.error and fresh.state == PlanRun.State.RUNNING
