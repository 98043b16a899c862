"""Dispatch demo data: policy, job requirements, safety equipment, shifts, leave and calendar overrides.

Call ``load_dispatch_demo(demo)`` after the demo orders are built (``doorstep.web.demo.load_demo``): the
job requirements below apply to assignments made from then on.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from doorstep.catalog.models import ProductLine
from doorstep.dispatch.models import (
    CalendarDay,
    JobRequirement,
    Leave,
    SafetyEquipment,
    Shift,
    TechnicianSkill,
)
from doorstep.network.models import Technician

# 2027's schedule is not in the holiday library yet: the override table carries what is known (R-DI-3).
OVERRIDES_2027 = ((date(2027, 1, 1), False, "元旦"),)


def load_dispatch_demo(demo: Any) -> None:
    """Give the demo network the data the dispatcher board explains (R-DI-2, R-PR-2, R-DI-3)."""
    _requirements(demo)
    techs = [t for group in demo.techs.values() for t in group]
    today = timezone.localdate()
    for k, tech in enumerate(techs, start=1):
        _equipment(tech, today, expired_helmet=k == 2)
        if k % 2 == 0:  # a weekend rota for half the technicians
            Shift.objects.create(
                technician=tech, day_type=Shift.DayType.WORKDAY, start=time(8, 30), end=time(17, 30)
            )
            Shift.objects.create(technician=tech, day_type=Shift.DayType.RESTDAY, start=time(9), end=time(16))
    if len(techs) > 3:  # one technician on annual leave next week, one installs air conditioners only
        start = timezone.make_aware(datetime.combine(today + timedelta(days=7), time(0)))
        Leave.objects.create(
            technician=techs[3],
            kind=Leave.Kind.ANNUAL,
            starts_at=start,
            ends_at=start + timedelta(days=2),
            note="年假",
        )
        ac = ProductLine.objects.filter(code="ac").first()
        if ac is not None:
            TechnicianSkill.objects.get_or_create(technician=techs[2], line=ac, service_type="install")
    for day, workday, name in OVERRIDES_2027:
        CalendarDay.objects.get_or_create(day=day, defaults={"is_workday": workday, "name": name})


def _requirements(demo: Any) -> None:
    ac = ProductLine.objects.filter(code="ac").first()
    for field, kind in (
        ("qualification", "height_work"),
        ("equipment", "helmet"),
        ("equipment", "safety_belt"),
    ):
        JobRequirement.objects.get_or_create(
            brand=demo.brand,
            line=ac,
            service_type="install",
            **{field: kind},
            defaults={"note": "空调安装（室外机）：高空作业证、安全帽、安全带（R-PR-2、R-SV-7）"},
        )
    JobRequirement.objects.get_or_create(
        brand=demo.brand,
        line=ProductLine.objects.filter(code="water_heater").first(),
        equipment="insulating_shoes",
        defaults={"note": "热水器涉电作业：绝缘鞋（R-PR-2）"},
    )


def _equipment(tech: Technician, today: date, *, expired_helmet: bool) -> None:
    helmet_age = timedelta(days=960 if expired_helmet else 200)  # 2.5 years ≈ 913 days (R-PR-2)
    SafetyEquipment.objects.create(
        technician=tech, kind="helmet", serial=f"H-{tech.pk:04d}", issued_on=today - helmet_age
    )
    SafetyEquipment.objects.create(
        technician=tech,
        kind="insulating_shoes",
        serial=f"S-{tech.pk:04d}",
        issued_on=today - timedelta(days=400),
        tested_on=today - timedelta(days=60),
    )
    SafetyEquipment.objects.create(
        technician=tech, kind="safety_belt", serial=f"B-{tech.pk:04d}", issued_on=today - timedelta(days=300)
    )
