"""Training and qualification (R-QA-7) as they bear on dispatch (R-DI-2), and what expires soon."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from doorstep.core.actors import Actor
from doorstep.network.models import Qualification, Technician
from doorstep.network.policy import policy_for
from doorstep.orders.models import WorkOrder
from doorstep.quality.models import TrainingRecord


def training_ineligibility(*, order: WorkOrder, technician: Technician, on: date) -> list[str]:
    """Mandatory training of this technician for the order's product line that lapsed or was failed.

    Each mandatory course counts by its latest record; a course never required is no obstacle.
    """
    line_id = order.product.model.line_id if order.product and order.product.model else None
    records = TrainingRecord.objects.filter(staff_id=technician.staff_id, mandatory=True).order_by(
        "course", "-completed_on", "-pk"
    )
    latest: dict[str, TrainingRecord] = {}
    for record in records:
        if record.product_line_id in (None, line_id):
            latest.setdefault(record.course, record)
    return [
        _("必修培训「%(course)s」已过期或未通过") % {"course": r.course}
        for r in latest.values()
        if not r.is_valid(on)
    ]


def expiring_soon(*, actor: Actor, on: date, days: int | None = None) -> list[dict[str, Any]]:
    """Qualifications and mandatory training of the actor's people expiring within ``days`` (default: the
    policy's ``expiry_warning_days``, R-PR-2) or already lapsed."""
    if days is None:
        centre = actor.staff.centre if actor.staff is not None else None
        days = policy_for(brand=centre.brand_id, centre=centre.pk).expiry_warning_days if centre else 0
    horizon = on + timedelta(days=days)
    quals = Qualification.objects.select_related("technician__staff").filter(
        valid_until__lte=horizon, technician__staff__centre_id=actor.centre_id
    )
    trainings = TrainingRecord.objects.select_related("staff").filter(
        mandatory=True, valid_until__lte=horizon, staff__centre_id=actor.centre_id
    )
    if actor.role == "outlet_manager":
        quals = quals.filter(technician__staff__outlet_id=actor.outlet_id or 0)
        trainings = trainings.filter(staff__outlet_id=actor.outlet_id or 0)
    rows = [
        {"who": q.technician.staff.name, "what": q.get_kind_display(), "until": q.valid_until} for q in quals
    ] + [{"who": t.staff.name, "what": t.course, "until": t.valid_until} for t in trainings]
    return sorted(rows, key=lambda r: r["until"])
