"""The tracking page's self-service (R-DI-3, R-DI-8, R-AR-2) and who is coming (R-PV-2), through the pages."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from doorstep.core import clock
from doorstep.dispatch.tests.helpers import at, placed
from doorstep.orders.models import WorkOrder
from doorstep.orders.tracking import tracking_token
from doorstep.visits.consent.drawing import png_bytes, signature_png_data_url

pytestmark = pytest.mark.django_db


def _url(order: WorkOrder, tail: str = "") -> str:
    return f"/t/{tracking_token(order)}/{tail}"


def test_the_page_offers_confirm_move_and_cancel_with_the_deadline_R_DI_8(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="rescheduled", start=at(14))
    with clock.frozen_at(at(8)):
        page = client.get(_url(order)).content.decode()
    assert 'id="confirm-time"' in page and 'id="move-time"' in page and 'id="cancel-box"' in page
    assert "12:00 前可在线改约或取消" in page and world.brand.hotline in page


def test_too_late_the_page_says_call_the_hotline_R_DI_8(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(12, 1)):
        page = client.get(_url(order)).content.decode()
    assert 'id="move-time"' not in page and 'id="change-too-late"' in page


def test_confirm_through_the_link_and_the_record_says_by_the_customer(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="rescheduled", start=at(14))
    with clock.frozen_at(at(8)):
        answer = client.post(_url(order, "confirm/"))
        assert answer.status_code == 302
        page = client.get(_url(order)).content.decode()
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert "您已确认上门时间" in page and "您本人" in page


def test_a_staff_session_cannot_act_for_the_customer(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="rescheduled", start=at(14))
    client.force_login(world.staff["technician"].user)
    with clock.frozen_at(at(8)):
        for tail, data in (
            ("confirm/", {}),
            ("move/", {"start": at(16).isoformat()}),
            ("cancel/", {"reason": "solved"}),
        ):
            answer = client.post(_url(order, tail), data)
            assert answer.status_code == 403 and "customer_link_staff_session" in answer.content.decode()
    order.refresh_from_db()
    assert order.status == "rescheduled" and not order.events.filter(actor_role="customer").exists()


def test_move_page_lists_free_times_and_moves(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(8)):
        page = client.get(_url(order, "move/")).content.decode()
        assert at(16).isoformat() in page
        client.post(_url(order, "move/"), {"start": at(16).isoformat()})
    order.refresh_from_db()
    assert order.status == "confirmed" and order.window_start == at(16)


def test_a_malformed_time_is_refused_with_a_reason(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(8)):
        answer = client.post(_url(order, "move/"), {"start": "明天下午"}, follow=True)
    assert "请填写预约时间段" in answer.content.decode()
    order.refresh_from_db()
    assert order.window_start == at(14)


def test_cancel_too_late_is_refused_with_the_hotline(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(12, 1)):
        answer = client.post(_url(order, "cancel/"), {"reason": "solved"}, follow=True)
    assert "不能在线改约或取消" in answer.content.decode()
    order.refresh_from_db()
    assert order.status == "confirmed"


def test_the_technician_photo_is_served_to_the_link_only_R_PV_2(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    world.tech.photo.save("p.png", ContentFile(png_bytes(signature_png_data_url())))
    page = client.get(_url(order)).content.decode()
    assert 'id="technician-photo"' in page and '<div class="photo">' not in page
    answer = client.get(_url(order, "photo/"))
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert client.get(f"/t/{'x' * 10}/photo/").status_code == 404
    unassigned = placed(world, status="dispatched")
    assert client.get(_url(unassigned, "photo/")).status_code == 404


def test_no_photo_no_frame_R_PV_2(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    page = client.get(_url(order)).content.decode()
    assert 'id="technician"' in page and 'class="photo"' not in page


def test_rebook_after_nobody_home_through_the_page_R_AR_2(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="nobody_home", start=at(9))
    with clock.frozen_at(at(10)):
        page = client.get(_url(order)).content.decode()
        assert 'id="rebook"' in page and 'id="cancel-box"' in page
        assert at(15).isoformat() in client.get(_url(order, "move/")).content.decode()
        client.post(_url(order, "move/"), {"start": at(15).isoformat()})
    order.refresh_from_db()
    assert order.status == "confirmed" and order.window_start == at(15)
    assert order.events.filter(kind="rebook", actor_role="customer").exists()


def test_before_a_technician_is_sent_only_cancel_is_offered(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="dispatched")
    page = client.get(_url(order)).content.decode()
    assert 'id="after-assignment"' in page and 'id="cancel-box"' in page and 'id="move-time"' not in page


def test_the_card_shows_the_photo_R_PV_2(world, client) -> None:  # type: ignore[no-untyped-def]
    from doorstep.visits.arrival.card import card_token

    world.tech.photo.save("p.png", ContentFile(png_bytes(signature_png_data_url())))
    token = card_token(world.tech)
    page = client.get(f"/visits/card/{token}/").content.decode()
    assert 'id="technician-photo"' in page and f"/visits/card/{token}/photo/" in page
    answer = client.get(f"/visits/card/{token}/photo/")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert client.get("/visits/card/forged/photo/").status_code == 404
