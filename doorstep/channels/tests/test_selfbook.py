"""Customer self-booking (R-IN-1 web channel, R-IN-2): fields, errors by field, one order per form."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.test import Client

from doorstep.channels.models import BookingSubmission
from doorstep.core import clock
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.tests import dates


def form(world, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    day = clock.local(clock.now()).date() + timedelta(days=1)
    data: dict[str, Any] = {
        "form_token": str(uuid.uuid4()),
        "service_type": "repair",
        "line": str(world.line.pk),
        "model": "KFR-35GW",
        "purchased": dates.years_ago(2).isoformat(),
        "symptoms": ["不制冷", "有异响"],
        "other_symptom": "",
        "customer_name": "林女士",
        "phone": "138 2000 1234",
        "address_text": "天河区天河北路233号18楼",
        "day": day.isoformat(),
        "period": "afternoon",
    }
    data.update(over)
    return data


def test_page_shows_the_catalogue_and_district_hints(world) -> None:  # type: ignore[no-untyped-def]
    page = Client().get("/book/acme/").content.decode()
    assert "KFR-35GW" in page and "不知道型号" in page and "天河区" in page and 'name="form_token"' in page


def test_r_in_1_submit_creates_a_web_order_and_lands_on_tracking(world) -> None:  # type: ignore[no-untyped-def]
    response = Client().post("/book/acme/", form(world))
    assert response.status_code == 302 and response["Location"].startswith("/t/")
    order = WorkOrder.objects.get()
    assert order.channel == "web" and order.owner is None and order.status == "triaged"
    assert list(order.faults.values_list("symptom", flat=True)) == ["不制冷", "有异响"]
    assert "下午" in order.requirement
    created = OrderEvent.objects.get(order=order, kind="created")
    assert created.actor_role == "customer" and created.actor_name == "林女士"


def test_double_submit_of_the_same_form_is_one_order(world) -> None:  # type: ignore[no-untyped-def]
    data = form(world)
    first = Client().post("/book/acme/", data)
    again = Client().post("/book/acme/", {**data, "phone": "13900000000"})
    assert again["Location"] == first["Location"]
    assert WorkOrder.objects.count() == 1 and BookingSubmission.objects.count() == 1


def test_r_in_2_unknown_model_is_allowed_and_makes_the_order_incomplete(world) -> None:  # type: ignore[no-untyped-def]
    Client().post("/book/acme/", form(world, model=""))
    order = WorkOrder.objects.get()
    assert order.status == "info_incomplete" and "product_model" in {i["field"] for i in order.missing_items}
    note = OrderEvent.objects.get(order=order, kind="self_booking")
    assert note.data["product_line"] == "空调" and note.customer_visible is False


def test_r_in_2_invalid_phone_with_a_name_makes_an_incomplete_order(world) -> None:  # type: ignore[no-untyped-def]
    """R-IN-2: the form hands the raw strings to the intake rules; a bad phone is a problem to verify."""
    response = Client().post("/book/acme/", form(world, phone="1380013", purchased="2024年5月1日"))
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.status == "info_incomplete" and [m["code"] for m in order.missing_items] == ["phone.invalid"]


def test_r_in_2_neither_phone_nor_name_is_rejected_by_the_field_and_creates_nothing(world) -> None:  # type: ignore[no-untyped-def]
    response = Client().post("/book/acme/", form(world, phone="1380013", customer_name=""))
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    assert not WorkOrder.objects.exists()


def test_r_in_2_address_without_district_and_repair_without_symptom_are_problems(world) -> None:  # type: ignore[no-untyped-def]
    Client().post("/book/acme/", form(world, address_text="天河北路233号", symptoms=[]))
    order = WorkOrder.objects.get()
    assert sorted(m["code"] for m in order.missing_items) == ["address.no_district", "symptom.missing"]


def test_past_day_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    past = clock.local(clock.now()).date() - timedelta(days=1)
    response = Client().post("/book/acme/", form(world, day=past.isoformat()))
    assert "day" in response.context["form"].errors


def test_unknown_brand_is_404(world) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/book/nobody/").status_code == 404


def test_slots_for_the_typed_address_come_from_the_covering_outlets_capacity_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from doorstep.dispatch.calendar import work_day  # noqa: F401  (the outlet's calendar decides the days)

    client = Client()
    empty = client.get("/book/acme/slots/", {"address_text": ""})
    assert "请先填写上门地址" in empty.content.decode()
    page = client.get(
        "/book/acme/slots/",
        {"address_text": "广州市天河区天河路 385 号", "line": world.line.pk, "service_type": "repair"},
    )
    html = page.content.decode()
    assert page.status_code == 200 and ('class="slot"' in html or "可约时段已满" in html)
    assert 'id="book-slots"' in html
