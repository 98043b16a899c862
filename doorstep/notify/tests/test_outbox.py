"""The outbox: retries with exponential backoff, dead letters, failover, throttling, and exactly-once
delivery across a worker killed mid-delivery (lease + the provider's idempotency key)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.notify.models import Channel, Message, Receipt, State
from doorstep.notify.outbox import Draft, backoff, claim, deliver, deliver_due, enqueue, status_report
from doorstep.notify.tests.fakes import Scripted

pytestmark = pytest.mark.django_db


def _msg(n: int = 1, **over) -> Message:  # type: ignore[no-untyped-def]
    draft = Draft(
        template="order_received",
        channel=Channel.SMS,
        recipient="+8613800000000",
        occasion=f"event:{n}",
        text="【安可空调】您好，您的报修已受理。",
        params=[["number", "W1"]],
        order_number="W1",
        to_phone="+8613800000000",
    )
    for k, v in over.items():
        setattr(draft, k, v)
    return enqueue(draft)[0]


def test_the_same_key_is_one_message() -> None:
    first = _msg()
    again = _msg()
    assert first.pk == again.pk and Message.objects.count() == 1


def test_success_records_the_provider_and_its_message_id(settings) -> None:  # type: ignore[no-untyped-def]
    msg = _msg()
    with Scripted.use(settings, "ok"):
        assert deliver_due() == 1
    msg.refresh_from_db()
    assert (
        msg.state == State.SENT and msg.provider == "scripted" and msg.provider_ref == f"scripted-{msg.key}"
    )
    assert [r.kind for r in msg.receipts.all()] == [Receipt.Kind.SENT]
    assert status_report(provider_name="scripted", ref=msg.provider_ref, delivered=True) is not None
    status_report(provider_name="scripted", ref=msg.provider_ref, delivered=True)  # reported twice
    msg.refresh_from_db()
    assert msg.state == State.DELIVERED and msg.receipts.filter(kind=Receipt.Kind.DELIVERED).count() == 1


def test_backoff_doubles_up_to_its_cap(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_NOTIFY = {**settings.DOORSTEP_NOTIFY, "backoff_seconds": 30, "backoff_max_seconds": 200}
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 200]


def test_a_provider_down_is_retried_with_backoff_then_dead(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_NOTIFY = {**settings.DOORSTEP_NOTIFY, "max_attempts": 3, "backoff_seconds": 30}
    msg = _msg()
    with Scripted.use(settings, "down"):
        start = clock.now()
        with clock.frozen_at(start):
            deliver_due()
        msg.refresh_from_db()
        assert (
            msg.state == State.QUEUED and msg.attempts == 1 and msg.next_at == start + timedelta(seconds=30)
        )
        with clock.frozen_at(start + timedelta(seconds=29)):
            assert deliver_due() == 0  # one second before the retry is due
        with clock.frozen_at(start + timedelta(seconds=30)):
            assert deliver_due() == 1  # exactly when due
        msg.refresh_from_db()
        assert msg.attempts == 2 and msg.next_at == start + timedelta(seconds=30 + 60)
        with clock.frozen_at(start + timedelta(seconds=90)):
            deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.DEAD and msg.attempts == 3
    assert [r.kind for r in msg.receipts.all()] == ["retry", "retry", "dead"]


def test_a_provider_down_fails_over_to_the_next(settings) -> None:  # type: ignore[no-untyped-def]
    msg = _msg()
    with Scripted.use(settings, "down", second=("ok",)) as fake:
        deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT and msg.provider == "scripted2"
    assert [r.kind for r in msg.receipts.all()] == [Receipt.Kind.FAILOVER, Receipt.Kind.SENT]
    assert fake.sent == {"scripted": [], "scripted2": [msg.key]}


def test_both_down_retry_later_and_succeed_when_the_first_is_back(settings) -> None:  # type: ignore[no-untyped-def]
    msg = _msg()
    with Scripted.use(settings, "down", "ok", second=("down",)):
        deliver_due()
        msg.refresh_from_db()
        assert msg.state == State.QUEUED and msg.attempts == 1
        with clock.frozen_at(msg.next_at):
            deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT and msg.provider == "scripted"


def test_an_invalid_number_is_not_retried(settings) -> None:  # type: ignore[no-untyped-def]
    msg = _msg()
    with Scripted.use(settings, "invalid", second=("ok",)) as fake:
        deliver_due()
        with clock.frozen_at(clock.now() + timedelta(days=1)):
            assert deliver_due() == 0
    msg.refresh_from_db()
    assert msg.state == State.FAILED and fake.calls == [("scripted", msg.key)]  # no failover either


def test_throttling_waits_and_does_not_fail_over(settings) -> None:  # type: ignore[no-untyped-def]
    msg = _msg()
    with Scripted.use(settings, "throttled", "ok", second=("ok",)) as fake:
        deliver_due()
        msg.refresh_from_db()
        assert msg.state == State.QUEUED and msg.receipts.get().code == "THROTTLED"
        with clock.frozen_at(msg.next_at):
            deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT and [c[0] for c in fake.calls] == ["scripted", "scripted"]


def test_wechat_refused_falls_back_to_sms(settings) -> None:  # type: ignore[no-untyped-def]
    msg = _msg(channel=Channel.WECHAT, to_openid="o-1")
    with Scripted.use(settings, "invalid", "ok"):
        deliver_due()
        msg.refresh_from_db()
        assert msg.state == State.QUEUED and msg.channel == Channel.SMS
        deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT


def test_a_worker_killed_after_sending_loses_nothing_and_sends_once(settings) -> None:  # type: ignore[no-untyped-def]
    """The worker claims, the provider sends, the worker dies before writing: after the lease the next
    worker sends again with the same key; the provider recognises it; one message reached the phone."""
    msg = _msg()
    with Scripted.use(settings, "ok") as fake:
        taken = claim(worker="doomed")
        assert [m.pk for m in taken] == [msg.pk]
        Scripted().send(taken[0])  # sent … and the worker is killed here
        assert deliver_due(worker="other") == 0  # the lease still holds: nobody else touches it
        lease = settings.DOORSTEP_NOTIFY["lease_seconds"]
        with clock.frozen_at(clock.now() + timedelta(seconds=lease + 1)):
            assert deliver_due(worker="other") == 1
    msg.refresh_from_db()
    assert msg.state == State.SENT and fake.sent == {"scripted": [msg.key]} and len(fake.calls) == 2
    assert msg.receipts.filter(kind=Receipt.Kind.SENT).count() == 1


def test_a_worker_killed_before_sending_loses_nothing(settings) -> None:  # type: ignore[no-untyped-def]
    msg = _msg()
    with Scripted.use(settings, "ok") as fake:
        claim(worker="doomed")  # killed right after claiming
        lease = settings.DOORSTEP_NOTIFY["lease_seconds"]
        with clock.frozen_at(clock.now() + timedelta(seconds=lease + 1)):
            deliver_due(worker="other")
    msg.refresh_from_db()
    assert msg.state == State.SENT and fake.sent == {"scripted": [msg.key]}


def test_a_late_outcome_of_a_lost_lease_is_not_written(settings) -> None:  # type: ignore[no-untyped-def]
    msg = _msg()
    with Scripted.use(settings, "ok"):
        slow = claim(worker="slow")[0]
        lease = settings.DOORSTEP_NOTIFY["lease_seconds"]
        with clock.frozen_at(clock.now() + timedelta(seconds=lease + 1)):
            assert deliver_due(worker="fast") == 1
        deliver(slow)  # the slow worker wakes up: its lease is gone, it writes nothing
    msg.refresh_from_db()
    assert msg.state == State.SENT and msg.receipts.filter(kind=Receipt.Kind.SENT).count() == 1


def test_two_workers_never_claim_the_same_message() -> None:
    for n in range(5):
        _msg(n)
    a = claim(worker="a", limit=3)
    b = claim(worker="b", limit=10)
    assert len(a) == 3 and len(b) == 2 and not {m.pk for m in a} & {m.pk for m in b}


def test_demo_history_is_settled_without_a_backlog() -> None:
    from doorstep.notify.outbox import settle_history

    old = _msg(1)
    with clock.frozen_at(clock.now() + timedelta(hours=1)):
        fresh = _msg(2)
        assert settle_history(before=clock.now() - timedelta(minutes=5)) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == State.SENT and old.sent_at == old.created_at and old.receipts.get().kind == "sent"
    assert fresh.state == State.QUEUED
