"""The technician's call before the visit goes unanswered (R-DI-5): the app says when to call again; when
waiting for that retry would miss the appointment it says go anyway, the centre's desk sees the task, and
the technician leaves on time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.models import EscalationTask
from doorstep.visits.tests.browsing import GUANGZHOU, go, login, status, tick_all
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_call_not_answered_retry_then_go_anyway_R_DI_5(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    page = login(browser, live_server, "tech", PHONE, geolocation=GUANGZHOU, permissions=["geolocation"])
    page.goto(f"{live_server.url}/visits/{order.number}/")
    assert page.locator("#previsit-call").is_visible()

    go(page, page.locator("#previsit-call-form button"))  # first call: not answered, time enough to retry
    state = page.locator("#call-state").inner_text()
    assert "1/3" in state and "重拨" in state
    shots(page, "not-answered-retry")
    assert not EscalationTask.objects.filter(order=order, kind=EscalationTask.Kind.GO_ANYWAY).exists()

    # the appointment is now close: the next retry (in 15 minutes) would be after the departure time
    start = clock.now() + timedelta(minutes=19)
    WorkOrder.objects.filter(pk=order.pk).update(window_start=start, window_end=start + timedelta(hours=2))
    page.reload()
    go(page, page.locator("#previsit-call-form button"))  # the retry: not answered again
    assert "等待重拨将错过预约" in page.locator("#call-state").inner_text()
    shots(page, "go-anyway")
    task = EscalationTask.objects.get(order=order, kind=EscalationTask.Kind.GO_ANYWAY)
    assert task.rule == "R-DI-5" and task.state == "open"

    tick_all(page, "#checklist-kit")
    go(page, page.locator("#depart-form button"))
    assert status(page) == "已出发"

    desk = login(browser, live_server, "agent", DESKTOP)
    desk.goto(f"{live_server.url}/visits/tasks/")
    assert order.number in desk.content()
    shots(desk, "desk-sees-the-task")
