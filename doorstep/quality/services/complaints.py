"""Complaints (R-QA-3): recorded from any channel, owned, answered within a deadline, escalated up a
ladder (outlet manager → centre complaint supervisor → a visit to apologise, R-AR-5), resolved only
when the customer confirms; every step on the order's record (一票到底).

The answer clock of each level is a Deadline row (kind ``complaint_answer``) the complaint points to; the
one deadline sweep acts on it when due (``complaint_overdue``: escalate, and open the next level's clock).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.tasks import task

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.network.actors import Actor
from doorstep.network.models import Staff
from doorstep.network.policy import policy_of
from doorstep.network.roles import COMPLAINT_OPENERS, QUALITY_TEAM, Party, Role
from doorstep.orders.deadlines import deadline_act, deadline_meet, deadline_open, deadlines_sweep
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.selectors import order_is_visible_to
from doorstep.quality.models import Complaint, Source

log = logging.getLogger(__name__)
RULE = "R-QA-3"


# --- opening ----------------------------------------------------------------------------------------------
def complaint_open(
    *, order: WorkOrder, actor: Actor, channel: str, category: str, description: str
) -> Complaint:
    """Record a complaint, give it an owner and a response deadline, schedule its escalation (R-QA-3)."""
    text = (description or "").strip()
    _check_open(order, actor, channel, category, text)
    now = clock.now()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            order=order,
            centre_id=order.centre_id,
            outlet_id=order.outlet_id,
            technician_id=order.technician_id or _last_technician(order),
            channel=channel,
            category=category,
            description=text[:500],
            opened_at=now,
            opened_by=actor.name,
            level=Complaint.Level.OUTLET_MANAGER,
            owner=_owner_for(order, Complaint.Level.OUTLET_MANAGER),
        )
        _clock(complaint, now)
        _event(complaint, actor, EventKind.COMPLAINT_OPENED, visible=True, description=complaint.description)
    return complaint


def _check_open(order: WorkOrder, actor: Actor, channel: str, category: str, text: str) -> None:
    if actor.role not in COMPLAINT_OPENERS or not order_is_visible_to(order, actor):
        raise Forbidden(ErrorCode.COMPLAINT_FORBIDDEN)
    if channel not in Complaint.Channel.values:
        raise Invalid(ErrorCode.COMPLAINT_CHANNEL_UNKNOWN, field="channel")
    if category not in Complaint.Category.values:
        raise Invalid(ErrorCode.COMPLAINT_CATEGORY_UNKNOWN, field="category")
    if not text:
        raise Invalid(ErrorCode.COMPLAINT_DESCRIPTION_REQUIRED, field="description")


def _last_technician(order: WorkOrder) -> int | None:
    """A reopened order has no technician any more: the complaint is about the last one assigned."""
    assigned = (
        order.events.filter(kind=EventKind.ASSIGN).order_by("-seq").values_list("data__technician", flat=True)
    )
    return next(iter(assigned), None)


def _owner_for(order: WorkOrder, level: int) -> Staff | None:
    if level == Complaint.Level.OUTLET_MANAGER and order.outlet_id:
        manager = (
            Staff.objects.filter(outlet_id=order.outlet_id, role=Role.OUTLET_MANAGER).order_by("pk").first()
        )
        if manager is not None:
            return manager
    return complaint_supervisor(order.centre_id)


def complaint_supervisor(centre_id: int) -> Staff | None:
    """The centre's complaint supervisor: its (first) quality manager."""
    return Staff.objects.filter(centre_id=centre_id, role=Role.QUALITY).order_by("pk").first()


def _due(order: WorkOrder, level: int, now: datetime | None = None) -> datetime:
    policy = policy_of(order)
    hours = (
        policy.apology_visit_hours
        if level == Complaint.Level.APOLOGY_VISIT
        else policy.complaint_response_hours
    )
    return (now or clock.now()) + timedelta(hours=hours)


def _event(complaint: Complaint, actor: Actor, kind: EventKind, *, visible: bool, **data: object) -> None:
    kind.record(
        order=complaint.order,
        actor=actor,
        data={
            "complaint": complaint.pk,
            "category": complaint.category,
            "channel": complaint.channel,
            "level": complaint.level,
            "owner": complaint.owner.name if complaint.owner else "",
            "technician": complaint.technician_id,
            "outlet": complaint.outlet_id,
            "due_at": complaint.response_due_at.isoformat() if complaint.response_due_at else "",
            **data,
        },
        customer_visible=visible,
        rule=RULE,
    )


def _clock(complaint: Complaint, now: datetime | None = None) -> None:
    """Open the answer clock of the complaint's current level (R-QA-3) and point the complaint to it."""
    complaint.deadline = deadline_open(
        order=complaint.order,
        kind=Deadline.Kind.COMPLAINT_ANSWER,
        due_at=_due(complaint.order, complaint.level, now),
        owner=complaint.owner,
        rule=RULE,
        ref=f"quality.Complaint:{complaint.pk}",
    )
    complaint.save(update_fields=["deadline"])


# --- answering and confirming -----------------------------------------------------------------------------
def complaint_respond(*, complaint: Complaint, actor: Actor, response: str) -> Complaint:
    """The owner (or the quality team) answers; the customer is then asked to confirm (R-QA-3)."""
    text = (response or "").strip()
    if not text:
        raise Invalid(ErrorCode.COMPLAINT_RESPONSE_REQUIRED, field="response")
    _require_handler(complaint, actor)
    with transaction.atomic():
        locked = _locked(complaint, Complaint.State.OPEN)
        locked.state, locked.response, locked.responded_at = (
            Complaint.State.RESPONDED,
            text[:500],
            clock.now(),
        )
        locked.version = F("version") + 1
        locked.save(update_fields=["state", "response", "responded_at", "version"])
        deadline_meet(locked.deadline_id)
        locked.refresh_from_db()
        _event(locked, actor, EventKind.COMPLAINT_RESPONDED, visible=True, response=locked.response)
        _check_language(locked, actor, text)
    return locked


def _check_language(complaint: Complaint, actor: Actor, text: str) -> None:
    from doorstep.quality.services.language import language_check_text

    if actor.staff is not None:
        language_check_text(
            text=text, source=Source.ORDER_NOTE, author=actor, order=complaint.order,
            source_ref=f"complaint:{complaint.pk}",
        )  # fmt: skip


def complaint_confirm(*, complaint: Complaint, actor: Actor, accepted: bool, note: str = "") -> Complaint:
    """The customer accepts the answer (resolved) or not (escalated at once, R-QA-3 / R-AR-5)."""
    if actor.role != Party.CUSTOMER:
        _require_handler(complaint, actor)
    with transaction.atomic():
        locked = _locked(complaint, Complaint.State.RESPONDED)
        if accepted:
            _resolve(locked, actor, note)
        else:
            _reject(locked, actor, note)
    return locked


def _resolve(complaint: Complaint, actor: Actor, note: str) -> None:
    complaint.state, complaint.resolved_at = Complaint.State.RESOLVED, clock.now()
    by_customer = actor.role == Party.CUSTOMER
    complaint.confirmed_by = ("客户本人" if by_customer else f"{actor.name}（电话确认）")[:60]
    complaint.save(update_fields=["state", "resolved_at", "confirmed_by"])
    _event(complaint, actor, EventKind.COMPLAINT_RESOLVED, visible=True, note=note.strip()[:300])


def _reject(complaint: Complaint, actor: Actor, note: str) -> None:
    level = min(complaint.level + 1, Complaint.Level.APOLOGY_VISIT)
    complaint.state, complaint.level = Complaint.State.OPEN, level
    complaint.owner = _owner_for(complaint.order, level)
    complaint.save(update_fields=["state", "level", "owner"])
    _clock(complaint)
    _event(complaint, actor, EventKind.COMPLAINT_NOT_ACCEPTED, visible=True, note=note.strip()[:300])


def _require_handler(complaint: Complaint, actor: Actor) -> None:
    owner = actor.staff is not None and complaint.owner_id == actor.staff.pk
    team = actor.role in QUALITY_TEAM and actor.centre_id == complaint.centre_id
    manager = actor.role == Role.OUTLET_MANAGER
    outlet = manager and complaint.outlet_id and actor.outlet_id == complaint.outlet_id
    if not (owner or team or outlet):
        raise Forbidden(ErrorCode.COMPLAINT_NOT_YOURS)


def _locked(complaint: Complaint, state: str) -> Complaint:
    locked = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("order__brand", "owner", "deadline")
        .filter(pk=complaint.pk)
        .first()
    )
    if locked is None:
        raise NotFound(ErrorCode.COMPLAINT_NOT_FOUND)
    if locked.state != state:
        raise DomainError(
            ErrorCode.COMPLAINT_STATE,
            state=locked.get_state_display(),
        )
    return locked


# --- escalation on deadline -------------------------------------------------------------------------------
def complaint_overdue(deadline: Deadline) -> str | None:
    """The action of a ``complaint_answer`` deadline: unanswered at its level — escalate one level (a new
    owner and a new clock); past the apology visit, a new apology clock (R-QA-3, R-AR-5)."""
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("order__brand")
        .filter(deadline=deadline, state=Complaint.State.OPEN)
        .first()
    )
    if complaint is None:  # answered, or no longer this complaint's current clock
        return Deadline.State.CANCELLED
    level = complaint.level
    if level >= Complaint.Level.APOLOGY_VISIT:
        _clock(complaint)
        _event(complaint, Actor.system(), EventKind.COMPLAINT_OVERDUE, visible=False)
    else:
        complaint.level = level + 1
        complaint.owner = _owner_for(complaint.order, complaint.level)
        complaint.save(update_fields=["level", "owner"])
        _clock(complaint)
        _event(complaint, Actor.system(), EventKind.COMPLAINT_ESCALATED, visible=False, from_level=level)
    log.info("complaint %s escalated past level %s", complaint.pk, level)
    return None


def complaint_escalate(*, complaint_id: int, level: int) -> bool:
    """Act on the complaint's answer clock at ``level`` if it is due (the sweep does the same). Idempotent."""
    deadline_id = (
        Complaint.objects.filter(pk=complaint_id, level=level).values_list("deadline_id", flat=True).first()
    )
    return deadline_id is not None and deadline_act(deadline_id=deadline_id)


def complaints_sweep() -> int:
    """Act on every complaint answer clock already due (the one sweep, limited to this kind)."""
    return deadlines_sweep(kinds=[Deadline.Kind.COMPLAINT_ANSWER])


@task()
def check_complaint(complaint_id: int, level: int) -> bool:
    return complaint_escalate(complaint_id=complaint_id, level=level)


@task()
def sweep_complaints() -> int:
    return complaints_sweep()
