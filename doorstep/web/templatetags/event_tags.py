"""The one label of an event on the order's record (一票到底, R-CO-4), for every page that shows it.

The label is the kind's own (``orders.events.EventKind``); a lifecycle move adds the status it led to,
and some kinds add a detail taken from the event's data. This lives in the web layer because the
details name choices of every capability (consent kinds, complaint categories, …).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.db.models import Choices
from django.utils.translation import gettext as _

from doorstep.network.roles import Party
from doorstep.orders.correction import FIELD_LABELS
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import Channel, Deadline, OrderEvent, VerifiedHow
from doorstep.quality.models import CallbackAttempt, Complaint, Insight
from doorstep.visits.models import Checklist, Consent, EscalationTask, PaymentIntent, Source

register = template.Library()

K = EventKind


def _choice(choices: type[Choices], value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _category(e: OrderEvent) -> str:
    return _choice(Complaint.Category, e.data.get("category"))


def _source(e: OrderEvent) -> str:
    """How a customer-only act came (R-CO-1): the customer's link or customer mode, or agreed by phone
    and recorded by a named staff member — never shown as the customer's own act."""
    source = e.data.get("source")
    if source == Source.PHONE_AGREED:
        return _("客户电话同意，由%(who)s记录") % {"who": e.data.get("recorded_by") or e.actor_name}
    return _choice(Source, source) if source in (Source.CUSTOMER_LINK, Source.CUSTOMER_DEVICE) else ""


def _consent(e: OrderEvent) -> str:
    how = _source(e)
    who = e.data.get("given_by", "")
    return _("%(kind)s（%(who)s）") % {
        "kind": _choice(Consent.Kind, e.data.get("kind")),
        "who": f"{who} · {how}" if how else who,
    }


def _quote(e: OrderEvent) -> str:
    how = _source(e)
    text = _("第 %(v)s 版，应付 ¥%(due)s") % {"v": e.data.get("version", ""), "due": e.data.get("due", "")}
    return f"{text}（{how}）" if how else text


def _how(e: OrderEvent) -> str:
    return _choice(VerifiedHow, e.data.get("how")) if e.data.get("how") else ""


def _verified(e: OrderEvent) -> str:
    """R-IN-2: what was confirmed as correct as given, and how."""
    text, how = str(e.data.get("verified", "")), _how(e)
    return _("%(what)s（%(how)s）") % {"what": text, "how": how} if how else text


def _corrected(e: OrderEvent) -> str:
    """R-IN-2, R-DI-4: which items were corrected and how (the old and new values are on the order page,
    for whoever may see them)."""
    fields = "、".join(
        str(FIELD_LABELS.get(c.get("field"), c.get("field"))) for c in e.data.get("changes", [])
    )
    return _("%(what)s（%(how)s）") % {"what": fields, "how": _how(e)}


def _text(e: OrderEvent) -> str:
    return str(e.data.get("text", ""))


DETAILS: dict[EventKind, Callable[[OrderEvent], str]] = {
    K.CREATED: lambda e: _choice(Channel, e.data.get("channel")),
    K.DUPLICATE_LINKED: lambda e: _choice(Channel, e.data.get("channel")),
    K.INFO_VERIFIED: lambda e: _verified(e),
    K.INFO_CORRECTED: lambda e: _corrected(e),
    K.CALL: lambda e: str(e.data.get("question", "")),
    K.OWNER_HANDED_OVER: lambda e: f"{e.data.get('from', '')} → {e.data.get('to', '')}",
    K.FAULT_CAUSE: lambda e: str(e.data.get("cause", "")),
    K.CARRY_IN_INSTRUCTIONS: lambda e: (
        _("请携带%(bring)s，送至 %(address)s（%(hours)s）")
        % {
            "bring": "、".join(e.data.get("bring", [])),
            "address": e.data.get("address", ""),
            "hours": e.data.get("hours", ""),
        }
    ),
    K.DEADLINE_OVERDUE: lambda e: _choice(Deadline.Kind, e.data.get("deadline_kind")),
    K.OUTLET_ACCEPT_TIMEOUT: lambda e: str(e.data.get("outlet_name", "")),
    K.LATE_CALL_OVERDUE: lambda e: str(e.data.get("technician", "")),
    K.FAULT_ESCALATED: lambda e: str(e.data.get("level_label", "")),
    K.CHECKLIST: lambda e: _choice(Checklist.Kind, e.data.get("checklist")),
    K.ESCALATION_OPENED: lambda e: _choice(EscalationTask.Kind, e.data.get("task_kind")),
    K.ESCALATION_DONE: lambda e: _choice(EscalationTask.Kind, e.data.get("task_kind")),
    K.PAYMENT_UNAPPLIED: lambda e: (
        f"{e.data.get('method', '')} ¥{e.data.get('amount', '')} {e.data.get('transaction_id', '')}"
        f" · {_choice(PaymentIntent.State, e.data.get('state'))}"
    ),
    K.PAYMENT_NOTICE_REJECTED: lambda e: f"{e.data.get('provider', '')} · {e.data.get('reason', '')}",
    K.PAYMENT_REFUNDED: lambda e: (
        f"{e.data.get('method', '')} ¥{e.data.get('amount', '')} {e.data.get('refund_no', '')}"
        f" · {e.data.get('reason', '')}"
    ),
    K.CHARGE_ADDED: lambda e: f"{e.data.get('name', '')} ¥{e.data.get('amount', '')}",
    K.CHARGE_REMOVED: lambda e: f"{e.data.get('name', '')} ¥{e.data.get('amount', '')}",
    K.CONSENT: _consent,
    K.QUOTE_ACCEPTED: _quote,
    K.SIGNED: lambda e: " · ".join(x for x in (str(e.data.get("signer", "")), _source(e)) if x),
    K.CALLBACK_ATTEMPT: lambda e: _choice(CallbackAttempt.Outcome, e.data.get("outcome")),
    K.SURVEY_SUBMITTED: lambda e: _("平均 %(mean).1f 分") % {"mean": float(e.data.get("mean") or 0)},
    K.COMPLAINT_OPENED: _category,
    K.COMPLAINT_RESPONDED: _category,
    K.COMPLAINT_NOT_ACCEPTED: _category,
    K.COMPLAINT_RESOLVED: _category,
    K.COMPLAINT_ESCALATED: lambda e: _choice(Complaint.Level, e.data.get("level")),
    K.FAULT_CODED: lambda e: str(e.data.get("code", "")),
    K.INSIGHT_SUBMITTED: lambda e: (
        f"{_choice(Insight.Department, e.data.get('department'))} · {e.data.get('title', '')}"
    ),
    K.LANGUAGE_FLAGGED: lambda e: _("%(n)s 处") % {"n": len(e.data.get("flags") or [])},
    K.LANGUAGE_FLAG_CONFIRMED: _text,
    K.LANGUAGE_FLAG_DISMISSED: _text,
    K.MESSAGE_SENT: lambda e: str(e.data.get("text", "")),
    K.MESSAGE_DELIVERED: lambda e: str(e.data.get("to", "")),
    K.MESSAGE_FAILED: lambda e: f"{e.data.get('to', '')} {e.data.get('code', '')}".strip(),
}


@register.filter
def event_actor(event: OrderEvent) -> str:
    """Who acted, as the reader reads it: a person's name as recorded; the system (recorded as "系统") in the
    reader's language (walk finding 17)."""
    if event.actor_role == Party.SYSTEM:
        return str(Party.SYSTEM.label)
    return str(event.actor_name)


@register.filter
def event_label(event: OrderEvent) -> str:
    """「label」, 「move → new status」 or 「label：detail」 for one event of the record."""
    if event.kind not in EventKind.values:  # rows older than the vocabulary
        return str(event.kind)
    kind = EventKind(event.kind)
    if kind in Action.values:
        target = _choice(Status, event.to_status)
        return f"{kind.label} → {target}" if target else str(kind.label)
    render = DETAILS.get(kind)
    detail = render(event) if render else ""
    return _("%(label)s：%(detail)s") % {"label": kind.label, "detail": detail} if detail else str(kind.label)
