"""What the visit's services share: who may act on site, and the statuses that are on site or signable."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import ErrorCode, Forbidden
from doorstep.network.actors import Actor
from doorstep.network.roles import FIELD, Role
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder


def require_field_actor(order: WorkOrder, actor: Actor) -> None:
    if actor.role not in FIELD:
        raise Forbidden(ErrorCode.ROLE_NOT_ALLOWED, action=_("现场操作"))
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        raise Forbidden(ErrorCode.NOT_YOUR_VISIT)


ON_SITE = {Status.ARRIVED, Status.IN_SERVICE, Status.TAKEN_BACK, Status.RETURNED}


SIGNABLE = {Status.IN_SERVICE, Status.RETURNED}
