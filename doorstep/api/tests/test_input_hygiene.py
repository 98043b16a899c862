"""Bad input is answered 4xx with a clear message and writes nothing: control characters anywhere in the
input, paging beyond its range."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from doorstep.api.orders import MAX_OFFSET, MAX_PAGE
from doorstep.api.tests.test_orders_api import ORDER, Api
from doorstep.core.middleware import CONTROL
from doorstep.orders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(world) -> Api:  # type: ignore[no-untyped-def]
    return Api(world, "agent")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x1f", "\x7f"])
def test_a_control_character_in_json_is_refused_and_nothing_is_written(agent: Api, char: str) -> None:
    response = agent.call("post", "/orders", {**ORDER, "customer_name": f"黄{char}先生"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "control_character" and body["field"] == "customer_name"
    assert "customer_name" in body["message"]
    assert WorkOrder.objects.count() == 0


def test_a_control_character_deep_in_the_json_names_its_place(agent: Api) -> None:
    faults = [{"symptom": "不制冷", "note": "ok"}, {"symptom": "漏\x00水"}]
    response = agent.call("post", "/orders", {**ORDER, "faults": faults})
    assert response.status_code == 400 and response.json()["field"] == "faults[1].symptom"


def test_tabs_newlines_and_chinese_text_are_ordinary_input(agent: Api) -> None:
    response = agent.call("post", "/orders", {**ORDER, "detail": "体育西路 101 号\t8 楼\r\n门口有保安"})
    assert response.status_code == 201, response.content
    assert not CONTROL.search("体育西路\t\n\r")


def test_a_control_character_in_a_query_or_a_form_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    api = Api(world, "agent")
    response = api.call("get", "/orders?status=new%00")
    assert response.status_code == 400 and response.json()["field"] == "status"
    page = Client().post(reverse("web:login"), {"username": "agent\x00", "password": "x"})
    assert page.status_code == 400 and "username" in page.content.decode()


@pytest.mark.parametrize(
    "query, ok",
    [
        (f"limit={MAX_PAGE}", True),
        (f"limit={MAX_PAGE + 1}", False),
        ("limit=0", False),
        ("limit=1", True),
        (f"offset={MAX_OFFSET}", True),
        (f"offset={MAX_OFFSET + 1}", False),
        ("offset=-1", False),
        ("offset=99999999999999999999999", False),  # beyond a 64-bit integer
        ("limit=abc", False),
    ],
)
def test_paging_is_bounded_and_answered_422_beyond_its_range(agent: Api, query: str, ok: bool) -> None:
    response = agent.call("get", f"/orders?{query}")
    assert response.status_code == (200 if ok else 422), response.content
    if not ok:
        assert response.json()["field"] in ("limit", "offset")
