"""Customer contact data masked for those who do not need it, and every full look logged (R-PV-1)."""

from __future__ import annotations

import pytest

from conftest import World
from doorstep.core.privacy import mask_address, mask_phone
from doorstep.network.actors import Actor
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.quality.models import ContactAccess
from doorstep.quality.privacy import can_see_contact, contact_for


def test_masks() -> None:
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_phone("020-88886666") == "020****6666"
    assert mask_phone("12345") == "*2345"
    assert mask_address("广东省广州市天河区天河路385号") == "广东省广州市****"


@pytest.mark.parametrize(
    ("status", "role", "sees"),
    [
        (Status.ASSIGNED, "agent", True),
        (Status.ASSIGNED, "dispatcher", False),  # dispatch needs the district, not the door
        (Status.ASSIGNED, "outlet_manager", True),
        (Status.ASSIGNED, "other_manager", False),
        (Status.ASSIGNED, "technician", True),
        (Status.ASSIGNED, "other_technician", False),
        (Status.ASSIGNED, "quality", False),
        (Status.PAID, "quality", True),  # the callback (R-QA-1)
        (Status.ASSIGNED, "admin", False),
        (Status.CLOSED, "agent", True),  # the archive owner: the first-contact agent (R-IN-5)
        (Status.CLOSED, "technician", False),
        (Status.CLOSED, "outlet_manager", False),
        (Status.CLOSED, "quality", False),
        (Status.CLOSED, "admin", False),
    ],
)
def test_who_sees_the_customer_contact_per_role_and_status_R_PV_1(
    world: World, status: str, role: str, sees: bool
) -> None:
    order = order_in(world, status)
    assert order.owner == world.staff["agent"]
    assert can_see_contact(world.actor(role), order) is sees


def test_after_closure_another_agent_sees_it_masked(world: World) -> None:
    from conftest import make_staff

    order = order_in(world, Status.CLOSED)
    other = make_staff("agent2", "李娜", "agent", world.centre, None)
    assert can_see_contact(Actor.for_user(other.user), order) is False


def test_a_full_view_is_logged_and_a_masked_one_is_not_R_PV_1(world: World) -> None:
    order = order_in(world, Status.ASSIGNED)
    full = contact_for(world.actor("technician"), order, purpose="visit")
    masked = contact_for(world.actor("dispatcher"), order, purpose="board")
    assert not full.masked and full.phone == order.customer.phone
    assert masked.masked and "****" in masked.phone and order.address.detail not in masked.address
    (log,) = ContactAccess.objects.all()
    assert (log.staff, log.order, log.purpose) == (world.staff["technician"], order, "visit")


def test_the_customer_sees_their_own(world: World) -> None:
    order: WorkOrder = order_in(world, Status.CLOSED)
    assert can_see_contact(Actor.customer("刘女士"), order)
