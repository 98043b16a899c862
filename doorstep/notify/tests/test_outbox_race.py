"""PostgreSQL: one message per key even when its twins are queued at different instants, concurrently.

The message table is partitioned by month there (core.partitions), so its unique key includes created_at
and cannot stop a twin written a microsecond later; the outbox's advisory lock on the key does.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from doorstep.core import clock
from doorstep.notify.models import Message
from doorstep.notify.outbox import Draft, enqueue

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]

N = 8


def test_twins_queued_concurrently_at_different_instants_make_one_message() -> None:
    draft = Draft(
        template="t", channel="sms", recipient="+8613800000000", occasion="event:race", text="您好",
        params=[], order_number="R1", to_phone="+8613800000000",
    )  # fmt: skip
    barrier = threading.Barrier(N)
    created: list[bool | str] = ["did not run"] * N
    start = clock.now()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            with transaction.atomic():
                _msg, created[i] = enqueue(draft, now=start + timedelta(microseconds=i))
                time.sleep(0.05)  # the caller's transaction goes on after the message is queued
        except BaseException as err:
            created[i] = repr(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(created, key=str) == [False] * (N - 1) + [True]
    assert Message.objects.filter(order_number="R1").count() == 1
