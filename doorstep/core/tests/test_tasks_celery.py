"""DOORSTEP_TASKS=celery: Django's task interface on Celery, with long delays parked in the database, the
beat's schedule from the one table of periodic jobs, and every task of the project known to a worker.

The broker here is Celery's eager mode (the task runs where it is sent); scripts/stack and
tests/stack/test_stack.py run the same code against RabbitMQ.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import Celery
from django.conf import settings
from django.tasks import task
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from doorstep.core import periodic, tasks_celery
from doorstep.core.tests.test_deployment import _settings

app = Celery("doorstep-test", broker="memory://")
app.conf.update(task_always_eager=True, task_eager_propagates=True, task_ignore_result=True)
RAN: list[int] = []

CELERY_TASKS = {
    "default": {
        "BACKEND": "doorstep.core.tasks_celery.CeleryBackend",
        "OPTIONS": {"CELERY_APP": f"{__name__}.app", "PARK_BACKEND": "parked"},
    },
    "parked": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}


@task()
def touch(n: int) -> int:
    RAN.append(n)
    return n


@pytest.fixture
def celery_backend():  # type: ignore[no-untyped-def]
    RAN.clear()
    with override_settings(TASKS=CELERY_TASKS, DOORSTEP_CELERY_PARK_SECONDS=600):
        yield


@pytest.mark.django_db
def test_a_task_due_within_the_horizon_goes_to_celery_and_one_beyond_it_is_parked(celery_backend) -> None:
    now = timezone.now()
    touch.enqueue(1)
    touch.using(run_after=now + timedelta(seconds=599)).enqueue(2)  # inside the horizon: the broker holds it
    assert RAN == [1, 2] and not DBTaskResult.objects.exists()
    touch.using(run_after=now + timedelta(seconds=601)).enqueue(3)  # beyond: a row of the database
    parked = DBTaskResult.objects.get()
    assert RAN == [1, 2]
    assert (parked.backend_name, parked.status, parked.args_kwargs["args"]) == ("parked", "READY", [3])


@pytest.mark.django_db
def test_a_parked_task_is_handed_to_celery_once_when_it_comes_within_the_horizon(celery_backend) -> None:
    now = timezone.now()
    touch.using(run_after=now + timedelta(hours=5)).enqueue(7)
    assert tasks_celery.release_parked(now=now + timedelta(hours=5) - timedelta(seconds=601)) == 0
    assert RAN == [] and DBTaskResult.objects.count() == 1
    assert tasks_celery.release_parked(now=now + timedelta(hours=5) - timedelta(seconds=600)) == 1
    assert RAN == [7] and not DBTaskResult.objects.exists()
    assert tasks_celery.release_parked(now=now + timedelta(hours=6)) == 0 and RAN == [7]


@pytest.mark.django_db
def test_without_celery_nothing_is_parked_or_released() -> None:
    touch.using(run_after=timezone.now() + timedelta(days=1)).enqueue(1)
    assert DBTaskResult.objects.get().backend_name == "default"
    assert tasks_celery.release_parked(now=timezone.now() + timedelta(days=2)) == 0
    assert DBTaskResult.objects.get().status == "READY"


def test_celery_beat_runs_the_same_jobs_at_the_same_periods_as_the_database_worker() -> None:
    schedule = periodic.beat_schedule()
    assert {entry["args"] for entry in schedule.values()} == {(name,) for name in periodic.JOBS}
    for entry in schedule.values():
        name = str(entry["args"][0])  # type: ignore[index]
        period = float(getattr(settings, periodic.JOBS[name].every))
        assert entry["task"] == "doorstep.core.periodic.run_periodic"
        assert entry["schedule"] == timedelta(seconds=period)
        assert entry["options"] == {"expires": period}  # a run missed while workers were down is not piled up
    assert "tasks_release_parked" in periodic.JOBS["sweeps"].commands


def test_a_worker_imports_every_module_that_defines_a_task_and_no_test() -> None:
    imported = tasks_celery.import_task_modules()
    for module in ("doorstep.orders.deadlines", "doorstep.core.periodic", "doorstep.dispatch.planning"):
        assert module in imported
    assert not [name for name in imported if ".tests" in name or ".migrations" in name]


@pytest.mark.django_db
def test_a_celery_worker_writes_a_heartbeat_and_reclaims_nothing() -> None:
    from doorstep.core.models import WorkerBeat

    running = DBTaskResult.objects.create(
        task_path=f"{__name__}.touch",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        status="RUNNING",
        started_at=timezone.now() - timedelta(days=1),
        run_after=timezone.now() - timedelta(days=1),
        worker_ids=["gone"],
    )
    periodic.Beat("celery-w1", reclaim=False).once()
    assert WorkerBeat.objects.filter(worker_id="celery-w1").exists()
    assert DBTaskResult.objects.get(pk=running.pk).status == "RUNNING"  # the broker re-delivers, not the beat


def test_celery_needs_a_broker_url(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = _settings({"DOORSTEP_ENV": "dev", "DOORSTEP_TASKS": "celery"}, tmp_path)
    assert result.returncode != 0 and "DOORSTEP_TASKS=celery needs CELERY_BROKER_URL" in result.stderr
    result = _settings({"DOORSTEP_ENV": "dev", "DOORSTEP_TASKS": "rq"}, tmp_path)
    assert result.returncode != 0 and "DOORSTEP_TASKS must be db" in result.stderr


def test_behind_pgbouncer_no_server_side_cursor_and_no_prepared_statement(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "DOORSTEP_ENV": "dev",
        "DOORSTEP_PGBOUNCER": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:16432/doorstep_stack",
        "DOORSTEP_TASKS": "celery",
        "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['prepare_threshold'], s.CELERY_TASK_ACKS_LATE,"
        " s.CELERY_TASK_REJECT_ON_WORKER_LOST, s.CELERY_WORKER_PREFETCH_MULTIPLIER)"
    )
    from doorstep.core.tests.test_deployment import _run

    result = _run(["-c", code], env, tmp_path)
    assert result.stdout.split() == ["True", "None", "True", "True", "1"], result.stderr
