from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from doorstep.orders.lifecycle import Action, Status
from doorstep.orders.models import Channel, Deadline, OrderEvent

register = template.Library()

OTHER_KINDS = {
    "created": lambda e: (
        _("工单已创建（%(channel)s）") % {"channel": _choice_label(Channel, e.data.get("channel"))}
    ),
    "charge_added": lambda e: _("收费项目：%(name)s ¥%(amount)s") % e.data,
    "consent": lambda e: (
        _("客户同意：%(kind)s（%(who)s）")
        % {"kind": _consent_label(e.data.get("kind", "")), "who": e.data.get("given_by", "")}
    ),
    "signed": lambda e: _("客户签字：%(signer)s") % {"signer": e.data.get("signer", "")},
    "deadline_overdue": lambda e: (
        _("时限已超时：%(kind)s")
        % {"kind": Deadline.Kind(e.data["deadline_kind"]).label if e.data.get("deadline_kind") else ""}
    ),
}


def _choice_label(choices: Any, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _consent_label(kind: str) -> str:
    from doorstep.visits.models import Consent

    return str(Consent.Kind(kind).label) if kind in Consent.Kind.values else kind


@register.filter
def event_label(event: OrderEvent) -> str:
    if event.kind in Action.values:
        target = str(Status(event.to_status).label) if event.to_status else ""
        return f"{Action(event.kind).label} → {target}" if target else str(Action(event.kind).label)
    render = OTHER_KINDS.get(event.kind)
    if render:
        return render(event)
    from doorstep.quality.events import quality_event_label

    return quality_event_label(event) or event.kind
