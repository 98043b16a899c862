"""Desk and order pages through the Django test client: they render, refuse clearly, and call the services."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from doorstep.catalog.kb import kb_seed
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import CallRecord, WorkOrder
from doorstep.orders.tests.helpers import intake, order_in
from doorstep.tests import dates


def client_for(world, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.staff[role].user)
    return client


def test_intake_form_creates_an_order_owned_by_the_agent(world) -> None:
    response = client_for(world, "agent").post(
        "/orders/new/",
        {
            "channel": "phone",
            "service_type": "repair",
            "priority": "normal",
            "customer_name": "韩女士",
            "phone": "13711112222",
            "province": "广东省",
            "city": "广州市",
            "district": "天河区",
            "detail": "珠江新城花城大道 18 号 2301",
            "model_code": "KFR-35GW",
            "purchase_date": dates.years_ago(2).isoformat(),
            "faults": "不制冷\n漏水",
            "requirement": "明天下午",
            "fees_mentioned": "on",
        },
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert (order.owner, order.fees_mentioned, order.faults.count()) == (world.staff["agent"], True, 2)


INTAKE_POST = {
    "channel": "phone",
    "service_type": "repair",
    "priority": "normal",
    "customer_name": "韩女士",
    "phone": "abc",
    "province": "广东省",
    "city": "广州市",
    "district": "天河区",
    "detail": "花城大道 18 号",
}


def test_r_in_2_rejected_intake_shows_the_field_error_and_writes_nothing(world) -> None:
    """Neither a valid phone nor a usable name: reject, nothing is written."""
    response = client_for(world, "agent").post("/orders/new/", {**INTAKE_POST, "customer_name": "客户"})
    assert response.status_code == 200 and not WorkOrder.objects.exists()
    assert response.context["form"].errors["customer_name"]


def test_r_in_2_problems_are_shown_by_field_with_the_fix_and_the_choices(world) -> None:
    """A bad phone with a name, a shared district: an incomplete order whose page lists each problem with
    its field, its suggested fix and one-click choices (the cities that have a 朝阳区)."""
    client = client_for(world, "agent")
    post = {**INTAKE_POST, "province": "", "city": "", "district": "朝阳区", "purchase_date": "去年夏天"}
    response = client.post("/orders/new/", post)
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and order.status == "info_incomplete"
    codes = [m["code"] for m in order.missing_items]
    assert codes == [
        "phone.invalid",
        "address.ambiguous_district",
        "product_model.missing",
        "purchase_date.vague",
        "symptom.missing",
    ]
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert (
        'data-code="address.ambiguous_district"' in page
        and 'data-correct-field="address" data-correct-value="北京市朝阳区花城大道 18 号"' in page
    )
    assert "吉林省长春市朝阳区" in page and "核对号码；座机请加区号" in page


def test_caller_lookup_shows_history_and_products(world) -> None:
    order = intake(world, phone="13822223333")
    page = client_for(world, "agent").get("/orders/lookup/", {"phone": "138 2222 3333"})
    assert order.number in page.content.decode() and "KFR-35GW" in page.content.decode()
    assert (
        "新客户"
        in client_for(world, "agent").get("/orders/lookup/", {"phone": "13999990000"}).content.decode()
    )


def test_kb_hints_while_typing_R_AN_1(world) -> None:
    kb_seed()
    page = client_for(world, "agent").get("/orders/kb/", {"faults": "空调不凉快", "model_code": "KFR-35GW"})
    assert "可能原因" in page.content.decode()


def test_order_page_shows_warranty_missing_items_and_actions(world) -> None:
    order = intake(world, model_code="")
    html = client_for(world, "agent").get(f"/orders/{order.number}/").content.decode()
    assert "待核实" in html and "型号" in html and 'id="correct-form"' in html and 'id="confirm-form"' in html


def test_call_log_page_records_a_call_with_its_promise_R_IN_8(world) -> None:
    client = client_for(world, "agent")
    response = client.post(
        "/orders/calls/",
        {
            "direction": "in",
            "phone": "13800001111",
            "question": "何时上门",
            "promise": "2099-01-01T10:00",
            "read_back": "on",
        },
    )
    assert response.status_code == 302
    call = CallRecord.objects.get()
    assert call.read_back_confirmed and call.deadlines.get().due_at.year == 2099
    assert "何时上门" in client.get("/orders/calls/").content.decode()


def test_technician_cannot_open_the_call_log(world) -> None:
    assert client_for(world, "technician").get("/orders/calls/").status_code == 404


@pytest.mark.parametrize("role", ["other_manager", "other_technician"])
def test_other_outlets_cannot_open_the_order_page(world, role: str) -> None:
    order = order_in(world, Status.CONFIRMED)
    assert client_for(world, role).get(f"/orders/{order.number}/").status_code == 404


def test_illegal_move_on_a_page_is_a_message_not_a_500(world) -> None:
    order = order_in(world, Status.TRIAGED)
    response = client_for(world, "agent").post(
        f"/orders/{order.number}/act/pay/", {"method": "cash"}, follow=True
    )
    assert response.status_code == 200
    assert "不能执行" in response.content.decode()


def test_customer_tracking_page_needs_a_valid_signed_link(world) -> None:
    from doorstep.orders.tracking import tracking_token

    order = order_in(world, Status.CONFIRMED)
    assert Client().get(f"/t/{tracking_token(order)}/").status_code == 200
    assert Client().get(f"/t/{order.number}:forged/").status_code == 404


def test_a_double_submitted_charge_form_adds_one_charge(world) -> None:  # type: ignore[no-untyped-def]
    """The order page's charge form carries a key per rendering: a double tap (or a resent request) adds the
    line once; the next rendering of the form adds another."""
    order = order_in(world, Status.IN_SERVICE)
    client = Client()
    client.force_login(world.staff["technician"].user)
    page = client.get(f"/orders/{order.number}/").content.decode()
    key = re.search(r'id="charge-form">.*?name="idem" value="([0-9a-f]{32})"', page, re.S)
    assert key is not None
    form = {"fee_code": "L-REPAIR", "quantity": "1", "idem": key.group(1)}
    for _ in range(2):
        client.post(f"/orders/{order.number}/charges/", form)
    assert order.charges.count() == 1
    again = re.search(
        r'name="idem" value="([0-9a-f]{32})"', client.get(f"/orders/{order.number}/").content.decode()
    )
    assert again is not None and again.group(1) != key.group(1)
    client.post(f"/orders/{order.number}/charges/", {**form, "idem": again.group(1)})
    assert order.charges.count() == 1 and order.charges.get().quantity == 2  # the same item: one line
