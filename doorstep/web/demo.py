"""Demo data: one air-conditioner brand's Guangzhou centre, 3 outlets, ~10 technicians, ~200 customers
and ~300 orders in every status, each order driven through the real services so its history is
consistent (events, deadlines, charges, signatures, payments)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from doorstep.catalog.kb import kb_seed
from doorstep.catalog.models import FeeItem, ProductLine, ProductModel, WarrantyPolicy
from doorstep.channels.demo import load_channels_demo
from doorstep.core import clock
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
from doorstep.visits.arrival.protocol import apology_gap, apology_record
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.consents import consent_record
from doorstep.visits.consent.drawing import signature_png_data_url
from doorstep.visits.consent.signature import signature_capture
from doorstep.visits.demo import load_visits_demo
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.models import Consent
from doorstep.visits.testing import visit_evidence

PASSWORD = "doorstep-demo"
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
    rng: random.Random = field(default_factory=lambda: random.Random(20261123))

    def actor(self, key: str) -> Actor:
        return Actor.for_user(self.staff[key].user)


def _user(username: str, *, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(username=username, password=PASSWORD, email="")
    return User.objects.create_user(username=username, password=PASSWORD)


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
    centre: ServiceCentre, outlets: list[Outlet]
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
    for i, name in enumerate(TECH_NAMES, start=1):
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


class Driver:
    """Drives one order through the real services along the path to its target status."""

    def __init__(self, demo: Demo, target: str, now: datetime) -> None:
        self.demo, self.target, self.rng = demo, target, demo.rng
        field_statuses = {
            "confirmed",
            "rescheduled",
            "en_route",
            "arrived",
            "nobody_home",
            "in_service",
            "taken_back",
            "returned",
            "assigned",
        }
        days_ago = 0 if target in field_statuses else self.rng.randint(1, 20)
        start = now - timedelta(days=days_ago)
        self.t = start.replace(hour=8, minute=0) + timedelta(minutes=self.rng.randint(0, 90))
        if days_ago == 0:
            self.t = min(self.t, now - timedelta(hours=2))
        self.outlet = self.rng.choice(demo.outlets)
        self.tech = self.rng.choice(demo.techs[self.outlet.pk])
        self.manager = next(
            k for k, s in demo.staff.items() if s.role == Role.OUTLET_MANAGER and s.outlet == self.outlet
        )
        self.order: WorkOrder | None = None

    def step(self, minutes: int) -> datetime:
        self.t += timedelta(minutes=minutes + self.rng.randint(0, minutes // 2 + 1))
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
        req = IntakeRequest(
            brand=self.demo.brand.code,
            channel=self.rng.choice(["phone", "phone", "wechat", "web", "partner"]),
            service_type="consultation"
            if self.target == "consult_resolved"
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
            purchase_date=None if incomplete else launched + timedelta(days=self.rng.randint(30, 900)),
            faults=self.rng.sample(SYMPTOMS[line], k=self.rng.choice((1, 1, 2))),
            requirement=self.rng.choice(["尽快上门", "工作日下午", "周末上午", "晚上六点后在家"]),
        )
        with clock.frozen_at(self.t):
            self.order, outcome = order_create(
                actor=self.demo.actor(self.rng.choice(["agent", "agent2"])), req=req
            )
        if outcome != Outcome.CREATED:  # a repeat call about an open order was linked to it (R-IN-1)
            return False
        WorkOrder.objects.filter(pk=self.order.pk).update(created_at=self.t)
        return True

    def run(self, customer: dict[str, Any], now: datetime) -> None:
        target = self.target
        if target in {
            "confirmed",
            "assigned",
            "rescheduled",
            "en_route",
            "arrived",
            "nobody_home",
            "in_service",
            "taken_back",
            "returned",
        }:
            self.t = now - timedelta(hours=6, minutes=self.rng.randint(0, 60))
        if not self.intake(customer):
            return
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
        start = self._window_start(now) if target != "assigned" else None
        self.tech, start = self._skilled_technician(start)
        self.act("assign", self.demo.actor(self.manager), technician=self.tech.pk)
        if start is not None:
            self._appointment(start)

    def _skilled_technician(self, start: datetime | None) -> tuple[Technician, datetime | None]:
        """A technician with the skill, free at ``start`` (one technician's appointments never overlap);
        when all are busy, the appointment moves a day on."""
        assert (
            self.order is not None and self.order.product is not None and self.order.product.model is not None
        )
        line_id = self.order.product.model.line_id
        skilled = [t for t in self.demo.techs[self.outlet.pk] if t.product_lines.filter(pk=line_id).exists()]
        self.rng.shuffle(skilled)
        while start is not None:
            busy = WorkOrder.objects.filter(
                status__in=SLOT_HOLDING, window_start__lt=start + timedelta(hours=2), window_end__gt=start
            ).values_list("technician_id", flat=True)
            free = [t for t in skilled if t.pk not in set(busy)]
            if free:
                return free[0], start
            start += timedelta(days=1)
        return skilled[0], None

    def _window_start(self, now: datetime) -> datetime:
        local_now = timezone.localtime(now)
        if self.target in ("confirmed", "rescheduled"):
            day = local_now.date() + timedelta(days=self.rng.choice((0, 1, 1, 2)))
            hour = self.rng.choice((9, 11, 14, 16))
            start = timezone.make_aware(datetime.combine(day, time(hour)))
            return start if start > now + timedelta(minutes=30) else start + timedelta(days=1)
        if self.target == "en_route":
            return now + timedelta(minutes=self.rng.randint(30, 60))
        if self.target in ("arrived", "in_service", "nobody_home", "taken_back", "returned"):
            return now - timedelta(minutes=self.rng.randint(60, 120))
        base = timezone.localtime(self.t).date() + timedelta(days=1)
        return timezone.make_aware(datetime.combine(base, time(self.rng.choice((9, 10, 14, 15)))))

    def _appointment(self, start: datetime) -> None:
        self.act(
            "confirm_appointment",
            self.demo.actor(self.manager),
            window_start=start,
            window_end=start + timedelta(hours=2),
            by_agreement=True,
        )
        if self.target == "rescheduled":
            new = start + timedelta(days=1)
            return self.act(
                "reschedule",
                self.demo.actor(self.manager),
                reason="客户临时出差，应客户要求改约",
                window_start=new,
                window_end=new + timedelta(hours=2),
            )
        if self.target == "confirmed":
            return
        tech = Actor.for_user(self.tech.staff.user)
        assert self.order is not None
        self.t = start - timedelta(minutes=90)
        agreed = start + timedelta(minutes=self.rng.choice((0, 10, 25, 40)))
        with clock.frozen_at(self.step(1)):  # R-DI-3: the technician confirms a time in the window
            self.order = appointment_time_confirm(order=self.order, actor=tech, at=agreed)
        start = agreed  # the standard's timers count from it (R-AR-5, R-DI-7)
        self.t = start - timedelta(minutes=45)
        self.act("depart", tech, minutes=1)
        if self.target == "en_route":
            return
        self.t = start - timedelta(minutes=self.rng.choice((12, 8, 6, -3, -20)))
        self.act("arrive", tech, minutes=1)
        if self.target == "arrived":
            return
        if self.target == "nobody_home":
            return self.act("nobody_home", tech, minutes=6, reason="敲门及电话均无应答，已在门上留言条")
        assert self.order is not None
        if apology_gap(self.order):  # late: apologise with the reason before starting (R-AR-5)
            with clock.frozen_at(self.step(1)):
                apology_record(order=self.order, actor=tech, reason="前一单维修超时", accepted=True)
        self.act("start_service", tech, minutes=5)
        self._service(tech)

    def _service(self, tech: Actor) -> None:
        assert self.order is not None
        if self.target in ("in_service",):
            return
        with clock.frozen_at(self.step(30)):
            if self.target in ("taken_back", "returned"):
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
            elif self.rng.random() < 0.6:
                charge_add(order=self.order, actor=tech, fee_code="L-SMALL")
                charge_add(
                    order=self.order, actor=tech, fee_code=self.rng.choice(["P-CAP", "P-REMOTE", "M-GAS"])
                )
            else:
                charge_add(order=self.order, actor=tech, fee_code="L-SMALL", covered=True)
        if self.target in ("taken_back", "returned"):
            self.act("take_back", tech, reason="主板故障需返厂检测")
            if self.target == "returned":
                self.act("return_unit", tech, minutes=60)
            return
        self._finish(tech)

    def _finish(self, tech: Actor) -> None:
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
        if self.target == "completed":
            return
        self.act("pay", tech, minutes=3, method=self.rng.choice(["wechat", "alipay"]))
        if self.target == "paid":
            return
        self.t = max(self.t + timedelta(days=1), self.t)
        owner = next(k for k in ("agent", "agent2") if self.demo.staff[k] == self.order.owner)
        self.act(
            "record_callback",
            self.demo.actor(owner),
            minutes=60,
            satisfaction=self.rng.choice((4, 5, 5, 3)),
            product_works=True,
            feedback="",
        )
        if self.target == "closed":
            self.act("close", self.demo.actor(owner), minutes=10)


def load_demo(*, orders: int = 300) -> Demo:
    """Create the whole demo world; returns it. Refuses to run twice on the same database."""
    brand, centre, outlets = build_network()
    build_catalogue(brand)
    staff, techs = build_staff(centre, outlets)
    demo = Demo(brand=brand, centre=centre, outlets=outlets, staff=staff, techs=techs)
    build_customers(demo)
    load_visits_demo(demo)
    now = clock.now()
    total = sum(TARGETS.values())
    targets = [t for t, share in TARGETS.items() for _ in range(round(share * orders / total))]
    for i, target in enumerate(targets):
        with transaction.atomic():
            # a returning customer calls about another of their products (same product would be linked)
            customer = {**demo.customers[i % len(demo.customers)], "model": MODELS[i % len(MODELS)]}
            Driver(demo, target, now).run(customer, now)
    load_dispatch_demo(demo)
    load_quality_demo(demo)
    load_channels_demo(demo)
    return demo
