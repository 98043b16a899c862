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
    "duplicate_linked": lambda e: (
        _("重复报修已合并到本工单（%(channel)s）")
        % {"channel": _choice_label(Channel, e.data.get("channel"))}
    ),
    "info_verified": lambda e: _("信息已核实：%(what)s") % {"what": e.data.get("verified", "")},
    "call": lambda e: _("通话：%(question)s") % {"question": e.data.get("question", "")},
    "owner_handed_over": lambda e: (
        _("首问负责人由 %(from)s 转交 %(to)s") % {"from": e.data.get("from", ""), "to": e.data.get("to", "")}
    ),
    "fault_cause": lambda e: _("故障原因：%(cause)s") % {"cause": e.data.get("cause", "")},
    "customer_message": lambda e: _("客户留言"),
    "carry_in_instructions": lambda e: (
        _("送修须知：请携带%(bring)s，送至 %(address)s（%(hours)s）")
        % {
            "bring": "、".join(e.data.get("bring", [])),
            "address": e.data.get("address", ""),
            "hours": e.data.get("hours", ""),
        }
    ),
    "self_booking": lambda e: _("客户自助预约"),
    "partner_order": lambda e: _("合作方推送订单"),
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
    from doorstep.visits.templatetags.visits_tags import EVENT_LABELS as VISIT_LABELS

    return VISIT_LABELS.get(event.kind) or quality_event_label(event) or event.kind
