"""Every timer of an order, for the order page: what, from/until when, who owns it, which rule.

The stored ones are the order's ``Deadline`` rows (acceptance, response, verification, consultation
follow-up, departure, arrival, late call, visit tasks, callback, complaint answer; the internal risk
checks aside). Two clocks of the standard are rules rather than rows, and are shown computed from the
appointment time while they still apply:

- the company's reschedule notice (R-DI-8): a change must be told ``reschedule_notice_minutes`` before the
  appointment, a delay within half a day ``reschedule_notice_same_day_minutes`` before it;
- the call before being late (R-AR-5), [appointment − 2 min, appointment − 1 min], until the risk scan
  opens its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from doorstep.core import clock
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.services import late_call_bounds
from doorstep.network.policy import policy_of
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, WorkOrder

# a row with no named owner belongs to a desk or a place: shown as such, never as "—"
_UNOWNED = {
    Deadline.Kind.OUTLET_ACCEPT: "outlet",
    Deadline.Kind.RESPONSE: "desk",
    Deadline.Kind.VERIFY: "desk",
    Deadline.Kind.CONSULT_FOLLOWUP: "desk",
    Deadline.Kind.CALLBACK: "desk",
    Deadline.Kind.CALL_REPLY: "desk",
    Deadline.Kind.HURRY: "desk",
}
BEFORE_VISIT = (Status.ASSIGNED, Status.CONFIRMED)
ON_THE_WAY = (Status.CONFIRMED, Status.EN_ROUTE)


@dataclass(frozen=True)
class Timer:
    label: str
    rule: str
    due_at: datetime
    owner: str
    state: str
    state_label: str
    not_before: datetime | None = None
    note: str = ""
    computed: bool = False  # a rule's clock shown from the appointment, not a stored row

    @property
    def open(self) -> bool:
        return self.state in Deadline.LIVE


def _owner(order: WorkOrder, d: Deadline) -> str:
    if d.owner is not None:
        return d.owner.name
    place = _UNOWNED.get(Deadline.Kind(d.kind))
    if place == "outlet" and order.outlet is not None:
        return order.outlet.name
    if place == "desk":
        return _("服务中心客服")
    return "—"


def order_timers(order: WorkOrder) -> list[Timer]:
    """The order's timers, open ones first by due time, then the closed ones."""
    rows = order.deadlines.exclude(kind=Deadline.Kind.RISK_CHECK).select_related("owner")
    timers = [
        Timer(
            label=str(d.get_kind_display()),
            rule=d.rule,
            due_at=d.due_at,
            not_before=d.not_before,
            owner=_owner(order, d),
            state=d.state,
            state_label=str(d.get_state_display()),
        )
        for d in rows
    ]
    timers += _computed(order, rows)
    return sorted(timers, key=lambda t: (not t.open, t.due_at))


def _computed(order: WorkOrder, rows: object) -> list[Timer]:
    appointment = appointment_of(order)
    if appointment is None or order.status not in (*BEFORE_VISIT, Status.EN_ROUTE):
        return []
    policy, out = policy_of(order), []
    outlet = order.outlet.name if order.outlet else _("网点")
    open_label = str(Deadline.State.OPEN.label)
    if order.status in BEFORE_VISIT:
        short = appointment - timedelta(minutes=policy.reschedule_notice_same_day_minutes)
        out.append(
            Timer(
                label=_("公司改约告知客户"),
                rule="R-DI-8",
                due_at=appointment - timedelta(minutes=policy.reschedule_notice_minutes),
                owner=outlet,
                state=Deadline.State.OPEN,
                state_label=open_label,
                note=_("改约或延误超过半天须在此前告知；半天内的延误：%(t)s 前")
                % {"t": f"{clock.local(short):%H:%M}"},
                computed=True,
            )
        )
    has_call_row = order.deadlines.filter(kind=Deadline.Kind.LATE_CALL, state__in=Deadline.LIVE).exists()
    bounds = late_call_bounds(order)
    if order.status in ON_THE_WAY and bounds is not None and not has_call_row and order.technician:
        out.append(
            Timer(
                label=_("将迟到时致电客户"),
                rule="R-AR-5",
                due_at=bounds[1],
                not_before=bounds[0],
                owner=order.technician.staff.name,
                state=Deadline.State.OPEN,
                state_label=open_label,
                note=_("仅在预计迟到时"),
                computed=True,
            )
        )
    return out
