"""The supervision card confirms the one visit it was issued for (R-PV-2, R-AR-4): walk finding 3 — the
card of a technician with another order still in service showed that other customer's district, surname
and order number."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from doorstep.core import clock
from doorstep.orders.tests.helpers import order_in
from doorstep.tests.factories import WorkOrderFactory
from doorstep.visits.arrival.card import card_url


def _card(url: str) -> str:
    """The card's verdict line (the page's own link carries the token, so look at what it says)."""
    page = Client().get(url.replace("http://127.0.0.1:8000", "")).content.decode()
    return page.split('id="current-visit">', 1)[1].split("</p>", 1)[0]


def test_card_for_this_order_shows_this_order_not_a_stale_one_in_service_R_PV_2(world) -> None:
    stale = order_in(world, "in_service")  # an earlier visit the technician never closed
    mine = WorkOrderFactory.create(
        world=world, status="confirmed", window_start=clock.now() + timedelta(days=1, hours=2)
    )
    page = _card(card_url(world.tech, mine))
    assert mine.number in page and "✔" in page
    assert stale.number not in page


def test_card_for_an_order_not_assigned_to_the_technician_confirms_nothing_R_PV_2(world) -> None:
    order = order_in(world, "arrived")
    other = world.staff["other_technician"].technician
    page = _card(card_url(other, order))
    assert order.number not in page and "没有派往此工单" in page


def test_card_for_a_finished_order_confirms_nothing_R_PV_2(world) -> None:
    order = order_in(world, "completed")
    page = _card(card_url(world.tech, order))
    assert order.number not in page and "没有派往此工单" in page


def test_identity_only_card_shows_no_order_at_all_R_PV_2(world) -> None:
    order = order_in(world, "en_route")
    page = _card(card_url(world.tech))
    assert order.number not in page and "只证明工程师身份" in page
