"""What the visit page shows, by status: the next step first, the rules it implements named."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from doorstep.catalog.knowledge.cases import product_line_key
from doorstep.catalog.knowledge.matcher import suggest_cases
from doorstep.core.punctuality import appointment_of
from doorstep.dispatch.appointment import CONFIRMABLE, appointment_time_default
from doorstep.network.actors import Actor
from doorstep.network.policy import policy_of
from doorstep.network.roles import Role
from doorstep.orders.correction import FIELD_LABELS, corrections_of, order_values
from doorstep.orders.correction import ON_SITE as CORRECT_ON_SITE
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.selectors import allowed_moves, order_timeline
from doorstep.parts.models import PartUse
from doorstep.parts.selectors import parts_for_order, parts_used, reservations_for
from doorstep.visits.arrival.card import card_url, qr_svg
from doorstep.visits.arrival.protocol import (
    apology_gap,
    knock_protocol_gap,
    lateness_minutes,
    recorded_lateness,
)
from doorstep.visits.checklists import checklist_items, checklist_latest, shown
from doorstep.visits.completion.gaps import completion_gaps
from doorstep.visits.diagnosis.diagnosis import MEASUREMENTS, diagnosis_latest, work_gaps, work_started
from doorstep.visits.diagnosis.quote import fee_standard, fingerprint, quote_current, quote_lines
from doorstep.visits.models import Checklist, Consent, PaymentIntent, TakeBack
from doorstep.visits.payment.take import JSAPI_PACKAGE
from doorstep.visits.previsit import BEFORE_DEPARTURE, ConsentHow, call_state, refusal_open
from doorstep.visits.selectors import amount_due

LINE_KEYS = {
    "ac": "air_conditioner",
    "washer": "washer",
    "water_heater": "water_heater",
    "broadband": "broadband",
}


def _kb(order: WorkOrder) -> list[dict[str, Any]]:
    """Knowledge-base suggestions per fault item (R-AN-1): causes to pick, parts to bring."""
    product = order.product
    line = product.model.line if product and product.model else None
    key = LINE_KEYS.get(line.code, product_line_key(line.name)) if line else None
    out = []
    for fault in order.faults.all():
        try:
            matches = suggest_cases(fault.symptom, product_line=key, k=2)
        except Exception:  # the knowledge base is an aid: the technician can always type a cause
            matches = []
        causes = [c for m in matches for c in m.case.causes]
        parts = sorted({p for m in matches for p in m.case.parts})
        out.append({"fault": fault, "causes": causes, "parts": parts})
    return out


def _checklists(order: WorkOrder) -> dict[str, Any]:
    out = {}
    for kind in Checklist.Kind.values:
        latest = checklist_latest(order, kind)
        out[kind] = {"items": shown(checklist_items(order, kind, {"height_work": True})), "latest": latest}
    return out


def _margin_missed(order: WorkOrder) -> bool:
    """R-DI-7: the last arrival was on time but without the early margin (recorded as such, not late)."""
    arrive = order.events.filter(kind=EventKind.ARRIVE).order_by("-seq").first()
    return bool(arrive and arrive.data.get("margin_missed"))


def visit_context(order: WorkOrder, actor: Actor) -> dict[str, Any]:
    tech = order.technician
    lines = quote_lines(order)
    diagnosis = diagnosis_latest(order)
    return {
        "order": order,
        "actor": actor,
        "moves": {m.action.value: m for m in allowed_moves(order=order, actor=actor)},
        "policy": policy_of(order),
        "late_minutes": lateness_minutes(order),
        "margin_missed": _margin_missed(order),
        "appointment_default": appointment_time_default(order) if order.status in CONFIRMABLE else None,
        "lateness": recorded_lateness(order),
        "needs_apology": bool(apology_gap(order)),
        "knock_gap": knock_protocol_gap(order, _now()) if order.status == "arrived" else "",
        "nobody_home_from": _nobody_home_from(order),
        "knock_started": order.events.filter(kind=EventKind.KNOCK_STARTED).order_by("seq").first(),
        "checklists": _checklists(order),
        "kb": _kb(order),
        "diagnosis": diagnosis,
        "measurements": MEASUREMENTS,
        "lines": lines,
        "fingerprint": fingerprint(lines),
        "quote": quote_current(order),
        "amount_due": amount_due(order),
        "fee_items": fee_standard(order),
        "work_gaps": work_gaps(order) if order.status in ("in_service", "taken_back", "returned") else [],
        "work_started": work_started(order),
        "completion_gaps": completion_gaps(order),
        "consents": set(order.consents.values_list("kind", flat=True)),
        "consent_kinds": Consent.Kind,
        "reservations": reservations_for(order),
        "parts": parts_for_order(order),
        "parts_used": parts_used(order),
        "part_sources": PartUse.Source.choices,
        "part_fates": PartUse.OldPartFate.choices,
        "take_back": TakeBack.objects.filter(order=order).first(),
        "take_back_reasons": TakeBack.Reason.choices,
        "tasks": order.escalations.select_related("owner", "deadline").order_by("-created_at"),
        "timeline": order_timeline(order=order).order_by("-seq")[:12],
        "card_qr": qr_svg(card_url(tech, order)) if tech else "",
        "card_url": card_url(tech, order) if tech else "",
        "sign_code_sent": order.sign_codes.filter(used_at__isnull=True).exists(),
        "calls": call_state(order) if order.status in BEFORE_DEPARTURE else None,  # R-DI-5
        "refusal": refusal_open(order),  # R-DI-6
        "consent_hows": ConsentHow.choices,
        **_correction(order, actor),
        **awaiting_payment(order),
    }


def _correction(order: WorkOrder, actor: Actor) -> dict[str, Any]:
    """R-DI-4: the order's items as the technician confirms them at the door, and what was corrected."""
    mine = actor.role == Role.TECHNICIAN and order.technician_id == actor.technician_id
    return {
        "can_correct": mine and order.status in CORRECT_ON_SITE,
        "correct_rows": [
            {"field": f, "label": FIELD_LABELS[f], "value": v} for f, v in order_values(order).items()
        ],
        "corrections": corrections_of(order),
    }


def awaiting_payment(order: WorkOrder) -> dict[str, Any]:
    """R-CO-2: codes shown to the customer (a live provider) whose verified notification has not come yet."""
    if order.status != "completed":
        return {"pay_codes": []}
    pending = (
        order.payment_intents.filter(state=PaymentIntent.State.PENDING)
        .exclude(pay_url="")
        .exclude(pay_url__startswith=JSAPI_PACKAGE)  # paid inside WeChat, no code to show
    )
    return {"pay_codes": [{"intent": i, "qr": qr_svg(i.pay_url)} for i in pending.order_by("created_at")]}


def _nobody_home_from(order: WorkOrder) -> datetime | None:
    """The appointment, while it is still ahead: nobody home cannot be recorded before it (R-AR-2)."""
    appointment = appointment_of(order)
    return appointment if appointment is not None and _now() < appointment else None


def _now():  # type: ignore[no-untyped-def]
    from doorstep.core import clock

    return clock.now()
