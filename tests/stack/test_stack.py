"""Smoke test of the multi-node topology (scripts/stack; docs/deploy.md, "Topology").

It starts nginx, two gunicorn web processes, PgBouncer in front of PostgreSQL, two Celery workers and Celery
beat on RabbitMQ, on ports of its own, and drives orders through nginx with the partner API (R-IN-1):

- an order pushed through nginx exists once, and a deadline that falls due is acted on by a Celery worker
  (the sweep enqueued by beat from ``core.periodic.JOBS``; R-IN-4, R-IN-2);
- one web process and one worker are killed (SIGKILL) in the middle of a burst of pushes and of a sweep
  (the worker while its log shows a sweep received and not finished):
  every push the client sent (retried with its own ``external_ref`` on a failed answer, as a partner does)
  is in the database exactly once, and every deadline that fell due is acted on exactly once.

The stack runs on the machine's clock (not the suite's pinned instant) and nothing here depends on the
date. Skipped only when nginx or PgBouncer is not installed (scripts/test installs both).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("STACK_TEST_PORT", "18180"))
DB = "doorstep_stack_test"
PG = "host=127.0.0.1 port=5432 user=postgres"

pytestmark = pytest.mark.stack

MISSING = [name for name in ("nginx", "pgbouncer") if not Path(f"/usr/sbin/{name}").exists()]


@dataclass
class Stack:
    url: str
    key: str
    env: dict[str, str]

    def run(self, *args: str) -> None:
        subprocess.run([str(ROOT / "scripts/stack"), *args], env=self.env, check=True, capture_output=True)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(f"{PG} dbname={DB}", autocommit=True) as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if MISSING:
        missing = " and ".join(MISSING)
        pytest.skip(f"{missing} not installed (apt-get install nginx pgbouncer; scripts/test does)")
    folder = tmp_path_factory.mktemp("stack")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DOORSTEP_", "DATABASE_URL", "CELERY_", "PYTEST", "STACK_"))
    }
    env.update(
        STACK_DIR=str(folder),
        STACK_PORT=str(PORT),
        STACK_PG_PORT=os.environ.get("STACK_TEST_PG_PORT", "16460"),
        STACK_DB=DB,
        STACK_SWEEP_SECONDS="3",
        STACK_BEAT_SECONDS="2",
        # each deadline's transaction stays open a while, so a kill lands in the middle of a sweep
        STACK_DEADLINE_ACT_PAUSE_S="0.4",
        STACK_DEMO_ORDERS="3",
    )
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    started = time.monotonic()
    result = subprocess.run(
        [str(ROOT / "scripts/stack"), "start"], env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        logs = "".join(f"\n--- {p.name}\n{p.read_text()[-3000:]}" for p in (folder / "logs").glob("*.log"))
        subprocess.run([str(ROOT / "scripts/stack"), "stop"], env=env, capture_output=True)
        pytest.fail(f"scripts/stack start failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}{logs}")
    print(f"stack up in {time.monotonic() - started:.1f} s")
    stack = Stack(f"http://127.0.0.1:{PORT}", (folder / "partner.key").read_text().strip(), env)
    try:
        yield stack
    finally:
        subprocess.run([str(ROOT / "scripts/stack"), "stop"], env=env, capture_output=True)
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB])


def push(stack: Stack, ref: str, tries: int = 20) -> dict[str, Any]:
    """Push one partner order through nginx, retrying a failed answer with the same reference."""
    body = json.dumps(
        {
            "external_ref": ref,
            "customer_name": "黄先生",
            "phone": f"139{zlib.crc32(ref.encode()) % 10**8:08d}",  # one customer per order: no duplicates
            "address_text": "广州市天河区体育西路101号8楼",
            "model_code": "KFR-35GW/A1",
        }
    ).encode()
    for attempt in range(tries):
        request = urllib.request.Request(
            f"{stack.url}/api/partner/orders",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {stack.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return {"http": response.status, "attempts": attempt + 1, **json.loads(response.read())}
        except urllib.error.HTTPError as error:
            if error.code < 500:
                raise
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"{ref}: no answer after {tries} tries")


def make_due(stack: Stack, refs: list[str]) -> list[int]:
    """Every open deadline of these orders falls due now (as if its time had come)."""
    rows = stack.sql(
        "UPDATE orders_deadline d SET due_at = now() - interval '1 second' FROM channels_partnerorder p "
        "WHERE d.order_id = p.order_id AND p.external_ref = ANY(%s) AND d.state = 'open' RETURNING d.id",
        refs,
    )
    return sorted(r[0] for r in rows)


def wait_acted(stack: Stack, ids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = stack.sql("SELECT id FROM orders_deadline WHERE id = ANY(%s) AND acted_at IS NULL", ids)
        if not left:
            return []
        time.sleep(0.5)
    return sorted(r[0] for r in left)


def in_hand(stack: Stack, worker: str) -> set[str]:
    """Ids of the sweeps a worker has received and not finished (from its log: one JSON line each)."""
    received, finished = set(), set()
    for line in (Path(stack.env["STACK_DIR"]) / "logs" / f"{worker}.log").read_text().splitlines():
        if "run_periodic[" not in line or not line.startswith("{"):
            continue
        entry = json.loads(line)
        task_id = entry.get("data", {}).get("id")
        (received if entry["message"].endswith("received") else finished).add(task_id)
    return received - finished


def overdue_events(stack: Stack, ids: list[int]) -> dict[int, int]:
    rows = stack.sql(
        "SELECT (data->>'deadline')::bigint, count(*) FROM orders_orderevent "
        "WHERE kind = 'deadline_overdue' AND (data->>'deadline')::bigint = ANY(%s) GROUP BY 1",
        ids,
    )
    return dict(rows)  # type: ignore[arg-type]


def test_an_order_through_nginx_and_its_due_deadline_acted_on_by_a_celery_worker(stack: Stack) -> None:
    started = time.monotonic()
    first = push(stack, "SMOKE-1")
    took = time.monotonic() - started
    assert first["http"] == 201 and first["outcome"] == "created"
    again = push(stack, "SMOKE-1")  # the partner's retry: the same order
    assert again["http"] == 200 and again["number"] == first["number"]
    assert stack.sql("SELECT count(*) FROM channels_partnerorder WHERE external_ref = 'SMOKE-1'") == [(1,)]
    # a delayed task beyond the horizon waits in the database, not in the broker (R-IN-4's check)
    parked = stack.sql(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE backend_name = 'parked'"
    )
    assert parked[0][0] >= 1
    # static files come from nginx itself
    with urllib.request.urlopen(f"{stack.url}/static/web/doorstep.js", timeout=10) as response:
        assert response.status == 200 and response.headers["Server"].startswith("nginx")
    ids = make_due(stack, ["SMOKE-1"])
    assert ids
    waited = time.monotonic()
    assert wait_acted(stack, ids, 60) == []
    print(f"first push {took * 1000:.0f} ms; due deadlines acted on {time.monotonic() - waited:.1f} s later")
    assert overdue_events(stack, ids) == dict.fromkeys(ids, 1)
    with urllib.request.urlopen(f"{stack.url}/readyz", timeout=10) as response:
        assert json.loads(response.read())["workers"]["alive"] == 2


def test_killing_a_web_process_and_a_worker_mid_run_loses_no_push_and_no_deadline(stack: Stack) -> None:
    # orders whose deadlines will fall due while a worker is killed
    due_refs = [f"DUE-{i}" for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda ref: push(stack, ref), due_refs))
    refs = [f"KILL-{i}" for i in range(60)]
    answers: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    def one(ref: str) -> None:
        answer = push(stack, ref)
        with lock:
            answers[ref] = answer

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(one, ref) for ref in refs]
        while len(answers) < 10:
            time.sleep(0.05)
        stack.run("kill", "web1")  # mid-burst: requests in flight on it, others still to come
        ids = make_due(stack, due_refs)
        time.sleep(1)
        until = time.monotonic() + 30
        while not (mid_sweep := in_hand(stack, "worker1")) and time.monotonic() < until:
            time.sleep(0.1)
        assert mid_sweep, "worker1 took no sweep within 30 s"
        stack.run("kill", "worker1")  # in the middle of a sweep (each deadline's transaction held 0.4 s)
        for future in futures:
            future.result()
    burst = time.monotonic() - started
    assert len(ids) >= len(due_refs)
    # every push is there exactly once, each answer names the order that exists
    rows = stack.sql(
        "SELECT p.external_ref, o.number FROM channels_partnerorder p "
        "JOIN orders_workorder o ON o.id = p.order_id WHERE p.external_ref = ANY(%s)",
        refs,
    )
    assert sorted(r[0] for r in rows) == sorted(refs)
    assert {ref: answers[ref]["number"] for ref in refs} == dict(rows)
    retried = sum(1 for a in answers.values() if a["attempts"] > 1)
    # every deadline that fell due is acted on, once, by the surviving worker
    waited = time.monotonic()
    assert wait_acted(stack, ids, 90) == []
    assert overdue_events(stack, ids) == dict.fromkeys(ids, 1)
    # (the sweep worker1 held unacknowledged went back to the broker, which drops it once its period is
    # over: beat has queued the next one, and that one acted on the deadlines the killed sweep rolled back)
    print(
        f"{len(refs)} pushes in {burst:.1f} s with web1 and worker1 killed ({retried} retried); "
        f"{len(ids)} due deadlines all acted on {time.monotonic() - waited:.1f} s after the kill"
    )
    stack.run("restart", "web1")
    stack.run("restart", "worker1")
