"""Qualifications and mandatory training (R-QA-7) that expire soon.

Whether lapsed training blocks an assignment (R-DI-2) is decided by dispatch eligibility."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from doorstep.network.actors import Actor
from doorstep.network.models import Qualification, TrainingRecord
from doorstep.network.policy import policy_for
from doorstep.network.roles import Role


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
    if actor.role == Role.OUTLET_MANAGER:
        quals = quals.filter(technician__staff__outlet_id=actor.outlet_id or 0)
        trainings = trainings.filter(staff__outlet_id=actor.outlet_id or 0)
    rows = [
        {"who": q.technician.staff.name, "what": q.get_kind_display(), "until": q.valid_until} for q in quals
    ] + [{"who": t.staff.name, "what": t.course, "until": t.valid_until} for t in trainings]
    return sorted(rows, key=lambda r: r["until"])
