"""The tracking page's live part: status and ETA (R-DI-3, R-DI-7), the technician's card (R-PV-2) and 催单
(R-IN-5), reached anonymously through the order's signed token only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.dispatch.daymodel import order_location, technician_location
from doorstep.dispatch.models import PlannedVisit
from doorstep.dispatch.techday import travel_seconds
from doorstep.dispatch.tests.helpers import FAR, at, placed
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.tracking import tracking_token

pytestmark = pytest.mark.django_db


def _url(order: WorkOrder, tail: str = "") -> str:
    return f"/t/{tracking_token(order)}/{tail}"


def _depart(world, order: WorkOrder) -> None:  # type: ignore[no-untyped-def]
    EventKind.DEPART.record(
        order=order, actor=world.actor("technician"), data={"departed_at": clock.now().isoformat()}
    )
    WorkOrder.objects.filter(pk=order.pk).update(status="en_route")
    order.refresh_from_db()


def test_the_token_reaches_its_own_order_only_R_PV_2(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    other = placed(world, status="confirmed", start=at(16), tech=world.other_tech, phone="13900139000")
    with clock.frozen_at(at(8)):
        for tail in ("", "live/"):
            page = client.get(_url(order, tail)).content.decode()
            assert order.number in page and other.number not in page
            assert world.tech.permit_no in page and world.tech.staff.name in page  # the identity card
            assert world.other_tech.permit_no not in page and world.brand.hotline in page
            assert client.get(f"/t/{tracking_token(order)}x/{tail}").status_code == 404  # tampered
            assert client.get(f"/t/{order.number}/{tail}").status_code == 404  # the bare number
        answer = client.post(_url(order, "hurry/"))
    assert answer.status_code == 302
    assert order.deadlines.filter(kind="hurry").count() == 1
    assert (
        not other.deadlines.filter(kind="hurry").exists() and not other.events.filter(kind="hurry").exists()
    )


def test_no_card_before_a_technician_is_assigned(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="dispatched", start=at(14))
    with clock.frozen_at(at(8)):
        page = client.get(_url(order, "live/")).content.decode()
    assert 'id="technician"' not in page and 'id="status"' in page


def test_the_live_part_polls_without_reload(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    page = client.get(_url(order)).content.decode()
    assert f'hx-get="{_url(order, "live/")}"' in page and 'hx-trigger="every 30s"' in page
    assert "<script>" not in page  # CSP: no script without the nonce


def test_before_departure_the_agreed_time_and_the_plan_R_DI_3(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    plan = PlannedVisit.objects.create(
        order=order,
        technician=world.tech,
        sequence=1,
        depart_at=at(14, 5),
        arrive_at=at(14, 20),
        start_at=at(14, 20),
    )
    with clock.frozen_at(at(8)):
        page = client.get(_url(order, "live/")).content.decode()
        assert "14:20 左右到达" in page and 'id="eta"' not in page
        PlannedVisit.objects.filter(pk=plan.pk).update(arrive_at=at(14, 50))  # a re-plan
        page = client.get(_url(order, "live/")).content.decode()
        assert "14:50 左右到达" in page
        WorkOrder.objects.filter(pk=order.pk).update(appointment_at=at(14, 30))  # the time agreed (R-DI-3)
        page = client.get(_url(order, "live/")).content.decode()
    assert 'id="appointment-time"' in page and "14:30" in page and 'id="plan-eta"' not in page


@pytest.mark.parametrize("where", [None, FAR])
def test_after_departure_the_eta_is_departure_plus_travel_R_DI_7(world, client, where) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14), **({"where": where} if where else {}))
    with clock.frozen_at(at(13)):
        _depart(world, order)
        page = client.get(_url(order, "live/")).content.decode()
    travel = travel_seconds(order, technician_location(world.tech, world.outlet), order_location(order))
    assert travel > 0
    eta = clock.local(at(13) + timedelta(seconds=travel)).strftime("%H:%M")
    assert f"预计 {eta} 到达" in page and 'id="eta"' in page


def test_an_eta_already_past_reads_now_R_DI_7(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(13)):
        _depart(world, order)
    with clock.frozen_at(at(15)):
        page = client.get(_url(order, "live/")).content.decode()
    assert "预计 15:00 到达" in page


def test_hurry_through_the_link_and_the_reply_reaches_the_customer_R_IN_5(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(9)):
        answer = client.post(_url(order, "hurry/"), follow=True)
        assert "客服将在 09:30 前回复您" in answer.content.decode()
    with clock.frozen_at(at(9, 29)):
        page = client.post(_url(order, "hurry/"), follow=True).content.decode()
        assert "09:30 后可再次催单" in page  # R-IN-5: the policy's interval
    assert order.deadlines.filter(kind="hurry").count() == 1
    agent = world.staff["agent"].user
    client.force_login(agent)
    assert order.number in client.get("/orders/").content.decode()  # on the owner's desk
    detail = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="hurry-answer-form"' in detail
    with clock.frozen_at(at(9, 10)):
        client.post(f"/orders/{order.number}/hurry/", {"reply": "已联系李师傅，今天 14:00 准时上门。"})
    assert order.deadlines.get(kind="hurry").state == Deadline.State.MET
    client.logout()
    page = client.get(_url(order, "live/")).content.decode()
    assert "已联系李师傅，今天 14:00 准时上门。" in page and 'id="hurry-promise"' not in page
    assert 'id="timeline" hx-swap-oob="true"' in page and "客服已回复催单" in page  # the record, beside it


def test_a_staff_session_cannot_hurry_for_the_customer(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    client.force_login(world.staff["agent"].user)
    answer = client.post(_url(order, "hurry/"))
    assert answer.status_code == 403
    assert not order.deadlines.filter(kind="hurry").exists()
    page = client.get(_url(order, "live/")).content.decode()
    assert 'id="hurry-button"' not in page
