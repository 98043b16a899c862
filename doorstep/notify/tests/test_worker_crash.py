"""A delivery worker killed with SIGKILL mid-delivery loses no message and sends none twice.

Real ``manage.py notify_deliver`` processes send through the real Alibaba Cloud SDK to the loopback fake
gateway (slowed down); the test kills the first one half-way, waits for its leases to expire, starts two
more at once (they compete for the same rows) and finds every message sent, each accepted by the gateway
exactly once — the messages the dead worker had sent but not recorded were re-sent with the same
``OutId`` and recognised. Runs on the test database: SQLite by default, PostgreSQL (SKIP LOCKED) when
DATABASE_URL is set.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from doorstep.notify.models import Channel, Message, State
from doorstep.notify.outbox import Draft, enqueue
from doorstep.notify.tests import loopback
from doorstep.orders.tests.test_worker_crash import _database_url
from doorstep.tests import pinned_time

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 30
LEASE_S = 2.0


@pytest.fixture
def machine_clock() -> Iterator[None]:
    """The workers are other processes on the machine's clock, so this test leaves the pinned instant."""
    pinned_time.stop()
    try:
        yield
    finally:
        pinned_time.start()


def _worker(host: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DOORSTEP_ENV": "dev",
        "DOORSTEP_SMS_PROVIDERS": "aliyun",
        "DOORSTEP_ALIYUN_ACCESS_KEY_ID": loopback.AK,
        "DOORSTEP_ALIYUN_ACCESS_KEY_SECRET": loopback.AK_SECRET,
        "DOORSTEP_ALIYUN_SMS_ENDPOINT": host,
        "DOORSTEP_ALIYUN_SMS_PROTOCOL": "http",
        "DOORSTEP_SMS_CENTRES": json.dumps(loopback.CENTRES),
        "DOORSTEP_NOTIFY_LEASE_SECONDS": str(LEASE_S),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "notify_deliver", "--limit", "1000", "-v0"],
        cwd=settings.BASE_DIR, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.mark.usefixtures("machine_clock")
def test_a_sigkilled_delivery_worker_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    for n in range(ROWS):
        enqueue(Draft(
            template="order_received", channel=Channel.SMS, recipient=f"+86138001{n:05d}", occasion="event:1",
            text="【安可空调】您好，您的报修已受理。", params=[["number", f"W{n}"]], order_number=f"W{n}",
            to_phone=f"+86138001{n:05d}",
        ))  # fmt: skip
    log = tmp_path / "worker.log"
    with loopback.serving() as (gateway, host):
        gateway.delay = 0.05
        first = _worker(host, log)
        end = time.monotonic() + 60
        while len(gateway.requests) < 5 and time.monotonic() < end:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert 5 <= len(gateway.sent["aliyun"]) < ROWS, log.read_text()[-2000:]
        assert Message.objects.filter(state=State.SENDING).exists()  # the dead worker's leases
        time.sleep(LEASE_S + 0.5)
        others = [_worker(host, log), _worker(host, log)]
        for p in others:
            assert p.wait(120) == 0, log.read_text()[-3000:]
    assert Message.objects.filter(state=State.SENT).count() == ROWS
    assert len(gateway.sent["aliyun"]) == ROWS  # each accepted once, under its own key
    assert set(gateway.sent["aliyun"]) == set(Message.objects.values_list("key", flat=True))
    repeats = [k for k, n in Counter(gateway.requests).items() if n > 1]
    for msg in Message.objects.filter(key__in=repeats):  # re-sent after the crash: recognised, recorded once
        assert msg.receipts.filter(kind="sent").count() == 1
    assert gateway.refused == []
