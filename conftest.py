"""Shared fixtures: a small service network (brand, centre, two outlets, one staff member per role)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from doorstep.catalog.models import FeeItem, ProductLine, ProductModel, WarrantyPolicy
from doorstep.network.actors import Actor
from doorstep.network.models import (
    Brand,
    Coverage,
    Outlet,
    Qualification,
    Role,
    ServiceCentre,
    Staff,
    Technician,
)


@dataclass
class World:
    brand: Brand
    centre: ServiceCentre
    outlet: Outlet
    other_outlet: Outlet
    line: ProductLine
    model: ProductModel
    tech: Technician
    other_tech: Technician
    staff: dict[str, Staff]

    def actor(self, role: str) -> Actor:
        return Actor.for_user(self.staff[role].user)


def make_staff(username: str, name: str, role: str, centre: ServiceCentre, outlet: Outlet | None) -> Staff:
    user = User.objects.create_user(username=username, password="doorstep-pass")
    return Staff.objects.create(user=user, name=name, role=role, centre=centre, outlet=outlet)


def make_technician(username: str, name: str, outlet: Outlet, line: ProductLine, permit: str) -> Technician:
    staff = make_staff(username, name, Role.TECHNICIAN, outlet.centre, outlet)
    tech = Technician.objects.create(staff=staff, permit_no=permit, home_lat=23.13, home_lng=113.27)
    tech.product_lines.add(line)
    today = date.today()
    Qualification.objects.create(
        technician=tech,
        kind=Qualification.Kind.WORK_PERMIT,
        number=permit,
        valid_from=today - timedelta(days=365),
        valid_until=today + timedelta(days=365),
    )
    return tech


def build_world() -> World:
    brand = Brand.objects.create(code="acme", name="安可空调", hotline="400-800-1234")
    centre = ServiceCentre.objects.create(
        brand=brand, name="广州服务中心", province="广东省", city="广州市", hotline="020-88886666"
    )
    outlets = []
    for code, name, district in (("gz-th", "天河网点", "天河区"), ("gz-hz", "海珠网点", "海珠区")):
        o = Outlet.objects.create(
            centre=centre, code=code, name=name, address=f"广州市{district}", phone="020-1"
        )
        o.brands.add(brand)
        Coverage.objects.create(outlet=o, province="广东省", city="广州市", district=district)
        outlets.append(o)
    line = ProductLine.objects.create(code="ac", name="空调")
    model = ProductModel.objects.create(
        brand=brand, line=line, code="KFR-35GW", name="挂机 1.5 匹", launched_on=date(2020, 3, 1)
    )
    WarrantyPolicy.objects.create(brand=brand, line=line, whole_unit_years=6, part_years={"压缩机": 10})
    FeeItem.objects.create(
        brand=brand, code="L-REPAIR", name="维修人工费", kind="labour", price=Decimal("80")
    )
    FeeItem.objects.create(brand=brand, code="P-CAP", name="启动电容", kind="part", price=Decimal("35"))
    FeeItem.objects.create(
        brand=brand, code="M-PIPE", name="加长铜管", kind="material", unit="米", price=Decimal("100")
    )
    staff = {
        "agent": make_staff("agent", "王丽", Role.AGENT, centre, None),
        "dispatcher": make_staff("dispatcher", "陈刚", Role.DISPATCHER, centre, None),
        "quality": make_staff("quality", "赵敏", Role.QUALITY, centre, None),
        "admin": make_staff("admin", "孙强", Role.ADMIN, centre, None),
        "outlet_manager": make_staff("manager", "周杰", Role.OUTLET_MANAGER, centre, outlets[0]),
        "other_manager": make_staff("manager2", "吴磊", Role.OUTLET_MANAGER, centre, outlets[1]),
    }
    tech = make_technician("tech", "李师傅", outlets[0], line, "GZ-2024-0001")
    other = make_technician("tech2", "张师傅", outlets[1], line, "GZ-2024-0002")
    staff["technician"] = tech.staff
    staff["other_technician"] = other.staff
    return World(brand, centre, outlets[0], outlets[1], line, model, tech, other, staff)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return build_world()
