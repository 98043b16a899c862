"""The JSON API: idempotent create, scoped reads, moves, and 4xx with a code for bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from doorstep.api.models import ApiToken
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.tests import dates

ORDER = {
    "brand": "acme",
    "channel": "partner",
    "service_type": "install",
    "customer_name": "黄先生",
    "phone": "139 2222 3333",
    "province": "广东省",
    "city": "广州市",
    "district": "天河区",
    "detail": "体育西路 101 号 8 楼",
    "model_code": "KFR-35GW",
    "purchase_date": dates.years_ago(0, days=30).isoformat(),
    "faults": [],
    "requirement": "周六上午",
}


class Api:
    def __init__(self, world, role: str) -> None:  # type: ignore[no-untyped-def]
        _token, self.key = ApiToken.issue(user=world.staff[role].user, name=role)
        self.client = Client()

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {self.key}"}
        kwargs.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(f"/api{path}", **kwargs)


@pytest.fixture
def agent(world) -> Api:  # type: ignore[no-untyped-def]
    return Api(world, "agent")


def test_create_returns_201_with_timeline_and_retry_with_same_key_returns_same_order(agent: Api) -> None:
    first = agent.call("post", "/orders", ORDER, **{"Idempotency-Key": "partner-42"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == Status.TRIAGED and body["phone"] == "+8613922223333"
    assert [e["kind"] for e in body["timeline"]] == ["created", "triage"]
    again = agent.call("post", "/orders", ORDER, **{"Idempotency-Key": "partner-42"})
    # the stored answer again, said to be a replay; nothing is created twice
    assert again.status_code == 201 and again.json() == body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert WorkOrder.objects.count() == 1
    other = agent.call("post", "/orders", {**ORDER, "detail": "7栋"}, **{"Idempotency-Key": "partner-42"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_incomplete_intake_lists_the_exact_items_R_IN_2(agent: Api) -> None:
    body = agent.call("post", "/orders", {**ORDER, "model_code": "白色那台", "purchase_date": None}).json()
    assert body["status"] == Status.INFO_INCOMPLETE
    assert [(m["field"], m["code"]) for m in body["missing_items"]] == [
        ("product_model", "product_model.not_a_model"),
        ("purchase_date", "purchase_date.missing"),
    ]
    assert body["intake"]["verdict"] == "incomplete" and body["missing_items"][0]["fix"]


def test_typo_level_model_is_matched_and_recorded_R_IN_2(agent: Api) -> None:
    body = agent.call("post", "/orders", {**ORDER, "model_code": "KFR-36GW"}).json()
    assert body["product_model"] == "KFR-35GW" and body["intake"]["model_match"] == "typo"


@pytest.mark.parametrize(
    ("change", "codes"),
    [
        ({"phone": "abc"}, ["phone.invalid"]),
        ({"customer_name": ""}, ["customer_name.missing"]),
        ({"purchase_date": "yesterday"}, ["purchase_date.vague"]),
        ({"purchase_date": "2023年5月1日"}, []),
    ],
)
def test_r_in_2_raw_strings_are_judged_not_refused(agent: Api, change, codes) -> None:
    response = agent.call("post", "/orders", {**ORDER, **change})
    assert response.status_code == 201, response.content
    assert [p["code"] for p in response.json()["intake"]["problems"]] == codes


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"brand": "nope"}, "brand", "brand_unknown"),
        ({"service_type": "paint"}, "service_type", "choice_invalid"),
        ({"lat": 123}, "lat", "invalid"),
    ],
)
def test_bad_create_gets_4xx_with_field_and_code_and_writes_nothing(agent: Api, change, field, code) -> None:
    response = agent.call("post", "/orders", {**ORDER, **change})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code and response.json()["field"] == field
    assert WorkOrder.objects.count() == 0


def test_blank_request_is_rejected_with_its_problems_and_malformed_json_gets_4xx(agent: Api) -> None:
    response = agent.call("post", "/orders", {"brand": "acme"})
    assert response.status_code == 202 and response.json()["verdict"] == "reject"  # R-IN-2
    assert {"customer_name.missing", "phone.missing"} <= {p["code"] for p in response.json()["problems"]}
    assert WorkOrder.objects.count() == 0
    raw = agent.client.post(
        "/api/orders",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {agent.key}",
    )
    assert 400 <= raw.status_code < 500


def test_no_token_gets_401(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/orders")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_unknown_order_gets_404(agent: Api) -> None:
    response = agent.call("get", "/orders/SV000")
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"


def test_illegal_move_gets_409_and_writes_nothing(world, agent: Api) -> None:
    order = order_in(world, Status.TRIAGED)
    events = OrderEvent.objects.count()
    response = agent.call("post", f"/orders/{order.number}/actions/pay", {"method": "cash"})
    assert response.status_code == 409 and response.json()["code"] == "illegal_move"
    unknown = agent.call("post", f"/orders/{order.number}/actions/fly", {})
    assert unknown.status_code == 422 and unknown.json()["field"] == "action"
    assert OrderEvent.objects.count() == events


def test_wrong_role_gets_403(world) -> None:
    order = order_in(world, Status.CONFIRMED)
    response = Api(world, "agent").call("post", f"/orders/{order.number}/actions/depart", {})
    assert response.status_code == 403 and response.json()["code"] == "role_not_allowed"


def test_off_standard_charge_gets_409_R_SV_2(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    tech = Api(world, "technician")
    response = tech.call("post", f"/orders/{order.number}/charges", {"fee_code": "TIP", "quantity": 1})
    assert response.status_code == 409 and response.json()["code"] == "charge_not_in_fee_standard"
    ok = tech.call("post", f"/orders/{order.number}/charges", {"fee_code": "P-CAP", "quantity": 2})
    assert ok.status_code == 201


def test_moves_through_the_api_dispatch_assign_confirm(world) -> None:
    order = order_in(world, Status.TRIAGED)
    dispatcher, manager = Api(world, "dispatcher"), Api(world, "outlet_manager")
    r = dispatcher.call("post", f"/orders/{order.number}/actions/dispatch", {"outlet": world.outlet.pk})
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    r = manager.call("post", f"/orders/{order.number}/actions/assign", {"technician": world.tech.pk})
    assert r.json()["status"] == "assigned"
    r = manager.call(
        "post",
        f"/orders/{order.number}/actions/confirm_appointment",
        {"window_start": "2099-01-01T09:00:00+08:00", "window_end": "2099-01-01T08:00:00+08:00"},
    )
    assert r.status_code == 422 and r.json()["field"] == "window_end"
    r = manager.call(
        "post",
        f"/orders/{order.number}/actions/confirm_appointment",
        {"window_start": "2099-01-01T09:00:00+08:00", "window_end": "2099-01-01T11:00:00+08:00"},
    )
    assert r.json()["status"] == "confirmed" and "reschedule" in r.json()["allowed_actions"]


# role × endpoint: who sees which orders (R-PV-1 scoping)
@pytest.mark.parametrize(
    ("role", "sees_own_outlet", "sees_other_outlet"),
    [
        ("agent", True, True),
        ("dispatcher", True, True),
        ("quality", True, True),
        ("admin", True, True),
        ("outlet_manager", True, False),
        ("other_manager", False, True),
        ("technician", True, False),
        ("other_technician", False, False),
    ],
)
def test_role_scoping_matrix(world, role: str, sees_own_outlet: bool, sees_other_outlet: bool) -> None:
    mine = order_in(world, Status.CONFIRMED)  # outlet 1, technician 1
    theirs = order_in(world, Status.DISPATCHED)
    WorkOrder.objects.filter(pk=theirs.pk).update(outlet=world.other_outlet)
    api = Api(world, role)
    listed = {o["number"] for o in api.call("get", "/orders").json()["items"]}
    assert (mine.number in listed) is sees_own_outlet
    assert (theirs.number in listed) is sees_other_outlet
    assert api.call("get", f"/orders/{mine.number}").status_code == (200 if sees_own_outlet else 404)
    assert api.call("get", f"/orders/{theirs.number}").status_code == (200 if sees_other_outlet else 404)


def test_openapi_schema_is_published(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/orders/{number}/actions/{action}" in response.json()["paths"]


def test_an_electronic_payment_through_the_api_is_charged_once_and_recorded_from_the_charge_R_CO_2(
    world,
) -> None:  # type: ignore[no-untyped-def]
    from doorstep.orders.services import order_transition
    from doorstep.orders.tests.helpers import add_signature
    from doorstep.visits.diagnosis.charges import charge_add
    from doorstep.visits.models import PaymentIntent
    from doorstep.visits.testing import visit_evidence

    order = order_in(world, Status.IN_SERVICE)
    charge_add(order=order, actor=world.actor("technician"), fee_code="L-REPAIR")
    visit_evidence(order, "complete")  # the customer accepted the ¥80 quote
    add_signature(order)
    order = order_transition(order=order, actor=world.actor("technician"), action="complete")
    tech = Api(world, "technician")
    response = tech.call("post", f"/orders/{order.number}/actions/pay", {"method": "wechat"})
    assert response.status_code == 200, response.content
    intent = PaymentIntent.objects.get(order=order)
    order.refresh_from_db()
    assert intent.state == PaymentIntent.State.APPLIED and intent.amount == 80
    assert order.status == Status.PAID and order.payment.receipt_no == intent.transaction_id
    again = tech.call("post", f"/orders/{order.number}/actions/pay", {"method": "wechat"})
    assert again.status_code == 409 and PaymentIntent.objects.filter(order=order).count() == 1
