"""What the live providers tell us, applied (R-CO-2): verified notifications, the query when none came,
refunds, and the daily reconciliation of the providers' statements.

The order is paid only from a **verified** notice (signature checked by the provider's SDK against the
platform public key) whose amount equals the intent's, i.e. the accepted quote's amount due (the PAY move
checks the quote again). Idempotent on the provider's transaction id: a notice already recorded changes
nothing (the database's unique constraint on the provider and transaction id holds it under a race). Every
notification is kept (``PaymentNotice``); a rejection also goes on the order's record when the order is
known.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action
from doorstep.visits.models import PaymentIntent, PaymentNotice, StatementDiff
from doorstep.visits.payment.providers import Notice, NoticeRejected, Provider, RefundNotice, WeChatPay
from doorstep.visits.payment.take import ProviderNotConfigured, _charge_unapplied, live, live_provider

log = logging.getLogger(__name__)
State = PaymentIntent.State
Outcome = PaymentNotice.Outcome
Kind = StatementDiff.Kind
SETTLED = (State.CHARGED, State.APPLIED, State.NEEDS_REFUND, State.REFUNDED)


def _payments() -> dict[str, Any]:
    return dict(getattr(settings, "DOORSTEP_PAYMENTS", {}) or {})


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: str


def _sdk(method: str) -> Provider:
    return live_provider(method).sdk()


def _record(
    provider: str, outcome: str, reason: str, notice: Notice | None, body: bytes = b"", client: str = ""
) -> PaymentNotice:
    row = PaymentNotice.objects.create(
        provider=provider,
        at=clock.now(),
        outcome=outcome,
        reason=reason[:200],
        key=notice.key[:64] if notice else "",
        transaction_id=notice.transaction_id[:64] if notice else "",
        amount=str(notice.amount) if notice else "",
        body=body[:2000].decode("utf-8", "replace"),
        client=client[:64],
    )
    if outcome == Outcome.REJECTED:
        log.warning("payment notice rejected: %s %s %s", provider, reason, notice)
        intent = (
            PaymentIntent.objects.filter(key=notice.key).select_related("order").first() if notice else None
        )
        if intent is not None:
            EventKind.PAYMENT_NOTICE_REJECTED.record(
                order=intent.order,
                actor=Actor.system(),
                rule="R-CO-2",
                customer_visible=False,
                data={
                    "provider": provider,
                    "reason": reason,
                    "key": notice.key if notice else "",
                    "transaction_id": notice.transaction_id if notice else "",
                    "amount": str(notice.amount) if notice else "",
                },
            )
    return row


def notice_receive(*, method: str, headers: Mapping[str, Any], body: bytes, client: str = "") -> Answer:
    """A provider's notification as it arrived: verified, applied, logged; the answer the provider expects
    (success, so it stops sending; or 4xx with the reason)."""
    if not live():
        return Answer(404, "text/plain", "payments are not live")
    try:
        sdk = _sdk(method)
    except (ProviderNotConfigured, Invalid):
        return Answer(404, "text/plain", "provider not configured")
    try:
        notice = sdk.verify(headers, body)
    except NoticeRejected as refused:
        _record(sdk.name, Outcome.REJECTED, refused.reason, refused.notice, body, client)
        return Answer(*sdk.nack(refused.reason))
    if isinstance(notice, RefundNotice):
        outcome, reason = refund_apply(sdk.name, notice, body=body, client=client)
    else:
        outcome, reason = notice_apply(sdk.name, notice, body=body, client=client)
    if outcome == Outcome.REJECTED:
        return Answer(*sdk.nack(reason))
    return Answer(*sdk.ack())


def notice_apply(provider: str, notice: Notice, *, body: bytes = b"", client: str = "") -> tuple[str, str]:
    """A verified notice (or a verified query answer) applied to its intent: (outcome, reason)."""
    outcome, reason = _apply(provider, notice)
    _record(provider, outcome, reason, notice, body, client)
    return outcome, reason


def _apply(provider: str, notice: Notice) -> tuple[str, str]:
    intent = PaymentIntent.objects.filter(key=notice.key).select_related("order", "order__customer").first()
    if intent is None:
        return Outcome.REJECTED, "unknown_order"
    if intent.method != provider:
        return Outcome.REJECTED, "provider"
    if intent.transaction_id and intent.transaction_id == notice.transaction_id and intent.state in SETTLED:
        if intent.state == State.CHARGED:  # recorded before, not applied yet: try the move again
            _pay(intent)
        return Outcome.DUPLICATE, "transaction_recorded"
    if not notice.paid:
        return Outcome.REJECTED, f"not_paid:{notice.state}"[:200]
    # pending, or failed (closed at our query) and paid after all: the money was taken, record it
    if intent.state not in (State.PENDING, State.FAILED):
        return Outcome.REJECTED, "transaction_mismatch"
    if notice.amount != intent.amount:  # R-CO-2: exactly the accepted quote's amount due
        return Outcome.REJECTED, "amount"
    now = clock.now()
    try:
        with transaction.atomic():
            moved = PaymentIntent.objects.filter(pk=intent.pk, state=intent.state).update(
                state=State.CHARGED,
                provider=provider,
                transaction_id=notice.transaction_id[:60],
                charged_at=now,
                updated_at=now,
                last_error="",
            )
    except IntegrityError:  # this transaction id is already recorded on another intent
        return Outcome.REJECTED, "transaction_reused"
    if moved != 1:  # a concurrent notice recorded it first
        return Outcome.DUPLICATE, "transaction_recorded"
    intent.refresh_from_db()
    _pay(intent)
    return Outcome.APPLIED, ""


def _pay(intent: PaymentIntent) -> None:
    """The PAY move from the charged intent, on the customer's behalf (they paid); refused: flagged."""
    from doorstep.orders.services import order_transition

    actor = Actor.customer(intent.order.customer.name)
    try:
        order_transition(
            order=intent.order,
            actor=actor,
            action=Action.PAY,
            params={"method": intent.method, "intent": intent.key},
        )
    except DomainError as err:
        intent.refresh_from_db()
        if intent.state != State.APPLIED:
            _charge_unapplied(intent, actor, err)


# --- the query when no notice came -------------------------------------------------------------------------
def intents_query(*, now: Any = None) -> dict[str, int]:
    """Pending live intents whose customer was shown the code ``query_after_seconds`` ago and no notice came:
    ask the provider (its answer is signed and verified by the SDK). Paid: applied like a notice; closed or
    failed at the provider: the intent fails."""
    counts = {"asked": 0, "paid": 0, "failed": 0}
    if not live():
        return counts
    now = now or clock.now()
    after = timedelta(seconds=float(_payments().get("query_after_seconds", 120)))
    due = PaymentIntent.objects.filter(state=State.PENDING, created_at__lte=now - after).exclude(pay_url="")
    for intent in due.order_by("created_at")[:200]:
        try:
            sdk = _sdk(intent.method)
            notice = sdk.query(intent.key)
        except Exception as err:  # one provider down must not stop the others
            log.warning("payment query failed for %s: %s", intent.key, err)
            continue
        counts["asked"] += 1
        if notice is None:
            continue
        if notice.paid:
            outcome, _ = notice_apply(sdk.name, notice, client="query")
            counts["paid"] += outcome == Outcome.APPLIED
        elif notice.state in ("CLOSED", "REVOKED", "PAYERROR", "TRADE_CLOSED"):
            PaymentIntent.objects.filter(pk=intent.pk, state=State.PENDING).update(
                state=State.FAILED, last_error=f"{sdk.name}: {notice.state}", updated_at=clock.now()
            )
            counts["failed"] += 1
    return counts


# --- refunds ---------------------------------------------------------------------------------------------
REFUNDABLE = (State.APPLIED, State.CHARGED, State.NEEDS_REFUND)
REFUND_ENDED = {"SUCCESS": State.REFUNDED, "ABNORMAL": State.REFUND_FAILED, "CLOSED": State.REFUND_FAILED}


def payment_refund(*, intent: PaymentIntent, actor: Actor, reason: str) -> PaymentIntent:
    """Refund a charge through its provider (a live one through its SDK), with the staff member's reason.
    The refund number is the intent's own, so asking twice refunds once at the provider.

    Alipay answers at once (refunded). WeChat Pay's refunds are asynchronous: accepted (PROCESSING), the
    intent is ``refunding`` and is refunded only when the verified refund notification (:func:`refund_apply`)
    or a query (:func:`refunds_query`) says SUCCESS; the order's record and the customer's ``refunded``
    notice come only then (R-CO-2)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(ErrorCode.PAYMENT_REFUND_REASON, field="reason")
    if intent.state not in REFUNDABLE or not intent.transaction_id:
        raise DomainError(ErrorCode.PAYMENT_NOT_REFUNDABLE, state=intent.get_state_display())
    refund_no = f"{intent.key}R"[:64]
    answer = None
    if intent.provider in ("wechat", "alipay"):
        answer = _sdk(intent.method).refund(intent, refund_no, reason)
    status = answer.status if answer is not None else "SUCCESS"
    was, now = intent.state, clock.now()
    with transaction.atomic():
        done = PaymentIntent.objects.filter(pk=intent.pk, state=was).update(
            state=REFUND_ENDED.get(status, State.REFUNDING),
            refund_no=refund_no,
            refund_reason=reason[:200],
            refund_id=(answer.refund_id if answer else "")[:64],
            refund_by=actor.name[:100],
            refund_asked_at=now,
            refunded_at=now if status == "SUCCESS" else None,
            last_error="" if status in ("SUCCESS", "PROCESSING") else f"refund: {status}",
            updated_at=now,
        )
        intent.refresh_from_db()
        if done and intent.state == State.REFUNDED:
            _refunded(intent, actor)
    return intent


def _refunded(intent: PaymentIntent, actor: Actor) -> None:
    """The refund is done: on the order's record, and the customer is told (the ``refunded`` notice)."""
    EventKind.PAYMENT_REFUNDED.record(
        order=intent.order,
        actor=actor,
        rule="R-CO-2",
        customer_visible=True,
        data={
            "method": intent.get_method_display(),
            "amount": str(intent.amount),
            "refund_no": intent.refund_no,
            "transaction_id": intent.transaction_id,
            "reason": intent.refund_reason,
            "requested_by": intent.refund_by,
        },
    )


def refund_apply(
    provider: str, notice: RefundNotice, *, body: bytes = b"", client: str = ""
) -> tuple[str, str]:
    """A verified refund notification (or query answer) applied to the refunding intent: (outcome, reason).
    SUCCESS: refunded, recorded and the customer told, once; ABNORMAL / CLOSED: ``refund_failed`` for the
    desk; a repeat or a refund we never asked changes nothing."""
    outcome, reason, intent = _refund_apply(provider, notice)
    PaymentNotice.objects.create(
        provider=provider,
        at=clock.now(),
        outcome=outcome,
        reason=f"refund:{notice.status} {reason}".strip()[:200],
        key=notice.key[:64],
        transaction_id=notice.refund_id[:64],
        amount=str(notice.amount),
        body=body[:2000].decode("utf-8", "replace"),
        client=client[:64],
    )
    if outcome == Outcome.REJECTED:
        log.warning("refund notice rejected: %s %s %s", provider, reason, notice)
        if intent is not None:
            EventKind.PAYMENT_NOTICE_REJECTED.record(
                order=intent.order,
                actor=Actor.system(),
                rule="R-CO-2",
                customer_visible=False,
                data={
                    "provider": provider,
                    "reason": reason,
                    "key": notice.key,
                    "refund_no": notice.refund_no,
                },
            )
    return outcome, reason


def _refund_apply(provider: str, notice: RefundNotice) -> tuple[str, str, PaymentIntent | None]:
    intent = (
        PaymentIntent.objects.filter(refund_no=notice.refund_no, key=notice.key)
        .exclude(refund_no="")
        .select_related("order")
        .first()
    )
    if intent is None:
        return Outcome.REJECTED, "unknown_refund", None
    if intent.method != provider:
        return Outcome.REJECTED, "provider", intent
    ended = REFUND_ENDED.get(notice.status)
    if intent.state != State.REFUNDING:
        if ended is not None and intent.state == ended:
            return Outcome.DUPLICATE, "refund_recorded", intent
        return Outcome.REJECTED, "refund_mismatch", intent
    if notice.amount != intent.amount:
        return Outcome.REJECTED, "amount", intent
    if ended is None:  # still PROCESSING: nothing to change
        return Outcome.DUPLICATE, "refund_processing", intent
    now = clock.now()
    with transaction.atomic():
        moved = PaymentIntent.objects.filter(pk=intent.pk, state=State.REFUNDING).update(
            state=ended,
            refund_id=notice.refund_id[:64] or intent.refund_id,
            refunded_at=now if ended == State.REFUNDED else None,
            last_error="" if ended == State.REFUNDED else f"refund: {notice.status}",
            updated_at=now,
        )
        if moved != 1:  # a concurrent notice or query applied it first
            return Outcome.DUPLICATE, "refund_recorded", intent
        intent.refresh_from_db()
        if ended == State.REFUNDED:
            _refunded(intent, Actor.system())
    return Outcome.APPLIED, "", intent


def refunds_query(*, now: Any = None) -> dict[str, int]:
    """Refunds still PROCESSING ``query_after_seconds`` after they were asked, their notification not come:
    the provider is asked (``GET /v3/refund/domestic/refunds/{out_refund_no}``) and its answer applied like
    a notification."""
    counts = {"asked": 0, "refunded": 0, "failed": 0}
    if not live():
        return counts
    now = now or clock.now()
    after = timedelta(seconds=float(_payments().get("query_after_seconds", 120)))
    due = PaymentIntent.objects.filter(state=State.REFUNDING, refund_asked_at__lte=now - after)
    for intent in due.order_by("refund_asked_at")[:200]:
        try:
            sdk = _sdk(intent.method)
            notice = sdk.refund_query(intent.refund_no) if isinstance(sdk, WeChatPay) else None
        except Exception as err:  # one provider down must not stop the others
            log.warning("refund query failed for %s: %s", intent.refund_no, err)
            continue
        counts["asked"] += 1
        if notice is None:
            continue
        outcome, _ = refund_apply(sdk.name, notice, client="query")
        if outcome == Outcome.APPLIED:
            intent.refresh_from_db()
            counts["refunded" if intent.state == State.REFUNDED else "failed"] += 1
    return counts


# --- the daily reconciliation ------------------------------------------------------------------------------
def reconcile(day: date) -> list[StatementDiff]:
    """Each live provider's statement of ``day`` against the intents it charged that day: every
    difference listed (``StatementDiff``), the day's earlier list replaced (a rerun is idempotent)."""
    if not live():
        return []
    found: list[StatementDiff] = []
    for method in ("wechat", "alipay"):
        try:
            sdk = _sdk(method)
        except ProviderNotConfigured:
            continue
        rows = {n.key: n for n in sdk.statement(day) if n.paid}
        ours = {
            i.key: i
            for i in PaymentIntent.objects.filter(provider=sdk.name, state__in=SETTLED, charged_at__date=day)
        }
        found_rows: list[tuple[str, str, str, str, str]] = []  # kind, key, transaction, ours, theirs
        for key, row in rows.items():
            mine = ours.get(key)
            if mine is None:
                other = PaymentIntent.objects.filter(key=key).first()
                shown = other.get_state_display() if other else "—"
                found_rows.append((Kind.MISSING_HERE, key, row.transaction_id, shown, f"¥{row.amount}"))
            elif mine.amount != row.amount:
                found_rows.append((Kind.AMOUNT, key, row.transaction_id, f"¥{mine.amount}", f"¥{row.amount}"))
        for key, mine in ours.items():
            if key not in rows:
                found_rows.append((Kind.MISSING_THERE, key, mine.transaction_id, f"¥{mine.amount}", "—"))
        now = clock.now()
        diffs = [
            StatementDiff(
                provider=sdk.name,
                bill_date=day,
                kind=k,
                key=key,
                transaction_id=tx,
                ours=o,
                theirs=t,
                found_at=now,
            )
            for k, key, tx, o, t in found_rows
        ]
        with transaction.atomic():
            StatementDiff.objects.filter(provider=sdk.name, bill_date=day).delete()
            found += StatementDiff.objects.bulk_create(diffs)
    return found
