"""The callback queue does not grow with the centre (R-QA-1): a fixed number of queries whatever its length,
one page at a time in its deadline order (keyset), the contact views of a page logged in one write
(R-PV-1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import World
from doorstep.core import clock
from doorstep.quality.models import ContactAccess
from doorstep.quality.selectors.feedback import callback_page, callback_queue
from doorstep.quality.tests.helpers import Visit, drive

pytestmark = pytest.mark.django_db


def _done(world: World, n: int, start: int = 0) -> None:
    today = clock.local(clock.now()).date()
    for k in range(start, start + n):  # one a day, so one technician's appointments never overlap
        drive(world, Visit(day=today - timedelta(days=2 + k)))


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/quality/callbacks/", {"mine": "0"})
    assert response.status_code == 200
    return len(captured)


def test_the_callback_page_answers_in_the_same_queries_at_any_length_R_QA_1(world: World) -> None:
    client = Client()
    client.force_login(world.staff["agent"].user)
    _done(world, 2)
    small = _queries(client)
    _done(world, 5, start=2)
    assert _queries(client) == small


def test_pages_follow_the_deadline_order_without_gaps_and_log_each_view_once_R_PV_1(world: World) -> None:
    _done(world, 5)
    agent = world.actor("agent")
    whole = [r.order.pk for r in callback_queue(actor=agent)]
    assert len(whole) == 5
    logged = ContactAccess.objects.count()
    seen, after = [], ""
    while True:
        page = callback_page(actor=agent, after=after, size=2)
        assert page.total == 5
        seen += [r.order.pk for r in page.rows]
        if not page.after:
            break
        after = page.after
    assert seen == whole
    assert ContactAccess.objects.count() - logged == 5  # every row shown with its phone, logged once
    assert [r.order.pk for r in callback_page(actor=agent, after="nonsense", size=2).rows] == whole[:2]


def test_the_callback_queue_filters_and_sorts_and_its_next_page_keeps_them(world: World) -> None:
    _done(world, 5)
    agent = world.actor("agent")
    whole = [r.order.pk for r in callback_queue(actor=agent)]
    seen, after = [], ""
    while True:
        page = callback_page(actor=agent, after=after, size=2, sort="-due")
        seen += [r.order.pk for r in page.rows]
        if not page.after:
            break
        after = page.after
    assert seen == list(reversed(whole))
    overdue = callback_page(actor=agent, overdue_only=True).rows
    assert all(r.due_at and r.due_at < clock.now() for r in overdue)
    client = Client()
    client.force_login(world.staff["agent"].user)
    from doorstep.quality.selectors import feedback

    original = feedback.CALLBACK_PAGE_SIZE
    feedback.CALLBACK_PAGE_SIZE = 2
    try:
        html = client.get("/quality/callbacks/", {"mine": "0", "sort": "-due"}).content.decode()
    finally:
        feedback.CALLBACK_PAGE_SIZE = original
    nxt = html.split('data-pager="next"')[0].rsplit('href="', 1)[1]
    assert "sort=-due" in nxt and "mine=0" in nxt and "after=" in nxt
