"""Demo data: one air-conditioner brand's Guangzhou centre, 3 outlets, ~10 technicians, ~200 customers
and ~300 orders in every status, each order driven through the real services so its history is
consistent (events, deadlines, charges, signatures, payments)."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from doorstep.catalog.kb import kb_seed
from doorstep.catalog.models import FeeItem, ProductLine, ProductModel, WarrantyPolicy
from doorstep.channels.demo import load_channels_demo
from doorstep.core import clock
from doorstep.core.punctuality import appointment_of
from doorstep.customers.parsing import district_centroids
from doorstep.dispatch.appointment import appointment_time_confirm
from doorstep.dispatch.demo import load_dispatch_demo
from doorstep.dispatch.moves import SLOT_HOLDING
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
from doorstep.network.placeholder import placeholder_photo
from doorstep.orders.intake import IntakeRequest, Outcome, order_create
from doorstep.orders.models import UrgencyRule, WorkOrder
from doorstep.orders.services import order_transition
from doorstep.quality.demo import load_quality_demo
from doorstep.quality.services.feedback import callback_record
from doorstep.visits.arrival.protocol import apology_gap, apology_record, late_call
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.consents import consent_record
from doorstep.visits.consent.drawing import signature_png_data_url
from doorstep.visits.consent.signature import signature_capture
from doorstep.visits.demo import load_visits_demo
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.models import Consent
from doorstep.visits.testing import visit_evidence

PASSWORD = "doorstep-demo"
SEED = 20261123
CITY, PROVINCE = "广州市", "广东省"
OUTLETS = (
    ("gz-tianhe", "天河网点", ("天河区", "越秀区")),
    ("gz-haizhu", "海珠网点", ("海珠区", "番禺区")),
    ("gz-baiyun", "白云网点", ("白云区", "荔湾区")),
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文斌宇浩凯晨欣怡子涵梓轩佳琪雨桐"
STREETS = (
    "天河路",
    "中山大道",
    "黄埔大道",
    "广州大道",
    "江南大道",
    "工业大道",
    "新港西路",
    "白云大道",
    "机场路",
    "解放北路",
    "东风中路",
    "环市东路",
    "芳村大道",
    "花地大道",
    "石榴岗路",
    "员村二横路",
    "体育西路",
)
MODELS = (
    ("ac", "KFR-26GW/A1", "挂机 大1匹", date(2019, 3, 1)),
    ("ac", "KFR-35GW/A1", "挂机 1.5匹", date(2019, 3, 1)),
    ("ac", "KFR-50LW/B2", "柜机 2匹", date(2020, 5, 1)),
    ("ac", "KFR-72LW/B2", "柜机 3匹", date(2020, 5, 1)),
    ("washer", "XQG100-B1", "滚筒洗衣机 10kg", date(2021, 2, 1)),
    ("water_heater", "JSQ25-13", "燃气热水器 13L", date(2018, 9, 1)),
)
FEES: tuple[tuple[str, str, str, str | None, str, str], ...] = (
    ("T-VISIT", "上门费", "travel", None, "次", "30"),
    ("L-SMALL", "维修人工费（小修）", "labour", "ac", "次", "80"),
    ("L-BIG", "维修人工费（大修）", "labour", "ac", "次", "150"),
    ("L-CLEAN", "清洗保养", "labour", "ac", "台", "120"),
    ("L-INSTALL", "安装费（挂机）", "labour", "ac", "台", "150"),
    ("M-PIPE", "加长连接管", "material", "ac", "米", "100"),
    ("M-GAS", "补充制冷剂（R32）", "material", "ac", "次", "150"),
    ("P-CAP", "启动电容", "part", "ac", "个", "35"),
    ("P-REMOTE", "遥控器", "part", "ac", "个", "60"),
    ("P-BOARD", "室内主板", "part", "ac", "块", "380"),
    ("P-FAN", "室外风扇电机", "part", "ac", "个", "260"),
    ("L-WASHER", "洗衣机维修人工费", "labour", "washer", "次", "80"),
    ("P-VALVE", "进水阀", "part", "washer", "个", "45"),
    ("L-HEATER", "热水器维修人工费", "labour", "water_heater", "次", "80"),
    ("P-IGNITER", "点火针", "part", "water_heater", "个", "40"),
)
SYMPTOMS = {
    "ac": ["空调不制冷", "室内机漏水", "遥控器失灵", "外机噪音大", "开机几分钟就停", "显示E1故障码"],
    "washer": ["洗衣机不进水", "脱水时震动很大", "洗衣时报警"],
    "water_heater": ["热水器打不着火", "水温忽冷忽热"],
}
# target status → share of the ~300 orders
TARGETS = {
    "info_incomplete": 12,
    "triaged": 18,
    "consult_resolved": 8,
    "dispatched": 14,
    "transferred": 4,
    "assigned": 16,
    "confirmed": 24,
    "rescheduled": 6,
    "en_route": 6,
    "arrived": 4,
    "nobody_home": 6,
    "in_service": 8,
    "taken_back": 4,
    "returned": 3,
    "completed": 30,
    "paid": 26,
    "callback_done": 20,
    "closed": 75,
    "cancelled": 16,
}


@dataclass
class Demo:
    brand: Brand
    centre: ServiceCentre
    outlets: list[Outlet]
    staff: dict[str, Staff]
    techs: dict[int, list[Technician]]
    customers: list[dict[str, Any]] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    habits: dict[int, Habits] = field(default_factory=dict)  # per technician
    lines: dict[int, set[int]] = field(default_factory=dict)  # each technician's product lines
    repeats: list[tuple[dict[str, Any], datetime]] = field(default_factory=list)  # (customer, when)
    reopened: int = 0  # orders sent back by a still-broken callback (R-QA-1)

    def actor(self, key: str) -> Actor:
        return Actor.for_user(self.staff[key].user)


@cache
def _password_hash() -> str:
    return make_password(PASSWORD)  # one hash (and salt) for every demo user: the same demo password


def _user(username: str, *, superuser: bool = False) -> User:
    user = User(username=username, password=_password_hash(), is_staff=superuser, is_superuser=superuser)
    user.save()
    return user


def _staff(username: str, name: str, role: str, centre: ServiceCentre, outlet: Outlet | None = None) -> Staff:
    return Staff.objects.create(
        user=_user(username, superuser=role == Role.ADMIN),
        name=name,
        role=role,
        centre=centre,
        outlet=outlet,
        phone="020-8888" + str(len(username)).zfill(4),
    )


def build_network() -> tuple[Brand, ServiceCentre, list[Outlet]]:
    brand = Brand.objects.create(code="anke", name="安可空调", hotline="400-820-1234")
    centre = ServiceCentre.objects.create(
        brand=brand,
        name="安可广州服务中心",
        province=PROVINCE,
        city=CITY,
        hotline="020-8888-6666",
        address="广州市天河区天河北路 233 号一楼服务站",  # carry-in station (R-IN-7)
    )
    centroids = {d: (lat, lng) for d, lat, lng in district_centroids(CITY)}
    outlets: list[Outlet] = []
    for code, name, districts in OUTLETS:
        lat, lng = centroids[districts[0]]
        outlet = Outlet.objects.create(
            centre=centre,
            code=code,
            name=name,
            address=f"{CITY}{districts[0]}",
            phone="020-8765-43" + str(len(outlets)).zfill(2),
            lat=lat,
            lng=lng,
        )
        outlet.brands.add(brand)
        for d in districts:
            Coverage.objects.create(outlet=outlet, province=PROVINCE, city=CITY, district=d)
        outlets.append(outlet)
    return brand, centre, outlets


def build_catalogue(brand: Brand) -> None:
    lines = {
        code: ProductLine.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in (("ac", "空调"), ("washer", "洗衣机"), ("water_heater", "热水器"))
    }
    for line, code, name, launched in MODELS:
        ProductModel.objects.create(brand=brand, line=lines[line], code=code, name=name, launched_on=launched)
    WarrantyPolicy.objects.create(
        brand=brand,
        line=lines["ac"],
        whole_unit_years=6,
        sold_after=date(2005, 1, 1),
        part_years={"压缩机": 10},
    )  # R-AN-7 seed example: 6-year whole unit
    UrgencyRule.objects.create(  # R-IN-4: no cooling in the summer heat is urgent
        brand=brand,
        line=lines["ac"],
        keywords="不制冷,不凉,制冷效果差,吹热风",
        months="6,7,8,9",
        note="夏季空调不制冷优先派工",
    )
    kb_seed()
    for key in ("washer", "water_heater"):
        WarrantyPolicy.objects.create(brand=brand, line=lines[key], whole_unit_years=3)
    for code, name, kind, line_code, unit, price in FEES:
        FeeItem.objects.create(
            brand=brand,
            code=code,
            name=name,
            kind=kind,
            line=lines[line_code] if line_code else None,
            unit=unit,
            price=Decimal(price),
        )


MOBILE_PREFIXES = (
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "133",
    "153",
    "180",
    "181",
    "189",
)
TECH_NAMES = ("李建国", "张伟", "刘强", "陈志明", "黄海", "周国平", "吴军", "郑宇", "梁永杰", "何志强")


def build_staff(
    centre: ServiceCentre, outlets: list[Outlet], technicians: int = len(TECH_NAMES)
) -> tuple[dict[str, Staff], dict[int, list[Technician]]]:
    staff = {
        "agent": _staff("agent", "王丽", Role.AGENT, centre),
        "agent2": _staff("agent2", "刘洋", Role.AGENT, centre),
        "dispatcher": _staff("dispatcher", "陈刚", Role.DISPATCHER, centre),
        "quality": _staff("quality", "赵敏", Role.QUALITY, centre),
        "admin": _staff("admin", "孙强", Role.ADMIN, centre),
    }
    for i, (outlet, name) in enumerate(zip(outlets, ("周杰", "吴磊", "郑华"), strict=True), start=1):
        staff[f"manager{i}"] = _staff(f"manager{i}", name, Role.OUTLET_MANAGER, centre, outlet)
    lines = list(ProductLine.objects.all())
    techs: dict[int, list[Technician]] = {o.pk: [] for o in outlets}
    for i, name in enumerate(TECH_NAMES[: max(technicians, len(outlets))], start=1):
        outlet = outlets[(i - 1) % len(outlets)]
        member = _staff(f"tech{i}", name, Role.TECHNICIAN, centre, outlet)
        tech = Technician.objects.create(
            staff=member,
            permit_no=f"GZ-SG-{2024000 + i}",
            star_level=(i % 3) + 3,
            seniority=(i % 4) + 1,  # every outlet has juniors and seniors (R-DI-10)
            home_lat=(outlet.lat or 23.1) + 0.01 * (i % 4),
            home_lng=(outlet.lng or 113.3) - 0.01 * (i % 3),
        )
        tech.photo.save("photo.png", ContentFile(placeholder_photo(name)))  # drawn locally (R-PV-2)
        tech.product_lines.set(lines if i % 4 else lines[:1])
        today = timezone.localdate()
        Qualification.objects.create(
            technician=tech,
            kind=Qualification.Kind.WORK_PERMIT,
            number=tech.permit_no,
            valid_from=today - timedelta(days=400),
            valid_until=today + timedelta(days=330),
        )
        if i % 2:
            Qualification.objects.create(
                technician=tech,
                kind=Qualification.Kind.HEIGHT_WORK,
                number=f"GK-{i:04d}",
                valid_from=today - timedelta(days=200),
                valid_until=today + timedelta(days=500),
            )
        techs[outlet.pk].append(tech)
        staff[f"tech{i}"] = member
    return staff, techs


def build_customers(demo: Demo, count: int = 200) -> None:
    rng = demo.rng
    centroids = {d: (lat, lng) for d, lat, lng in district_centroids(CITY)}
    covered = [d for _c, _n, ds in OUTLETS for d in ds]
    for i in range(count):
        district = rng.choice(covered)
        lat, lng = centroids[district]
        demo.customers.append(
            {
                "customer_name": rng.choice(SURNAMES)
                + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                "phone": f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(10000000, 99999999)}",
                "province": PROVINCE,
                "city": CITY,
                "district": district,
                "detail": f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}0{rng.randint(1, 8)}室",  # noqa: E501
                "lat": lat + rng.uniform(-0.02, 0.02),
                "lng": lng + rng.uniform(-0.02, 0.02),
                "model": MODELS[i % len(MODELS)],
            }
        )


PATH = [
    "dispatch",
    "assign",
    "confirm_appointment",
    "depart",
    "arrive",
    "start_service",
    "complete",
    "pay",
    "record_callback",
    "close",
]
STOP_AFTER = {
    "dispatched": "dispatch",
    "assigned": "assign",
    "confirmed": "confirm_appointment",
    "en_route": "depart",
    "arrived": "arrive",
    "in_service": "start_service",
    "completed": "complete",
    "paid": "pay",
    "callback_done": "record_callback",
    "closed": "close",
}
FIELD_TODAY = frozenset(
    {"confirmed", "rescheduled", "en_route", "arrived", "nobody_home", "in_service", "taken_back", "returned"}
)
# the month behind the open work: how many days ago each kind of order came in (the pages' KPIs read the
# month of the closed ones; the completed and paid ones are the recent work still waiting for the money or
# for the callback, R-CO-2, R-QA-1)
HISTORY_DAYS = {
    "closed": (5, 30),
    "callback_done": (3, 6),
    "paid": (2, 3),
    "completed": (2, 3),
    "cancelled": (1, 30),
    "consult_resolved": (1, 20),
    "transferred": (1, 2),
    "dispatched": (0, 1),
    "assigned": (0, 1),
}
LATE_REASONS = ("前一单维修超时", "路上堵车", "小区不让停车，找车位耽误了")
STILL_BROKEN = ("修好后第三天又不制冷了", "室内机还是漏水", "又报同一个故障码", "用了两天又打不着火")
REPEAT_FAULTS = ("上次修过，现在又出现同样的问题", "同一故障再次出现")


@dataclass(frozen=True)
class Habits:
    """How one demo technician works (R-QA-4): the month's arrivals, fixes and scores follow from these, so
    each technician's KPIs and stars differ for a reason a manager can see in the drill-down."""

    late: float  # share of arrivals after the appointment time (R-AR-5)
    calls: float  # share of those announced by the late call 1–2 minutes before (R-AR-5)
    unfixed: float  # share of repairs not fixed at the first visit (taken back, or still broken later)
    scores: tuple[int, ...]  # what their customers answer at the callback (R-QA-1)


HABITS = (
    Habits(0.03, 1.0, 0.06, (5, 5, 5, 5, 4)),
    Habits(0.10, 0.8, 0.14, (5, 5, 4, 4, 5)),
    Habits(0.18, 0.5, 0.24, (4, 4, 5, 3, 4)),
    Habits(0.05, 0.9, 0.09, (5, 5, 5, 4, 5)),
    Habits(0.28, 0.3, 0.34, (4, 3, 4, 3, 5)),
    Habits(0.08, 0.9, 0.12, (5, 4, 5, 5, 4)),
    Habits(0.12, 0.7, 0.18, (5, 4, 4, 4, 5)),
    Habits(0.04, 1.0, 0.07, (5, 5, 5, 5, 5)),
    Habits(0.20, 0.6, 0.26, (4, 5, 4, 3, 4)),
    Habits(0.07, 0.8, 0.14, (5, 5, 4, 5, 4)),
)


class Later(Exception):
    """The order's next step would happen after now: it stays where it is (open work for today)."""


class Driver:
    """Drives one order through the real services to its target status, the clock moved for each step
    (``clock.frozen_at``): an order of the demo month, or one of today's open orders."""

    def __init__(self, demo: Demo, target: str, now: datetime, start: datetime | None = None) -> None:
        self.demo, self.target, self.rng, self.now = demo, target, demo.rng, now
        self.history = target not in FIELD_TODAY
        if start is None:
            low, high = HISTORY_DAYS.get(target, (0, 0))
            day = timezone.localtime(now).date() - timedelta(days=self.rng.randint(low, high))
            start = timezone.make_aware(datetime.combine(day, time(8))) + timedelta(
                minutes=self.rng.randint(0, 600)
            )
            start = min(start, now - timedelta(hours=2))
        self.t = start
        self.outlet = self.rng.choice(demo.outlets)
        self.tech = self.rng.choice(demo.techs[self.outlet.pk])
        self.manager = next(
            k for k, s in demo.staff.items() if s.role == Role.OUTLET_MANAGER and s.outlet == self.outlet
        )
        self.order: WorkOrder | None = None
        self.customer: dict[str, Any] = {}
        self.unfixed = False  # this order's first visit did not fix it
        self.missed = False  # a visit failed before the service (nobody home, a part missing)
        self.completed_at: datetime | None = None

    @property
    def habits(self) -> Habits:
        return self.demo.habits[self.tech.pk]

    def step(self, minutes: int) -> datetime:
        self.t += timedelta(minutes=minutes + self.rng.randint(0, minutes // 2 + 1))
        if self.history and self.t > self.now - timedelta(minutes=10):
            raise Later
        self.t = min(self.t, self.now - timedelta(minutes=1))  # today's work: under way, never ahead
        return self.t

    def act(self, action: str, actor: Actor, minutes: int = 20, reason: str = "", **params: Any) -> None:
        assert self.order is not None
        with clock.frozen_at(self.step(minutes)):
            method = str(params.get("method") or "wechat")
            evidence = visit_evidence(self.order, action, method)  # checklists, knock protocol, quote …
            self.order = order_transition(
                order=self.order, actor=actor, action=action, reason=reason, params={**evidence, **params}
            )

    def intake(self, customer: dict[str, Any]) -> bool:
        line, code, _name, launched = customer["model"]
        incomplete = self.target == "info_incomplete"
        bought = customer.get("bought") or launched + timedelta(days=self.rng.randint(30, 900))
        repeat = bool(customer.get("repeat"))
        req = IntakeRequest(
            brand=self.demo.brand.code,
            channel=self.rng.choice(["phone", "phone", "wechat", "web", "partner"]),
            service_type="consultation"
            if self.target == "consult_resolved"
            else "repair"
            if repeat
            else self.rng.choice(["repair", "repair", "repair", "install", "maintenance"]),
            priority="urgent" if self.rng.random() < 0.15 else "normal",
            customer_name=customer["customer_name"],
            phone=customer["phone"],
            province=customer["province"],
            city=customer["city"],
            district=customer["district"],
            detail=customer["detail"],
            lat=customer["lat"],
            lng=customer["lng"],
            model_code="" if incomplete else code,
            purchase_date=None if incomplete else bought,
            faults=[self.rng.choice(REPEAT_FAULTS)]
            if repeat
            else self.rng.sample(SYMPTOMS[line], k=self.rng.choice((1, 1, 2))),
            requirement=self.rng.choice(["尽快上门", "工作日下午", "周末上午", "晚上六点后在家"]),
        )
        self.customer = {**customer, "bought": bought, "repeat": False}
        with clock.frozen_at(self.t):
            self.order, outcome = order_create(
                actor=self.demo.actor(self.rng.choice(["agent", "agent2"])), req=req
            )
        if outcome != Outcome.CREATED:  # a repeat call about an open order was linked to it (R-IN-1)
            return False
        WorkOrder.objects.filter(pk=self.order.pk).update(created_at=self.t)
        return True

    def run(self, customer: dict[str, Any]) -> None:
        if not self.history:
            self.t = self.now - timedelta(hours=6, minutes=self.rng.randint(0, 60))
        if not self.intake(customer):
            return
        with contextlib.suppress(Later):  # stays open: the next step is today's or tomorrow's work
            self._route()

    def _route(self) -> None:
        target = self.target
        if target in ("info_incomplete", "triaged"):
            return
        if target == "consult_resolved":
            return self.act(
                "resolve_by_phone", self.demo.actor("agent"), answer="已指导客户将模式切换为制冷并清洗滤网"
            )
        if target == "cancelled" and self.rng.random() < 0.5:
            return self.act("cancel", self.demo.actor("agent"), reason="客户已自行解决，取消服务")
        self.act("dispatch", self.demo.actor("dispatcher"), outlet=self.outlet.pk)
        if target == "transferred":
            return self.act("decline", self.demo.actor(self.manager), reason="本网点暂无空闲技师")
        if target == "cancelled":
            return self.act("cancel", self.demo.actor("dispatcher"), reason="客户改期至下月，另行报修")
        if target == "dispatched":
            return
        start = self._window_start() if target != "assigned" else None
        self.tech, start = self._skilled_technician(start)
        self.act("assign", self.demo.actor(self.manager), technician=self.tech.pk)
        if start is not None:
            start = self._confirm(start)
            if self.target not in ("confirmed", "rescheduled"):
                self._visit(start, first=True)

    def _skilled_technician(self, start: datetime | None) -> tuple[Technician, datetime | None]:
        """A technician with the skill, free at ``start`` (one technician's appointments never overlap);
        when all are busy, the appointment moves a day on."""
        assert (
            self.order is not None and self.order.product is not None and self.order.product.model is not None
        )
        line_id = self.order.product.model.line_id
        skilled = [t for t in self.demo.techs[self.outlet.pk] if line_id in self.demo.lines[t.pk]]
        self.rng.shuffle(skilled)
        while start is not None:
            busy = set(
                WorkOrder.objects.filter(
                    status__in=SLOT_HOLDING, window_start__lt=start + timedelta(hours=2), window_end__gt=start
                ).values_list("technician_id", flat=True)
            )
            free = [t for t in skilled if t.pk not in busy]
            if free:
                return free[0], start
            start += timedelta(days=1)
        return skilled[0], None

    def _window_start(self) -> datetime:
        now, local_now = self.now, timezone.localtime(self.now)
        if self.target in ("confirmed", "rescheduled"):
            day = local_now.date() + timedelta(days=self.rng.choice((0, 1, 1, 2)))
            hour = self.rng.choice((9, 11, 14, 16))
            start = timezone.make_aware(datetime.combine(day, time(hour)))
            return start if start > now + timedelta(minutes=30) else start + timedelta(days=1)
        if self.target == "en_route":
            return now + timedelta(minutes=self.rng.randint(15, 30))
        if self.target in ("arrived", "in_service", "nobody_home", "taken_back", "returned"):
            return now - timedelta(minutes=self.rng.randint(60, 120))
        return self._next_day_window()

    def _next_day_window(self, days: int = 1) -> datetime:
        base = timezone.localtime(self.t).date() + timedelta(days=days)
        return timezone.make_aware(datetime.combine(base, time(self.rng.choice((9, 10, 14, 15, 16)))))

    def _free(self, start: datetime) -> datetime:
        """The first window from ``start`` on, a day at a time, in which the technician has no other
        appointment (a return visit or a rebooking fits around the rest of their work)."""
        assert self.order is not None
        while (
            WorkOrder.objects.filter(
                technician=self.tech,
                status__in=SLOT_HOLDING,
                window_start__lt=start + timedelta(hours=2),
                window_end__gt=start,
            )
            .exclude(pk=self.order.pk)
            .exists()
        ):
            start += timedelta(days=1)
        return start

    def _confirm(self, start: datetime, action: str = "confirm_appointment") -> datetime:
        start = self._free(start)
        self.act(
            action,
            self.demo.actor(self.manager),
            window_start=start,
            window_end=start + timedelta(hours=2),
            by_agreement=True,
        )
        if self.target == "rescheduled":
            new = self._free(start + timedelta(days=1))
            self.act(
                "reschedule",
                self.demo.actor(self.manager),
                reason="客户临时出差，应客户要求改约",
                window_start=new,
                window_end=new + timedelta(hours=2),
            )
        return start

    def _visit(self, start: datetime, *, first: bool) -> None:
        """One visit: the time agreed in the window, departure, arrival (on time, early, or late with or
        without the late call of R-AR-5), then nobody home, or the service."""
        tech = Actor.for_user(self.tech.staff.user)
        assert self.order is not None
        self.t = max(self.t, start - timedelta(minutes=90))
        agreed = start + timedelta(minutes=self.rng.choice((0, 10, 25, 40)))
        with clock.frozen_at(self.step(1)):  # R-DI-3: the technician confirms a time in the window
            self.order = appointment_time_confirm(order=self.order, actor=tech, at=agreed)
        self.t = agreed - timedelta(minutes=50)
        if not self.history:  # today's visits are under way: nothing in the future
            self.t = min(self.t, self.now - timedelta(minutes=10))
        self.act("depart", tech, minutes=1)
        if self.target == "en_route":
            return
        if self.history and first and not self.missed and self.rng.random() < 0.04:  # R-DI-9: no part
            self.missed = True
            new = self._free(self._next_day_window(days=self.rng.choice((1, 2))))
            self.act("reschedule", tech, minutes=3, reason="所需配件网点缺货，已与客户改约到货后上门",
                     window_start=new, window_end=new + timedelta(hours=2))  # fmt: skip
            new = self._confirm(new)
            return self._visit(new, first=True)
        self._arrive(tech, agreed)
        if self.target == "arrived":
            return
        nobody = self.history and first and not self.missed and self.rng.random() < 0.06
        if self.target == "nobody_home" or nobody:  # R-AR-2: the visit failed; booked again (a return visit)
            # R-AR-2: "nobody home" only once the appointment has come; the technician waits at the door
            # until then (moving the appointment instead could overlap the technician's next one).
            appointment = appointment_of(self.order)
            if appointment is not None:
                self.t = max(self.t, appointment - timedelta(minutes=25))
                if not self.history and appointment > self.now - timedelta(minutes=1):
                    return  # today's appointment has not come yet: still waiting at the door
            self.missed = True
            self.act("nobody_home", tech, minutes=25, reason="敲门及电话均无应答，已在门上留言条")
            if not nobody:
                return
            self.act("rebook", self.demo.actor("agent"), minutes=180)
            new = self._confirm(self._next_day_window(days=self.rng.choice((1, 2))))
            return self._visit(new, first=True)
        assert self.order is not None
        if apology_gap(self.order):  # late: apologise with the reason before starting (R-AR-5)
            with clock.frozen_at(self.step(1)):
                accepted = self.rng.random() < 0.85
                apology_record(order=self.order, actor=tech, reason=self.rng.choice(LATE_REASONS),
                               accepted=accepted)  # fmt: skip
        self.act("start_service", tech, minutes=5)
        self._service(tech, first=first)

    def _arrive(self, tech: Actor, agreed: datetime) -> None:
        habits = self.habits
        if self.history and self.rng.random() < habits.late:
            late = self.rng.randint(3, 14) if self.rng.random() < 0.65 else self.rng.randint(15, 45)
            if self.rng.random() < habits.calls:  # R-AR-5: the call 1–2 minutes before the appointment
                assert self.order is not None
                self.t = agreed - timedelta(seconds=90)
                with clock.frozen_at(self.t):
                    late_call(order=self.order, actor=tech, expected_minutes=late,
                              reason=self.rng.choice(LATE_REASONS))  # fmt: skip
            self.t = agreed + timedelta(minutes=late - 1)
        else:
            early = self.rng.choice((25, 20, 15, 12, 10, 8, 6, 6, 3, 1))
            self.t = agreed - timedelta(minutes=early + 1)
        self.act("arrive", tech, minutes=0)

    def _service(self, tech: Actor, *, first: bool) -> None:
        assert self.order is not None
        if self.target in ("in_service",):
            return
        take_back = self.target in ("taken_back", "returned") or (
            self.history and first and self.rng.random() < self.habits.unfixed * 0.4
        )
        with clock.frozen_at(self.step(30)):
            if take_back:
                for kind, note in (
                    (Consent.Kind.TAKE_BACK, "出具拉修单"),
                    (Consent.Kind.DATA_BACKUP, "客户确认无需备份"),
                ):  # the customer in customer mode, signing on the technician's phone (R-AN-6, R-SV-4)
                    consent_record(
                        order=self.order,
                        channel=Channel.customer_device(tech, self.order.customer.name, device="demo"),
                        kind=kind,
                        given_by=self.order.customer.name,
                        note=note,
                        mark=signature_png_data_url(seed=self.order.pk),
                    )
            elif not first:
                charge_add(order=self.order, actor=tech, fee_code="L-SMALL", covered=True)
            elif self.rng.random() < 0.6:
                charge_add(order=self.order, actor=tech, fee_code="L-SMALL")
                charge_add(
                    order=self.order, actor=tech, fee_code=self.rng.choice(["P-CAP", "P-REMOTE", "M-GAS"])
                )
            else:
                charge_add(order=self.order, actor=tech, fee_code="L-SMALL", covered=True)
        if take_back:
            self.unfixed = True
            self.act("take_back", tech, reason="主板故障需返厂检测")
            if self.target == "taken_back":
                return
            if self.history:
                self.t += timedelta(days=self.rng.choice((1, 2, 3)))
            self.act("return_unit", tech, minutes=60)
            if self.target == "returned":
                return
        self._finish(tech, first=first)

    def _finish(self, tech: Actor, *, first: bool) -> None:
        assert self.order is not None
        with clock.frozen_at(self.step(40)):
            visit_evidence(self.order, "complete")  # completion checklist and the accepted quote
            self.order = signature_capture(
                order=self.order,
                channel=Channel.customer_link(self.order.customer.name, device="demo"),
                image=signature_png_data_url(seed=self.order.pk),
                signer_name=self.order.customer.name,
                opinion=self.rng.choice(["师傅很专业，满意", "准时上门，讲解清楚", ""]),
            )
        self.completed_at = self.t
        if self.target == "completed":
            return
        if first:
            self.act("pay", tech, minutes=3, method=self.rng.choice(["wechat", "alipay"]))
        if self.target == "paid":
            return
        self._callback(first=first)

    def _callback(self, *, first: bool) -> None:
        """R-QA-1: the callback a day or two after completion (some late); a product that still fails
        sends the technician back (the order is reopened and visited again)."""
        assert self.order is not None
        hours = self.rng.randint(25, 60) if self.rng.random() < 0.88 else self.rng.randint(76, 110)
        self.t += timedelta(hours=hours)
        owner = next(k for k in ("agent", "agent2") if self.demo.staff[k] == self.order.owner)
        broken = (
            self.history
            and first
            and not self.unfixed
            and (not self.demo.reopened or self.rng.random() < self.habits.unfixed * 0.6)
        )  # the first one always, so that every demo shows a return visit
        with clock.frozen_at(self.step(10)):
            callback_record(
                order=self.order,
                actor=self.demo.actor(owner),
                outcome="reached",
                satisfaction=self.rng.choice((2, 3)) if broken else self.rng.choice(self.habits.scores),
                product_works=not broken,
                feedback=self.rng.choice(STILL_BROKEN) if broken else "",
                follow_up="reopen" if broken else "none",
            )
            self.order.refresh_from_db()
        if broken:
            self.unfixed = True
            self.demo.reopened += 1
            self.act("dispatch", self.demo.actor("dispatcher"), minutes=30, outlet=self.outlet.pk)
            self.act("assign", self.demo.actor(self.manager), technician=self.tech.pk)
            new = self._confirm(self._next_day_window())
            return self._visit(new, first=False)
        if self.target == "closed":
            self.act("close", self.demo.actor(owner), minutes=10)
            self._repeat_later()

    def _repeat_later(self) -> None:
        """A repair that did not hold: the same product comes back within the repeat window (R-QA-4) — the
        technicians who leave more unfixed see more of them (and the first one always, for the demo)."""
        assert self.completed_at is not None
        chance = self.habits.unfixed * 0.3 if self.demo.repeats else 1.0
        back = self.completed_at + timedelta(days=self.rng.randint(4, 20), hours=self.rng.randint(0, 6))
        if self.rng.random() < chance and back < self.now - timedelta(days=3):
            self.demo.repeats.append(({**self.customer, "repeat": True}, back))


def load_demo(*, orders: int = 300, seed: int = SEED, technicians: int = len(TECH_NAMES)) -> Demo:
    """Create the whole demo world; returns it. Refuses to run twice on the same database.

    A month of the centre's work before now, through the real services with the clock moved for each
    step, from one seeded random generator (the same seed gives the same demo): ``orders`` orders, most
    of them done and called back, the rest open today — plus the repairs that came back within the repeat
    window (R-QA-4). Fewer ``technicians`` (at least one per outlet) give each more of the month's work."""
    brand, centre, outlets = build_network()
    build_catalogue(brand)
    staff, techs = build_staff(centre, outlets, technicians)
    demo = Demo(
        brand=brand, centre=centre, outlets=outlets, staff=staff, techs=techs, rng=random.Random(seed)
    )
    everyone = sorted((t for group in techs.values() for t in group), key=lambda t: t.pk)
    demo.habits = {t.pk: HABITS[i % len(HABITS)] for i, t in enumerate(everyone)}
    demo.lines = {t.pk: set(t.product_lines.values_list("pk", flat=True)) for t in everyone}
    build_customers(demo)
    load_visits_demo(demo)
    now = clock.now().replace(second=0, microsecond=0)  # whole minutes: the same seed, the same times
    total = sum(TARGETS.values())
    targets = [t for t, share in TARGETS.items() for _ in range(round(share * orders / total))]
    for i, target in enumerate(targets):
        with transaction.atomic():
            # a returning customer calls about another of their products (same product would be linked)
            customer = {**demo.customers[i % len(demo.customers)], "model": MODELS[i % len(MODELS)]}
            Driver(demo, target, now).run(customer)
    done = 0
    while done < len(demo.repeats):  # the same product back within the repeat window (R-QA-4)
        customer, at = demo.repeats[done]
        done += 1
        with transaction.atomic():
            Driver(demo, "closed", now, start=at).run(customer)
    with clock.frozen_at(now):  # the rest at the demo's one "now", so one seed gives one demo
        load_dispatch_demo(demo)
        load_quality_demo(demo)
        load_channels_demo(demo)
    return demo
