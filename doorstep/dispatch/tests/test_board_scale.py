"""The dispatcher's board does not grow with the centre: a fixed number of queries whatever the queue's
length, one page of the queue at a time (keyset, in the queue's rank), outlet suggestions for the whole
page in one pass (R-DI-1) — and the same suggestions as for one order."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from doorstep.core import clock
from doorstep.dispatch import selectors
from doorstep.dispatch.selectors import outlet_suggestions, outlet_suggestions_for, queue_page
from doorstep.dispatch.services import order_route_to_outlet
from doorstep.dispatch.tests.helpers import at
from doorstep.orders.models import Priority
from doorstep.orders.tests.helpers import intake

pytestmark = pytest.mark.django_db

DISTRICTS = ("天河区", "海珠区", "天河区")


def _grow(world: Any, n: int, start: int = 0) -> None:
    """``n`` more orders waiting: a third at the centre, the rest sent to the outlet (some urgent)."""
    for k in range(start, start + n):
        order = intake(world, district=DISTRICTS[k % 3], phone=f"1391234{k:04d}")
        if k % 3:
            with clock.frozen_at(at(9)):
                order_route_to_outlet(order=order, actor=world.actor("dispatcher"))
        if k % 4 == 0:
            type(order).objects.filter(pk=order.pk).update(priority=Priority.URGENT)


def _board_queries(client: Client, world: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dispatch/", {"outlet": world.outlet.pk})
    assert response.status_code == 200
    return len(captured)


def test_board_queries_do_not_grow_with_the_queue(world: Any, client: Client) -> None:
    client.force_login(world.staff["dispatcher"].user)
    _grow(world, 3)
    small = _board_queries(client, world)
    _grow(world, 9, start=3)
    assert _board_queries(client, world) == small


def test_queue_pages_in_rank_order_without_gaps(world: Any) -> None:
    _grow(world, 11)
    actor = world.actor("dispatcher")
    whole = [i.order.pk for i in selectors.unassigned_queue(actor, world.outlet)]
    ranks = [i.rank for i in selectors.unassigned_queue(actor, world.outlet)]
    assert len(whole) >= 7 and ranks == sorted(ranks)  # urgent first, then the soonest clock
    seen, after, pages = [], "", 0
    while True:
        page = queue_page(actor, world.outlet, after=after, size=4)
        assert page.total == len(whole)
        seen += [i.order.pk for i in page.items]
        pages += 1
        if not page.after:
            break
        after = page.after
    assert seen == whole and pages == -(-len(whole) // 4)
    # a cursor that is not ours is the first page, not an error
    assert [i.order.pk for i in queue_page(actor, world.outlet, after="x_y_z", size=4).items] == whole[:4]


def test_suggestions_for_a_page_are_those_for_each_order_R_DI_1(world: Any) -> None:
    orders = [intake(world, district=d, phone=f"1380000{k:04d}") for k, d in enumerate(DISTRICTS)]
    together = outlet_suggestions_for(orders)
    for order in orders:
        assert [(o.pk, info) for o, info in together[order.pk]] == [
            (o.pk, info) for o, info in outlet_suggestions(order)
        ]


def test_the_queue_filters_and_sorts_and_its_next_page_keeps_them(world: Any, monkeypatch: Any) -> None:
    """Walk finding 22: 30 queue items and no filter. The filter (priority, service type) and the sort stay
    in the "next page" link; the pages of a filtered queue hold exactly its orders."""
    _grow(world, 12)
    actor = world.actor("dispatcher")
    urgent = {
        i.order.pk for i in selectors.unassigned_queue(actor, world.outlet) if i.order.priority == "urgent"
    }
    assert urgent
    seen, after = [], ""
    while True:
        page = queue_page(actor, world.outlet, after=after, size=2, priority=Priority.URGENT, sort="new")
        seen += [i.order.pk for i in page.items]
        if not page.after:
            break
        after = page.after
    assert len(seen) == len(set(seen)) and set(seen) == urgent and seen == sorted(seen, reverse=True)
    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 1)
    client = Client()
    client.force_login(world.staff["dispatcher"].user)
    html = client.get("/dispatch/", {"outlet": world.outlet.pk, "priority": "urgent", "sort": "new"}).content
    nxt = html.decode().split('data-pager="next"')[0].rsplit('href="', 1)[1]
    assert "priority=urgent" in nxt and "sort=new" in nxt and "after=" in nxt
