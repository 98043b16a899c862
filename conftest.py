"""Shared fixtures: a small service network (brand, centre, two outlets, one staff member per role).

Every test runs at one pinned instant (doorstep/tests/pinned_time.py; ``DOORSTEP_TEST_NOW`` moves it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache

from doorstep.catalog.models import ProductLine, ProductModel
from doorstep.network.actors import Actor
from doorstep.network.models import Brand, Outlet, Role, ServiceCentre, Staff, Technician
from doorstep.tests import pinned_time
from doorstep.tests.factories import (
    BrandFactory,
    FeeItemFactory,
    OutletFactory,
    ProductLineFactory,
    ProductModelFactory,
    ServiceCentreFactory,
    StaffFactory,
    TechnicianFactory,
    WarrantyPolicyFactory,
)


def pytest_configure(config: pytest.Config) -> None:
    pinned_time.start()  # before collection, so module-level dates are relative to the pinned instant too


def pytest_unconfigure(config: pytest.Config) -> None:
    pinned_time.stop()


def pytest_report_header(config: pytest.Config) -> str:
    moment = pinned_time.start()
    where = f"pinned at {moment.isoformat()}" if moment else "not pinned"
    return f"time: {where} (change it with {pinned_time.ENV}=<ISO instant with offset>|now|off)"


@pytest.fixture(autouse=True)
def _pinned_instant() -> None:
    """Each test starts at the pinned instant; time ticks on inside it."""
    pinned_time.reset()


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
    return StaffFactory.create(user__username=username, name=name, role=role, centre=centre, outlet=outlet)


def make_technician(username: str, name: str, outlet: Outlet, line: ProductLine, permit: str) -> Technician:
    return TechnicianFactory.create(
        outlet=outlet, staff__user__username=username, staff__name=name, permit_no=permit, lines=[line]
    )


def build_world() -> World:
    brand = BrandFactory(code="acme", name="安可空调", hotline="400-800-1234")
    centre = ServiceCentreFactory(brand=brand)
    outlets = [
        OutletFactory(centre=centre, code=code, district=district)
        for code, district in (("gz-th", "天河区"), ("gz-hz", "海珠区"))
    ]
    line = ProductLineFactory(code="ac", name="空调")
    model = ProductModelFactory(brand=brand, line=line, code="KFR-35GW", name="挂机 1.5 匹")
    WarrantyPolicyFactory(brand=brand, line=line, whole_unit_years=6, part_years={"压缩机": 10})
    FeeItemFactory(brand=brand, code="L-REPAIR", name="维修人工费", kind="labour", price=Decimal("80"))
    FeeItemFactory(brand=brand, code="P-CAP", name="启动电容", kind="part", price=Decimal("35"))
    FeeItemFactory(
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
def _fresh_cache() -> None:
    """Rate-limit and throttle counts live in the cache: each test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return build_world()
