"""R-DI-1: outlet routing by coverage, brand authorisation and load; acceptance within a time or back to
the centre; a declined order is transferred with the reason on the record."""

from __future__ import annotations

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.models import OutletOffer
from doorstep.dispatch.selectors import outlet_suggestions, unassigned_queue
from doorstep.dispatch.services import offer_expire, order_route_to_outlet, outlet_accept
from doorstep.dispatch.tasks import dispatch_sweep
from doorstep.dispatch.tests.helpers import at
from doorstep.network.models import Outlet
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import intake

pytestmark = pytest.mark.django_db


def test_suggestions_put_the_covering_outlet_first_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    order = intake(world, district="海珠区")
    ranked = outlet_suggestions(order)
    assert ranked[0][0] == world.other_outlet and ranked[0][1]["covers"]
    assert ranked[1][1]["covers"] is False


def test_unauthorised_outlet_is_not_suggested_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    Outlet.objects.create(centre=world.centre, code="gz-x", name="未授权网点", address="x", phone="1")
    assert "未授权网点" not in [o.name for o, _ in outlet_suggestions(intake(world))]


def test_automatic_routing_and_the_acceptance_clock_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    order = intake(world, district="天河区")
    with clock.frozen_at(at(9)):
        order = order_route_to_outlet(order=order, actor=world.actor("dispatcher"))
    assert order.outlet == world.outlet and order.status == "dispatched"
    offer = OutletOffer.objects.get(order=order)
    assert offer.state == "open" and offer.due_at == at(9, 30)


def test_not_accepted_in_time_goes_back_to_the_centre_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    order = intake(world)
    with clock.frozen_at(at(9)):
        order = order_route_to_outlet(order=order, actor=world.actor("dispatcher"))
    offer = OutletOffer.objects.get(order=order)
    with clock.frozen_at(at(9, 20)):
        assert offer_expire(offer_id=offer.pk) is False  # not yet due
    with clock.frozen_at(at(9, 31)):
        assert dispatch_sweep() == 1
    event = order.events.get(kind="outlet_accept_timeout")
    assert event.rule == "R-DI-1" and event.data["outlet"] == world.outlet.pk
    item = next(i for i in unassigned_queue(world.actor("dispatcher"), world.outlet) if i.order == order)
    assert item.offer_expired
    # the centre transfers it: the next covering outlet, with the reason on the record
    with clock.frozen_at(at(9, 35)):
        order = order_route_to_outlet(order=order, actor=world.actor("dispatcher"))
    assert order.outlet == world.other_outlet
    assert order.events.get(kind="transfer").reason


def test_accepting_and_assigning_meet_the_offer_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    order = order_transition(
        order=intake(world),
        actor=world.actor("dispatcher"),
        action="dispatch",
        params={"outlet": world.outlet.pk},
    )
    outlet_accept(order=order, actor=world.actor("outlet_manager"))
    assert OutletOffer.objects.get(order=order).outcome == "accepted"
    assert order.events.filter(kind="outlet_accepted").exists()
    with pytest.raises(DomainError):
        outlet_accept(order=order, actor=world.actor("outlet_manager"))


def test_declined_order_is_transferred_with_the_reason_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    order = order_transition(
        order=intake(world),
        actor=world.actor("dispatcher"),
        action="dispatch",
        params={"outlet": world.outlet.pk},
    )
    order = order_transition(
        order=order, actor=world.actor("outlet_manager"), action="decline", reason="本周技师全部外派"
    )
    assert OutletOffer.objects.get(order=order).outcome == "declined"
    ranked = outlet_suggestions(order)
    assert ranked[-1][0] == world.outlet and ranked[-1][1]["declined"]
    order = order_route_to_outlet(order=order, actor=world.actor("dispatcher"))
    assert order.outlet == world.other_outlet and order.status == "dispatched"
    assert order.events.get(kind="decline").reason == "本周技师全部外派"


def test_no_covering_outlet_is_a_clear_error_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    order = intake(world, district="从化区")
    with pytest.raises(DomainError) as err:
        order_route_to_outlet(order=order, actor=world.actor("dispatcher"))
    assert err.value.code == "no_outlet_covers" and "从化区" in err.value.text()


def test_accepting_meets_the_offer_clock_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    order = intake(world)
    order = order_transition(
        order=order, actor=world.actor("dispatcher"), action="dispatch", params={"outlet": world.outlet.pk}
    )
    offer = outlet_accept(order=order, actor=world.actor("outlet_manager"))
    assert offer.state == "met" and offer.outcome == "accepted"
    assert offer.deadline is not None
    assert (offer.deadline.kind, offer.deadline.rule) == ("outlet_accept", "R-DI-1")
