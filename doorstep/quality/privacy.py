"""Customer contact data shown only to those who need it for the order (R-PV-1).

``can_see_contact`` decides; ``contact_for`` returns what a page or an export may show, masked with
``doorstep.core.privacy``, and logs every look at the full data (``ContactAccess``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.core import clock
from doorstep.core.privacy import mask_address, mask_phone
from doorstep.network.actors import Actor
from doorstep.network.roles import CONTACT_DESK, Party, Role
from doorstep.orders.lifecycle import TERMINAL, Status
from doorstep.orders.models import WorkOrder
from doorstep.quality.models import Complaint, ContactAccess

# after the service: callbacks and surveys (R-QA-1)
AFTER_SERVICE = frozenset({Status.COMPLETED, Status.PAID, Status.CALLBACK_DONE})


def can_see_contact(actor: Actor, order: WorkOrder) -> bool:
    """Who needs the customer's phone and address for this order now (R-PV-1)?

    After closure only the archive owner (the first-contact owner, R-IN-5) still does; while the order is
    open: the centre's agents, the outlet that has it, the technician sent, and quality staff once the
    service is done (callbacks) or while they own a complaint on it. The customer sees their own.
    """
    if actor.role == Party.CUSTOMER:
        return True
    if actor.staff is None or actor.centre_id != order.centre_id:
        return False
    if order.status in TERMINAL:
        return order.owner_id is not None and order.owner_id == actor.staff.pk
    return _needs_for_open_order(actor, order)


def _needs_for_open_order(actor: Actor, order: WorkOrder) -> bool:
    if actor.role in CONTACT_DESK:
        return True
    if actor.role == Role.OUTLET_MANAGER:
        return order.outlet_id is not None and order.outlet_id == actor.outlet_id
    if actor.role == Role.TECHNICIAN:
        return order.technician_id is not None and order.technician_id == actor.technician_id
    if actor.role == Role.QUALITY:
        return order.status in AFTER_SERVICE or _owns_live_complaint(actor, order)
    return False


def _owns_live_complaint(actor: Actor, order: WorkOrder) -> bool:
    live = Complaint.objects.filter(order=order, owner=actor.staff).exclude(state=Complaint.State.RESOLVED)
    return live.exists()


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


def contacts_for(actor: Actor, orders: Sequence[WorkOrder], *, purpose: str) -> dict[int, Contact]:
    """``contact_for`` for a list (a queue page): the same decision per order, the full views logged in
    one write (R-PV-1)."""
    contacts: dict[int, Contact] = {}
    shown: list[WorkOrder] = []
    for order in orders:
        if can_see_contact(actor, order):
            contacts[order.pk] = Contact(order.customer.name, order.customer.phone, str(order.address), False)
            shown.append(order)
        else:
            contacts[order.pk] = Contact(
                order.customer.name, mask_phone(order.customer.phone), mask_address(order.address), True
            )
    if actor.staff is not None and shown:
        now = clock.now()
        ContactAccess.objects.bulk_create(
            [ContactAccess(staff=actor.staff, order=o, purpose=purpose[:60], at=now) for o in shown]
        )
    return contacts


def contact_access_log(*, actor: Actor, order: WorkOrder, purpose: str) -> None:
    if actor.staff is None:
        return
    ContactAccess.objects.create(staff=actor.staff, order=order, purpose=purpose[:60], at=clock.now())
