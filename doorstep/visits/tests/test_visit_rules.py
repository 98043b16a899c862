"""The visit's rules as refusals and records (docs/standard.md §4–7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from doorstep.core import clock
from doorstep.core.errors import DomainError, Forbidden
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import order_in
from doorstep.parts.models import PartUse, Stock
from doorstep.visits.arrival.protocol import apology_record, customer_called, knock_start
from doorstep.visits.checklists import checklist_done, checklist_record
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.consents import consent_record
from doorstep.visits.consent.drawing import signature_png_data_url
from doorstep.visits.consent.signature import current_signature, signature_capture
from doorstep.visits.consent.signing import sign_code_send, signature_with_code
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.diagnosis.diagnosis import (
    diagnosis_record,
    work_gaps,
    work_start,
    work_started,
    workshop_stage,
)
from doorstep.visits.diagnosis.parts import part_use_record
from doorstep.visits.diagnosis.quote import (
    fingerprint,
    quote_accept,
    quote_current,
    quote_line_add,
    quote_lines,
)
from doorstep.visits.models import Checklist, Consent, EscalationTask, Quote, TakeBack
from doorstep.visits.testing import appointment_passed, checklist_tick, visit_evidence
from doorstep.visits.tests.browsing import sms_code


def _accept(order: WorkOrder) -> Quote:
    return quote_accept(
        order=order,
        channel=Channel.customer_link("刘女士"),
        signer="刘女士",
        seen=fingerprint(quote_lines(order)),
    )


def _ready_to_work(world, order: WorkOrder) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    diagnosis_record(
        order=order,
        actor=tech,
        notes="电容容量衰减",
        measurements={"voltage": "220"},
        causes=[{"fault": 1, "cause": "启动电容失效"}],
    )
    checklist_tick(order, Checklist.Kind.SAFETY)
    _accept(order)
    work_start(order=order, actor=tech)


def test_depart_refused_until_the_kit_checklist_is_ticked_R_PR_1(world) -> None:
    order = order_in(world, "confirmed")
    tech = world.actor("technician")
    with pytest.raises(DomainError) as err:
        order_transition(order=order, actor=tech, action="depart")
    assert err.value.code == "kit_not_checked"
    with pytest.raises(DomainError) as err:  # an unticked item is named, nothing stored
        checklist_record(order=order, actor=tech, kind="kit", ticked=["uniform"])
    assert "上门前未饮酒" in err.value.text() and not Checklist.objects.filter(order=order).exists()
    codes = [i["code"] for i in checklist_done.__globals__["checklist_items"](order, "kit")]
    checklist_record(order=order, actor=tech, kind="kit", ticked=codes)
    assert order_transition(order=order, actor=tech, action="depart").status == "en_route"


def test_kit_lists_the_parts_reserved_for_the_order_R_PR_1(world, cap) -> None:  # type: ignore[no-untyped-def]
    from doorstep.parts.services import part_reserve
    from doorstep.visits.checklists import checklist_items

    order = order_in(world, "confirmed")
    part_reserve(order=order, actor=world.actor("outlet_manager"), part_code="CAP-35", quantity=1)
    labels = [i["label"] for i in checklist_items(order, "kit")]
    assert any("启动电容 ×1" in label for label in labels)
    assert Stock.objects.get(part=cap, outlet=world.outlet).reserved == 1


def _arrive(world, order: WorkOrder, minutes_late: int, **params: str) -> WorkOrder:  # type: ignore[no-untyped-def]
    assert order.window_start is not None
    with clock.frozen_at(order.window_start + timedelta(minutes=minutes_late)):
        return order_transition(order=order, actor=world.actor("technician"), action="arrive", params=params)


def test_late_15_minutes_opens_an_escalation_for_the_complaint_supervisor_R_AR_5(world) -> None:
    order = _arrive(world, order_in(world, "en_route"), 20, lat="23.13", lng="113.32")
    event = order.events.get(kind="arrive")
    assert event.data["late_minutes"] == 20 and event.data["lateness"] == "late_major"
    assert event.data["lat"] == 23.13
    task = EscalationTask.objects.get(order=order)
    assert task.kind == "lateness" and task.owner == world.staff["quality"] and task.state == "open"
    assert task.due_at > clock.now()
    assert not order.events.get(kind="escalation_opened").customer_visible


def test_late_under_15_minutes_is_minor_and_opens_no_task_R_AR_5(world) -> None:
    order = _arrive(world, order_in(world, "en_route"), 7)
    assert order.events.get(kind="arrive").data["lateness"] == "late_minor"
    assert not EscalationTask.objects.filter(order=order).exists()


def test_queued_offline_arrival_keeps_the_phones_time(world) -> None:
    order = order_in(world, "en_route")
    assert order.window_start is not None
    phone_time = order.window_start - timedelta(minutes=6)
    with clock.frozen_at(order.window_start + timedelta(minutes=30)):  # replayed 36 minutes later
        order = order_transition(
            order=order,
            actor=world.actor("technician"),
            action="arrive",
            params={"client_at": phone_time.isoformat()},
        )
    assert order.events.get(kind="arrive").data["lateness"] == "on_time"


def test_service_starts_after_entry_protocol_and_apology_when_late_R_AR_4_R_AR_5(world) -> None:
    order = _arrive(world, order_in(world, "en_route"), 20)
    tech = world.actor("technician")
    with pytest.raises(DomainError) as err:
        order_transition(order=order, actor=tech, action="start_service")
    assert err.value.code == "entry_not_checked"
    checklist_tick(order, Checklist.Kind.ENTRY)
    with pytest.raises(DomainError) as err:
        order_transition(order=order, actor=tech, action="start_service")
    assert err.value.code == "apology_required"
    apology_record(order=order, actor=tech, reason="前一单延时", accepted=False, gift="清洁剂一瓶")
    assert EscalationTask.objects.get(order=order).data["apology_accepted"] is False
    assert order_transition(order=order, actor=tech, action="start_service").status == "in_service"


def test_nobody_home_needs_the_knock_protocol_and_the_note_then_tells_the_desk_R_AR_1_R_AR_2(world) -> None:
    order = order_in(world, "arrived")
    appointment_passed(order)
    tech = world.actor("technician")
    note = {"note_left": "10:02 到达，10:10 离开，请致电 020-1"}
    with pytest.raises(DomainError) as err:
        order_transition(order=order, actor=tech, action="nobody_home", reason="无人", params=note)
    assert err.value.code == "knock_protocol_incomplete"
    start = clock.now()
    knock_start(order=order, actor=tech, client_at=start.isoformat())
    with clock.frozen_at(start + timedelta(minutes=2)), pytest.raises(DomainError):
        order_transition(order=order, actor=tech, action="nobody_home", reason="无人", params=note)
    with clock.frozen_at(start + timedelta(minutes=6)):
        customer_called(order=order, actor=tech, answered=False)
        with pytest.raises(DomainError) as err:
            order_transition(order=order, actor=tech, action="nobody_home", reason="无人")
        assert err.value.code == "note_required"
        order = order_transition(order=order, actor=tech, action="nobody_home", reason="无人", params=note)
    assert order.events.get(kind="nobody_home").data["note_left"].startswith("10:02")
    task = EscalationTask.objects.get(order=order, kind="rebook")
    assert task.owner == order.owner  # the first-contact agent (R-IN-5)
    order = order_transition(order=order, actor=world.actor("agent"), action="rebook")
    task.refresh_from_db()
    assert order.status == "rescheduled" and task.state == "done"


@pytest.fixture
def in_service(world) -> WorkOrder:  # type: ignore[no-untyped-def]
    return order_in(world, "in_service")


def test_work_refused_without_an_accepted_quote_R_SV_2_R_IN_9(world, in_service) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    diagnosis_record(order=in_service, actor=tech, notes="电容失效", measurements={}, causes=[])
    checklist_tick(in_service, Checklist.Kind.SAFETY)
    quote_line_add(order=in_service, actor=tech, fee_code="L-REPAIR")
    with pytest.raises(DomainError) as err:
        work_start(order=in_service, actor=tech)
    assert err.value.code == "quote_not_accepted"
    _accept(in_service)
    work_start(order=in_service, actor=tech)
    assert work_started(in_service)


def test_changing_the_quote_needs_a_new_acceptance_R_SV_2(world, in_service) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    quote_line_add(order=in_service, actor=tech, fee_code="L-REPAIR")
    seen = fingerprint(quote_lines(in_service))
    quote_line_add(order=in_service, actor=tech, fee_code="M-PIPE", quantity="2")
    with pytest.raises(DomainError) as err:  # the customer accepts what they saw, not what changed since
        quote_accept(order=in_service, channel=Channel.customer_link("刘女士"), signer="刘女士", seen=seen)
    assert err.value.code == "quote_changed"
    _accept(in_service)
    assert quote_current(in_service) is not None
    quote_line_add(order=in_service, actor=tech, fee_code="P-CAP")
    assert quote_current(in_service) is None


def test_off_standard_charges_are_refused_R_SV_2(world, in_service) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    with pytest.raises(DomainError) as err:
        quote_line_add(order=in_service, actor=tech, fee_code="X-TIP")
    assert err.value.code == "charge_not_in_fee_standard"
    with pytest.raises(DomainError) as err:
        charge_add(order=in_service, actor=tech, fee_code="L-REPAIR", unit_price="120")
    assert err.value.code == "charge_price_not_standard"
    assert not in_service.charges.exists()


def test_warranty_is_applied_line_by_line_R_AN_7(world, in_service) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")  # bought 3 years ago, 6-year whole-unit warranty
    labour = quote_line_add(order=in_service, actor=tech, fee_code="L-REPAIR")
    pipe = quote_line_add(order=in_service, actor=tech, fee_code="M-PIPE", quantity="1.5")
    damaged = quote_line_add(order=in_service, actor=tech, fee_code="P-CAP", exclusion="human_damage")
    assert (labour.covered, pipe.covered, damaged.covered) == (True, False, False)
    assert _accept(in_service).due == 150 + 35


def test_parts_used_from_stock_move_the_stock_and_never_below_zero_R_SV_5(world, in_service, cap) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    quote_line_add(order=in_service, actor=tech, fee_code="P-CAP", quantity="3", exclusion="human_damage")
    _ready_to_work(world, in_service)
    use = part_use_record(
        order=in_service,
        actor=tech,
        part_code="CAP-35",
        quantity=2,
        source="technician",
        old_part_fate="returned_to_outlet",
    )
    assert use.stock is not None and use.stock.quantity == 0
    with pytest.raises(DomainError) as err:
        part_use_record(
            order=in_service,
            actor=tech,
            part_code="CAP-35",
            quantity=1,
            source="technician",
            old_part_fate="returned_to_outlet",
        )
    assert err.value.code == "stock_insufficient"
    assert Stock.objects.get(part=cap, technician=world.tech).quantity == 0
    assert PartUse.objects.filter(order=in_service).count() == 1


def test_part_outside_the_accepted_quote_is_refused_R_SV_2(world, in_service, cap) -> None:  # type: ignore[no-untyped-def]
    quote_line_add(order=in_service, actor=world.actor("technician"), fee_code="L-REPAIR")
    _ready_to_work(world, in_service)
    with pytest.raises(DomainError) as err:
        part_use_record(
            order=in_service,
            actor=world.actor("technician"),
            part_code="CAP-35",
            source="outlet",
            old_part_fate="scrapped",
        )
    assert err.value.code == "part_not_in_quote"


def test_cannibalisation_needs_the_customers_consent_R_AN_3(world, in_service, cap) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    quote_line_add(order=in_service, actor=tech, fee_code="P-CAP")
    _ready_to_work(world, in_service)
    kwargs = dict(
        order=in_service,
        actor=tech,
        part_code="CAP-35",
        source="cannibalised_turnover",
        old_part_fate="warranty_claim",
    )
    with pytest.raises(DomainError) as err:
        part_use_record(**kwargs)  # type: ignore[arg-type]
    assert err.value.code == "cannibalise_needs_consent"
    consent_record(
        order=in_service,
        channel=Channel.customer_link("刘女士"),
        kind=Consent.Kind.CANNIBALISE,
        given_by="刘女士",
        note="同意从周转机拆取",
    )
    use = part_use_record(**kwargs)  # type: ignore[arg-type]
    assert use.stock is None and in_service.events.filter(kind="part_used", rule="R-AN-3").exists()


def test_work_needs_diagnosis_safety_and_consents_R_SV_1_R_SV_4_R_SV_7(world, in_service) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    _accept(in_service)
    assert len(work_gaps(in_service)) == 2
    diagnosis_record(
        order=in_service,
        actor=tech,
        notes="需开壳",
        measurements={},
        causes=[],
        opens_casing=True,
        touches_data=True,
    )
    checklist_tick(in_service, Checklist.Kind.SAFETY)
    with pytest.raises(DomainError) as err:
        work_start(order=in_service, actor=tech)
    assert "开机壳" in err.value.text() and "备份" in err.value.text()


def test_measurements_out_of_range_are_refused_R_SV_1(world, in_service) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err:
        diagnosis_record(
            order=in_service,
            actor=world.actor("technician"),
            notes="x",
            measurements={"voltage": "2200"},
            causes=[],
        )
    assert err.value.field == "voltage"


def test_completion_refused_without_the_checklist_R_SV_8_R_SV_9(world, in_service) -> None:  # type: ignore[no-untyped-def]
    _accept(in_service)
    with pytest.raises(DomainError) as err:
        signature_capture(
            order=in_service,
            channel=Channel.customer_link("刘女士"),
            image=signature_png_data_url(),
            signer_name="刘女士",
        )
    assert err.value.code == "completion_incomplete"
    assert not hasattr(WorkOrder.objects.get(pk=in_service.pk), "signature") or True
    from doorstep.visits.models import Signature

    assert not Signature.objects.filter(order=in_service).exists()  # nothing half-written


def test_signature_in_technician_mode_is_impossible_R_CO_1(world, in_service) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        signature_capture(
            order=in_service,
            channel=Channel.phone_agreed(world.actor("technician")),
            image=signature_png_data_url(),
            signer_name="刘女士",
        )
    visit_evidence(in_service, "complete")
    mode = Channel.customer_device(world.actor("technician"), "刘女士")
    with pytest.raises(DomainError) as err:  # customer mode without the code sent to the customer's phone
        signature_with_code(
            order=in_service,
            channel=mode,
            code="000000",
            image=signature_png_data_url(),
            signer_name="刘女士",
        )
    assert err.value.code == "sign_code_missing"
    sign_code_send(order=in_service, actor=world.actor("technician"))
    with pytest.raises(DomainError) as err:
        signature_with_code(
            order=in_service,
            channel=mode,
            code="12345x",
            image=signature_png_data_url(),
            signer_name="刘女士",
        )
    assert err.value.code == "sign_code_wrong"
    code = sms_code(in_service)
    order = signature_with_code(
        order=in_service,
        channel=mode,
        code=code,
        image=signature_png_data_url(),
        signer_name="刘女士",
        opinion="满意",
    )
    signature = current_signature(order)
    assert order.status == "completed" and signature is not None and signature.method == "customer_mode_code"
    assert signature.source == "customer_device" and signature.recorded_by == mode.recorded_by


def test_the_signing_code_reaches_the_customers_phone_and_no_one_else_R_CO_1(world, in_service) -> None:  # type: ignore[no-untyped-def]
    """The code goes by SMS through the outbox and its providers at once (urgent: even in quiet hours), and
    what staff and the order's record show of that message has the code masked."""
    from django.test import Client

    from doorstep.notify.models import Message, State
    from doorstep.notify.outbox import deliver_due

    visit_evidence(in_service, "complete")
    late_evening = clock.local(clock.now()).replace(hour=22, minute=30)
    with clock.frozen_at(late_evening):
        sign_code_send(order=in_service, actor=world.actor("technician"))
    message = Message.objects.get(order_id=in_service.pk, template="sign_code")
    code = sms_code(in_service)
    assert message.channel == "sms" and message.to_phone == in_service.customer.phone and message.urgent
    assert message.next_at <= late_evening  # not held for the morning
    assert (
        f"验证码 {code}，" in message.text
        and code not in message.shown_text
        and "〔验证码〕" in message.shown_text
    )
    deliver_due(now=late_evening)
    assert Message.objects.get(pk=message.pk).state == State.SENT
    technician = Client()
    technician.force_login(world.staff["technician"].user)
    page = technician.get(f"/orders/{in_service.number}/").content.decode()
    assert "〔验证码〕" in page and code not in page  # the delivery on the record, the code not


def test_take_back_needs_an_allowed_reason_and_backup_then_has_sub_states_R_SV_6_R_AN_6(
    world, in_service
) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    consent_record(
        order=in_service, channel=Channel.customer_link("刘女士"), kind="take_back", given_by="刘女士"
    )
    with pytest.raises(DomainError) as err:
        order_transition(
            order=in_service,
            actor=tech,
            action="take_back",
            reason="主板",
            params={"take_back_reason": "whim", "items": "整机"},
        )
    assert err.value.code == "take_back_reason_invalid"
    params = {"take_back_reason": "board", "items": "室内机主板"}
    with pytest.raises(DomainError) as err:
        order_transition(order=in_service, actor=tech, action="take_back", reason="主板", params=params)
    assert err.value.code == "take_back_needs_backup"
    consent_record(
        order=in_service, channel=Channel.customer_link("刘女士"), kind="data_backup", given_by="刘女士"
    )
    order = order_transition(order=in_service, actor=tech, action="take_back", reason="主板", params=params)
    take_back = TakeBack.objects.get(order=order)
    assert take_back.receipt_no == f"LX{order.number}"
    with pytest.raises(DomainError):
        order_transition(order=order, actor=tech, action="return_unit")
    workshop_stage(order=order, actor=tech, stage="in_workshop")
    workshop_stage(order=order, actor=tech, stage="repaired")
    order = order_transition(order=order, actor=tech, action="return_unit")
    take_back.refresh_from_db()
    assert order.status == "returned" and take_back.stage == "returned"


def test_payment_is_the_accepted_quote_and_the_report_is_attached_R_CO_2(
    world, in_service, django_capture_on_commit_callbacks, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from doorstep.visits.payment.take import payment_take

    settings.MEDIA_ROOT = tmp_path
    quote_line_add(order=in_service, actor=world.actor("technician"), fee_code="M-PIPE", quantity="2")
    visit_evidence(in_service, "complete")
    order = signature_capture(
        order=in_service,
        channel=Channel.customer_link("刘女士"),
        image=signature_png_data_url(),
        signer_name="刘女士",
    )
    with pytest.raises(DomainError) as err:
        payment_take(order=order, actor=world.actor("technician"), method="cash")
    assert err.value.code == "receipt_required"
    with django_capture_on_commit_callbacks(execute=True):
        order = payment_take(order=order, actor=world.actor("technician"), method="wechat")
    assert order.status == "paid" and order.payment.amount == 200
    assert order.payment.receipt_no.startswith("WXSIM")
    assert order.service_report.file.read().startswith(b"%PDF")
    assert order.events.filter(kind="report_sent", customer_visible=True).exists()


def test_live_payment_providers_refuse_clearly_until_configured_R_CO_2(world, settings) -> None:
    from doorstep.visits.payment.take import ProviderNotConfigured, provider_for

    settings.DOORSTEP_PAYMENTS = {"mode": "live"}
    order = order_in(world, "completed")
    for method, name in (("wechat", "微信支付"), ("alipay", "支付宝")):
        with pytest.raises(ProviderNotConfigured) as err:
            provider_for(method).charge(order=order, amount=10)  # type: ignore[arg-type]
        assert name in err.value.text() and "未配置" in err.value.text()


def test_a_quote_accepted_in_one_language_holds_in_the_other_R_SV_2(world) -> None:  # type: ignore[no-untyped-def]
    """The customer's phone shows the quote in English, the technician's app in Chinese: what was agreed is
    the items, amounts and cover, not the labels they were shown with."""
    order = order_in(world, "in_service")
    charge_add(order=order, actor=world.actor("technician"), fee_code="L-REPAIR")
    with translation.override("en"):
        seen = fingerprint(quote_lines(order))
        quote_accept(order=order, channel=Channel.customer_link("Ms Liu"), signer="Ms Liu", seen=seen)
    with translation.override("zh-hans"):
        assert quote_current(order) is not None
    charge_add(order=order, actor=world.actor("technician"), fee_code="P-CAP")
    assert quote_current(order) is None  # a new line is a new quote, in any language
