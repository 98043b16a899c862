"""Issue 13, part 4: a live event on a planned day re-plans only the affected technicians in the worker;
the board lists what moved and why, and the customers whose confirmed time would change are listed for a
call (R-DI-8) — their appointment unchanged until the call is logged with the reschedule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import make_technician
from doorstep.core import clock
from doorstep.dispatch.models import DayReplan, Leave, PlannedVisit
from doorstep.dispatch.replanning import (
    day_replans,
    replan_apply,
    replan_call,
    replan_execute,
    replan_request,
)
from doorstep.dispatch.services import late_call_record, order_route_to_outlet
from doorstep.dispatch.tests.helpers import DAY, at, placed
from doorstep.orders.models import Priority, WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import intake

pytestmark = pytest.mark.django_db


def _plan(order: WorkOrder, start: Any, tech: Any = None) -> None:
    """The applied plan's row: departure 20 minutes before the start, arrival 5 minutes before (R-DI-7)."""
    PlannedVisit.objects.create(
        order=order,
        technician=tech or order.technician,  # type: ignore[misc]
        sequence=1,
        depart_at=start - timedelta(minutes=20),
        arrive_at=start - timedelta(minutes=5),
        start_at=start,
    )


def _day(world: Any) -> tuple[WorkOrder, WorkOrder, Any]:
    """李师傅: a confirmed 14:00 visit and an unconfirmed one planned at 16:00; 王师傅 works too."""
    second = make_technician("tech3", "王师傅", world.outlet, world.line, "GZ-2024-0003")
    confirmed = placed(world, status="confirmed", start=at(14))
    loose = placed(world, status="assigned")
    _plan(confirmed, at(14))
    _plan(loose, at(16))
    return confirmed, loose, second


def test_urgent_order_replans_the_affected_technicians_with_the_reason(world: Any) -> None:
    confirmed, _loose, _second = _day(world)
    urgent = intake(world, lat=23.14, lng=113.31, phone="13900000001")
    WorkOrder.objects.filter(pk=urgent.pk).update(priority=Priority.URGENT)
    urgent.refresh_from_db()
    with clock.frozen_at(at(10)):
        order_route_to_outlet(order=urgent, actor=world.actor("dispatcher"))  # the event
        row = DayReplan.objects.get()
        assert (row.kind, row.order_id, row.state) == ("urgent", urgent.pk, "queued")  # for the worker
        assert replan_execute(replan_id=row.pk) == "done"
    row.refresh_from_db()
    moved = {m["number"]: m for m in row.moves}
    assert urgent.number in moved  # the urgent visit now has a technician and a time
    m = moved[urgent.number]
    assert m["to"] in ("李师傅", "王师傅") and m["from"] == "" and m["new"].startswith(DAY.isoformat())
    assert m["reason"].startswith(f"紧急工单插入 {urgent.number}")
    assert row.technicians and set(row.technicians) <= {"李师傅", "王师傅"}
    assert confirmed.number not in {c["number"] for c in row.to_call}  # its confirmed time is kept
    confirmed.refresh_from_db()
    assert confirmed.appointment == at(14)


def test_no_replan_on_a_day_without_a_plan(world: Any) -> None:
    with clock.frozen_at(at(10)):
        assert replan_request(outlet_id=world.outlet.pk, day=DAY, kind="urgent") is None


def test_cancel_replans_and_names_the_cancel(world: Any) -> None:
    _day(world)
    early = placed(world, status="assigned")
    _plan(early, at(11))
    with clock.frozen_at(at(10)):
        order_transition(order=early, actor=world.actor("outlet_manager"), action="cancel", reason="客户取消")
        row = DayReplan.objects.get()
        assert row.kind == "cancel" and row.trigger["technician"] == world.tech.pk
        assert replan_execute(replan_id=row.pk) == "done"
    row.refresh_from_db()
    assert early.number not in {m["number"] for m in row.moves}  # cancelled: not planned again
    assert all(m["reason"].startswith(f"客户取消 {early.number}") for m in row.moves)
    assert row.technicians == ["李师傅"]  # only the affected technician


def test_confirmed_time_that_would_change_is_listed_for_a_call_R_DI_8(world: Any) -> None:
    """The visit under way overruns by 100 minutes: the 11:00 confirmed visit cannot be kept; it is
    listed for a call and its appointment is unchanged until the call is logged (reschedule, R-DI-8)."""
    under_way = placed(world, status="in_service", start=at(9))
    confirmed = placed(world, status="confirmed", start=at(11))
    _plan(confirmed, at(11))
    with clock.frozen_at(at(10)):
        row = replan_request(
            outlet_id=world.outlet.pk, day=DAY, kind="overrun", order=under_way, trigger={"seconds": 6000}
        )
        assert row is not None
        assert replan_execute(replan_id=row.pk) == "done"
    row.refresh_from_db()
    calls = {c["number"]: c for c in row.to_call}
    assert confirmed.number in calls
    call = calls[confirmed.number]
    assert call["old"].endswith("11:00:00+08:00") and call["new"] > call["old"]
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed" and confirmed.appointment == at(11)  # never moved silently
    assert not confirmed.events.filter(kind="reschedule").exists()

    with clock.frozen_at(at(10, 5)):
        replan_call(
            row=row, number=confirmed.number, actor=world.actor("outlet_manager"), note="已致歉", agreed=True
        )
    confirmed.refresh_from_db()
    reschedule = confirmed.events.get(kind="reschedule")
    assert "已致歉" in reschedule.reason and reschedule.data["initiator"] == "company"
    assert confirmed.status == "confirmed" and clock.local(confirmed.appointment).isoformat() == call["new"]
    row.refresh_from_db()
    assert row.to_call[0]["called"]


def test_sick_technician_hands_the_day_over_keeping_confirmed_times(world: Any) -> None:
    """李师傅 goes home sick at 10:00: his 14:00 confirmed visit goes to 王师傅 at the same time (no call
    needed: the customer's time stays), adopted as an ``assign`` with the event as its reason (R-AN-4)."""
    confirmed, loose, second = _day(world)
    with clock.frozen_at(at(10)):
        Leave.objects.create(technician=world.tech, kind="sick", starts_at=at(10), ends_at=at(23))
        row = DayReplan.objects.get()
        assert (row.kind, row.technician_id) == ("sick", world.tech.pk)
        assert replan_execute(replan_id=row.pk) == "done"
        row.refresh_from_db()
        moved = {m["number"]: m for m in row.moves}
        assert (
            moved[confirmed.number]["to"] == "王师傅" and moved[confirmed.number]["new"] == at(14).isoformat()
        )
        assert moved[loose.number]["to"] == "王师傅"
        assert row.to_call == []
        assert replan_apply(row=row, actor=world.actor("outlet_manager")) == 2
    confirmed.refresh_from_db()
    assert confirmed.technician_id == second.pk and confirmed.appointment == at(14)
    assert "工程师病假离岗" in confirmed.events.filter(kind="assign").latest("seq").reason


def test_overrun_reported_by_the_technicians_app_replans(world: Any) -> None:
    """The technician reports from the app (the late call, R-AR-5) being 90 minutes late while the 09:00
    visit is still in service: that visit overruns, the day is re-planned and the 11:00 confirmed visit is
    listed for the dispatcher's call (R-DI-8), its appointment unchanged."""
    under_way = placed(world, status="in_service", start=at(9))
    confirmed = placed(world, status="confirmed", start=at(11))
    _plan(confirmed, at(11))
    with clock.frozen_at(at(10)):
        late_call_record(
            order=confirmed, actor=world.actor("technician"), note="上一单超时", expected_minutes=90
        )
        row = DayReplan.objects.get()
        assert (row.kind, row.order_id, row.trigger["seconds"]) == ("overrun", under_way.pk, 5400)
        assert replan_execute(replan_id=row.pk) == "done"
    row.refresh_from_db()
    assert confirmed.number in {c["number"] for c in row.to_call}
    assert all(m["reason"].startswith(f"上门超时 {under_way.number}") for m in row.moves)
    confirmed.refresh_from_db()
    assert confirmed.appointment == at(11) and confirmed.status == "confirmed"


def test_a_later_replan_does_not_hide_a_call_owed_R_DI_8(world: Any) -> None:
    under_way = placed(world, status="in_service", start=at(9))
    confirmed = placed(world, status="confirmed", start=at(11))
    _plan(confirmed, at(11))
    with clock.frozen_at(at(10)):
        first = replan_request(
            outlet_id=world.outlet.pk, day=DAY, kind="overrun", order=under_way, trigger={"seconds": 6000}
        )
        assert first is not None and replan_execute(replan_id=first.pk) == "done"
        later = replan_request(outlet_id=world.outlet.pk, day=DAY, kind="cancel")
        assert later is not None and replan_execute(replan_id=later.pk) == "done"
    latest, calls = day_replans(world.outlet, DAY)
    assert latest is not None and latest.pk == later.pk
    assert [(pk, c["number"]) for pk, c in calls] == [(first.pk, confirmed.number)]


def _board_queries(client: Client, world: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dispatch/", {"outlet": world.outlet.pk, "day": DAY.isoformat()})
    assert response.status_code == 200 and "计划调整" in response.content.decode()
    return len(captured)


def test_board_queries_do_not_grow_with_replans(world: Any, client: Client) -> None:
    """The panel is one query whatever the number of re-plans, moves and calls of the day."""
    order = placed(world, status="confirmed", start=at(11))
    entry = {
        "order": order.pk,
        "number": order.number,
        "district": "天河区",
        "from": "李师傅",
        "to": "李师傅",
        "old": at(11).isoformat(),
        "new": at(12).isoformat(),
        "reason": "r",
        "confirmed": True,
        "called": "",
    }
    made = lambda n: DayReplan.objects.create(  # noqa: E731
        outlet=world.outlet, day=DAY, kind="urgent", state="done", created_at=at(10),
        moves=[entry] * n, to_call=[{**entry, "number": f"{order.number}-{k}"} for k in range(n)],
    )  # fmt: skip
    client.force_login(world.staff["outlet_manager"].user)
    made(1)
    small = _board_queries(client, world)
    for _k in range(3):
        made(6)
    assert _board_queries(client, world) == small
