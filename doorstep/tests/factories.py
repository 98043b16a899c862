"""factory_boy factories for the domain, with the conftest world's values as their defaults.

``BrandFactory()``, ``ProductLineFactory()`` … return the world's row when it exists (get-or-create on the
code), so ``TechnicianFactory()`` inside a test that has ``world`` is one more technician of the same brand
and centre. Dates are relative to the pinned instant (``clock.today()``), never fixed.
``WorkOrderFactory(world=world, status="confirmed")`` goes through the real intake, then places the order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import factory
from django.contrib.auth.models import User
from factory.django import DjangoModelFactory

from doorstep.catalog.models import FeeItem, ProductLine, ProductModel, WarrantyPolicy
from doorstep.core import clock
from doorstep.customers.models import Address, Customer, OwnedProduct
from doorstep.dispatch.moves import SLOT_HOLDING
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
from doorstep.orders.models import WorkOrder
from doorstep.tests import dates

if TYPE_CHECKING:
    from conftest import World

PASSWORD = "doorstep-pass"

# statuses at an outlet, and those with a technician and an appointment window
AT_OUTLET = frozenset(
    {
        "dispatched",
        "assigned",
        "confirmed",
        "rescheduled",
        "en_route",
        "arrived",
        "nobody_home",
        "in_service",
        "taken_back",
        "returned",
        "completed",
        "paid",
        "callback_done",
        "closed",
    }
)
WITH_TECH = AT_OUTLET - {"dispatched"}


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        found = model_class.objects.filter(username=kwargs["username"]).first()
        kwargs.setdefault("password", PASSWORD)
        return found or model_class.objects.create_user(*args, **kwargs)


class BrandFactory(DjangoModelFactory[Brand]):
    class Meta:
        model = Brand
        django_get_or_create = ("code",)

    code = "acme"
    name = "安可空调"
    hotline = "400-800-1234"


class ServiceCentreFactory(DjangoModelFactory[ServiceCentre]):
    class Meta:
        model = ServiceCentre
        django_get_or_create = ("brand", "name")

    brand = factory.SubFactory(BrandFactory)
    name = "广州服务中心"
    province = "广东省"
    city = "广州市"
    hotline = "020-88886666"


class OutletFactory(DjangoModelFactory[Outlet]):
    """An outlet of the centre, authorised for the centre's brand, covering ``district``."""

    class Meta:
        model = Outlet
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    class Params:
        district = "天河区"

    centre = factory.SubFactory(ServiceCentreFactory)
    code = factory.Sequence(lambda n: f"outlet-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.district[:2]}网点")
    address = factory.LazyAttribute(lambda o: f"{o.centre.city}{o.district}")
    phone = "020-1"

    @factory.post_generation
    def coverage(obj: Outlet, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        obj.brands.add(obj.centre.brand)
        district = obj.address.removeprefix(obj.centre.city) or "天河区"
        Coverage.objects.get_or_create(
            outlet=obj, province=obj.centre.province, city=obj.centre.city, district=district
        )


class ProductLineFactory(DjangoModelFactory[ProductLine]):
    class Meta:
        model = ProductLine
        django_get_or_create = ("code",)

    code = "ac"
    name = "空调"


class ProductModelFactory(DjangoModelFactory[ProductModel]):
    class Meta:
        model = ProductModel
        django_get_or_create = ("brand", "code")

    brand = factory.SubFactory(BrandFactory)
    line = factory.SubFactory(ProductLineFactory)
    code = "KFR-35GW"
    name = "挂机 1.5 匹"
    launched_on = factory.LazyFunction(lambda: dates.years_ago(10))


class WarrantyPolicyFactory(DjangoModelFactory[WarrantyPolicy]):
    class Meta:
        model = WarrantyPolicy

    brand = factory.SubFactory(BrandFactory)
    line = factory.SubFactory(ProductLineFactory)
    whole_unit_years = 6
    part_years = factory.LazyFunction(lambda: {"压缩机": 10})


class FeeItemFactory(DjangoModelFactory[FeeItem]):
    class Meta:
        model = FeeItem
        django_get_or_create = ("brand", "code")

    brand = factory.SubFactory(BrandFactory)
    code = factory.Sequence(lambda n: f"L-{n}")
    name = "维修人工费"
    kind = "labour"
    price = Decimal("80")


class StaffFactory(DjangoModelFactory[Staff]):
    """A staff member with a login (password ``doorstep-pass``); desk roles have no outlet."""

    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    name = "王丽"
    role = Role.AGENT
    centre = factory.SubFactory(ServiceCentreFactory)
    outlet = None


class TechnicianFactory(DjangoModelFactory[Technician]):
    """A technician of ``outlet`` for the air-conditioner line, with a work permit valid a year either side
    of today (pass ``permit_valid=(from, until)`` to change it)."""

    class Meta:
        model = Technician
        skip_postgeneration_save = True

    class Params:
        outlet = factory.SubFactory(OutletFactory)

    staff = factory.SubFactory(
        StaffFactory,
        name="李师傅",
        role=Role.TECHNICIAN,
        outlet=factory.SelfAttribute("..outlet"),
        centre=factory.SelfAttribute("outlet.centre"),
    )
    permit_no = factory.Sequence(lambda n: f"GZ-2024-{n + 1:04d}")
    home_lat = 23.13
    home_lng = 113.27

    @factory.post_generation
    def lines(obj: Technician, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.product_lines.add(*(extracted or [ProductLineFactory()]))

    @factory.post_generation
    def permit_valid(obj: Technician, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        today = clock.today()
        valid_from, valid_until = extracted or (today - timedelta(days=365), today + timedelta(days=365))
        Qualification.objects.create(
            technician=obj,
            kind=Qualification.Kind.WORK_PERMIT,
            number=obj.permit_no,
            valid_from=valid_from,
            valid_until=valid_until,
        )


class CustomerFactory(DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    name = "刘女士"
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")


class AddressFactory(DjangoModelFactory[Address]):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    province = "广东省"
    city = "广州市"
    district = "天河区"
    detail = "天河路 385 号 1201 室"
    lat = 23.135
    lng = 113.30


class OwnedProductFactory(DjangoModelFactory[OwnedProduct]):
    """A product bought three years before today: inside the fixture brand's 6-year warranty."""

    class Meta:
        model = OwnedProduct

    customer = factory.SubFactory(CustomerFactory)
    model = factory.SubFactory(ProductModelFactory)
    serial = factory.Sequence(lambda n: f"SN{n:05d}")
    purchase_date = factory.LazyFunction(lambda: dates.years_ago(3))


def _free_start(tech: Any, start: datetime) -> datetime:
    """The first two hours from ``start`` this technician holds no appointment in: one technician's
    appointments never overlap (R-DI-3; an exclusion constraint on PostgreSQL)."""
    held = WorkOrder.objects.filter(
        technician=tech, status__in=SLOT_HOLDING, window_start__isnull=False, window_end__isnull=False
    )
    while held.filter(window_start__lt=start + timedelta(hours=2), window_end__gt=start).exists():
        start += timedelta(hours=2)
    return start


class WorkOrderFactory(DjangoModelFactory[WorkOrder]):
    """An order through the real intake (``world`` is required), then placed in ``status`` with the fields
    that status implies: the world's outlet, its technician and a window (``window_start``; by default
    3 hours from now). Other keyword arguments are intake fields (``service_type``, ``lat`` …)."""

    class Meta:
        model = WorkOrder

    @classmethod
    def _create(cls, model_class: type[WorkOrder], *args: Any, **kwargs: Any) -> WorkOrder:
        from doorstep.orders.tests.helpers import intake

        world: World = kwargs.pop("world")
        status: str | None = kwargs.pop("status", None)
        outlet = kwargs.pop("outlet", world.outlet)
        tech = kwargs.pop("technician", world.tech)
        window_start = kwargs.pop("window_start", None)
        order = intake(world, **kwargs)
        if status is None:
            return order
        updates: dict[str, Any] = {"status": status}
        if status in AT_OUTLET:
            updates["outlet"] = outlet
        if status in WITH_TECH:
            updates["technician"] = tech
            start = window_start or _free_start(tech, clock.now() + timedelta(hours=3))
            updates.update(window_start=start, window_end=start + timedelta(hours=2))
        model_class.objects.filter(pk=order.pk).update(**updates)
        order.refresh_from_db()
        return order
