"""Callbacks (R-QA-1) and the customer's survey (R-QA-2).

Every completed order has a CALLBACK deadline (opened by the ``complete`` move). An agent works the
queue: a reached customer's answers are recorded with the ``record_callback`` move, and a problem found
reopens the order or opens a complaint; an unreachable one is retried, and after the last try the online
questionnaire link is sent. The customer may answer the questionnaire on the tracking page instead:
only the customer can submit it, low scores open a complaint, and it meets the callback deadline.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid
from doorstep.core.privacy import mask_phone
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.network.roles import CALLERS, Party
from doorstep.orders import deadlines
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action, Status, find_move
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.selectors import order_is_visible_to
from doorstep.orders.services import order_transition
from doorstep.quality.models import SCORE_FIELDS, SCORE_LABELS, CallbackAttempt, Complaint, Survey
from doorstep.quality.services.complaints import complaint_open
from doorstep.visits.models import DEVICE_MAX, Source
from doorstep.visits.selectors import amount_outstanding

AWAITING_CALLBACK = (Status.COMPLETED, Status.PAID)
SURVEYABLE = (Status.COMPLETED, Status.PAID, Status.CALLBACK_DONE)
LOW_SCORE_CATEGORY = {
    "timeliness": Complaint.Category.LATENESS,
    "skill": Complaint.Category.REPAIR_QUALITY,
    "attitude": Complaint.Category.ATTITUDE,
    "fees": Complaint.Category.FEES,
}


# --- the phone callback -----------------------------------------------------------------------------------
def callback_record(
    *,
    order: WorkOrder,
    actor: Actor,
    outcome: str,
    satisfaction: Any = None,
    product_works: bool | None = None,
    feedback: str = "",
    follow_up: str = CallbackAttempt.FollowUp.NONE,
) -> CallbackAttempt:
    """Record one callback call (R-QA-1); a reached customer's answers go on the record.

    Not before the callback's earliest time (``Policy.callback_min_days`` after completion). A product that
    still fails sends someone back whether or not the bill is paid; a callback that closes the order waits
    for the payment, and the refusal says how much and who collects it (R-CO-2)."""
    _check_caller(order, actor, outcome, follow_up)
    _check_not_too_early(order)
    feedback = (feedback or "").strip()
    if outcome == CallbackAttempt.Outcome.REACHED:
        return _reached(order, actor, satisfaction, product_works, feedback, follow_up)
    return _not_reached(order, actor, outcome)


def _check_not_too_early(order: WorkOrder) -> None:
    """R-QA-1: the callback deadline's ``not_before`` (completion + ``Policy.callback_min_days``)."""
    deadline = order.deadlines.filter(kind=Deadline.Kind.CALLBACK).order_by("-pk").first()
    if deadline is not None and deadline.not_before is not None and clock.now() < deadline.not_before:
        raise DomainError(
            ErrorCode.CALLBACK_TOO_EARLY, at=clock.local(deadline.not_before).strftime("%m-%d %H:%M")
        )


def _check_paid(order: WorkOrder) -> None:
    """A callback that closes the order needs nothing left to pay: say how much and who collects it."""
    due = amount_outstanding(order) if order.status == Status.COMPLETED else 0
    if due > 0:
        who = order.technician.staff.name if order.technician else ""
        raise DomainError(
            ErrorCode.CALLBACK_AWAITS_PAYMENT, amount=f"{due:.2f}", who=f" {who} " if who else ""
        )


def _check_caller(order: WorkOrder, actor: Actor, outcome: str, follow_up: str) -> None:
    if actor.role not in CALLERS or actor.staff is None or not order_is_visible_to(order, actor):
        raise Forbidden(ErrorCode.CALLBACK_FORBIDDEN)
    if order.status not in AWAITING_CALLBACK:
        raise DomainError(ErrorCode.CALLBACK_NOT_DUE)
    if outcome not in CallbackAttempt.Outcome.values:
        raise Invalid(ErrorCode.CALLBACK_OUTCOME_UNKNOWN, field="outcome")
    if follow_up not in CallbackAttempt.FollowUp.values:
        raise Invalid(ErrorCode.CALLBACK_FOLLOW_UP_UNKNOWN, field="follow_up")


def _reached(
    order: WorkOrder, actor: Actor, satisfaction: Any, works: bool | None, feedback: str, follow_up: str
) -> CallbackAttempt:
    if works is False and follow_up == CallbackAttempt.FollowUp.NONE:
        raise Invalid(
            ErrorCode.CALLBACK_PROBLEM_NEEDS_FOLLOW_UP,
            field="follow_up",
        )  # R-QA-1
    if follow_up != CallbackAttempt.FollowUp.NONE and not feedback:
        raise Invalid(ErrorCode.CALLBACK_FEEDBACK_REQUIRED, field="feedback")
    if follow_up == CallbackAttempt.FollowUp.REOPEN:
        return _send_back(order, actor, satisfaction, works, feedback)
    _check_paid(order)
    with transaction.atomic():
        order = order_transition(
            order=order,
            actor=actor,
            action=Action.RECORD_CALLBACK,
            params={"satisfaction": satisfaction, "product_works": works is not False, "feedback": feedback},
        )
        attempt = _attempt(order, actor, CallbackAttempt.Outcome.REACHED, follow_up=follow_up)
        attempt.satisfaction, attempt.product_works, attempt.feedback = (
            int(satisfaction),
            works,
            feedback[:300],
        )
        attempt.save(update_fields=["satisfaction", "product_works", "feedback"])
        _follow_up(order, actor, follow_up, feedback)
    return attempt


def _send_back(
    order: WorkOrder, actor: Actor, satisfaction: Any, works: bool | None, feedback: str
) -> CallbackAttempt:
    """The product still fails: the order is reopened for another visit (R-QA-1), paid or not; the call's
    answers are on the record (with the callback move first when nothing is left to pay, as before)."""
    with transaction.atomic():
        if order.status != Status.COMPLETED or amount_outstanding(order) <= 0:
            order = order_transition(
                order=order,
                actor=actor,
                action=Action.RECORD_CALLBACK,
                params={"satisfaction": satisfaction, "product_works": False, "feedback": feedback},
            )
        order_transition(
            order=order, actor=actor, action=Action.REOPEN, reason=f"回访发现问题：{feedback}"[:300]
        )
        return _attempt(
            order,
            actor,
            CallbackAttempt.Outcome.REACHED,
            follow_up=CallbackAttempt.FollowUp.REOPEN,
            satisfaction=int(satisfaction) if str(satisfaction or "").isdigit() else None,
            product_works=works,
            feedback=feedback[:300],
        )


def _follow_up(order: WorkOrder, actor: Actor, follow_up: str, feedback: str) -> None:
    if follow_up == CallbackAttempt.FollowUp.COMPLAINT:
        complaint_open(
            order=order,
            actor=actor,
            channel=Complaint.Channel.CALLBACK,
            category=Complaint.Category.REPAIR_QUALITY,
            description=feedback,
        )


def _attempt(order: WorkOrder, actor: Actor, outcome: str, **fields: Any) -> CallbackAttempt:
    assert actor.staff is not None
    fields.setdefault("at", clock.now())
    return CallbackAttempt.objects.create(order=order, agent=actor.staff, outcome=outcome, **fields)


def _not_reached(order: WorkOrder, actor: Actor, outcome: str) -> CallbackAttempt:
    """Unreachable: try again later; after the last try send the online questionnaire (R-QA-1)."""
    policy = policy_of(order)
    tries = order.callback_attempts.exclude(outcome=CallbackAttempt.Outcome.REACHED).count() + 1
    last = tries >= policy.callback_max_attempts or outcome == CallbackAttempt.Outcome.WRONG_NUMBER
    now = clock.now()
    next_try = None if last else now + timedelta(hours=policy.callback_retry_hours)
    with transaction.atomic():
        attempt = _attempt(order, actor, outcome, next_try_at=next_try, at=now)
        data: dict[str, Any] = {"outcome": outcome, "attempt": tries}
        if next_try:
            data["next_try_at"] = next_try.isoformat()
        EventKind.CALLBACK_ATTEMPT.record(
            order=order,
            actor=actor,
            data=data,
            customer_visible=False,
            rule="R-QA-1",
        )
        if (
            last
        ):  # the event queues the questionnaire (channels.notices): the link to the customer's phone only
            EventKind.CALLBACK_QUESTIONNAIRE_SENT.record(
                order=order, actor=actor,
                data={"phone": mask_phone(order.customer.phone), "attempts": tries}, customer_visible=True,
                rule="R-QA-1",
            )  # fmt: skip
    return attempt


def callback_from_survey(*, order: WorkOrder, actor: Actor) -> WorkOrder:
    """The customer answered the online questionnaire: the agent records it as the callback (R-QA-1).
    A customer who said the product still fails gets someone sent back instead (the order reopens)."""
    survey = Survey.objects.filter(order=order).first()
    if survey is None:
        raise DomainError(ErrorCode.SURVEY_MISSING)
    _check_caller(order, actor, CallbackAttempt.Outcome.REACHED, CallbackAttempt.FollowUp.NONE)
    if not survey.product_works:
        feedback = "在线问卷：产品仍有问题" + (f"。{survey.comment}" if survey.comment else "")
        _send_back(order, actor, _survey_callback_params(survey)["satisfaction"], False, feedback)
        order.refresh_from_db()
        return order
    _check_paid(order)
    return order_transition(
        order=order, actor=actor, action=Action.RECORD_CALLBACK, params=_survey_callback_params(survey)
    )


def _survey_callback_params(survey: Survey) -> dict[str, Any]:
    return {
        "satisfaction": max(1, min(5, round(survey.mean))),
        "product_works": survey.product_works,
        "feedback": f"在线问卷：{survey.comment}" if survey.comment else "在线问卷",
    }


# --- the customer's survey --------------------------------------------------------------------------------
def survey_submit(
    *,
    order: WorkOrder,
    actor: Actor,
    scores: dict[str, Any],
    product_works: bool = True,
    comment: str = "",
    channel: str = Survey.Channel.TRACKING,
    device: str = "",
) -> Survey:
    """Only the customer rates the service (R-QA-2); staff can never answer on the customer's behalf.

    The survey comes only from the customer's own link (``Source.CUSTOMER_LINK``, with the device): not
    from customer mode on the technician's phone, not by phone — a phone answer is the callback."""
    if actor.role != Party.CUSTOMER:
        raise Forbidden(ErrorCode.SURVEY_CUSTOMER_ONLY)
    clean = _scores(scores)
    _check_surveyable(order)
    with transaction.atomic():
        survey = Survey.objects.create(
            order=order, technician_id=order.technician_id, outlet_id=order.outlet_id,
            product_works=product_works, comment=(comment or "").strip()[:500], channel=channel,
            submitted_at=clock.now(), source=Source.CUSTOMER_LINK, device=device[:DEVICE_MAX], **clean,
        )  # fmt: skip
        EventKind.SURVEY_SUBMITTED.record(
            order=order, actor=actor, customer_visible=True, rule="R-QA-2",
            data={**clean, "mean": survey.mean, "product_works": product_works, "comment": survey.comment,
                  "technician": order.technician_id, "outlet": order.outlet_id},
        )  # fmt: skip
        deadlines.deadlines_meet(order=order, kinds=[Deadline.Kind.CALLBACK])  # the online callback (R-QA-1)
        _complain_if_unhappy(order, actor, survey)
        _callback_by_customer(order, actor, survey)
    return survey


def _scores(scores: dict[str, Any]) -> dict[str, int]:
    clean: dict[str, int] = {}
    for name in SCORE_FIELDS:
        raw = str(scores.get(name, "")).strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 5:
            raise Invalid(ErrorCode.SURVEY_SCORE_INVALID, field=name)
        clean[name] = int(raw)
    return clean


def _check_surveyable(order: WorkOrder) -> None:
    if order.status not in SURVEYABLE:
        raise DomainError(ErrorCode.SURVEY_NOT_OPEN)
    if Survey.objects.filter(order=order).exists():
        raise DomainError(ErrorCode.SURVEY_ALREADY_SUBMITTED)


def _complain_if_unhappy(order: WorkOrder, actor: Actor, survey: Survey) -> None:
    """A low score or a product that still fails becomes a complaint (R-QA-2 → R-QA-3)."""
    threshold = policy_of(order).low_score
    low = [name for name, value in survey.scores.items() if value <= threshold]
    if not low and survey.product_works:
        return
    category = LOW_SCORE_CATEGORY[low[0]] if low else Complaint.Category.REPAIR_QUALITY
    labels = "、".join(str(SCORE_LABELS[n]) for n in low)
    parts = [f"满意度低分：{labels}" if low else "", "" if survey.product_works else "客户反映产品仍有问题"]
    text = "；".join(p for p in parts if p) + (f"。客户意见：{survey.comment}" if survey.comment else "")
    complaint_open(
        order=order, actor=actor, channel=Complaint.Channel.SURVEY, category=category, description=text
    )


def _callback_by_customer(order: WorkOrder, actor: Actor, survey: Survey) -> None:
    """If the lifecycle lets the customer record the callback, the questionnaire completes it directly —
    unless the product still fails: then the callback stays in the agent's queue, to send someone back."""
    if not survey.product_works:
        return
    order.refresh_from_db()
    move = find_move(order.status, Action.RECORD_CALLBACK)
    if move is None or actor.role not in move.roles:
        return
    try:
        with transaction.atomic():
            order_transition(
                order=order,
                actor=actor,
                action=Action.RECORD_CALLBACK,
                params=_survey_callback_params(survey),
            )
    except DomainError:  # e.g. payment still outstanding: the callback stays in the agent's queue
        return
