"""Build orders for tests: through intake, or placed directly in a status with consistent fields."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from conftest import World
from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.orders.intake import IntakeRequest, order_create
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.tests import dates
from doorstep.tests.factories import WorkOrderFactory
from doorstep.visits.consent.drawing import signature_png_data_url
from doorstep.visits.models import Consent, Signature, Source

_PHONES = itertools.count(1)
BOUGHT = dates.years_ago(3)  # well inside the fixture brand's 6-year whole-unit warranty


def intake(world: World, **over: Any) -> WorkOrder:
    """An order through the real intake; each call is a different customer unless ``phone`` is given."""
    fields: dict[str, Any] = dict(
        brand=world.brand.code,
        channel="phone",
        service_type="repair",
        customer_name="刘女士",
        phone=f"1380013{next(_PHONES) % 10000:04d}",
        province="广东省",
        city="广州市",
        district="天河区",
        detail="天河路 385 号 1201 室",
        model_code="KFR-35GW",
        serial="SN001",
        purchase_date=BOUGHT,
        faults=["空调不制冷", "有异响"],
        requirement="明天上午",
    )
    fields.update(over)
    order, _created = order_create(actor=world.actor("agent"), req=IntakeRequest(**fields))
    return order


def order_in(world: World, status: str) -> WorkOrder:
    """An order placed in ``status`` with the fields that status implies (for table-driven tests)."""
    return WorkOrderFactory.create(world=world, status=status)


def png_data_url() -> str:
    return signature_png_data_url()


def add_signature(order: WorkOrder) -> None:
    Signature.objects.create(
        order=order,
        method=Signature.Method.CUSTOMER_LINK,
        signer_name="刘女士",
        image=png_data_url(),
        at=clock.now(),
        source=Source.CUSTOMER_LINK,
    )


def add_consent(order: WorkOrder, kind: str = Consent.Kind.TAKE_BACK) -> None:
    """A consent the customer gave on their own phone (the tracking link)."""
    Consent.objects.create(
        order=order, kind=kind, given_by="刘女士", at=clock.now(), source=Source.CUSTOMER_LINK
    )


def params_for(world: World, action: str, order: WorkOrder) -> dict[str, Any]:
    start = clock.now() + timedelta(days=1)
    table: dict[str, dict[str, Any]] = {
        "mark_incomplete": {"missing": ["产品型号"]},
        "resolve_by_phone": {"answer": "遥控器模式设为制冷，温度调至 26 度"},
        "dispatch": {
            "outlet": world.other_outlet.pk if order.status == Status.DISPATCHED else world.outlet.pk
        },
        "transfer": {"outlet": world.other_outlet.pk},
        "assign": {"technician": world.tech.pk},
        "confirm_appointment": {
            "window_start": start,
            "window_end": start + timedelta(hours=2),
            "by_agreement": True,  # a day ahead of any instant the suite runs at, a night or a Sunday too
        },
        "pay": {"method": "wechat"},
        "entry_refused": {"refusal": "refused_entry"},  # R-DI-10
        "record_callback": {"satisfaction": 5, "product_works": True},
    }
    return table.get(action, {})


def actor_for(world: World, role: str) -> Actor:
    if role == "customer":
        return Actor.customer("刘女士")
    if role == "system":
        return Actor.system()
    return world.actor(role)
