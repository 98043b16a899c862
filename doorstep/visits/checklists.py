"""Checklists of the visit as data (CHECK rules), per service type and product line, and their records.

Templates are lists of (code, label, rule). ``checklist_items`` builds the list for one order (the kit
adds the parts reserved for it); ``checklist_record`` stores what the technician ticked; a checklist
is complete when every required item is ticked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.visits.models import Checklist

Item = tuple[str, str, str]  # code, label (Chinese, stored; shown translated: ``shown``), rule

KIT_COMMON: list[Item] = [
    ("uniform", gettext_noop("工装整洁、仪容仪表自检"), "R-PR-3"),
    ("no_alcohol", gettext_noop("上门前未饮酒"), "R-PR-3"),
    ("permit", gettext_noop("上岗证、工牌"), "R-PR-1"),
    ("supervision_card", gettext_noop("服务监督卡"), "R-PR-1"),
    ("tools", gettext_noop("工具包"), "R-PR-1"),
    ("forms", gettext_noop("保修单/服务报告单、收据"), "R-PR-1"),
    ("fee_standard", gettext_noop("收费标准"), "R-PR-1"),
    ("note_cards", gettext_noop("留言条、名片"), "R-PR-1"),
    # 五个一: shoe covers, pad cloth, rag, garbage bag, service record form (forms above)
    ("shoe_covers", gettext_noop("鞋套（五个一）"), "R-PR-1"),
    ("pad_cloth", gettext_noop("垫布、遮盖布（五个一）"), "R-PR-1"),
    ("rag", gettext_noop("抹布（五个一）"), "R-PR-1"),
    ("garbage_bag", gettext_noop("垃圾袋（五个一）"), "R-PR-1"),
]
KIT_BY_TYPE: dict[str, list[Item]] = {
    "install": [
        ("install_materials", gettext_noop("安装材料（铜管、支架、膨胀螺栓）"), "R-PR-1"),
        ("height_gear", gettext_noop("安全绳、安全带（已检查）"), "R-PR-2"),
    ],
    "repair": [("consumables", gettext_noop("耗材（胶布、扎带等）"), "R-PR-1")],
    "maintenance": [("cleaning_kit", gettext_noop("清洗剂、清洗工具"), "R-PR-1")],
}
KIT_BY_LINE: dict[str, list[Item]] = {
    "ac": [("ac_gauges", gettext_noop("压力表、万用表、钳形电流表、温度计"), "R-SV-1")],
    "broadband": [("telecom_instruments", gettext_noop("光功率计、切割刀、网线测试仪"), "R-PR-1")],
}
ENTRY: list[Item] = [
    ("look_downstairs", gettext_noop("到达时留意客户是否在楼下等候，主动寻找"), "R-AR-3"),
    ("greet", gettext_noop("问候客户并自我介绍"), "R-AR-4"),
    ("identity", gettext_noop("核实客户身份"), "R-AR-4"),
    ("show_permit", gettext_noop("出示上岗证及服务监督卡"), "R-AR-4"),
    ("permission", gettext_noop("经客户允许后进门"), "R-AR-4"),
    ("shoe_covers_on", gettext_noop("穿好鞋套"), "R-AR-4"),
]
SAFETY: list[Item] = [
    ("electrical", gettext_noop("断电、验电，确认用电安全"), "R-SV-7"),
    ("warning_signs", gettext_noop("作业现场放置警示标志"), "R-SV-7"),
    ("cover_furniture", gettext_noop("铺垫布、遮盖家具"), "R-SV-9"),
]
SAFETY_HEIGHT: list[Item] = [
    ("rope_belt", gettext_noop("高空作业：系好安全绳、安全带"), "R-SV-7"),
    ("two_people", gettext_noop("高空作业：两人及以上"), "R-SV-7"),
]
COMPLETION: list[Item] = [
    ("full_check", gettext_noop("合机壳前全面检查"), "R-SV-8"),
    ("test_with_customer", gettext_noop("与客户一起试机"), "R-SV-8"),
    ("fault_gone", gettext_noop("原故障已排除"), "R-SV-8"),
    ("parts_work", gettext_noop("新换配件工作正常"), "R-SV-8"),
    ("settings_restored", gettext_noop("设置已恢复"), "R-SV-8"),
    ("demo", gettext_noop("开机演示"), "R-SV-8"),
    ("usage_explained", gettext_noop("讲解使用与保养"), "R-SV-8"),
    ("cleanup", gettext_noop("清洁现场：擦拭、家具复位、垃圾带走"), "R-SV-9"),
    ("handover", gettext_noop("交付保修卡、说明书、服务卡，留名片"), "R-CO-3"),
]
DELIVERY_BY_LINE: dict[str, list[Item]] = {
    "ac": [
        ("indoor_unit", gettext_noop("室内机"), "R-CO-6"),
        ("outdoor_unit", gettext_noop("室外机"), "R-CO-6"),
        ("remote", gettext_noop("遥控器"), "R-CO-6"),
        ("pipe_kit", gettext_noop("连接管组件"), "R-CO-6"),
        ("manual_card", gettext_noop("说明书、保修卡"), "R-CO-6"),
    ],
}
DELIVERY_DEFAULT: list[Item] = [
    ("main_unit", gettext_noop("主机"), "R-CO-6"),
    ("accessories", gettext_noop("附件包"), "R-CO-6"),
    ("manual_card", gettext_noop("说明书、保修卡"), "R-CO-6"),
]


def _line_code(order: WorkOrder) -> str:
    product = order.product
    return product.model.line.code if product and product.model else ""


def _dicts(items: Iterable[Item], required: bool = True) -> list[dict[str, Any]]:
    return [{"code": c, "label": label, "rule": rule, "required": required} for c, label, rule in items]


def _kit(order: WorkOrder) -> list[dict[str, Any]]:
    from doorstep.parts.selectors import reservations_for

    items = _dicts(
        KIT_COMMON + KIT_BY_TYPE.get(order.service_type, []) + KIT_BY_LINE.get(_line_code(order), [])
    )
    for res in reservations_for(order):
        label = f"预留配件：{res.stock.part.name} ×{res.quantity}（{res.stock.holder}）"
        items.append({"code": f"part-{res.pk}", "label": label, "rule": "R-PR-1", "required": True})
    return items


def checklist_items(order: WorkOrder, kind: str, data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The items of checklist ``kind`` for this order (what the technician sees and must tick)."""
    data = data or {}
    if kind == Checklist.Kind.KIT:
        return _kit(order)
    if kind == Checklist.Kind.ENTRY:
        return _dicts(ENTRY)
    if kind == Checklist.Kind.SAFETY:
        return _dicts(SAFETY) + _dicts(SAFETY_HEIGHT, required=bool(data.get("height_work")))
    if kind == Checklist.Kind.COMPLETION:
        return _dicts(COMPLETION)
    if kind == Checklist.Kind.INSTALL_GOODS:
        return _dicts(DELIVERY_BY_LINE.get(_line_code(order), DELIVERY_DEFAULT))
    if kind == Checklist.Kind.ONE_STOP:
        return []
    raise Invalid(ErrorCode.CHECKLIST_KIND_INVALID, field="kind", kind=kind)


def shown(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items as the reader sees them: each label in the reader's language (the record keeps Chinese;
    walk finding 17)."""
    return [{**item, "label": gettext(item["label"])} for item in items]


def checklist_latest(order: WorkOrder, kind: str) -> Checklist | None:
    return Checklist.objects.filter(order=order, kind=kind).order_by("-at", "-pk").first()


def checklist_done(order: WorkOrder, kind: str) -> bool:
    latest = checklist_latest(order, kind)
    return latest is not None and latest.complete


def checklist_record(
    *, order: WorkOrder, actor: Actor, kind: str, ticked: Iterable[str], data: dict[str, Any] | None = None
) -> Checklist:
    """Store the ticked items; an unticked required item is named in the refusal (nothing is stored)."""
    data = dict(data or {})
    items = checklist_items(order, kind, data)
    done = set(ticked)
    for item in items:
        item["done"] = item["code"] in done
    missing = [i["label"] for i in items if i["required"] and not i["done"]]
    if missing:
        raise DomainError(
            ErrorCode.CHECKLIST_INCOMPLETE,
            field="items",
            items="、".join(missing),
        )
    with transaction.atomic():
        record = Checklist.objects.create(
            order=order, kind=kind, items=items, data=data, complete=True, by=actor.name, at=clock.now()
        )
        EventKind.CHECKLIST.record(
            order=order,
            actor=actor,
            rule=items[0]["rule"] if items else "R-SV-10",
            data={
                "checklist": kind,
                "items": len(items),
                **{k: v for k, v in data.items() if k != "findings"},
            },
            customer_visible=kind in (Checklist.Kind.COMPLETION, Checklist.Kind.ONE_STOP),
        )
    return record
