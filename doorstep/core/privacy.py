"""Customer contact data shown only to those who need it for the order (R-PV-1).

``can_see_contact`` decides; ``mask_phone`` / ``mask_address`` hide; ``contact_for`` returns what a page
or an export may show and logs every look at the full data (the log lives in the quality app,
``ContactAccess``). One implementation of the masks for the whole project (the service report PDF too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps

from doorstep.core import clock

if TYPE_CHECKING:
    from doorstep.core.actors import Actor
    from doorstep.orders.models import WorkOrder

CLOSED = frozenset({"closed", "cancelled"})
AFTER_SERVICE = frozenset({"completed", "paid", "callback_done"})  # callbacks and surveys (R-QA-1)
MASK = "****"


def mask_phone(phone: str) -> str:
    """``+8613800138000`` → ``138****8000``; short numbers keep only their last four digits."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if (phone or "").startswith("+86"):
        digits = digits[2:]
    if len(digits) < 8:
        return "*" * max(len(digits) - 4, 0) + digits[-4:]
    return f"{digits[:3]}{MASK}{digits[-4:]}"


def mask_address(address: Any) -> str:
    """Keep province, city and district (what dispatch and statistics need); hide the street and door."""
    if hasattr(address, "district"):
        return f"{address.province}{address.city}{address.district}{MASK}"
    text = str(address or "")
    return f"{text[:6]}{MASK}" if text else ""


def can_see_contact(actor: Actor, order: WorkOrder) -> bool:
    """Who needs the customer's phone and address for this order now (R-PV-1)?

    After closure only the archive owner (the first-contact owner, R-IN-5) still does; while the order is
    open: the centre's agents, the outlet that has it, the technician sent, and quality staff once the
    service is done (callbacks) or while they own a complaint on it. The customer sees their own.
    """
    if actor.role == "customer":
        return True
    if actor.staff is None or actor.centre_id != order.centre_id:
        return False
    if order.status in CLOSED:
        return order.owner_id is not None and order.owner_id == actor.staff.pk
    return _needs_for_open_order(actor, order)


def _needs_for_open_order(actor: Actor, order: WorkOrder) -> bool:
    if actor.role in ("agent", "supervisor"):
        return True
    if actor.role == "outlet_manager":
        return order.outlet_id is not None and order.outlet_id == actor.outlet_id
    if actor.role == "technician":
        return order.technician_id is not None and order.technician_id == actor.technician_id
    if actor.role == "quality":
        return order.status in AFTER_SERVICE or _owns_live_complaint(actor, order)
    return False


def _owns_live_complaint(actor: Actor, order: WorkOrder) -> bool:
    if not apps.is_installed("doorstep.quality"):
        return False
    complaint = apps.get_model("quality", "Complaint")
    return bool(complaint.objects.filter(order=order, owner=actor.staff).exclude(state="resolved").exists())


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    address: str
    masked: bool


def contact_for(actor: Actor, order: WorkOrder, *, purpose: str) -> Contact:
    """The contact data this actor may see for the order; a full view is logged (R-PV-1)."""
    if not can_see_contact(actor, order):
        return Contact(
            order.customer.name, mask_phone(order.customer.phone), mask_address(order.address), True
        )
    if actor.staff is not None:
        contact_access_log(actor=actor, order=order, purpose=purpose)
    return Contact(order.customer.name, order.customer.phone, str(order.address), False)


def contact_access_log(*, actor: Actor, order: WorkOrder, purpose: str) -> None:
    if not apps.is_installed("doorstep.quality") or actor.staff is None:
        return
    access = apps.get_model("quality", "ContactAccess")
    access.objects.create(staff=actor.staff, order=order, purpose=purpose[:60], at=clock.now())
