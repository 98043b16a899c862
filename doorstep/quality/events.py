"""Labels for the quality loop's events on the order's record (一票到底), for ``orders_tags.event_label``.

``quality_event_label(event)`` returns the label of one of this capability's event kinds, or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from doorstep.quality.models import CallbackAttempt, Complaint, Insight


def _choice(choices: Any, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _complaint(verb: str) -> Callable[[Any], str]:
    return lambda e: f"{verb}：{_choice(Complaint.Category, e.data.get('category'))}"


LABELS: dict[str, Callable[[Any], str]] = {
    "survey_submitted": lambda e: (
        _("客户评价：平均 %(mean).1f 分") % {"mean": float(e.data.get("mean") or 0)}
    ),
    "callback_attempt": lambda e: (
        _("回访：%(outcome)s") % {"outcome": _choice(CallbackAttempt.Outcome, e.data.get("outcome"))}
    ),
    "callback_questionnaire_sent": lambda e: _("多次未接通，已发送在线问卷链接"),
    "complaint_opened": _complaint(_("投诉受理")),
    "complaint_responded": _complaint(_("投诉已答复")),
    "complaint_not_accepted": _complaint(_("客户不接受答复，已升级")),
    "complaint_escalated": lambda e: (
        _("投诉超时升级至：%(level)s") % {"level": _choice(Complaint.Level, e.data.get("level"))}
    ),
    "complaint_overdue": lambda e: _("上门致歉超时"),
    "complaint_resolved": _complaint(_("投诉已解决（客户确认）")),
    "fault_coded": lambda e: _("故障编码：%(code)s") % {"code": e.data.get("code", "")},
    "insight_submitted": lambda e: (
        _("信息增值建议（%(dept)s）：%(title)s")
        % {"dept": _choice(Insight.Department, e.data.get("department")), "title": e.data.get("title", "")}
    ),
    "language_flagged": lambda e: _("服务用语提示：%(n)s 处") % {"n": len(e.data.get("flags") or [])},
    "language_flag_confirmed": lambda e: _("服务用语违规已确认：%(text)s") % {"text": e.data.get("text", "")},
    "language_flag_dismissed": lambda e: _("服务用语误报已排除：%(text)s") % {"text": e.data.get("text", "")},
}


def quality_event_label(event: Any) -> str | None:
    render = LABELS.get(event.kind)
    return render(event) if render else None
