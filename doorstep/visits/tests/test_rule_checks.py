"""CHECK and STEP rules of the visit that had no test of their own: each test fails when the rule's item or
treatment is removed (docs/standard.md §3, §5, §6, §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from doorstep.core.errors import DomainError
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.checklists import checklist_done, checklist_items, checklist_record
from doorstep.visits.diagnosis.quote import quote_line_add
from doorstep.visits.models import Checklist


def _codes(order: WorkOrder, kind: str) -> list[str]:
    return [item["code"] for item in checklist_items(order, kind)]


def _refused_without(order: WorkOrder, actor, kind: str, code: str) -> str:  # type: ignore[no-untyped-def]
    """Record checklist ``kind`` with everything but ``code`` ticked; return the refusal text."""
    ticked = [c for c in _codes(order, kind) if c != code]
    with pytest.raises(DomainError) as err:
        checklist_record(order=order, actor=actor, kind=kind, ticked=ticked)
    assert err.value.code == "checklist_incomplete"
    assert not Checklist.objects.filter(order=order, kind=kind).exists()  # nothing half-written
    return err.value.text()


@pytest.mark.parametrize(("code", "label"), [("uniform", "仪容仪表"), ("no_alcohol", "未饮酒")])
def test_grooming_and_no_alcohol_gate_departure_R_PR_3(world, code: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """R-PR-3: the kit self-check names grooming and no alcohol; without either, no departure."""
    order = order_in(world, "confirmed")
    tech = world.actor("technician")
    items = {item["code"]: item for item in checklist_items(order, Checklist.Kind.KIT)}
    assert items[code]["rule"] == "R-PR-3" and items[code]["required"]
    assert label in _refused_without(order, tech, Checklist.Kind.KIT, code)
    with pytest.raises(DomainError):
        order_transition(order=order, actor=tech, action="depart")
    checklist_record(
        order=order, actor=tech, kind=Checklist.Kind.KIT, ticked=_codes(order, Checklist.Kind.KIT)
    )
    assert order_transition(order=order, actor=tech, action="depart").status == "en_route"


def test_looking_for_a_customer_waiting_downstairs_is_part_of_entry_R_AR_3(world) -> None:  # type: ignore[no-untyped-def]
    """R-AR-3: the entry protocol cannot be recorded without looking for a customer waiting downstairs."""
    order = order_in(world, "arrived")
    tech = world.actor("technician")
    items = {item["code"]: item for item in checklist_items(order, Checklist.Kind.ENTRY)}
    assert items["look_downstairs"]["rule"] == "R-AR-3" and items["look_downstairs"]["required"]
    assert "楼下" in _refused_without(order, tech, Checklist.Kind.ENTRY, "look_downstairs")
    checklist_record(
        order=order, actor=tech, kind=Checklist.Kind.ENTRY, ticked=_codes(order, Checklist.Kind.ENTRY)
    )
    assert checklist_done(order, Checklist.Kind.ENTRY)


def test_hand_over_of_warranty_card_manual_and_card_completes_the_visit_R_CO_3(world) -> None:  # type: ignore[no-untyped-def]
    """R-CO-3: completion cannot be recorded until the warranty card, manual, service card and business
    card are handed over."""
    order = order_in(world, "in_service")
    tech = world.actor("technician")
    items = {item["code"]: item for item in checklist_items(order, Checklist.Kind.COMPLETION)}
    assert items["handover"]["rule"] == "R-CO-3" and items["handover"]["required"]
    text = _refused_without(order, tech, Checklist.Kind.COMPLETION, "handover")
    assert "保修卡" in text and "名片" in text
    codes = _codes(order, Checklist.Kind.COMPLETION)
    checklist_record(order=order, actor=tech, kind=Checklist.Kind.COMPLETION, ticked=codes)
    assert checklist_done(order, Checklist.Kind.COMPLETION)


def test_clean_up_and_cover_furniture_are_required_R_SV_9(world) -> None:  # type: ignore[no-untyped-def]
    """R-SV-9: covering furniture (safety list) and cleaning up (completion list) are required items."""
    order = order_in(world, "in_service")
    tech = world.actor("technician")
    assert "遮盖家具" in _refused_without(order, tech, Checklist.Kind.SAFETY, "cover_furniture")
    assert "清洁现场" in _refused_without(order, tech, Checklist.Kind.COMPLETION, "cleanup")


def test_one_stop_check_records_findings_for_the_customer_R_SV_10(world) -> None:  # type: ignore[no-untyped-def]
    """R-SV-10: the one-stop check of the customer's other products is recorded with its findings, shown
    to the customer and recorded on the order under R-SV-10."""
    order = order_in(world, "in_service")
    tech = world.actor("technician")
    findings = [{"product": "客厅挂机", "finding": "滤网积灰，建议清洗"}]
    record = checklist_record(
        order=order, actor=tech, kind=Checklist.Kind.ONE_STOP, ticked=[], data={"findings": findings}
    )
    assert record.complete and record.data["findings"] == findings
    event = order.events.filter(kind=EventKind.CHECKLIST).order_by("-pk").first()
    assert event is not None and event.rule == "R-SV-10" and event.customer_visible
    assert event.data["checklist"] == Checklist.Kind.ONE_STOP


def test_extra_materials_are_charged_per_metre_even_in_warranty_R_SV_3(world) -> None:  # type: ignore[no-untyped-def]
    """R-SV-3: extra materials agreed at the survey (extra pipe at a price per metre) are never covered by
    the warranty: the line is charged at the fee standard's price times the quantity."""
    order = order_in(world, "in_service")
    tech = world.actor("technician")
    pipe = quote_line_add(order=order, actor=tech, fee_code="M-PIPE", quantity="3")
    assert pipe.fee_item.kind == "material"
    assert pipe.covered is False
    assert pipe.amount == pipe.fee_item.price * Decimal(3)


@pytest.mark.parametrize(
    ("status", "kind", "allowed"),
    [
        ("en_route", "entry", False),  # an entry check queued offline before its arrival was sent
        ("arrived", "entry", True),
        ("in_service", "entry", True),
        ("cancelled", "kit", False),  # a kit check queued offline, the order cancelled meanwhile
        ("confirmed", "kit", True),
    ],
)
def test_a_checklist_belongs_to_its_moment_R_AR_4(world, status, kind, allowed) -> None:  # type: ignore[no-untyped-def]
    from doorstep.orders.tests.helpers import actor_for

    order = order_in(world, status)
    codes = [i["code"] for i in checklist_items(order, kind)]
    tech = actor_for(world, "technician")
    if allowed:
        assert checklist_record(order=order, actor=tech, kind=kind, ticked=codes).complete
    else:
        with pytest.raises(DomainError) as refused:
            checklist_record(order=order, actor=tech, kind=kind, ticked=codes)
        assert refused.value.code == "step_not_now"
        assert not Checklist.objects.filter(order=order).exists()
