"""A worker killed with SIGKILL in the middle of a sweep loses no deadline and acts on none twice.

A real ``manage.py db_worker`` process (the beat enqueues the sweep) works through many due deadlines,
each action slowed down inside its transaction; the test kills it with SIGKILL half-way, starts another
two workers (with two more sweeps queued, so they compete for the same rows), and finds every deadline
acted on exactly once (one overdue event each) and the sweep the dead
worker left RUNNING reclaimed after the (short) lease and finished by the new worker.
Runs on the test database: SQLite (a WAL file) by default, PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from doorstep.core import clock, periodic
from doorstep.orders.models import Deadline, OrderEvent
from doorstep.orders.tests.helpers import intake
from doorstep.tests import pinned_time

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 40
PAUSE_S = 0.06  # per deadline, inside its transaction and after it
LEASE_S = 2.0
SWEEP = "doorstep.core.periodic.run_periodic"


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user, password = quote(db.get("USER") or "", safe=""), quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _worker(log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DOORSTEP_DEADLINE_ACT_PAUSE_S": str(PAUSE_S),
        "DOORSTEP_BEAT_SECONDS": "0.3",
        "DOORSTEP_TASK_LEASE_SECONDS": str(LEASE_S),
        "DOORSTEP_SWEEP_SECONDS": "3600",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.1",
            "--no-reload",
            "--no-startup-delay",
            "-v0",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait(what: str, predicate: Callable[[], bool], timeout: float, log: Path) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


@pytest.fixture
def machine_clock() -> Iterator[None]:
    """The worker is another process on the machine's clock, so this test leaves the pinned instant."""
    pinned_time.stop()
    try:
        yield
    finally:
        pinned_time.start()


@pytest.mark.usefixtures("machine_clock")
def test_a_sigkilled_sweep_is_reclaimed_and_every_due_deadline_is_acted_on_exactly_once(
    world, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    orders = [intake(world) for _ in range(4)]
    past = clock.now() - timedelta(minutes=5)
    Deadline.objects.bulk_create(
        Deadline(
            order=orders[i % 4],
            kind=Deadline.Kind.RESPONSE,
            rule="R-IN-4",
            ref=f"crash:{i}",
            owner=world.staff["agent"],
            due_at=past + timedelta(seconds=i),
        )
        for i in range(ROWS)
    )
    ours = Deadline.objects.filter(ref__startswith="crash:")
    log = tmp_path / "worker.log"

    first = _worker(log)
    try:
        _wait(
            "the first worker to be half-way",
            lambda: ours.filter(state="overdue").count() >= ROWS // 4,
            60,
            log,
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(5)
    finally:
        if first.poll() is None:
            first.kill()
    done_before = ours.filter(state="overdue").count()
    assert ROWS // 4 <= done_before < ROWS  # killed in the middle of the sweep
    orphan = DBTaskResult.objects.get(task_path=SWEEP, args_kwargs__args=["sweeps"], status="RUNNING")

    # two workers now, and two more sweeps queued beside the orphan: they compete for the same rows
    extra = [periodic.run_periodic.enqueue("sweeps").id for _ in range(2)]
    workers = [_worker(log), _worker(log)]
    sweeps = DBTaskResult.objects.filter(pk__in=[orphan.pk, *extra])
    try:
        _wait("every deadline acted on", lambda: not ours.filter(state="open").exists(), 60, log)
        _wait(
            "all three sweeps to finish",
            lambda: set(sweeps.values_list("status", flat=True)) == {"SUCCESSFUL"},
            30,
            log,
        )
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()

    reclaimed = DBTaskResult.objects.get(pk=orphan.pk)
    assert len(reclaimed.worker_ids) == 2  # claimed by the dead worker, reclaimed, re-run by a new one
    assert reclaimed.started_at - orphan.started_at >= timedelta(seconds=LEASE_S)  # not before the lease
    assert set(ours.values_list("state", flat=True)) == {"overdue"}
    events = Counter(
        OrderEvent.objects.filter(kind="deadline_overdue", order__in=orders).values_list(
            "data__deadline", flat=True
        )
    )
    assert {pk: events[pk] for pk in ours.values_list("pk", flat=True)} == dict.fromkeys(
        ours.values_list("pk", flat=True), 1
    )
