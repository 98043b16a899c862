"""The live re-plan on the dispatcher's board (issue 13, part 4): an urgent order arrives on a planned day,
the board's "计划调整" panel shows what moved and why and the dispatcher adopts it; an overrun makes a
confirmed time impossible, the customer is listed under "需致电客户" (R-DI-8) and the call is logged with
one click — the appointment changes only then."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from conftest import make_technician
from doorstep.core import clock
from doorstep.dispatch.models import DayReplan, PlannedVisit
from doorstep.dispatch.replanning import replan_execute, replan_request
from doorstep.dispatch.services import order_route_to_outlet
from doorstep.dispatch.tests.helpers import DAY, at, placed
from doorstep.orders.models import Priority, WorkOrder
from doorstep.orders.tests.helpers import intake
from tests.browser.conftest import DESKTOP
from tests.browser.test_spine_flow import login, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _plan(order: WorkOrder, start: Any) -> None:
    PlannedVisit.objects.create(
        order=order,
        technician=order.technician,  # type: ignore[misc]
        sequence=1,
        depart_at=start - timedelta(minutes=20),
        arrive_at=start - timedelta(minutes=5),
        start_at=start,
    )


def test_replan_panel_after_urgent_order_and_the_call(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    make_technician("tech3", "王师傅", world.outlet, world.line, "GZ-2024-0003")
    under_way = placed(world, status="in_service", start=at(9))
    confirmed = placed(world, status="confirmed", start=at(11))
    _plan(confirmed, at(11))
    urgent = intake(world, lat=23.14, lng=113.31, phone="13900000002")
    WorkOrder.objects.filter(pk=urgent.pk).update(priority=Priority.URGENT)
    urgent.refresh_from_db()
    board = f"/dispatch/?outlet={world.outlet.pk}&day={DAY.isoformat()}"
    with clock.frozen_at(at(10)):
        order_route_to_outlet(order=urgent, actor=world.actor("dispatcher"))  # the urgent order arrives
        row = DayReplan.objects.get()
        page = login(browser, live_server, "manager", DESKTOP)
        page.goto(live_server.url + board)
        assert page.locator("#replan").get_attribute("data-state") == "queued"
        assert replan_execute(replan_id=row.pk) == "done"  # the background worker's job
        page.wait_for_selector("#replan-moves", timeout=10_000)  # the panel polls and swaps in the result
        panel = page.locator("#replan").inner_text()
        assert "计划调整" in panel and urgent.number in panel and "紧急工单插入" in panel
        shots(page, "replan-urgent-moves")
        submit(page, page.locator("#replan-apply"))
        assert "已采用计划调整" in page.locator(".messages").inner_text()
        urgent.refresh_from_db()
        assert urgent.status == "assigned" and urgent.technician_id is not None

        # the visit under way overruns by 100 minutes: the 11:00 confirmed time cannot be kept
        overrun = replan_request(
            outlet_id=world.outlet.pk, day=DAY, kind="overrun", order=under_way, trigger={"seconds": 6000}
        )
        assert overrun is not None and replan_execute(replan_id=overrun.pk) == "done"
        page.goto(live_server.url + board)
        calls = page.locator(f"#replan-calls li[data-order='{confirmed.number}']")
        assert "约定 11:00" in calls.inner_text()
        confirmed.refresh_from_db()
        assert confirmed.appointment == at(11)  # listed for a call, not moved
        shots(page, "replan-to-call")
        submit(page, calls.locator("button.call-agreed"))
        assert "已记录致电并改约" in page.locator(".messages").inner_text()
        assert "已致电" in page.locator(f"#replan-calls li[data-order='{confirmed.number}']").inner_text()
        confirmed.refresh_from_db()
        assert confirmed.appointment > at(11) and confirmed.events.filter(kind="reschedule").exists()
        shots(page, "replan-called")
