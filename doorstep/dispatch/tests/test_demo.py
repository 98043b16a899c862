"""The dispatch demo data loads on top of a network (the web demo's ``Demo`` shape)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from doorstep.dispatch.board import queue_rows, technician_rows
from doorstep.dispatch.demo import load_dispatch_demo
from doorstep.dispatch.eligibility import technician_ineligibility
from doorstep.dispatch.models import CalendarDay, JobRequirement, SafetyEquipment, Shift
from doorstep.dispatch.tests.helpers import DAY, placed
from doorstep.network.models import Qualification

pytestmark = pytest.mark.django_db


def test_dispatch_demo_loads_and_the_board_explains(world) -> None:  # type: ignore[no-untyped-def]
    demo = SimpleNamespace(
        brand=world.brand, techs={world.outlet.pk: [world.tech], world.other_outlet.pk: [world.other_tech]}
    )
    load_dispatch_demo(demo)
    assert (
        SafetyEquipment.objects.count() == 6
        and Shift.objects.filter(technician=world.other_tech).count() == 2
    )
    assert JobRequirement.objects.filter(brand=world.brand, service_type="install").count() == 3
    assert CalendarDay.objects.filter(day__year=2027).exists()
    order = placed(world, status="dispatched", service_type="install", tech=None)
    why = technician_ineligibility(order=order, technician=world.tech, on=DAY)
    assert why == [f"缺少有效资质：{Qualification.Kind.HEIGHT_WORK.label}"]
    actor = world.actor("outlet_manager")
    assert technician_rows(actor, world.outlet, DAY) and queue_rows(actor, world.outlet, DAY)[0]
