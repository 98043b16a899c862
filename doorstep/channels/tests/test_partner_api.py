"""Partner API (R-IN-1 retailer/partner channel): create, retry by external_ref, bad input, scoping."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from doorstep.channels.models import DeliveryItem, PartnerAccount, PartnerOrder
from doorstep.core import clock
from doorstep.network.models import Brand
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import OrderEvent, WorkOrder

PUSH = {
    "external_ref": "JD-20261123-0001",
    "customer_name": "黄先生",
    "phone": "139 2222 3333",
    "address_text": "广州市天河区体育西路101号8楼",
    "model_code": "KFR-35GW",
    "purchase_date": (clock.today() - timedelta(days=30)).isoformat(),
    "requirement": f"{clock.today() + timedelta(days=3)} 上午",  # still ahead: a complete request
    "delivery": [
        {"sku": "KFR-35GW-W", "name": "挂机室内机", "quantity": 1},
        {"name": "室外机", "quantity": 1},
    ],
}


class Partner:
    def __init__(self, brand: Brand, code: str = "jd") -> None:
        self.account, self.key = PartnerAccount.issue(brand=brand, code=code, name="京东家电")

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key or self.key}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(Client(), method)(f"/api/partner{path}", **kwargs)


@pytest.fixture
def partner(world) -> Partner:  # type: ignore[no-untyped-def]
    return Partner(world.brand)


def test_r_in_1_push_creates_an_install_order_with_its_delivery_list(partner: Partner) -> None:
    response = partner.call("post", "/orders", PUSH)
    assert response.status_code == 201, response.content
    body = response.json()
    order = WorkOrder.objects.get(number=body["number"])
    assert order.channel == "partner" and order.service_type == "install"
    assert body["status"] == Status.TRIAGED and body["missing_items"] == [] and "/t/" in body["tracking_url"]
    assert [(d.name, d.quantity) for d in DeliveryItem.objects.filter(order=order).order_by("pk")] == [
        ("挂机室内机", 1),
        ("室外机", 1),
    ]
    event = OrderEvent.objects.get(order=order, kind="partner_order")
    assert event.actor_role == "partner" and event.data["external_ref"] == PUSH["external_ref"]


def test_retry_with_the_same_external_ref_returns_the_same_order_with_200(partner: Partner) -> None:
    first = partner.call("post", "/orders", PUSH).json()
    again = partner.call("post", "/orders", {**PUSH, "customer_name": "别的名字"})
    assert again.status_code == 200 and again.json()["number"] == first["number"]
    assert (
        WorkOrder.objects.count() == 1
        and PartnerOrder.objects.count() == 1
        and DeliveryItem.objects.count() == 2
    )


def test_the_same_reference_from_another_partner_is_another_order(partner: Partner, world) -> None:  # type: ignore[no-untyped-def]
    partner.call("post", "/orders", PUSH)
    other = Partner(world.brand, code="suning")
    response = other.call("post", "/orders", {**PUSH, "phone": "13922224444"})
    assert response.status_code == 201 and WorkOrder.objects.count() == 2


def test_missing_items_are_listed_and_the_order_is_information_incomplete(partner: Partner) -> None:
    body = partner.call("post", "/orders", {**PUSH, "model_code": "", "requirement": ""}).json()
    assert body["status"] == Status.INFO_INCOMPLETE
    assert {item["field"] for item in body["missing_items"]} == {"product_model"}
    assert body["intake"]["verdict"] == "incomplete"
    assert [p["code"] for p in body["intake"]["problems"]] == ["product_model.missing"]


def test_r_in_2_chinese_dates_and_blanks_are_judged_not_refused(partner: Partner) -> None:
    """R-IN-2: raw strings reach the intake rules; the partner gets the agent's problem codes, not a 422."""
    response = partner.call(
        "post",
        "/orders",
        {**PUSH, "purchase_date": "2023年5月1日", "customer_name": "", "phone": "139 2222 3333"},
    )
    assert response.status_code == 201
    assert [p["code"] for p in response.json()["intake"]["problems"]] == ["customer_name.missing"]
    vague = partner.call(
        "post", "/orders", {**PUSH, "external_ref": "JD-2", "purchase_date": "去年夏天"}
    ).json()
    assert vague["intake"]["verdict"] == "incomplete"
    assert (
        vague["intake"]["problems"][0]["code"] == "purchase_date.vague"
        and vague["intake"]["problems"][0]["fix"]
    )


def test_r_in_2_bad_phone_alone_is_incomplete_not_refused(partner: Partner) -> None:
    body = partner.call("post", "/orders", {**PUSH, "phone": "打电话给我"}).json()
    assert body["intake"]["verdict"] == "incomplete" and body["status"] == Status.INFO_INCOMPLETE
    assert [p["code"] for p in body["intake"]["problems"]] == ["phone.invalid"]


def test_r_in_2_no_phone_and_no_name_is_rejected_with_its_problems_and_writes_nothing(
    partner: Partner,
) -> None:
    response = partner.call("post", "/orders", {**PUSH, "phone": "打电话给我", "customer_name": "客户"})
    assert response.status_code == 202
    intake = response.json()["intake"]
    assert intake["verdict"] == "reject" and intake["order"] is None
    assert sorted(p["code"] for p in intake["problems"]) == ["customer_name.placeholder", "phone.invalid"]
    assert (
        not WorkOrder.objects.exists()
        and not PartnerOrder.objects.exists()
        and not DeliveryItem.objects.exists()
    )


def test_schema_violation_is_422_naming_the_field(partner: Partner) -> None:
    response = partner.call("post", "/orders", {**PUSH, "delivery": [{"name": "室外机", "quantity": 0}]})
    assert response.status_code == 422 and response.json()["field"].startswith("delivery")
    response = partner.call("post", "/orders", {k: v for k, v in PUSH.items() if k != "external_ref"})
    assert response.status_code == 422 and response.json()["field"] == "external_ref"


def test_partner_may_not_order_for_another_brand(partner: Partner) -> None:
    Brand.objects.create(code="other", name="别的品牌", hotline="400")
    response = partner.call("post", "/orders", {**PUSH, "brand": "other"})
    assert response.status_code == 403 and response.json()["field"] == "brand"


def test_a_staff_api_token_or_no_token_is_refused(partner: Partner) -> None:
    assert partner.call("post", "/orders", PUSH, key="not-a-partner-key").status_code == 401


def test_read_back_by_reference_only_for_the_partner_that_pushed(partner: Partner, world) -> None:  # type: ignore[no-untyped-def]
    number = partner.call("post", "/orders", PUSH).json()["number"]
    assert partner.call("get", f"/orders/{PUSH['external_ref']}").json()["number"] == number
    other = Partner(world.brand, code="suning")
    assert other.call("get", f"/orders/{PUSH['external_ref']}").status_code == 404


def test_openapi_documents_the_partner_endpoint(partner: Partner) -> None:
    schema = Client().get("/api/openapi.json").json()
    operation = schema["paths"]["/api/partner/orders"]["post"]
    assert {"200", "201", "422"} <= set(operation["responses"])
    assert "external_ref" in json.dumps(schema["components"]["schemas"]["PartnerOrderIn"])
