"""The technician app's pages: replayed offline actions run once; the supervision card; customer mode."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from doorstep.core import clock
from doorstep.orders.tests.helpers import order_in
from doorstep.tests import dates
from doorstep.visits.arrival.card import card_url
from doorstep.visits.models import Checklist
from doorstep.visits.testing import checklist_tick


def _tech(world) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.staff["technician"].user)
    return client


def test_a_replayed_offline_action_is_done_once(world) -> None:
    order = order_in(world, "confirmed")
    checklist_tick(order, Checklist.Kind.KIT)
    client = _tech(world)
    url = reverse("visits:move", args=[order.number, "depart"])
    body = {"idem": "0f8e9a4c-2b1d-4e7a-9c3f-5a6b7c8d9e0f", "client_at": clock.now().isoformat()}
    first = client.post(url, body, HTTP_X_VISIT_QUEUE="1")
    again = client.post(url, body, HTTP_X_VISIT_QUEUE="1")
    assert first.json()["ok"] and again.json()["ok"]
    assert order.events.filter(kind="depart").count() == 1
    page = client.get(reverse("visits:visit", args=[order.number]))
    assert "未重复执行" in page.content.decode()


def test_a_refused_action_stores_no_key_so_it_can_be_sent_again(world) -> None:
    order = order_in(world, "confirmed")
    client = _tech(world)
    url = reverse("visits:move", args=[order.number, "depart"])
    body = {"idem": "k-1"}
    assert client.post(url, body, HTTP_X_VISIT_QUEUE="1").json()["ok"] is False  # kit not ticked
    checklist_tick(order, Checklist.Kind.KIT)
    assert client.post(url, body, HTTP_X_VISIT_QUEUE="1").json()["ok"] is True
    order.refresh_from_db()
    assert order.status == "en_route"


def test_today_lists_visits_with_departure_times_R_DI_7(world) -> None:
    with clock.frozen_at(
        dates.at(clock.today(), 8)
    ):  # the morning of the pinned day: the visit is still ahead
        order = order_in(world, "confirmed")
        order.address.lat, order.address.lng = 23.14, 113.33
        order.address.save()
        page = _tech(world).get(reverse("visits:today")).content.decode()
    assert order.number in page and "出发" in page and "tel:" in page and "uri.amap.com" in page


def test_supervision_card_shows_identity_and_current_assignment_R_PV_2(world) -> None:
    order = order_in(world, "en_route")
    page = Client().get(card_url(world.tech, order).replace("http://127.0.0.1:8000", "")).content.decode()
    assert "GZ-2024-0001" in page and world.brand.hotline in page and order.number in page
    assert "上岗证在有效期内" in page


def test_customer_mode_quote_shows_the_fee_standard(world) -> None:
    order = order_in(world, "in_service")
    page = _tech(world).get(reverse("visits:customer", args=[order.number]) + "?do=quote").content.decode()
    assert "客户模式" in page and "加长铜管" in page and "¥100.00/米" in page


def test_other_technician_cannot_open_the_visit(world) -> None:
    order = order_in(world, "in_service")
    client = Client()
    client.force_login(world.staff["other_technician"].user)
    assert client.get(reverse("visits:visit", args=[order.number])).status_code == 404


def test_a_refusal_sent_from_the_open_page_comes_back_with_its_field_not_as_a_message(world) -> None:
    """Walk finding 19: the page shows the refusal beside the form and keeps the input; a replayed
    (offline) action still gets its message on the next page."""
    order = order_in(world, "in_service")
    client = _tech(world)
    url = reverse("visits:step", args=[order.number, "diagnosis"])
    body = {"idem": "k-19", "voltage": "abc", "notes": "外机不启动"}
    live = client.post(url, body, HTTP_X_VISIT_QUEUE="live").json()
    assert live == {"ok": False, "error": "电源电压无效：abc", "field": "voltage"}
    assert "电源电压无效" not in client.get(reverse("visits:visit", args=[order.number])).content.decode()
    replayed = client.post(url, body, HTTP_X_VISIT_QUEUE="1").json()
    assert replayed["ok"] is False and "redirect" in replayed
    assert "电源电压无效" in client.get(reverse("visits:visit", args=[order.number])).content.decode()
