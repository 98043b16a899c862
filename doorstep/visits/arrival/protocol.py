"""The arrival protocol between the lifecycle's moves (R-AR-1..7): the knock protocol, lateness and
the apology, someone else at home, the wrong customer. Each step leaves an event."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.core.punctuality import Lateness, appointment_of, assess_with
from doorstep.dispatch.services import late_call_made_in_window, late_call_record
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.visits.arrival.escalation import task_open
from doorstep.visits.common import require_field_actor
from doorstep.visits.models import EscalationTask


def moment(raw: Any) -> datetime:
    """When the technician acted: ``core.clock.acted_at`` (the phone's time of an offline action)."""
    return clock.acted_at(raw)


def require_step(order: WorkOrder, actor: Actor, statuses: set[str]) -> None:
    require_field_actor(order, actor)
    if order.status not in statuses:
        raise DomainError(
            ErrorCode.STEP_NOT_NOW,
            current=Status(order.status).label,
        )


def arrival_record(order: WorkOrder, at: datetime) -> dict[str, Any]:
    """R-DI-7, R-AR-5: what the ARRIVE event records about punctuality (``core.punctuality``), with
    ``at`` the arrival by the one clock (:func:`moment`), judged against the appointment time (the time
    confirmed with the customer, else the window's start). A late arrival records whether the call
    before being late was made in its window (``late_call``: in_window / breach); an on-time arrival
    without the early margin records ``margin_missed`` (R-DI-7), which is not lateness. Empty without an
    appointment."""
    appointment = appointment_of(order)
    if appointment is None:
        return {}
    arrival = assess_with(policy_of(order), appointment, at)
    out: dict[str, Any] = {
        "appointment_at": clock.local(appointment).isoformat(),
        "late_seconds": arrival.late_seconds,
        "late_minutes": arrival.late_minutes,
        "lateness": str(arrival.lateness),
        "early_enough": arrival.early_enough,
        "margin_missed": arrival.margin_missed,
    }
    if not arrival.on_time:
        out["late_call"] = "in_window" if late_call_made_in_window(order) else "breach"
    return out


def recorded_lateness(order: WorkOrder) -> str:
    """The R-AR-5 class recorded on the last arrival ("on_time", "late_minor", "late_major"; "" if none)."""
    arrive = order.events.filter(kind=EventKind.ARRIVE).order_by("-seq").first()
    return str(arrive.data.get("lateness", "")) if arrive else ""


def lateness_minutes(order: WorkOrder) -> int:
    """Begun minutes late at the last arrival (0 when on time): > 0 exactly when it was late (R-AR-5)."""
    arrive = order.events.filter(kind=EventKind.ARRIVE).order_by("-seq").first()
    if arrive is None:
        return 0
    if arrive.data.get("lateness") == Lateness.ON_TIME:
        return 0
    return int(arrive.data.get("late_minutes", 0))


def knock_start(*, order: WorkOrder, actor: Actor, client_at: Any = None) -> None:
    """R-AR-1: knock lightly or ring once; repeat every 30 s; after 5 minutes phone the customer."""
    require_step(order, actor, {Status.ARRIVED})
    EventKind.KNOCK_STARTED.record(
        order=order,
        actor=actor,
        rule="R-AR-1",
        data={"at": moment(client_at).isoformat()},
        customer_visible=False,
    )


def customer_called(*, order: WorkOrder, actor: Actor, answered: bool, client_at: Any = None) -> None:
    require_step(order, actor, {Status.EN_ROUTE, Status.ARRIVED})
    EventKind.CUSTOMER_CALLED.record(
        order=order,
        actor=actor,
        rule="R-AR-1",
        data={"at": moment(client_at).isoformat(), "answered": answered},
    )


def knock_protocol_gap(order: WorkOrder, until: datetime) -> str:
    """What the knock protocol still lacks before 'nobody home' may be recorded ('' when complete)."""
    policy = policy_of(order)
    knocks = list(order.events.filter(kind=EventKind.KNOCK_STARTED).order_by("seq"))
    if not knocks:
        return str(_("请先按规范敲门/按门铃（R-AR-1）。"))
    knock = knocks[0]
    started = min(parse_datetime(k.data.get("at", "")) or k.at for k in knocks)
    if until - started < timedelta(minutes=policy.knock_call_after_minutes):
        return str(
            _("敲门后须等待 %(m)s 分钟（每 %(s)s 秒重复一次）并致电客户。")
            % {"m": policy.knock_call_after_minutes, "s": policy.knock_retry_seconds}
        )
    if not order.events.filter(kind=EventKind.CUSTOMER_CALLED, seq__gt=knock.seq).exists():
        return str(_("敲门无应答后须致电客户（R-AR-1）。"))
    return ""


def late_call(
    *, order: WorkOrder, actor: Actor, expected_minutes: Any, reason: str, client_at: Any = None
) -> None:
    """R-AR-5: will be late — call the customer 1–2 minutes before the appointment, apologise, give the
    reason. One record for the visit page and the day page (``dispatch.services.late_call_record``)."""
    require_step(order, actor, {Status.CONFIRMED, Status.EN_ROUTE})
    try:
        minutes = int(str(expected_minutes))
    except ValueError:
        raise Invalid(ErrorCode.MINUTES_INVALID, field="expected_minutes") from None
    if not reason.strip():
        raise Invalid(ErrorCode.REASON_REQUIRED, action=_("迟到致电"), field="reason")
    at = moment(client_at)
    late_call_record(
        order=order,
        actor=actor,
        note=reason.strip(),
        at=at,
        new_eta=at + timedelta(minutes=max(minutes, 0)) if minutes > 0 else None,
        expected_minutes=minutes,
    )


def apology_record(*, order: WorkOrder, actor: Actor, reason: str, accepted: bool, gift: str = "") -> None:
    """R-AR-5: the apology for a late arrival; not accepted → the complaint supervisor visits."""
    require_step(order, actor, {Status.ARRIVED, Status.IN_SERVICE})
    late = lateness_minutes(order)
    if late <= 0:
        raise DomainError(ErrorCode.NOT_LATE)
    if not reason.strip():
        raise Invalid(ErrorCode.REASON_REQUIRED, action=_("致歉"), field="reason")
    with transaction.atomic():
        EventKind.LATE_APOLOGY.record(
            order=order,
            actor=actor,
            rule="R-AR-5",
            data={"late_minutes": late, "reason": reason.strip()[:200], "accepted": accepted, "gift": gift},
        )
        open_task = order.escalations.filter(kind=EscalationTask.Kind.LATENESS, state="open").first()
        if open_task is not None:
            open_task.data = {**open_task.data, "apology_accepted": accepted}
            open_task.save(update_fields=["data"])
        elif not accepted:
            task_open(
                order=order,
                actor=actor,
                kind=EscalationTask.Kind.LATENESS,
                note=f"迟到 {late} 分钟，客户未接受致歉，请投诉主管上门致歉",
                due_in=timedelta(hours=policy_of(order).apology_visit_hours),
            )


def apology_gap(order: WorkOrder) -> str:
    if lateness_minutes(order) > 0 and not order.events.filter(kind=EventKind.LATE_APOLOGY).exists():
        return str(_("迟到须先向客户致歉并记录（R-AR-5）。"))
    return ""


def someone_else_home(*, order: WorkOrder, actor: Actor, name: str, relation: str, confirmed: bool) -> None:
    """R-AR-7: someone else opens (a nanny): show the permit, have them call the customer to confirm."""
    require_step(order, actor, {Status.ARRIVED})
    if not name.strip() or not relation.strip():
        raise Invalid(ErrorCode.PROXY_REQUIRED, field="name")
    with transaction.atomic():
        EventKind.SOMEONE_ELSE_HOME.record(
            order=order,
            actor=actor,
            rule="R-AR-7",
            data={
                "name": name.strip()[:50],
                "relation": relation.strip()[:30],
                "customer_confirmed": confirmed,
            },
        )
        if not confirmed:
            task_open(
                order=order,
                actor=actor,
                kind=EscalationTask.Kind.SPECIAL_CASE,
                note=f"{relation}{name}在家，未能联系客户本人确认，需改约",
                due_in=timedelta(hours=policy_of(order).special_case_due_hours),
            )


def wrong_customer(*, order: WorkOrder, actor: Actor, note: str) -> None:
    """R-AR-6: wrong customer — apologise, leave, find the right one; the desk checks the address."""
    require_step(order, actor, {Status.EN_ROUTE, Status.ARRIVED})
    if not note.strip():
        raise Invalid(ErrorCode.SITUATION_NOTE_REQUIRED, field="note")
    with transaction.atomic():
        EventKind.WRONG_CUSTOMER.record(
            order=order,
            actor=actor,
            rule="R-AR-6",
            data={"note": note.strip()[:200]},
            customer_visible=False,
        )
        task_open(
            order=order,
            actor=actor,
            kind=EscalationTask.Kind.WRONG_CUSTOMER,
            note=note,
            due_in=timedelta(hours=policy_of(order).wrong_customer_due_hours),
        )
