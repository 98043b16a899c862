"""Technician eligibility: skills per line and service type, qualifications and safety equipment within
their expiry, calendar and leave (R-DI-2, R-PR-2). The dispatcher always sees why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.calendar import day_info
from doorstep.dispatch.eligibility import technician_ineligibility
from doorstep.dispatch.models import JobRequirement, Leave, SafetyEquipment, TechnicianSkill
from doorstep.dispatch.tests.helpers import DAY, at, placed
from doorstep.network.models import Qualification
from doorstep.orders.services import order_transition
from doorstep.tests import dates

pytestmark = pytest.mark.django_db


def _why(world, order, on: date = DAY) -> list[str]:  # type: ignore[no-untyped-def]
    return technician_ineligibility(order=order, technician=world.tech, on=on)


def test_skill_per_service_type_R_DI_2(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="dispatched", service_type="install")
    assert _why(world, order) == []  # a product-line skill covers every service type of the line
    TechnicianSkill.objects.create(technician=world.tech, line=world.line, service_type="repair")
    assert _why(world, order) == ["无该产品线的此类服务技能"]


def test_height_work_permit_must_be_valid_R_PR_2(world) -> None:  # type: ignore[no-untyped-def]
    JobRequirement.objects.create(brand=world.brand, service_type="install", qualification="height_work")
    order = placed(world, status="dispatched", service_type="install")
    assert "缺少有效资质：高空作业证" in _why(world, order)
    Qualification.objects.create(
        technician=world.tech,
        kind="height_work",
        number="GK-1",
        valid_from=DAY - timedelta(days=10),
        valid_until=DAY + timedelta(days=10),
    )
    assert _why(world, order) == []
    assert "缺少有效资质：高空作业证" in _why(world, order, on=DAY + timedelta(days=11))


@pytest.mark.parametrize(("months_old", "ok"), [(29, True), (31, False)])
def test_helmet_at_most_two_and_a_half_years_R_PR_2(world, months_old: int, ok: bool) -> None:  # type: ignore[no-untyped-def]
    JobRequirement.objects.create(brand=world.brand, equipment="helmet")
    SafetyEquipment.objects.create(
        technician=world.tech, kind="helmet", issued_on=DAY - timedelta(days=30 * months_old)
    )
    order = placed(world, status="dispatched")
    assert (_why(world, order) == []) is ok
    if not ok:
        assert _why(world, order) == ["安全装备缺失或过期：安全帽"]


@pytest.mark.parametrize(("days_since_test", "ok"), [(170, True), (190, False)])
def test_insulating_shoes_tested_every_six_months_R_PR_2(world, days_since_test: int, ok: bool) -> None:  # type: ignore[no-untyped-def]
    JobRequirement.objects.create(brand=world.brand, line=world.line, equipment="insulating_shoes")
    SafetyEquipment.objects.create(
        technician=world.tech,
        kind="insulating_shoes",
        issued_on=DAY - timedelta(days=700),
        tested_on=DAY - timedelta(days=days_since_test),
    )
    order = placed(world, status="dispatched")
    assert (_why(world, order) == []) is ok


def test_leave_on_the_appointment_day_R_DI_2(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned", start=at(10))
    Leave.objects.create(technician=world.tech, kind="sick", starts_at=at(0), ends_at=at(23, 59))
    assert _why(world, order) == ["请假：病假"]


def test_rest_day_without_a_rest_day_shift_R_DI_2(world) -> None:  # type: ignore[no-untyped-def]
    rest = dates.rest_day(DAY)
    order = placed(world, status="assigned", start=at(10, day=rest))
    assert _why(world, order) == [f"{rest} 不上班（{day_info(rest).name or '休息日'}）"]


def test_assign_refuses_with_every_reason_R_DI_2_R_PR_2(world) -> None:  # type: ignore[no-untyped-def]
    JobRequirement.objects.create(brand=world.brand, equipment="helmet")
    order = placed(world, status="dispatched")
    with pytest.raises(DomainError) as err:
        order_transition(
            order=order,
            actor=world.actor("outlet_manager"),
            action="assign",
            params={"technician": world.tech.pk},
        )
    assert err.value.code == "technician_not_eligible" and "安全帽" in err.value.text()
    with clock.frozen_at(at(8)):
        SafetyEquipment.objects.create(
            technician=world.tech, kind="helmet", issued_on=DAY - timedelta(days=300)
        )
        order_transition(
            order=order,
            actor=world.actor("outlet_manager"),
            action="assign",
            params={"technician": world.tech.pk},
        )


def test_dispatcher_sees_why_a_technician_is_not_eligible_R_DI_2(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="dispatched")
    client.force_login(world.staff["dispatcher"].user)
    page = client.get(f"/dispatch/orders/{order.number}/why/").content.decode()
    assert "李师傅" in page and "可派" in page


def test_confirm_refused_while_the_technician_is_on_leave_R_DI_2(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned")
    Leave.objects.create(technician=world.tech, kind="annual", starts_at=at(0), ends_at=at(23, 59))
    with clock.frozen_at(at(7)), pytest.raises(DomainError) as err:
        order_transition(
            order=order,
            actor=world.actor("outlet_manager"),
            action="confirm_appointment",
            params={"window_start": at(10), "window_end": at(12)},
        )
    assert err.value.code == "technician_on_leave"


def test_confirm_outside_the_shift_is_recorded_as_by_agreement_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned")
    with clock.frozen_at(at(7)):
        order = order_transition(
            order=order,
            actor=world.actor("outlet_manager"),
            action="confirm_appointment",
            params={"window_start": at(19), "window_end": at(20), "by_agreement": True},
        )
    assert order.events.get(kind="confirm_appointment").data["outside_shift"] is True
