"""The technician app offline (walk finding 6): the service worker, which pages it may keep and for whom,
log-out forgetting them, and the queue's answers."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from doorstep.core import clock
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.arrival.card import card_url
from doorstep.visits.offline import COOKIE, HEADER
from doorstep.visits.testing import checklist_tick


def _signed_in(world, role: str = "technician") -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.staff[role].user)
    return client


def test_the_service_worker_is_served_with_the_technician_pages_as_its_scope(world) -> None:
    response = _signed_in(world).get(reverse("visits:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert reverse("visits:service_worker") == "/visits/sw.js"  # its folder, /visits/, is its scope
    assert response["Service-Worker-Allowed"] == "/visits/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert '"header": "X-Offline-Cache"' in body and "{{" not in body and "{%" not in body


def test_today_and_the_visit_pages_may_be_kept_for_their_user_only(world) -> None:
    order = order_in(world, "confirmed")
    tech, other = _signed_in(world), _signed_in(world, "other_technician")
    today = tech.get(reverse("visits:today"))
    visit = tech.get(reverse("visits:visit", args=[order.number]))
    key = today[HEADER]
    assert key and visit[HEADER] == key
    assert str(world.staff["technician"].user.pk) != key  # not the user's id
    assert other.get(reverse("visits:today"))[HEADER] != key  # another user, another cache
    assert key in visit.content.decode()  # the page tells visits.js whose queue it is


def test_customer_pages_and_refusals_are_never_kept(world) -> None:
    order = order_in(world, "in_service")
    tech = _signed_in(world)
    assert HEADER not in tech.get(reverse("visits:customer", args=[order.number]))
    card = Client().get(card_url(world.tech, order).replace("http://127.0.0.1:8000", ""))
    assert card.status_code == 200 and HEADER not in card
    refused = _signed_in(world, "other_technician").get(reverse("visits:visit", args=[order.number]))
    assert refused.status_code == 404 and HEADER not in refused


def test_log_in_tells_the_worker_who_is_signed_in_and_log_out_clears_the_kept_pages(world) -> None:
    client = Client()
    signed_in = client.post(reverse("web:login"), {"username": "tech", "password": "doorstep-pass"})
    assert signed_in.status_code == 302
    key = signed_in.cookies[COOKIE].value
    assert key and not signed_in.cookies[COOKIE]["httponly"]  # the worker reads it
    assert client.get(reverse("visits:today"))[HEADER] == key
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert response.cookies[COOKIE].value == ""  # removed


def test_a_queued_item_gets_the_server_s_reason_and_whether_it_was_done_before_R_DI_7(world) -> None:
    order = order_in(world, "confirmed")
    client = _signed_in(world)
    url = reverse("visits:move", args=[order.number, "depart"])
    body = {"idem": "q-6", "client_at": clock.now().isoformat()}
    refused = client.post(url, body, HTTP_X_VISIT_QUEUE="1").json()
    assert refused["ok"] is False and "自检" in refused["error"]  # R-PR-1 before departure
    checklist_tick(order, "kit")
    assert client.post(url, body, HTTP_X_VISIT_QUEUE="1").json() == {
        "ok": True,
        "redirect": reverse("visits:visit", args=[order.number]),
    }
    again = client.post(url, body, HTTP_X_VISIT_QUEUE="1").json()
    assert again["ok"] is True and again["replayed"] is True
