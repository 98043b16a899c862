"""Every open timer of an order is on the order page with its due time, owner and rule id; the appointment
time confirmed with the customer is recorded from the page (R-DI-3, R-DI-7, R-DI-8, R-AR-5, R-AN-2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.dispatch.tests.helpers import NEAR, at, placed
from doorstep.network.policy import policy_for
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.web.timers import order_timers

pytestmark = pytest.mark.django_db


def _confirmed(world):  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned", where=NEAR)
    with clock.frozen_at(at(8)):
        return order_transition(
            order=order, actor=world.actor("outlet_manager"), action="confirm_appointment",
            params={"window_start": at(10), "window_end": at(12), "appointment_at": at(10, 40)},
        )  # fmt: skip


def test_a_confirmed_visit_shows_departure_arrival_notice_and_late_call_R_DI_7_R_DI_8_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world)
    with clock.frozen_at(at(8)):
        timers = {t.rule + ":" + t.label: t for t in order_timers(order) if t.open}
    policy = policy_for(brand=world.brand)
    by_rule = {}
    for t in timers.values():
        by_rule.setdefault(t.rule, []).append(t)
    assert any(t.due_at == at(10, 40) and t.owner == world.tech.staff.name for t in by_rule["R-AR-5"])
    (late_call,) = [t for t in by_rule["R-AR-5"] if t.not_before is not None]
    assert (late_call.not_before, late_call.due_at) == (at(10, 38), at(10, 39))  # [−2 min, −1 min]
    (departure,) = by_rule["R-DI-7"]
    assert departure.owner == world.tech.staff.name and departure.due_at <= at(10, 35)
    (notice,) = by_rule["R-DI-8"]
    assert notice.due_at == at(10, 40) - timedelta(minutes=policy.reschedule_notice_minutes)
    assert notice.owner == world.outlet.name and notice.computed


def test_the_order_page_lists_the_timers_and_records_the_confirmed_time_R_DI_3(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned", where=NEAR)
    with clock.frozen_at(at(8)):
        order = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="confirm_appointment",
            params={"window_start": at(10), "window_end": at(12)},
        )  # fmt: skip
    client.force_login(world.staff["outlet_manager"].user)
    with clock.frozen_at(at(8, 30)):
        page = client.get(f"/orders/{order.number}/").content.decode()
        assert "R-DI-8" in page and "R-DI-7" in page and 'id="appointment-time"' in page
        client.post(f"/orders/{order.number}/appointment-time/", {"appointment_at": "", "note": "电话确认"})
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.appointment_at == at(10)  # no plan: the window's start, now agreed
    with clock.frozen_at(at(8, 31)):
        client.post(
            f"/orders/{order.number}/appointment-time/",
            {"appointment_at": at(11, 15).strftime("%Y-%m-%dT%H:%M")},
        )
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.appointment_at == at(11, 15)
    assert order.events.filter(kind=EventKind.APPOINTMENT_TIME_CONFIRMED, customer_visible=True).count() == 2


def test_a_phone_consultation_shows_its_follow_up_owner_R_AN_2(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.orders.tests.helpers import intake

    order = intake(world)  # triaged by the intake
    order_transition(
        order=order, actor=world.actor("agent"), action="resolve_by_phone", params={"answer": "已指导复位"}
    )
    (follow_up,) = [t for t in order_timers(order) if t.rule == "R-AN-2" and t.open]
    assert follow_up.owner != "—"
