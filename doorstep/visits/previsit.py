"""Before the visit: the technician's call to the customer (R-DI-3) when it goes unanswered (R-DI-5), and
the customer who refuses the visit (R-DI-6).

R-DI-5: an unanswered call is tried again after the policy's interval, up to the policy's number of
attempts. When waiting for the next try would miss the departure time (the appointment − travel − the
early margin, R-DI-7), the app tells the technician to go anyway and the centre gets a task; when the
attempts are used up the customer is unreachable and the standard SMS with the local hotline goes out
(the ``unreachable`` notice of ``doorstep.channels.notices``, one rule one place).

R-DI-6: a refusal is recorded (by whom, what was said); departure and arrival are refused until the
customer's consent is recorded — who gave it, when and how.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import TextChoices
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.appointment import departure_due
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.visits.arrival.escalation import task_open
from doorstep.visits.arrival.protocol import moment, require_step
from doorstep.visits.models import EscalationTask

BEFORE = "before"  # the stage recorded on a pre-visit call (the arrival's calls are R-AR-1's)
BEFORE_DEPARTURE: set[str] = {Status.ASSIGNED, Status.CONFIRMED}
# R-DI-6: a refusal can come any time before the technician is in the door
REFUSABLE: set[str] = {Status.ASSIGNED, Status.CONFIRMED, Status.EN_ROUTE}


# --- R-DI-5: the call not answered ------------------------------------------------------------------------
@dataclass(frozen=True)
class CallState:
    """Where the pre-visit calls stand (R-DI-5), for the record and for the technician's app."""

    unanswered: int  # unanswered attempts since the last answered call
    attempts: int  # the policy's number of attempts
    next_at: datetime | None  # when to try again (None: no further try)
    departure: datetime | None  # leave by (R-DI-7)
    go_anyway: bool  # waiting would miss the appointment, or the customer is unreachable
    unreachable: bool  # the attempts are used up: the SMS with the local hotline goes out
    answered: bool  # the last call was answered


def retry_advice(
    *, unanswered: int, attempts: int, retry: timedelta, last_at: datetime, departure: datetime | None
) -> tuple[datetime | None, bool, bool]:
    """R-DI-5 as arithmetic: (next try, go anyway, unreachable) after ``unanswered`` unanswered calls,
    the last at ``last_at``. A next try exactly at the departure time still reaches the appointment;
    one second later it would not, so the technician goes anyway."""
    unreachable = unanswered >= attempts
    next_at = None if unreachable else last_at + retry
    late = departure is not None and next_at is not None and next_at > departure
    return (None if late else next_at), (unreachable or late), unreachable


def _calls(order: WorkOrder) -> list[OrderEvent]:
    return list(order.events.filter(kind=EventKind.CUSTOMER_CALLED, data__stage=BEFORE).order_by("seq"))


def call_state(order: WorkOrder) -> CallState | None:
    """The pre-visit calls so far (None when there was none)."""
    calls = _calls(order)
    if not calls:
        return None
    unanswered = 0
    for call in reversed(calls):
        if call.data.get("answered"):
            break
        unanswered += 1
    return _advice(order, unanswered, _at(calls[-1]))


def _advice(order: WorkOrder, unanswered: int, at: datetime) -> CallState:
    policy = policy_of(order)
    departure = _departure(order)
    next_at, go, unreachable = retry_advice(
        unanswered=unanswered,
        attempts=policy.previsit_call_attempts,
        retry=timedelta(minutes=policy.previsit_call_retry_minutes),
        last_at=at,
        departure=departure,
    )
    answered = unanswered == 0
    return CallState(
        unanswered=unanswered,
        attempts=policy.previsit_call_attempts,
        next_at=None if answered else next_at,
        departure=departure,
        go_anyway=not answered and go,
        unreachable=not answered and unreachable,
        answered=answered,
    )


def _at(event: OrderEvent) -> datetime:
    return parse_datetime(str(event.data.get("at", ""))) or event.at


def _departure(order: WorkOrder) -> datetime | None:
    appointment = appointment_of(order)
    if appointment is None or order.technician_id is None:
        return None
    return departure_due(order, appointment)


def previsit_call(*, order: WorkOrder, actor: Actor, answered: bool, client_at: Any = None) -> CallState:
    """R-DI-3, R-DI-5: the technician's call to the customer before the visit, answered or not.

    Unanswered: the record says when to try again; when that would miss the departure time the
    technician is told to go anyway and the centre gets a task (once); when the attempts are used up the
    customer is unreachable and the SMS with the local hotline goes out (the ``unreachable`` notice reads
    ``exhausted`` on the call's record)."""
    require_step(order, actor, BEFORE_DEPARTURE)
    at = moment(client_at)
    prior = call_state(order)
    unanswered = 0 if answered else (prior.unanswered if prior else 0) + 1
    state = _advice(order, unanswered, at)
    with transaction.atomic():
        EventKind.CUSTOMER_CALLED.record(
            order=order,
            actor=actor,
            rule="R-DI-5" if not answered else "R-DI-3",
            data={
                "at": at.isoformat(),
                "answered": answered,
                "stage": BEFORE,
                "attempt": state.unanswered,
                "of": state.attempts,
                "next_at": state.next_at.isoformat() if state.next_at else "",
                "departure_at": state.departure.isoformat() if state.departure else "",
                "go_anyway": state.go_anyway,
                "exhausted": state.unreachable,
            },
        )
        if state.go_anyway:
            _tell_the_centre(order, actor, state)
    return state


def _tell_the_centre(order: WorkOrder, actor: Actor, state: CallState) -> None:
    """Report to the centre: the technician goes without having reached the customer (one open task)."""
    open_task = order.escalations.filter(kind=EscalationTask.Kind.GO_ANYWAY, state=EscalationTask.State.OPEN)
    if open_task.exists():
        return
    appointment = appointment_of(order)
    due_in = max(appointment - clock.now(), timedelta(0)) if appointment else timedelta(0)
    why = "多次未接通，客户无法联系，已发短信" if state.unreachable else "等待重拨将错过预约"
    task_open(
        order=order,
        actor=actor,
        kind=EscalationTask.Kind.GO_ANYWAY,
        note=f"上门前致电客户未接通（{state.unanswered}/{state.attempts} 次），{why}；"
        "工程师按时上门，请中心继续联系客户",
        due_in=due_in,
        data={"unanswered": state.unanswered, "unreachable": state.unreachable},
    )


# --- R-DI-6: the customer refuses the visit -------------------------------------------------------------
class ConsentHow(TextChoices):
    """How the customer's consent to the visit was given (R-DI-6)."""

    PHONE = "phone", _("电话中同意")
    IN_PERSON = "in_person", _("当面同意")
    DESK = "desk", _("经客服沟通后同意")
    MESSAGE = "message", _("短信/微信回复同意")


def refusal_open(order: WorkOrder) -> OrderEvent | None:
    """The customer's latest refusal of the visit with no consent recorded after it (None: none open)."""
    last = (
        order.events.filter(kind__in=(EventKind.VISIT_REFUSED, EventKind.VISIT_CONSENTED))
        .order_by("-seq")
        .first()
    )
    return last if last is not None and last.kind == EventKind.VISIT_REFUSED else None


def visit_refused(
    *, order: WorkOrder, actor: Actor, refused_by: str, note: str, client_at: Any = None
) -> None:
    """R-DI-6: an angry customer refuses the visit: listen, record it; go only after consent."""
    require_step(order, actor, REFUSABLE)
    if not refused_by.strip():
        raise Invalid(ErrorCode.REFUSED_BY_REQUIRED, field="refused_by")
    if not note.strip():
        raise Invalid(ErrorCode.REASON_REQUIRED, action=_("客户拒绝上门"), field="note")
    EventKind.VISIT_REFUSED.record(
        order=order,
        actor=actor,
        rule="R-DI-6",
        customer_visible=False,
        data={"by": refused_by.strip()[:50], "note": note.strip()[:300], "at": moment(client_at).isoformat()},
    )


def visit_consented(
    *, order: WorkOrder, actor: Actor, given_by: str, how: str, note: str = "", client_at: Any = None
) -> None:
    """R-DI-6: the customer agreed to the visit after all: who, when and how, on the record."""
    require_step(order, actor, REFUSABLE)
    if refusal_open(order) is None:
        raise DomainError(ErrorCode.NOT_REFUSED)
    if not given_by.strip():
        raise Invalid(ErrorCode.GIVEN_BY_REQUIRED, field="given_by")
    if how not in ConsentHow.values:
        raise Invalid(ErrorCode.CONSENT_HOW_INVALID, field="how")
    EventKind.VISIT_CONSENTED.record(
        order=order,
        actor=actor,
        rule="R-DI-6",
        customer_visible=False,
        data={
            "given_by": given_by.strip()[:50],
            "how": how,
            "at": moment(client_at).isoformat(),
            "note": note.strip()[:300],
        },
    )


def consent_before_going(order: WorkOrder) -> None:
    """R-DI-6: refuse departure and arrival while the customer's refusal stands."""
    refusal = refusal_open(order)
    if refusal is not None:
        raise DomainError(
            ErrorCode.VISIT_REFUSED,
            by=refusal.data.get("by", ""),
            at=clock.local(_at(refusal)).strftime("%m-%d %H:%M"),
        )
