"""Correcting an order's information through the one intake check, and confirming a problem as given
(R-IN-2, R-DI-4). The old behaviour ("信息已核实" cleared the problems, the wrong phone stayed) fails them."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World, make_staff
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from doorstep.customers.parsing.issues import Problem, problem
from doorstep.network.actors import Actor
from doorstep.network.models import ServiceCentre
from doorstep.network.roles import Role
from doorstep.orders.correction import CorrectionRefused, order_correct, order_info_confirm
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import intake, order_in
from doorstep.tests.factories import ProductModelFactory, ServiceCentreFactory

pytestmark = pytest.mark.django_db

GOOD_ADDRESS = "广东省广州市天河区天河路 385 号 1201 室"


def _wrong_phone_and_address(world: World) -> WorkOrder:
    """The walk's order: phone "12345" and an address without its district (information incomplete)."""
    order = intake(world, phone="12345", district="")
    assert order.status == Status.INFO_INCOMPLETE
    assert [m["code"] for m in order.missing_items] == ["phone.invalid", "address.no_district"]
    return order


def test_r_in_2_agent_corrects_phone_and_address_and_the_order_leaves_incomplete(world) -> None:
    order = _wrong_phone_and_address(world)
    old_address = str(order.address)
    done = order_correct(
        order=order,
        actor=world.actor("agent"),
        values={"phone": "139 1234 5678", "address": GOOD_ADDRESS},
        how="phone_call",
        note="客户回电确认",
    )
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.customer.phone == "+8613912345678" and order.address.district == "天河区"
    assert order.missing_items == [] and order.status == Status.TRIAGED
    assert order.deadlines.get(kind=Deadline.Kind.VERIFY).state == Deadline.State.MET
    event = order.events.get(kind="info_corrected")
    assert event.rule == "R-IN-2" and event.customer_visible is False
    assert event.data["how"] == "phone_call" and event.data["verified_by"] == "王丽"
    assert event.data["changes"] == [
        {"field": "phone", "old": "12345", "new": "+8613912345678"},
        {"field": "address", "old": old_address, "new": str(order.address)},
    ]
    assert sorted(event.data["settled"]) == ["address.no_district", "phone.invalid"]
    assert [c["field"] for c in done.changes] == ["phone", "address"]


def test_r_in_2_one_problem_corrected_the_order_stays_incomplete(world) -> None:
    order = _wrong_phone_and_address(world)
    order_correct(order=order, actor=world.actor("agent"), values={"phone": "13912345678"}, how="phone_call")
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.status == Status.INFO_INCOMPLETE
    assert [m["code"] for m in order.missing_items] == ["address.no_district"]


def test_r_in_2_a_bad_value_gets_the_intake_problem_and_nothing_is_written(world) -> None:
    order = _wrong_phone_and_address(world)
    before = (order.customer_id, order.address_id, order.version, order.events.count())
    with pytest.raises(CorrectionRefused) as refused:
        order_correct(
            order=order,
            actor=world.actor("agent"),
            values={"phone": "1391234", "address": GOOD_ADDRESS},
            how="phone_call",
        )
    assert refused.value.code == ErrorCode.CORRECTION_PROBLEM and refused.value.field == "phone"
    expected = problem(Problem.PHONE_INVALID)  # the one vocabulary: the same words as at intake
    assert [(p.field, p.code) for p in refused.value.problems] == [("phone", "phone.invalid")]
    assert refused.value.problems[0].message.startswith(expected.zh)
    assert refused.value.problems[0].fix == "核对号码；座机请加区号"
    order = WorkOrder.objects.get(pk=order.pk)
    assert (order.customer_id, order.address_id, order.version, order.events.count()) == before
    assert order.customer.phone == "12345" and len(order.missing_items) == 2


def test_r_in_2_a_correction_that_changes_nothing_is_refused(world) -> None:
    order = _wrong_phone_and_address(world)
    with pytest.raises(DomainError) as refused:
        order_correct(order=order, actor=world.actor("agent"), values={"phone": "12345"}, how="phone_call")
    assert refused.value.code == ErrorCode.CORRECTION_NOTHING_CHANGED


def test_r_in_2_saying_verified_no_longer_clears_the_problems(world) -> None:
    """The walk: 核实内容 "已与客户核实" + 信息已核实 made the order 已分诊 with the phone still "12345"."""
    order = _wrong_phone_and_address(world)
    with pytest.raises(DomainError) as refused:
        order_transition(
            order=order,
            actor=world.actor("agent"),
            action="complete_info",
            params={"verified": "已与客户核实"},
        )
    assert refused.value.code == ErrorCode.INFO_PROBLEMS_OPEN
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.status == Status.INFO_INCOMPLETE and len(order.missing_items) == 2


def test_r_in_2_a_problem_correct_as_given_is_confirmed_with_who_and_how(world) -> None:
    order = intake(world, district="")  # a valid phone; the address names no district
    assert [m["code"] for m in order.missing_items] == ["address.no_district"]
    order = order_info_confirm(
        order=order,
        actor=world.actor("agent"),
        codes=["address.no_district"],
        how="customer_desk",
        note="客户到服务台出示房产证，地址无误",
    )
    assert order.status == Status.TRIAGED and order.missing_items == []
    event = order.events.get(kind="info_verified")
    assert event.data["how"] == "customer_desk" and event.data["verified_by"] == "王丽"
    assert [i["code"] for i in event.data["items"]] == ["address.no_district"]


def test_r_in_2_a_wrong_phone_cannot_be_confirmed_as_given(world) -> None:
    order = _wrong_phone_and_address(world)
    with pytest.raises(DomainError) as refused:
        order_info_confirm(order=order, actor=world.actor("agent"), codes=["phone.invalid"], how="phone_call")
    assert refused.value.code == ErrorCode.PROBLEM_NEEDS_CORRECTION and refused.value.field == "phone"
    with pytest.raises(DomainError) as nothing:
        order_info_confirm(order=order, actor=world.actor("agent"), codes=[], how="phone_call")
    assert nothing.value.code == ErrorCode.CONFIRM_NOTHING_SELECTED
    assert len(WorkOrder.objects.get(pk=order.pk).missing_items) == 2


def test_r_in_2_how_must_be_given_and_be_the_actors(world) -> None:
    order = _wrong_phone_and_address(world)
    for how, code in (("", ErrorCode.VERIFIED_HOW_UNKNOWN), ("on_site", ErrorCode.VERIFIED_HOW_NOT_YOURS)):
        with pytest.raises(DomainError) as refused:
            order_correct(order=order, actor=world.actor("agent"), values={"phone": "13912345678"}, how=how)
        assert refused.value.code == code


def _other_model(world: World) -> None:
    ProductModelFactory(brand=world.brand, line=world.line, code="KFR-50LW", name="柜机 2 匹")


def test_r_di_4_the_technician_corrects_the_model_on_site_and_it_is_used_from_then_on(world) -> None:
    _other_model(world)
    order = order_in(world, Status.IN_SERVICE)
    assert order.product.model.code == "KFR-35GW"
    order_correct(
        order=order,
        actor=world.actor("technician"),
        values={"product_model": "kfr50lw", "symptom": "不制冷；外机异响"},
        how="on_site",
    )
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.product.model.code == "KFR-50LW" and order.product.serial == "SN001"
    assert list(order.faults.values_list("symptom", flat=True)) == ["不制冷", "外机异响"]
    event = order.events.get(kind="info_corrected")
    assert event.rule == "R-DI-4" and event.data["how"] == "on_site"
    assert event.data["changes"][0] == {"field": "product_model", "old": "KFR-35GW", "new": "KFR-50LW"}
    assert order.status == Status.IN_SERVICE  # the visit goes on with the confirmed values


def test_r_di_4_on_site_only_once_arrived(world) -> None:
    _other_model(world)
    order = order_in(world, Status.CONFIRMED)
    with pytest.raises(DomainError) as refused:
        order_correct(
            order=order, actor=world.actor("technician"), values={"product_model": "KFR-50LW"}, how="on_site"
        )
    assert refused.value.code == ErrorCode.ON_SITE_NOT_ARRIVED
    arrived = order_in(world, Status.ARRIVED)
    order_correct(
        order=arrived, actor=world.actor("technician"), values={"product_model": "KFR-50LW"}, how="on_site"
    )


def test_r_di_4_r_in_2_who_may_correct(world) -> None:
    """The technician only their own assigned order; the desk per its scope (its centre); nobody else."""
    order = order_in(world, Status.ARRIVED)
    values = {"customer_name": "刘晓红"}
    with pytest.raises(NotFound):  # another technician's visit is not even visible
        order_correct(order=order, actor=world.actor("other_technician"), values=values, how="phone_call")
    for role in ("dispatcher", "outlet_manager", "quality"):
        with pytest.raises(Forbidden) as refused:
            order_correct(order=order, actor=world.actor(role), values=values, how="phone_call")
        assert refused.value.code == ErrorCode.CORRECTION_FORBIDDEN
    elsewhere: ServiceCentre = ServiceCentreFactory.create(
        brand=world.brand, name="深圳服务中心", city="深圳市"
    )
    far_agent = make_staff("agent9", "林芳", Role.AGENT, elsewhere, None)
    with pytest.raises(NotFound):  # another centre's agent: out of scope
        order_correct(order=order, actor=Actor.for_user(far_agent.user), values=values, how="phone_call")
    assert not order.events.filter(kind="info_corrected").exists()
    order_correct(order=order, actor=world.actor("technician"), values=values, how="on_site")
    order_correct(order=order, actor=world.actor("agent"), values={"customer_name": "刘晓"}, how="phone_call")
    assert WorkOrder.objects.get(pk=order.pk).customer.name == "刘晓"


def test_r_di_4_permission_over_http(world) -> None:
    """The pages: a colleague technician gets 404 for the correction and the visit step; the sent one
    corrects."""
    _other_model(world)
    order = order_in(world, Status.IN_SERVICE)
    colleague, sent = Client(), Client()
    colleague.force_login(world.staff["other_technician"].user)
    sent.force_login(world.staff["technician"].user)
    post = {"product_model": "KFR-50LW", "how": "on_site"}
    assert colleague.post(f"/orders/{order.number}/correct/", post).status_code == 404
    assert colleague.post(f"/visits/{order.number}/step/correct/", post).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).product.model.code == "KFR-35GW"
    assert sent.post(f"/visits/{order.number}/step/correct/", post).status_code == 302
    assert WorkOrder.objects.get(pk=order.pk).product.model.code == "KFR-50LW"


def test_r_in_2_the_order_page_shows_the_refusal_next_to_the_field(world) -> None:
    order = _wrong_phone_and_address(world)
    agent = Client()
    agent.force_login(world.staff["agent"].user)
    response = agent.post(
        f"/orders/{order.number}/correct/", {"phone": "1391234", "address": GOOD_ADDRESS, "how": "phone_call"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    field = html[html.index('data-field="phone"><label') :]
    field = field[: field.index("</div>")]
    assert 'aria-invalid="true"' in field and "联系电话无效" in field and 'value="1391234"' in field
    assert WorkOrder.objects.get(pk=order.pk).customer.phone == "12345"
    response = agent.post(
        f"/orders/{order.number}/correct/",
        {"phone": "13912345678", "address": GOOD_ADDRESS, "how": "phone_call"},
        follow=True,
    )
    html = response.content.decode()
    assert "订单信息更正" in html and "12345</del> → <b>+8613912345678" in html
    assert WorkOrder.objects.get(pk=order.pk).status == Status.TRIAGED


def test_r_in_2_a_closed_order_is_not_corrected(world) -> None:
    order = order_in(world, Status.CANCELLED)
    with pytest.raises(DomainError) as refused:
        order_correct(
            order=order, actor=world.actor("agent"), values={"customer_name": "刘晓"}, how="phone_call"
        )
    assert refused.value.code == ErrorCode.CORRECTION_CLOSED and "已取消" in refused.value.text()


def test_r_di_4_r_in_2_the_technician_settles_what_the_desk_could_not(world) -> None:
    """Dispatched unverified (no model): the technician's visit page lists the problem; the model read from
    the nameplate on site settles it."""
    from doorstep.tests.factories import WorkOrderFactory

    order = WorkOrderFactory.create(world=world, status=Status.ARRIVED, model_code="")
    WorkOrder.objects.filter(pk=order.pk).update(
        missing_items=[
            {"field": "product_model", "code": "product_model.missing", "zh": "未提供产品型号", "en": ""}
        ]
    )
    tech = Client()
    tech.force_login(world.staff["technician"].user)
    page = tech.get(f"/visits/{order.number}/").content.decode()
    assert 'id="visit-problems"' in page and 'data-code="product_model.missing"' in page
    response = tech.post(
        f"/visits/{order.number}/step/correct/", {"product_model": "KFR-35GW", "how": "on_site"}
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.missing_items == [] and order.product.model.code == "KFR-35GW"
    assert order.status == Status.ARRIVED
    assert order.events.get(kind="info_corrected").data["settled"] == ["product_model.missing"]


def test_r_in_2_a_model_outside_the_catalogue_is_refused(world) -> None:
    order = order_in(world, Status.ARRIVED)
    with pytest.raises(CorrectionRefused) as refused:
        order_correct(
            order=order, actor=world.actor("technician"), values={"product_model": "XYZ-99QQ"}, how="on_site"
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("product_model", "product_model.not_a_model")
    ]
    assert "不在本品牌的型号目录中" in refused.value.problems[0].message
    assert WorkOrder.objects.get(pk=order.pk).product.model.code == "KFR-35GW"
