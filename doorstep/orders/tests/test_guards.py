"""Guards that are the standard: each refusal is a DomainError with a code and a zh/en message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.orders.lifecycle import Status
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import add_consent, add_signature, order_in, png_data_url
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.consents import consent_record
from doorstep.visits.consent.signature import signature_capture
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.models import ChargeLine, Consent
from doorstep.visits.testing import visit_evidence


def _refused(code: str, fn, **kwargs):  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err:
        fn(**kwargs)
    assert err.value.code == code
    assert err.value.text("zh-hans") and err.value.text("en")
    return err.value


def test_completion_refused_without_customer_signature_R_CO_1(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    _refused(
        "signature_required",
        order_transition,
        order=order,
        actor=world.actor("technician"),
        action="complete",
    )
    order.refresh_from_db()
    assert order.status == Status.IN_SERVICE


def test_technician_cannot_sign_for_the_customer_R_CO_1(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    _refused(
        "signature_by_staff",
        signature_capture,
        order=order,
        channel=Channel.customer_device(world.actor("technician"), "刘女士"),  # without the SMS code
        image=png_data_url(),
        signer_name="刘女士",
    )
    assert not hasattr(order, "signature") or order.signature is None


def test_customer_signature_completes_the_order_and_opens_the_callback_R_CO_1_R_QA_1(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    visit_evidence(order, "complete")  # completion checklist and accepted quote (R-SV-8, R-SV-2)
    order = signature_capture(
        order=order,
        channel=Channel.customer_link("刘女士"),
        image=png_data_url(),
        signer_name="刘女士",
        opinion="师傅很专业",
    )
    assert order.status == Status.COMPLETED
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["signed", "complete"]
    callback = order.deadlines.get(kind="callback")
    assert timedelta(days=2, hours=23) < callback.due_at - clock.now() <= timedelta(days=3)


def test_signature_must_be_a_real_image(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    _refused(
        "signature_invalid",
        signature_capture,
        order=order,
        channel=Channel.customer_link("刘女士"),
        image="data:image/png;base64,AAAA",
        signer_name="刘女士",
    )
    order.refresh_from_db()
    assert order.status == Status.IN_SERVICE


def test_charge_outside_the_fee_standard_is_refused_R_SV_2(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    _refused(
        "charge_not_in_fee_standard",
        charge_add,
        order=order,
        actor=world.actor("technician"),
        fee_code="X-EXTRA",
        quantity=1,
    )
    assert not ChargeLine.objects.filter(order=order).exists()


def test_charge_above_the_published_price_is_refused_R_SV_2(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    _refused(
        "charge_price_not_standard",
        charge_add,
        order=order,
        actor=world.actor("technician"),
        fee_code="L-REPAIR",
        quantity=1,
        unit_price="120",
    )
    line = charge_add(order=order, actor=world.actor("technician"), fee_code="M-PIPE", quantity="1.5")
    assert (line.unit_price, line.amount) == (100, 150)


def test_other_brands_fee_item_is_not_in_this_fee_standard_R_SV_2(world) -> None:
    from doorstep.catalog.models import FeeItem
    from doorstep.network.models import Brand

    other = Brand.objects.create(code="other", name="别家", hotline="400")
    FeeItem.objects.create(brand=other, code="L-OTHER", name="人工", kind="labour", price=50)
    order = order_in(world, Status.IN_SERVICE)
    _refused(
        "charge_not_in_fee_standard",
        charge_add,
        order=order,
        actor=world.actor("technician"),
        fee_code="L-OTHER",
    )


def test_take_back_needs_recorded_consent_R_AN_6(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    _refused(
        "take_back_needs_consent",
        order_transition,
        order=order,
        actor=world.actor("technician"),
        action="take_back",
        reason="主板需返厂检测",
    )
    tech = world.actor("technician")
    # the take-back may be agreed by phone, recorded as such; the backup answer is the customer's own
    consent_record(
        order=order, channel=Channel.phone_agreed(tech), kind=Consent.Kind.TAKE_BACK, given_by="刘女士"
    )
    _refused(
        "customer_act_not_by_phone",
        consent_record,
        order=order,
        channel=Channel.phone_agreed(tech),
        kind=Consent.Kind.DATA_BACKUP,
        given_by="刘女士",
    )
    consent_record(
        order=order,
        channel=Channel.customer_device(tech, "刘女士"),
        kind=Consent.Kind.DATA_BACKUP,
        given_by="刘女士",
        mark=png_data_url(),
    )
    order = order_transition(
        order=order,
        actor=world.actor("technician"),
        action="take_back",
        reason="主板需返厂检测",
        params={"take_back_reason": "board", "items": "室内机主板"},
    )
    assert order.status == Status.TAKEN_BACK


@pytest.mark.parametrize("action", ["cancel", "transfer", "decline"])
def test_cancel_transfer_and_decline_need_a_reason_R_DI_1(world, action: str) -> None:
    order = order_in(world, Status.DISPATCHED)
    role = "outlet_manager" if action == "decline" else "dispatcher"
    _refused(
        "reason_required",
        order_transition,
        order=order,
        actor=world.actor(role),
        action=action,
        reason="  ",
        params={"outlet": world.other_outlet.pk},
    )


def test_cancel_records_its_reason_and_closes_open_deadlines(world) -> None:
    order = order_in(world, Status.TRIAGED)
    order = order_transition(
        order=order, actor=world.actor("agent"), action="cancel", reason="客户已自行修好"
    )
    assert order.cancel_reason == "客户已自行修好"
    assert not order.deadlines.filter(state__in=["open", "overdue"]).exists()


def test_transfer_records_reason_and_new_outlet_R_DI_1(world) -> None:
    order = order_in(world, Status.ASSIGNED)
    order = order_transition(
        order=order,
        actor=world.actor("dispatcher"),
        action="transfer",
        reason="网点人手不足",
        params={"outlet": world.other_outlet.pk},
    )
    assert (order.status, order.outlet, order.technician) == (Status.DISPATCHED, world.other_outlet, None)
    event = order.events.latest("seq")
    assert event.reason == "网点人手不足" and event.data["outlet"] == world.other_outlet.pk


def test_declined_order_cannot_go_back_to_the_declining_outlet_R_DI_1(world) -> None:
    order = order_in(world, Status.DISPATCHED)
    order = order_transition(
        order=order, actor=world.actor("outlet_manager"), action="decline", reason="无空调技师"
    )
    assert order.status == Status.TRANSFERRED and order.outlet is None
    _refused(
        "outlet_declined",
        order_transition,
        order=order,
        actor=world.actor("dispatcher"),
        action="dispatch",
        params={"outlet": world.outlet.pk},
    )


def test_outlet_manager_of_another_outlet_cannot_decline(world) -> None:
    order = order_in(world, Status.DISPATCHED)
    _refused(
        "order_not_found",
        order_transition,
        order=order,
        actor=world.actor("other_manager"),
        action="decline",
        reason="x",
    )


def test_technician_with_expired_work_permit_is_not_eligible_R_DI_2(world) -> None:
    world.tech.qualifications.update(valid_until=clock.local(clock.now()).date() - timedelta(days=1))
    order = order_in(world, Status.DISPATCHED)
    err = _refused(
        "technician_not_eligible",
        order_transition,
        order=order,
        actor=world.actor("outlet_manager"),
        action="assign",
        params={"technician": world.tech.pk},
    )
    assert "上岗证" in err.text("zh-hans")


def test_technician_of_another_outlet_is_not_eligible_R_DI_2(world) -> None:
    order = order_in(world, Status.DISPATCHED)
    _refused(
        "technician_not_eligible",
        order_transition,
        order=order,
        actor=world.actor("outlet_manager"),
        action="assign",
        params={"technician": world.other_tech.pk},
    )


def test_technician_cannot_move_someone_elses_visit(world) -> None:
    order = order_in(world, Status.CONFIRMED)
    _refused(
        "order_not_found",
        order_transition,
        order=order,
        actor=world.actor("other_technician"),
        action="depart",
    )


def test_late_company_reschedule_is_flagged_as_a_notice_breach_R_DI_8(world) -> None:
    order = order_in(world, Status.CONFIRMED)  # window starts in 3 hours
    from doorstep.orders.models import WorkOrder

    WorkOrder.objects.filter(pk=order.pk).update(window_start=clock.now() + timedelta(minutes=60))
    order.refresh_from_db()
    order = order_transition(
        order=order, actor=world.actor("technician"), action="reschedule", reason="前单超时"
    )
    data = order.events.latest("seq").data
    assert data["notice_breach"] is True and data["required_minutes"] == 120


def test_callback_refused_while_payment_outstanding_R_CO_2(world) -> None:
    order = order_in(world, Status.IN_SERVICE)
    charge_add(order=order, actor=world.actor("technician"), fee_code="L-REPAIR")
    visit_evidence(order, "complete")  # the customer accepted the ¥80 quote
    add_signature(order)
    order = order_transition(order=order, actor=world.actor("technician"), action="complete")
    _refused(
        "payment_outstanding",
        order_transition,
        order=order,
        actor=world.actor("agent"),
        action="record_callback",
        params={"satisfaction": 5},
    )
    _refused(  # an electronic payment is recorded from the provider's charge, never typed in
        "payment_needs_provider",
        order_transition,
        order=order,
        actor=world.actor("technician"),
        action="pay",
        params={"method": "wechat"},
    )
    order = order_transition(
        order=order, actor=world.actor("technician"), action="pay", params=visit_evidence(order, "pay")
    )
    assert order.payment.amount == 80 and order.payment.method == "wechat" and order.status == Status.PAID


def test_cash_payment_needs_a_receipt_number_R_CO_2(world) -> None:
    order = order_in(world, Status.COMPLETED)
    charge_add_order = order_in(world, Status.IN_SERVICE)
    charge_add(order=charge_add_order, actor=world.actor("technician"), fee_code="P-CAP")
    from doorstep.orders.models import WorkOrder

    WorkOrder.objects.filter(pk=charge_add_order.pk).update(status=Status.COMPLETED)
    charge_add_order.refresh_from_db()
    _refused(
        "receipt_required",
        order_transition,
        order=charge_add_order,
        actor=world.actor("technician"),
        action="pay",
        params={"method": "cash"},
    )
    assert order.status == Status.COMPLETED


def test_mark_incomplete_lists_the_exact_items_R_IN_2(world) -> None:
    order = order_in(world, Status.TRIAGED)
    _refused(
        "missing_items_required",
        order_transition,
        order=order,
        actor=world.actor("agent"),
        action="mark_incomplete",
        params={"missing": []},
    )
    add_consent(order)  # unrelated evidence does not matter
