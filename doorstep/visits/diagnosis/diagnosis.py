"""Diagnosis and the start of work (R-SV-1, R-SV-4, R-SV-7), and the workshop stages of a take-back
(R-AN-6). Each step leaves an event."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.visits.arrival.protocol import require_step
from doorstep.visits.checklists import checklist_done
from doorstep.visits.consent.channel import kinds_given
from doorstep.visits.diagnosis.quote import quote_require_accepted
from doorstep.visits.models import Checklist, Consent, Diagnosis, TakeBack

# name: (label, unit, low, high) — plausible ranges for an air conditioner on site (R-SV-1)
MEASUREMENTS = {
    "voltage": (_("电源电压"), "V", Decimal("0"), Decimal("500")),
    "current": (_("运行电流"), "A", Decimal("0"), Decimal("100")),
    "pressure": (_("低压压力"), "MPa", Decimal("0"), Decimal("5")),
    "temp_diff": (_("进出风温差"), "℃", Decimal("-30"), Decimal("40")),
}


def _measurements(raw: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, (label, _unit, low, high) in MEASUREMENTS.items():
        text = str(raw.get(name) or "").strip()
        if not text:
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise Invalid(ErrorCode.MEASUREMENT_INVALID, field=name, label=label, raw=text) from None
        if not low <= value <= high:
            raise Invalid(ErrorCode.MEASUREMENT_INVALID, field=name, label=label, raw=text)
        values[name] = str(value)
    return values


def diagnosis_record(
    *,
    order: WorkOrder,
    actor: Actor,
    notes: str,
    measurements: dict[str, Any],
    causes: list[dict[str, Any]],
    opens_casing: bool = False,
    touches_data: bool = False,
    height_work: bool = False,
) -> Diagnosis:
    """R-SV-1: diagnose before repairing; each fault item gets its cause (knowledge base or typed)."""
    require_step(order, actor, {Status.IN_SERVICE, Status.TAKEN_BACK})
    values = _measurements(measurements)
    picked = [c for c in causes if str(c.get("cause") or "").strip()]
    if not picked and not notes.strip():
        raise Invalid(ErrorCode.DIAGNOSIS_EMPTY, field="notes")
    with transaction.atomic():
        diagnosis = Diagnosis.objects.create(
            order=order,
            notes=notes.strip(),
            measurements=values,
            causes=picked,
            opens_casing=opens_casing,
            touches_data=touches_data,
            height_work=height_work,
            by=actor.name,
            at=clock.now(),
        )
        for c in picked:
            fields = {"cause": str(c["cause"]).strip()[:300]}
            if str(c.get("resolution") or "").strip():
                fields["resolution"] = str(c["resolution"]).strip()[:300]
            order.faults.filter(position=int(c.get("fault") or 0)).update(**fields)
        EventKind.DIAGNOSED.record(
            order=order,
            actor=actor,
            rule="R-SV-1",
            data={
                "measurements": values,
                "causes": [c["cause"] for c in picked],
                "notes": notes.strip()[:200],
            },
        )
    return diagnosis


def diagnosis_latest(order: WorkOrder) -> Diagnosis | None:
    return order.diagnoses.order_by("-at", "-pk").first()


def _data_touching(order: WorkOrder, diagnosis: Diagnosis) -> bool:
    product = order.product
    line = product.model.line.code if product and product.model else ""
    return diagnosis.touches_data or line in policy_of(order).data_lines


def work_gaps(order: WorkOrder) -> list[str]:
    """What is missing before repair work may start (R-SV-1, R-SV-2, R-SV-4, R-SV-7); empty when ready."""
    gaps: list[str] = []
    diagnosis = diagnosis_latest(order)
    if diagnosis is None:
        gaps.append(str(_("先诊断后维修：请记录诊断（R-SV-1）。")))
    if not checklist_done(order, Checklist.Kind.SAFETY):
        gaps.append(str(_("请完成安全检查（R-SV-7）。")))
    kinds = kinds_given(order)  # each through a channel its kind accepts
    if diagnosis is not None and diagnosis.opens_casing and Consent.Kind.OPEN_CASING not in kinds:
        gaps.append(str(_("开机壳须经客户同意（R-SV-4）。")))
    if diagnosis is not None and _data_touching(order, diagnosis) and Consent.Kind.DATA_BACKUP not in kinds:
        gaps.append(str(_("涉及存储数据：须先询问是否备份并由客户确认（R-SV-4）。")))
    return gaps


def work_start(*, order: WorkOrder, actor: Actor) -> None:
    """Repair work starts only after diagnosis, safety, consents and the customer's accepted quote."""
    require_step(order, actor, {Status.IN_SERVICE, Status.TAKEN_BACK, Status.RETURNED})
    quote = quote_require_accepted(order)
    gaps = work_gaps(order)
    if gaps:
        raise DomainError(ErrorCode.WORK_NOT_READY, gaps="；".join(gaps))
    EventKind.WORK_STARTED.record(
        order=order,
        actor=actor,
        rule="R-SV-2",
        data={"quote_version": quote.version, "due": str(quote.due)},
    )


def work_started(order: WorkOrder) -> bool:
    """Work has started under the quote that is still current."""
    from doorstep.visits.diagnosis.quote import quote_current

    quote = quote_current(order)
    if quote is None:
        return False
    return order.events.filter(kind=EventKind.WORK_STARTED, data__quote_version=quote.version).exists()


def workshop_stage(*, order: WorkOrder, actor: Actor, stage: str) -> TakeBack:
    """Sub-states of a unit taken back: in the workshop → repaired, on the same record (R-AN-6)."""
    require_step(order, actor, {Status.TAKEN_BACK})
    take_back = TakeBack.objects.filter(order=order).first()
    order_of: list[str] = [TakeBack.Stage.TAKEN, TakeBack.Stage.IN_WORKSHOP, TakeBack.Stage.REPAIRED]
    if (
        take_back is None
        or stage not in order_of[1:]
        or order_of.index(stage) != order_of.index(take_back.stage) + 1
    ):
        raise DomainError(ErrorCode.STAGE_INVALID, field="stage")
    take_back.stage = stage
    take_back.save(update_fields=["stage"])
    EventKind.WORKSHOP_STAGE.record(
        order=order,
        actor=actor,
        rule="R-AN-6",
        data={"stage": stage, "receipt_no": take_back.receipt_no},
    )
    return take_back
