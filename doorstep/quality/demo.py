"""Demo data for the quality loop, driven through the services on top of ``doorstep.web.demo``'s orders:
customer surveys, callback attempts, complaints at every rung, fault codes, insights, training records,
a language flag to review, and an early-warning scan (R-QA-1 … R-QA-7, R-LG-2).

Call ``load_quality_demo(demo)`` at the end of ``doorstep.web.demo.load_demo``.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.network.actors import Actor
from doorstep.network.models import TrainingRecord
from doorstep.orders.models import WorkOrder
from doorstep.quality.models import Complaint, KpiFact, Source
from doorstep.quality.services.complaints import complaint_confirm, complaint_open, complaint_respond
from doorstep.quality.services.feedback import callback_record, survey_submit
from doorstep.quality.services.insights import fault_record_save, insight_submit
from doorstep.quality.services.language import language_check_text
from doorstep.quality.services.warnings import early_warning_scan

FAULTS = (
    ("启动电容", "不制冷", "电容容量衰减", "更换启动电容"),
    ("冷媒系统", "制冷差", "铜管接头泄漏", "补漏后加注冷媒"),
    ("室内机排水", "室内机滴水", "排水管堵塞", "疏通排水管"),
    ("遥控器", "无法开机", "遥控器电池耗尽", "更换电池并演示"),
    ("主板", "显示故障代码 E1", "传感器接插件松动", "重新紧固接插件"),
)
INSIGHTS = (
    (
        "product",
        "高峰时段水压低导致报警",
        "晚间 7–9 点多户反映洗衣机进水报警，实测水压 0.05MPa，建议增加低水压自适应进水。",
    ),
    ("parts", "启动电容备货不足", "本月天河片区启动电容更换量翻倍，网点库存经常断货，建议提高安全库存。"),
    ("quality", "排水管出厂弯折", "多台 KFR-35GW/A1 室内机排水管在出厂时有弯折，易造成滴水。"),
)  # fmt: skip


def load_quality_demo(demo: Any) -> None:
    """Add the quality loop's records to the demo world (``demo`` is ``doorstep.web.demo.Demo``)."""
    rng = random.Random(20261124)
    done = list(
        WorkOrder.objects.filter(
            centre=demo.centre, status__in=["completed", "paid", "callback_done", "closed"]
        )
        .select_related("technician__staff", "customer", "brand", "product__model")
        .order_by("pk")
    )
    for order in done:
        with transaction.atomic():
            _fault_code(order, rng)
    for order in [o for o in done if o.status in ("callback_done", "closed")][:40]:
        _survey(demo, order, rng)
    _callback_attempts(demo, [o for o in done if o.status in ("completed", "paid")][:6])
    _complaints(demo, done, rng)
    _insights(demo, done)
    _training(demo)
    _language(demo, done)
    early_warning_scan(centre=demo.centre)


def _at(order: WorkOrder, hours: float) -> Any:
    """``hours`` after the order's last event, but never after now (the demo's recent orders)."""
    last = order.events.order_by("-seq").first()
    now = clock.now()
    start = last.at if last else now
    return max(start, min(start + timedelta(hours=hours), now - timedelta(minutes=1)))


def _fault_code(order: WorkOrder, rng: random.Random) -> None:
    if order.technician is None:
        return
    component, symptom, cause, fix = rng.choice(FAULTS)
    with clock.frozen_at(_at(order, 0.1)):
        fault_record_save(
            order=order, actor=Actor.for_user(order.technician.staff.user),
            component=component, symptom=symptom, cause=cause, fix=fix,
        )  # fmt: skip


def _survey(demo: Any, order: WorkOrder, rng: random.Random) -> None:
    habits = demo.habits.get(order.technician_id)  # the technician's customers answer alike (R-QA-2)
    choices = habits.scores if habits is not None else (5, 5, 5, 4, 4, 3)
    scores = {k: rng.choice(choices) for k in ("timeliness", "skill", "attitude", "fees")}
    if order.status == "closed" and rng.random() < 0.5:
        return  # closed orders: the customer no longer rates
    try:
        with transaction.atomic(), clock.frozen_at(_at(order, 2)):
            survey_submit(
                order=order, actor=Actor.customer(order.customer.name), scores=scores,
                comment=rng.choice(("", "师傅准时，讲解清楚", "鞋套、垫布都用了，很规范")),
            )  # fmt: skip
    except DomainError:
        pass


def _callback_attempts(demo: Any, orders: list[WorkOrder]) -> None:
    for order in orders:
        owner = next((k for k in ("agent", "agent2") if demo.staff[k] == order.owner), "agent")
        try:
            with transaction.atomic(), clock.frozen_at(clock.now() - timedelta(hours=5)):
                callback_record(order=order, actor=demo.actor(owner), outcome="unreachable")
        except DomainError:
            pass  # not yet due (R-QA-1)


def _complaints(demo: Any, done: list[WorkOrder], rng: random.Random) -> None:
    """Complaints about what the month's visits did: a late arrival, a repair that did not hold, and the
    rest on the orders of the technicians whose habits are the weakest (``demo.habits``)."""
    late = set(KpiFact.objects.filter(metric="on_time", ok=0).values_list("order_id", flat=True))
    unfixed = set(
        KpiFact.objects.filter(Q(metric="first_fix", ok=0) | Q(metric="repeat", ok=1)).values_list(
            "order_id", flat=True
        )
    )
    weak = sorted(demo.habits, key=lambda pk: -demo.habits[pk].late - demo.habits[pk].unfixed)[:3]
    by_weak: list[WorkOrder | None] = [
        o for o in done if o.technician_id in weak and o.pk not in late | unfixed
    ]
    rng.shuffle(by_weak)
    by_weak += [None] * 4
    picks = [
        next((o for o in done if o.pk in late), None),
        by_weak[3],
        by_weak[0],
        next((o for o in done if o.pk in unfixed), None),
        by_weak[1],
        by_weak[2],
    ]
    cases = (
        ("phone", "lateness", "约好的时间过了半个多小时师傅才到，也没有提前打电话。"),
        ("wechat", "fees", "收了 30 元上门费，但保修期内不是应该免费吗？"),
        ("phone", "attitude", "师傅说话不耐烦。"),
        ("web", "repair_quality", "修完没几天又出现同样的问题。"),
        ("phone", "no_eating_drinking_smoking", "师傅在阳台抽烟。"),
        ("phone", "no_arguing", "因为收费和客户争执。"),
    )
    now = clock.now()
    # about one complaint for every 25 completed visits, as many as a centre this size sees in a month
    shown = max(2, len(done) // 25)
    for i, (order, (channel, category, text)) in enumerate(zip(picks, cases, strict=True)):
        if order is None or i >= shown:
            continue
        last = order.events.order_by("-seq").values_list("at", flat=True).first() or now
        # answered ones a day or two after the visit; the open ones came in today or yesterday
        opened = (
            last + timedelta(hours=rng.choice((6, 20, 30)))
            if i < 3
            else now - timedelta(hours=rng.choice((2, 20, 30)))
        )
        opened = min(max(opened, last + timedelta(hours=1)), now - timedelta(hours=1))
        with transaction.atomic(), clock.frozen_at(opened):
            complaint = complaint_open(
                order=order, actor=demo.actor("agent"), channel=channel, category=category, description=text
            )
        _advance(demo, complaint, i, opened)


def _advance(demo: Any, complaint: Complaint, i: int, opened: Any) -> None:
    """Leave the demo complaints at different rungs: answered, resolved, escalated, open."""
    handler = demo.actor("quality")
    answered = max(opened, min(opened + timedelta(hours=3), clock.now() - timedelta(minutes=1)))
    with transaction.atomic(), clock.frozen_at(answered):
        if i in (0, 1, 2):
            complaint = complaint_respond(
                complaint=complaint, actor=handler, response="已致电客户致歉并说明处理结果"
            )
        if i in (0, 1):
            complaint_confirm(complaint=complaint, actor=Actor.customer("客户"), accepted=i == 0)


def _insights(demo: Any, done: list[WorkOrder]) -> None:
    for (department, title, body), order in zip(INSIGHTS, done[:3], strict=False):
        if order.technician is None:
            continue
        with transaction.atomic():
            insight_submit(
                actor=Actor.for_user(order.technician.staff.user), order=order, department=department,
                title=title, body=body,
            )  # fmt: skip


def _training(demo: Any) -> None:
    today = timezone.localdate()
    for i, key in enumerate(k for k in demo.staff if k.startswith("tech")):
        staff = demo.staff[key]
        lapsed = i == 3
        TrainingRecord.objects.create(
            staff=staff, kind=TrainingRecord.Kind.SERVICE, course="星级服务规范",
            completed_on=today - timedelta(days=300),
            valid_until=today + timedelta(days=(-5 if lapsed else 65 + 20 * i)), score=92 - i, mandatory=True,
        )  # fmt: skip


def _language(demo: Any, done: list[WorkOrder]) -> None:
    if done:
        language_check_text(
            text="这种型号的产品都是这样的，您凑合着用吧", source=Source.WECHAT_REPLY,
            author=demo.actor("agent2"), order=done[-1],
        )  # fmt: skip
