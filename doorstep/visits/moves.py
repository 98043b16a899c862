"""The visit's rules of the lifecycle moves (declared in ``RULES``, read by the rulebook).

Guards check the move before anything is written and refuse with a DomainError; effects write the
visit's own rows with the move; after-commit effects produce what leaves the database (the report).
Rule ids: docs/standard.md §4–7.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils.dateparse import parse_datetime

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.core.punctuality import appointment_of
from doorstep.network.models import Seniority
from doorstep.network.policy import policy_of
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.rulebook import MoveContext, Rule, after_commit, effect, guard
from doorstep.parts.services import reservations_release
from doorstep.visits.arrival.escalation import task_open, tasks_close
from doorstep.visits.arrival.protocol import apology_gap, arrival_record, knock_protocol_gap, moment
from doorstep.visits.checklists import checklist_done
from doorstep.visits.completion.gaps import completion_gaps
from doorstep.visits.consent.channel import CUSTOMER_OWN, STILL_HONOURED, consent_given
from doorstep.visits.consent.signature import current_signature
from doorstep.visits.diagnosis.quote import quote_require_accepted
from doorstep.visits.models import Checklist, Consent, EscalationTask, TakeBack
from doorstep.visits.payment.take import ELECTRONIC, intent_to_apply, payment_intents_settle
from doorstep.visits.payment.terms import payment_record, payment_terms
from doorstep.visits.previsit import consent_before_going
from doorstep.visits.report.store import report_store_quietly
from doorstep.visits.selectors import amount_due, amount_outstanding

A = Action
Params = dict[str, Any]


# --- before leaving and on arrival ------------------------------------------------------------------------
def kit_checked_before_departure(ctx: MoveContext) -> Params:
    """The kit checklist (reserved parts included) is ticked before leaving; departure time recorded."""
    if not checklist_done(ctx.order, Checklist.Kind.KIT):
        raise DomainError(ErrorCode.KIT_NOT_CHECKED)
    return {"departed_at": moment(ctx.param("client_at")).isoformat()}


def consent_before_the_visit(ctx: MoveContext) -> None:
    """R-DI-6: a customer who refused the visit is visited only after their consent is on the record."""
    consent_before_going(ctx.order)


def entry_refusal_recorded(ctx: MoveContext) -> Params:
    """R-DI-10: the customer refused entry or doubted this technician's qualification. The visit goes back
    to the outlet without technician or time, to be rebooked with a strictly more senior technician."""
    order = ctx.order
    refusal = str(ctx.param("refusal") or "")
    if refusal not in ENTRY_REFUSALS:
        raise Invalid(ErrorCode.ENTRY_REFUSAL_KIND_INVALID, field="refusal")
    tech = order.technician
    assert tech is not None
    ctx.updates.update(
        technician=None,
        window_start=None,
        window_end=None,
        appointment_at=None,
        senior_than=max(order.senior_than or 0, tech.seniority),
    )
    return {
        "refusal": refusal,
        "refused_technician": tech.pk,
        "technician_name": tech.staff.name,
        "seniority": tech.seniority,
    }


ENTRY_REFUSALS = ("refused_entry", "doubted_qualification")


def senior_rebooking_task(ctx: MoveContext) -> None:
    """R-DI-10: the desk follows the rebooking with a more senior technician."""
    level, hours = Seniority(ctx.data["seniority"]).label, policy_of(ctx.order).rebook_due_hours
    what = "拒绝入户" if ctx.data.get("refusal") == "refused_entry" else "质疑工程师资质"
    task_open(
        order=ctx.order,
        actor=ctx.actor,
        kind=EscalationTask.Kind.SENIOR_REBOOK,
        note=f"客户{what}（{ctx.data.get('technician_name', '')}，{level}）：请改派更资深的工程师并重新预约",
        due_in=timedelta(hours=hours),
        data={"seniority": ctx.data["seniority"]},
    )


def senior_rebooking_done(ctx: MoveContext) -> None:
    """Assigning the more senior technician closes the rebooking task (R-DI-10)."""
    tasks_close(
        order=ctx.order,
        actor=ctx.actor,
        kind=EscalationTask.Kind.SENIOR_REBOOK,
        outcome="已改派更资深的工程师",
    )


def _location(p: Params) -> dict[str, float]:
    try:
        lat, lng = float(p.get("lat") or ""), float(p.get("lng") or "")
    except ValueError:
        return {}
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return {"lat": round(lat, 6), "lng": round(lng, 6)}
    return {}


def arrival_time_and_lateness(ctx: MoveContext) -> Params:
    """Arrival time by the one clock (the phone's, checked against the server's), location, lateness."""
    at = moment(ctx.param("client_at"))
    return {"arrived_at": at.isoformat(), **_location(ctx.params), **arrival_record(ctx.order, at)}


def lateness_escalation(ctx: MoveContext) -> None:
    """Late by the escalation threshold or more: a task for the centre's complaint supervisor."""
    data = ctx.data
    if data.get("lateness") == "late_major":
        task_open(
            order=ctx.order,
            actor=ctx.actor,
            kind=EscalationTask.Kind.LATENESS,
            note=f"迟到 {data['late_minutes']} 分钟：致歉并视情况由投诉主管上门致歉",
            due_in=timedelta(hours=policy_of(ctx.order).apology_visit_hours),
            data={"late_minutes": data["late_minutes"]},
        )


def entry_and_apology_before_service(ctx: MoveContext) -> None:
    """Entry protocol done (greeting, identity, permit, permission, shoe covers); an apology if late."""
    if not checklist_done(ctx.order, Checklist.Kind.ENTRY):
        raise DomainError(ErrorCode.ENTRY_NOT_CHECKED)
    gap = apology_gap(ctx.order)
    if gap:
        raise DomainError(ErrorCode.APOLOGY_REQUIRED, detail=gap)


def nobody_home_protocol(ctx: MoveContext) -> Params:
    """Not before the appointment; knocked and called for the policy's minutes; the note states the times.

    The customer need not be home before the appointment (``core.punctuality.appointment_of``). The note
    left states arrival, leaving and contact: the template's ``__:__`` blanks are filled with the recorded
    arrival and leaving times (R-AR-1, R-AR-2)."""
    order = ctx.order
    left_at = moment(ctx.param("client_at"))
    appointment = appointment_of(order)
    if appointment is not None and left_at < appointment:
        raise DomainError(
            ErrorCode.NOBODY_HOME_TOO_EARLY, at=clock.local(appointment).strftime("%m-%d %H:%M")
        )
    gap = knock_protocol_gap(order, left_at)
    if gap:
        raise DomainError(ErrorCode.KNOCK_PROTOCOL_INCOMPLETE, detail=gap)
    arrive = order.events.filter(kind=EventKind.ARRIVE).order_by("-seq").first()
    arrived_at = arrive.data.get("arrived_at", arrive.at.isoformat()) if arrive else ""
    note = note_filled(str(ctx.param("note_left") or "").strip(), arrived_at, left_at)
    if not note or NOTE_BLANK in note:
        raise Invalid(
            ErrorCode.NOTE_REQUIRED,
            field="note_left",
        )
    return {
        "note_left": note[:300],
        "left_at": left_at.isoformat(),
        "arrived_at": arrived_at,
        "neighbours_asked": bool(ctx.param("neighbours_asked")),
    }


NOTE_BLANK = "__:__"


def note_filled(note: str, arrived_at: str, left_at: datetime) -> str:
    """The note's first ``__:__`` becomes the recorded arrival time, the next the leaving time (R-AR-2);
    a blank with no recorded time stays, for the technician to fill."""
    arrived = parse_datetime(arrived_at) if arrived_at else None
    parts = note.split(NOTE_BLANK)
    times = [clock.local(at).strftime("%H:%M") if at else NOTE_BLANK for at in (arrived, left_at)]
    out = parts[0]
    for i, part in enumerate(parts[1:]):
        out += (times[i] if i < len(times) else NOTE_BLANK) + part
    return out


def nobody_home_tells_desk(ctx: MoveContext) -> None:
    """The desk is told and a rebooking task opens."""
    task_open(
        order=ctx.order,
        actor=ctx.actor,
        kind=EscalationTask.Kind.REBOOK,
        note=f"无人在家，已留言：{ctx.data.get('note_left', '')}",
        due_in=timedelta(hours=policy_of(ctx.order).rebook_due_hours),
    )


def rebooking_done(ctx: MoveContext) -> None:
    """Rebooking closes the desk's rebooking task."""
    tasks_close(order=ctx.order, actor=ctx.actor, kind=EscalationTask.Kind.REBOOK, outcome="已重新预约")


# --- taking the unit back ----------------------------------------------------------------------------------
def take_back_consented(ctx: MoveContext) -> Params:
    """An allowed reason, the customer's consent (their own, or agreed by phone and recorded as such) and
    their own data-backup answer (never by phone: R-SV-4 asks for their signature), what is taken."""
    order = ctx.order
    if not consent_given(order, Consent.Kind.TAKE_BACK):
        raise DomainError(ErrorCode.TAKE_BACK_NEEDS_CONSENT)  # R-AN-6
    reason = str(ctx.param("take_back_reason") or "")
    if reason not in TakeBack.Reason.values:
        raise Invalid(ErrorCode.TAKE_BACK_REASON_INVALID, field="take_back_reason")
    if not consent_given(order, Consent.Kind.DATA_BACKUP):  # the customer's own answer (R-SV-4)
        raise DomainError(ErrorCode.TAKE_BACK_NEEDS_BACKUP)
    items = str(ctx.param("items") or "").strip()
    if not items:
        raise Invalid(ErrorCode.ITEMS_REQUIRED, field="items")
    return {
        "take_back_reason": reason,
        "items": items[:300],
        "condition": str(ctx.param("condition") or "")[:300],
    }


def take_back_receipt(ctx: MoveContext) -> None:
    """The take-back receipt is written with the move."""
    TakeBack.objects.create(
        order=ctx.order,
        receipt_no=f"LX{ctx.order.number}",
        reason=ctx.data["take_back_reason"],
        items=ctx.data["items"],
        condition=ctx.data.get("condition", ""),
        at=clock.now(),
    )


def returned_only_when_repaired(ctx: MoveContext) -> None:
    """A unit is returned only once the workshop has recorded it repaired."""
    take_back = TakeBack.objects.filter(order=ctx.order).first()
    if take_back is None or take_back.stage != TakeBack.Stage.REPAIRED:
        raise DomainError(ErrorCode.UNIT_NOT_REPAIRED)


def take_back_returned(ctx: MoveContext) -> None:
    """The take-back receipt is marked returned."""
    TakeBack.objects.filter(order=ctx.order).update(stage=TakeBack.Stage.RETURNED)


# --- completion and payment --------------------------------------------------------------------------------
def completion_checked(ctx: MoveContext) -> None:
    """The completion checklist, an accepted quote and, for an installation, goods and acceptance card."""
    gaps = completion_gaps(ctx.order)
    if gaps:
        raise DomainError(ErrorCode.COMPLETION_INCOMPLETE, gaps="、".join(gaps))


def signed_by_the_customer(ctx: MoveContext) -> Params:
    """Completion needs the customer's own signature (their link, or customer mode with the code); the
    technician can never sign for them, and a signature is never taken by phone."""
    sig = current_signature(ctx.order)
    if sig is None or sig.source not in CUSTOMER_OWN | STILL_HONOURED:
        raise DomainError(ErrorCode.SIGNATURE_REQUIRED)
    return {"signature_method": sig.method, "signer": sig.signer_name}


def reservations_released(ctx: MoveContext) -> None:
    """Parts reserved for the order and not used go back to stock."""
    reservations_release(order=ctx.order, by=ctx.actor.name, note=str(ctx.action.label))


def payment_is_the_accepted_quote(ctx: MoveContext) -> Params:
    """Exactly the accepted quote's amount due, by an allowed method with its receipt (or charged intent).

    An electronic payment is recorded from its charged intent, taken for this very quote; the receipt
    number is the provider's transaction id.
    """
    key = ctx.param("intent")
    intent = intent_to_apply(order=ctx.order, key=key) if key else None
    terms = payment_terms(
        order=ctx.order,
        method=intent.method if intent else str(ctx.param("method") or ""),
        receipt_no=intent.transaction_id if intent else ctx.param("receipt_no"),
    )
    quote = quote_require_accepted(ctx.order)
    if quote.due != amount_due(ctx.order):  # pragma: no cover - the fingerprint makes them equal
        raise DomainError(ErrorCode.AMOUNT_NOT_QUOTE)
    if intent is None:
        if terms["method"] in ELECTRONIC:  # money taken by a provider is recorded from its charge only
            raise DomainError(ErrorCode.PAYMENT_NEEDS_PROVIDER, method=terms["method"])
        return {**terms, "quote_version": quote.version}
    if intent.quote_version != quote.version or intent.amount != quote.due:
        raise DomainError(
            ErrorCode.PAYMENT_INTENT_STALE,
            charged=intent.quote_version,
            amount=intent.amount,
        )
    return {**terms, "quote_version": quote.version, "intent": intent.key}


def payment_recorded(ctx: MoveContext) -> None:
    """The payment row is written with the move, from the terms its guard settled; its intent is applied."""
    payment = payment_record(order=ctx.order, terms=ctx.data)
    payment_intents_settle(order=ctx.order, actor=ctx.actor, payment=payment, key=ctx.data.get("intent", ""))


def report_after_payment(ctx: MoveContext) -> None:
    """The service report PDF is attached to the order and shown on the tracking page once paid."""
    report_store_quietly(ctx.order.pk)


def nothing_outstanding(ctx: MoveContext) -> None:
    """A completed order is called back only once nothing is left to pay."""
    if amount_outstanding(ctx.order) > 0:
        raise DomainError(ErrorCode.PAYMENT_OUTSTANDING)


RULES: list[Rule] = [
    guard(A.DEPART, kit_checked_before_departure, "R-PR-1, R-PR-3"),
    guard((A.DEPART, A.ARRIVE), consent_before_the_visit, "R-DI-6"),
    guard(A.ENTRY_REFUSED, entry_refusal_recorded, "R-DI-10"),
    effect(A.ENTRY_REFUSED, senior_rebooking_task, "R-DI-10"),
    effect(A.ASSIGN, senior_rebooking_done, "R-DI-10"),
    guard(A.ARRIVE, arrival_time_and_lateness, "R-AR-5"),
    guard(A.START_SERVICE, entry_and_apology_before_service, "R-AR-4, R-AR-5"),
    guard(A.NOBODY_HOME, nobody_home_protocol, "R-AR-1, R-AR-2"),
    guard(A.TAKE_BACK, take_back_consented, "R-AN-6, R-SV-6"),
    guard(A.RETURN_UNIT, returned_only_when_repaired, "R-AN-6"),
    guard(A.COMPLETE, signed_by_the_customer, "R-CO-1"),
    guard(A.COMPLETE, completion_checked, "R-SV-8, R-SV-9, R-SV-2, R-CO-6"),
    guard(A.PAY, payment_is_the_accepted_quote, "R-CO-2, R-SV-2"),
    guard(A.RECORD_CALLBACK, nothing_outstanding, "R-CO-2", sources=[Status.COMPLETED]),
    effect(A.ARRIVE, lateness_escalation, "R-AR-5"),
    effect(A.NOBODY_HOME, nobody_home_tells_desk, "R-AR-2"),
    effect(A.REBOOK, rebooking_done, "R-AR-2"),
    effect(A.TAKE_BACK, take_back_receipt, "R-SV-6"),
    effect(A.RETURN_UNIT, take_back_returned, "R-AN-6"),
    effect((A.COMPLETE, A.CANCEL, A.TRANSFER, A.DECLINE), reservations_released, "R-AN-3"),
    effect(A.PAY, payment_recorded, "R-CO-2"),
    after_commit(A.PAY, report_after_payment, "R-CO-1, R-CO-5"),
]
