"""The outbox: queue a message with its cause, deliver it from the background worker, exactly once.

**Queueing** (:func:`enqueue`) happens inside the caller's transaction: the row commits or rolls back
with the event that causes it, and nothing is sent from a request. The key (order, template,
recipient, occasion) is unique: the same event queued twice is one message.

**Delivery** (:func:`deliver_due`, run by the worker's periodic job ``notify_deliver``):

1. *claim* — due rows (queued and due, or sending with an expired lease: a worker died holding them)
   are taken with a lease (``lease_until``, ``lease_owner``); on PostgreSQL with
   ``SELECT … FOR UPDATE SKIP LOCKED``, everywhere with a compare-and-set update, so two workers
   never hold the same row;
2. *send* — outside any transaction, through the channel's provider chain (failover on ``DOWN``),
   always with the message's own idempotency key: a message re-sent after a crash between the
   provider's answer and our write is recognised by the provider and not sent twice;
3. *record* — the outcome is written only while the lease is still ours, with a :class:`Receipt`;
   failures are retried with exponential backoff, up to ``max_attempts``, then the message is dead
   (a dead letter on the staff page); a refusal for good (invalid number) is not retried and the
   desk is told (signal :data:`message_stuck`).

Quiet hours: a non-urgent SMS is never sent between the message's ``quiet_from`` and ``quiet_until``
(the centre's policy, copied at queueing); it waits for the morning.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from doorstep.core import clock
from doorstep.notify.models import Channel, Message, Receipt, State
from doorstep.notify.providers.base import Outcome, Result, chain, provider

log = logging.getLogger(__name__)

# Sent inside the transaction that writes a receipt: (message, receipt). The layers above put it on
# the order's record (R-CO-4).
message_receipt = Signal()
# Sent when a message cannot be delivered (refused for good, or dead): (message, receipt). The desk is told.
message_stuck = Signal()
# Sent inside the transaction that queues a message (created only): (message,).
message_queued = Signal()


def conf(name: str) -> Any:
    return settings.DOORSTEP_NOTIFY[name]


# --- queueing --------------------------------------------------------------------------------------------
@dataclass
class Draft:
    template: str
    channel: str
    recipient: str
    occasion: str
    text: str
    params: list[list[str]]
    order_id: int | None = None
    order_number: str = ""
    to_phone: str = ""
    to_openid: str = ""
    to_url: str = ""
    centre: str = ""
    urgent: bool = False
    quiet: tuple[time, time] | None = None
    link: str = ""
    rule: str = ""


def enqueue(draft: Draft, *, now: datetime | None = None, new_order: bool = False) -> tuple[Message, bool]:
    """(message, created?): the message for the draft's key, queued now unless it already is.

    ``new_order``: the draft's order was inserted in the caller's transaction, which no other transaction
    can see yet, so nothing can have been queued for its number: the message is written without the
    key's lock, the look-up and the savepoints (issue 16: six round trips less per intake)."""
    now = now or clock.now()
    key = {
        "order_number": draft.order_number,
        "template": draft.template,
        "recipient": draft.recipient,
        "occasion": draft.occasion,
    }
    if new_order:
        msg = _message(draft, key, now)
        msg.save()
        message_queued.send(sender=Message, message=msg)
        return msg, True
    with transaction.atomic():
        _hold(key)
        existing = Message.objects.filter(**key).first()
        if existing is not None:
            return existing, False
        msg, created = _queue(draft, key, now)
    if created:
        message_queued.send(sender=Message, message=msg)
    return msg, created


def _hold(key: dict[str, str]) -> None:
    """PostgreSQL: serialise writers of one key until their transaction ends. The table is partitioned
    by month there, so its unique key includes created_at and no longer stops a twin queued a moment
    later; the lock does, as the unique key still does on SQLite (whose writers are serialised anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ["\x1f".join(key.values())])


def _queue(draft: Draft, key: dict[str, str], now: datetime) -> tuple[Message, bool]:
    msg = _message(draft, key, now)
    try:
        with transaction.atomic():
            msg.save()
    except IntegrityError:  # queued at the same moment by another transaction
        return Message.objects.get(**key), False
    return msg, True


def _message(draft: Draft, key: dict[str, str], now: datetime) -> Message:
    quiet_from, quiet_until = draft.quiet if draft.quiet and not draft.urgent else (None, None)
    msg = Message(
        **key,
        channel=draft.channel,
        order_id=draft.order_id,
        to_phone=draft.to_phone,
        to_openid=draft.to_openid,
        to_url=draft.to_url,
        centre=draft.centre,
        urgent=draft.urgent,
        quiet_from=quiet_from,
        quiet_until=quiet_until,
        params=draft.params,
        text=draft.text,
        link=draft.link[:300],
        rule=draft.rule,
        created_at=now,
        next_at=now,
    )
    msg.next_at = out_of_quiet(msg, now)
    return msg


def in_quiet(msg: Message, at: datetime) -> bool:
    if msg.urgent or msg.channel != Channel.SMS or msg.quiet_from is None or msg.quiet_until is None:
        return False
    t = timezone.localtime(at).time()
    start, end = msg.quiet_from, msg.quiet_until
    return (start <= t or t < end) if start > end else (start <= t < end)


def out_of_quiet(msg: Message, at: datetime) -> datetime:
    """``at``, or the end of the quiet hours it falls in (the morning), for a non-urgent SMS."""
    if not in_quiet(msg, at):
        return at
    assert msg.quiet_until is not None
    local = timezone.localtime(at)
    morning = local.replace(hour=msg.quiet_until.hour, minute=msg.quiet_until.minute, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return morning


def backoff(attempts: int) -> timedelta:
    """Exponential: base × 2^(attempts-1), capped."""
    seconds = conf("backoff_seconds") * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, conf("backoff_max_seconds")))


# --- delivery --------------------------------------------------------------------------------------------
def _due(now: datetime) -> Q:
    return Q(state=State.QUEUED, next_at__lte=now) | Q(state=State.SENDING, lease_until__lt=now)


def claim(*, worker: str, now: datetime | None = None, limit: int = 20) -> list[Message]:
    """Take up to ``limit`` due messages with a lease; no two workers ever hold the same one."""
    now = now or clock.now()
    token = f"{worker[:40]}:{uuid.uuid4().hex[:16]}"
    with transaction.atomic():
        qs = Message.objects.filter(_due(now)).order_by("next_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Message.objects.filter(_due(now), pk__in=ids).update(  # compare-and-set: SQLite has no row locks
            state=State.SENDING,
            lease_owner=token,
            lease_until=now + timedelta(seconds=conf("lease_seconds")),
        )
    return list(Message.objects.filter(pk__in=ids, lease_owner=token, state=State.SENDING).order_by("pk"))


def deliver_due(*, worker: str = "", now: datetime | None = None, limit: int = 20) -> int:
    """Claim and deliver what is due; the number of messages handled."""
    worker = worker or f"w-{uuid.uuid4().hex[:8]}"
    handled = 0
    for msg in claim(worker=worker, now=now, limit=limit):
        try:
            deliver(msg, now=now)
        except Exception:  # a bug in one message must not stop the others; the lease brings it back
            log.exception("notify: delivering message %s failed", msg.pk)
        handled += 1
    return handled


def deliver(msg: Message, *, now: datetime | None = None) -> None:
    """Send one claimed message through its chain and record what happened."""
    now = now or clock.now()
    if in_quiet(msg, now):
        _finish(msg, now, state=State.QUEUED, next_at=out_of_quiet(msg, now), receipts=[
            (Receipt.Kind.DEFERRED, "", "", "")])  # fmt: skip
        return
    receipts: list[tuple[str, str, str, str]] = []
    names = chain(msg.channel)
    if msg.provider in names:  # an UNKNOWN answer: ask the same provider again, with the same key
        names.remove(msg.provider)
        names.insert(0, msg.provider)
    last: Outcome | None = None
    used = ""
    for i, name in enumerate(names):
        used = name
        last = _send(name, msg)
        if last.result in (Result.OK, Result.INVALID, Result.THROTTLED, Result.UNKNOWN):
            break
        if i + 1 < len(names):  # DOWN: fail over to the next provider at once
            receipts.append((Receipt.Kind.FAILOVER, name, last.code, f"→ {names[i + 1]} {last.detail}"))
    assert last is not None
    if last.ok:
        receipts.append((Receipt.Kind.SENT, used, last.code, last.detail))
        _finish(msg, now, state=State.SENT, provider=used, provider_ref=last.ref, sent_at=now,
                last_error="", receipts=receipts)  # fmt: skip
        return
    error = f"{used}: {last.code} {last.detail}".strip()[:300]
    if last.result == Result.INVALID:
        if msg.channel == Channel.WECHAT and msg.to_phone:  # not following any more: fall back to SMS
            receipts.append((Receipt.Kind.FAILOVER, used, last.code, "→ sms"))
            _finish(msg, now, state=State.QUEUED, channel=Channel.SMS, provider="", next_at=out_of_quiet(
                _as_sms(msg), now), last_error=error, receipts=receipts)  # fmt: skip
            return
        receipts.append((Receipt.Kind.FAILED, used, last.code, last.detail))
        _finish(msg, now, state=State.FAILED, provider=used, last_error=error, receipts=receipts)
        return
    attempts = msg.attempts + 1
    if attempts >= conf("max_attempts"):
        receipts.append((Receipt.Kind.DEAD, used, last.code, last.detail))
        _finish(msg, now, state=State.DEAD, attempts=attempts, provider=used, last_error=error,
                receipts=receipts)  # fmt: skip
        return
    receipts.append((Receipt.Kind.RETRY, used, last.code, last.detail))
    sticky = used if last.result == Result.UNKNOWN else ""
    _finish(msg, now, state=State.QUEUED, attempts=attempts, provider=sticky, last_error=error,
            next_at=out_of_quiet(msg, now + backoff(attempts)), receipts=receipts)  # fmt: skip


def _as_sms(msg: Message) -> Message:
    msg.channel = Channel.SMS
    return msg


def _send(name: str, msg: Message) -> Outcome:
    try:
        return provider(name).send(msg)
    except Exception as exc:  # a provider bug or an unexpected answer: not known to be sent
        log.exception("notify: provider %s raised on message %s", name, msg.pk)
        return Outcome(Result.UNKNOWN, code=type(exc).__name__, detail=str(exc)[:200])


def _finish(msg: Message, now: datetime, *, receipts: list[tuple[str, str, str, str]], **fields: Any) -> bool:
    """Write the outcome if the lease is still ours (else another worker has the message: it will resend
    with the same key, and the provider recognises it)."""
    fields.setdefault("lease_until", None)
    fields.setdefault("lease_owner", "")
    with transaction.atomic():
        done = Message.objects.filter(pk=msg.pk, lease_owner=msg.lease_owner, state=State.SENDING).update(
            **fields
        )
        if not done:
            log.warning("notify: lease on message %s lost before its outcome was written", msg.pk)
            return False
        for field, value in fields.items():
            setattr(msg, field, value)
        for kind, prov, code, detail in receipts:
            r = Receipt.objects.create(
                message=msg, kind=kind, provider=prov, code=code[:80], detail=detail[:300], at=now
            )
            message_receipt.send(sender=Message, message=msg, receipt=r)
            if kind in (Receipt.Kind.FAILED, Receipt.Kind.DEAD):
                message_stuck.send(sender=Message, message=msg, receipt=r)
    return True


# --- delivery-status callbacks ------------------------------------------------------------------------------
def status_report(*, provider_name: str, ref: str, delivered: bool, code: str = "", detail: str = "",
                  at: datetime | None = None) -> Message | None:  # fmt: skip
    """A provider's delivery report for its message ``ref``: recorded once per (message, outcome)."""
    at = at or clock.now()
    with transaction.atomic():
        msg = Message.objects.select_for_update().filter(provider=provider_name, provider_ref=ref).first()
        if msg is None:
            return None
        kind = Receipt.Kind.DELIVERED if delivered else Receipt.Kind.UNDELIVERED
        if msg.receipts.filter(kind=kind).exists():  # the provider repeats its reports
            return msg
        if delivered:
            Message.objects.filter(pk=msg.pk).update(state=State.DELIVERED, delivered_at=at)
            msg.state, msg.delivered_at = State.DELIVERED, at
        r = Receipt.objects.create(message=msg, kind=kind, provider=provider_name, code=code[:80],
                                   detail=detail[:300], at=at)  # fmt: skip
        message_receipt.send(sender=Message, message=msg, receipt=r)
        if not delivered:
            message_stuck.send(sender=Message, message=msg, receipt=r)
    return msg


def retry_now(msg: Message) -> None:
    """Staff put a dead or failed message back in the queue (after fixing the number, say)."""
    Message.objects.filter(pk=msg.pk, state__in=[State.DEAD, State.FAILED]).update(
        state=State.QUEUED, attempts=0, next_at=clock.now(), provider="", desk_told=False
    )


def settle_history(*, before: datetime, provider_name: str = "console") -> int:
    """Demo histories: the messages their past events queued count as sent at their own time, through the
    console (nothing leaves the machine), so the worker does not send a backlog when the demo starts."""
    old = Message.objects.filter(state=State.QUEUED, created_at__lt=before)
    receipts = [
        Receipt(message_id=pk, kind=Receipt.Kind.SENT, provider=provider_name, code="OK", detail="demo", at=t)
        for pk, t in old.values_list("pk", "created_at")
    ]
    Receipt.objects.bulk_create(receipts)
    for msg in old.only("pk", "created_at"):
        Message.objects.filter(pk=msg.pk).update(
            state=State.SENT, provider=provider_name, sent_at=msg.created_at, provider_ref=f"demo-{msg.pk}"
        )
    return len(receipts)
