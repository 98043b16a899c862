"""An electronic payment is a recorded intent: committed before the provider is called, applied by the
PAY move, and a charge no move recorded stays visible for a retry or a refund (R-CO-2)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models import F

from doorstep.core.errors import DomainError
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import add_signature, order_in
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.diagnosis.quote import quote_current
from doorstep.visits.models import Payment, PaymentIntent
from doorstep.visits.payment import take as payments
from doorstep.visits.payment.take import Charge, SimulatedProvider, payment_take
from doorstep.visits.testing import visit_evidence

State = PaymentIntent.State


class CountingProvider(SimulatedProvider):
    """The simulated provider, counting every call and the keys it was sent; ``before`` runs first."""

    def __init__(self, method: str, before: Callable[[], None] | None = None) -> None:
        super().__init__(method)
        self.keys: list[str] = []
        self.before = before

    def charge(self, *, order: WorkOrder, amount: Decimal, key: str = "", openid: str = "") -> Charge:
        self.keys.append(key)
        if self.before is not None:
            before, self.before = self.before, None
            before()
        return super().charge(order=order, amount=amount, key=key)


class DecliningProvider(SimulatedProvider):
    def charge(self, *, order: WorkOrder, amount: Decimal, key: str = "", openid: str = "") -> Charge:
        raise DomainError("card_declined", "余额不足")


def _use(provider: SimulatedProvider) -> mock._patch[object]:
    return mock.patch.object(payments, "provider_for", lambda method: provider)


@pytest.fixture
def completed(world) -> WorkOrder:  # type: ignore[no-untyped-def]
    """Completed and signed, the customer accepted a ¥80 quote: payment is the next move."""
    order = order_in(world, Status.IN_SERVICE)
    charge_add(order=order, actor=world.actor("technician"), fee_code="L-REPAIR")
    visit_evidence(order, "complete")
    add_signature(order)
    return order_transition(order=order, actor=world.actor("technician"), action="complete")


def _flags(order: WorkOrder) -> list[dict[str, object]]:
    return [e.data for e in order.events.filter(kind=EventKind.PAYMENT_UNAPPLIED).order_by("seq")]


def test_electronic_payment_ends_applied_with_the_transaction_as_receipt_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    provider = CountingProvider("wechat")
    with _use(provider):
        order = payment_take(order=completed, actor=world.actor("technician"), method="wechat")
    intent = PaymentIntent.objects.get(order=order)
    quote = quote_current(order)
    assert order.status == Status.PAID and intent.state == State.APPLIED and intent.payment == order.payment
    assert provider.keys == [intent.key] and len(intent.key) <= 32 and intent.key.isalnum()
    assert order.payment.receipt_no == intent.transaction_id and intent.transaction_id.startswith("WXSIM")
    assert quote is not None and (intent.amount, intent.quote_version) == (Decimal("80.00"), quote.version)
    assert intent.charged_at and intent.applied_at and intent.provider == "simulated-wechat"
    assert order.events.get(kind=EventKind.PAY).data["intent"] == intent.key
    assert _flags(order) == []


def test_provider_failure_leaves_no_payment_and_a_failed_intent_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    with _use(DecliningProvider("alipay")), pytest.raises(DomainError) as err:
        payment_take(order=completed, actor=tech, method="alipay")
    assert err.value.code == "card_declined"
    completed.refresh_from_db()
    failed = PaymentIntent.objects.get(order=completed)
    assert completed.status == Status.COMPLETED and not Payment.objects.filter(order=completed).exists()
    assert failed.state == State.FAILED and failed.last_error == "余额不足" and failed.transaction_id == ""
    # a new try gets a new merchant order number and is applied; the failed one stays on file
    with _use(CountingProvider("alipay")):
        order = payment_take(order=completed, actor=tech, method="alipay")
    applied = PaymentIntent.objects.get(order=order, state=State.APPLIED)
    assert applied.key != failed.key and order.payment.receipt_no.startswith("ALISIM")


def test_refused_move_after_a_charge_leaves_a_charged_intent_on_the_record_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    """Another device changes the order while the provider charges: the move is refused, the money shows."""
    tech = world.actor("technician")

    def meanwhile() -> None:
        WorkOrder.objects.filter(pk=completed.pk).update(version=F("version") + 1)

    provider = CountingProvider("wechat", before=meanwhile)
    with _use(provider), pytest.raises(payments.PaymentNotApplied) as err:
        payment_take(order=completed, actor=tech, method="wechat")
    intent = PaymentIntent.objects.get(order=completed)
    assert err.value.code == "payment_not_applied" and intent.transaction_id in err.value.text()
    assert "请勿重复收款" in err.value.text() and "do not collect again" in err.value.text("en")
    assert intent.state == State.CHARGED and intent.last_error.startswith("stale_order")
    assert not Payment.objects.filter(order=completed).exists()
    [flag] = _flags(completed)
    assert flag["key"] == intent.key and flag["state"] == State.CHARGED and flag["reason"] == "stale_order"
    assert list(payments.intents_to_reconcile()) == [intent]
    # the retry records that charge: the provider is not called again
    completed.refresh_from_db()
    with _use(provider):
        order = payment_take(order=completed, actor=tech, method="wechat")
    intent.refresh_from_db()
    assert provider.keys == [intent.key] and intent.state == State.APPLIED
    assert order.payment.receipt_no == intent.transaction_id and list(payments.intents_to_reconcile()) == []


def test_a_charge_waiting_is_recorded_whatever_method_is_tapped_next_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    """The customer paid by WeChat and the move was refused: tapping Alipay must not charge them again."""
    tech = world.actor("technician")

    def meanwhile() -> None:
        WorkOrder.objects.filter(pk=completed.pk).update(version=F("version") + 1)

    with _use(CountingProvider("wechat", before=meanwhile)), pytest.raises(payments.PaymentNotApplied):
        payment_take(order=completed, actor=tech, method="wechat")
    completed.refresh_from_db()
    alipay = CountingProvider("alipay")
    with _use(alipay):
        order = payment_take(order=completed, actor=tech, method="alipay")
    assert alipay.keys == [] and order.payment.method == "wechat"
    assert PaymentIntent.objects.get(order=order).state == State.APPLIED


def test_a_charge_after_the_order_was_paid_otherwise_is_to_be_refunded_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")

    def cash_on_another_device() -> None:
        other = WorkOrder.objects.get(pk=completed.pk)
        order_transition(order=other, actor=tech, action="pay", params={"method": "cash", "receipt_no": "R1"})

    provider = CountingProvider("wechat", before=cash_on_another_device)
    with _use(provider), pytest.raises(payments.PaymentNotApplied):
        payment_take(order=completed, actor=tech, method="wechat")
    intent = PaymentIntent.objects.get(order=completed)
    assert intent.state == State.NEEDS_REFUND and completed.payment.receipt_no == "R1"
    assert [f["state"] for f in _flags(completed)] == [State.NEEDS_REFUND]


def test_a_charged_intent_left_behind_is_to_be_refunded_once_paid_in_cash_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")

    def meanwhile() -> None:
        WorkOrder.objects.filter(pk=completed.pk).update(version=F("version") + 1)

    with _use(CountingProvider("wechat", before=meanwhile)), pytest.raises(payments.PaymentNotApplied):
        payment_take(order=completed, actor=tech, method="wechat")
    completed.refresh_from_db()
    with _use(DecliningProvider("wechat")):  # cash never reaches a provider
        order = payment_take(order=completed, actor=tech, method="cash", receipt_no="R2")
    intent = PaymentIntent.objects.get(order=order)
    assert order.payment.receipt_no == "R2" and order.payment.method == "cash"
    assert intent.state == State.NEEDS_REFUND and intent.payment is None
    assert [f["state"] for f in _flags(order)] == [State.CHARGED, State.NEEDS_REFUND]


def test_a_lost_answer_is_asked_again_with_the_same_key_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")

    def lost() -> None:
        raise ConnectionError("timeout")

    provider = CountingProvider("wechat", before=lost)
    with _use(provider), pytest.raises(payments.PaymentOutcomeUnknown) as err:
        payment_take(order=completed, actor=tech, method="wechat")
    intent = PaymentIntent.objects.get(order=completed)
    assert intent.state == State.PENDING and "timeout" in intent.last_error and intent.key in err.value.text()
    completed.refresh_from_db()
    with _use(provider):
        order = payment_take(order=completed, actor=tech, method="wechat")
    assert provider.keys == [intent.key, intent.key]  # one merchant order number: charged once
    assert PaymentIntent.objects.get(order=order).state == State.APPLIED
    with _use(provider), pytest.raises(DomainError) as again:  # paid: refused before any provider call
        payment_take(order=order, actor=tech, method="wechat")
    assert again.value.code == "illegal_move" and len(provider.keys) == 2


def test_a_double_tap_charges_once_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    """The second tap arrives while the first waits for the provider: both send the same key."""
    tech = world.actor("technician")
    second: list[WorkOrder] = []

    def tap_again() -> None:
        second.append(payment_take(order=WorkOrder.objects.get(pk=completed.pk), actor=tech, method="wechat"))

    provider = CountingProvider("wechat", before=tap_again)
    with _use(provider):
        first = payment_take(order=completed, actor=tech, method="wechat")
    intent = PaymentIntent.objects.get(order=completed)
    assert set(provider.keys) == {intent.key} and intent.state == State.APPLIED
    assert first.status == second[0].status == Status.PAID
    assert Payment.objects.filter(order=first).count() == 1
    assert _flags(first) == []


def test_cash_is_the_move_alone_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    with _use(DecliningProvider("cash")):
        order = payment_take(order=completed, actor=world.actor("technician"), method="cash", receipt_no="R9")
    assert order.status == Status.PAID and order.payment.receipt_no == "R9" and order.payment.amount == 80
    assert not PaymentIntent.objects.exists()


def test_the_pay_move_records_only_a_charged_intent_for_the_accepted_quote_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    quote = quote_current(completed)
    assert quote is not None

    def intent(**fields: object) -> PaymentIntent:
        values: dict[str, object] = {
            "order": completed, "method": "wechat", "amount": quote.due, "quote_version": quote.version,
            "state": State.CHARGED, "transaction_id": f"WX{PaymentIntent.objects.count()}",  # one each
            "created_at": completed.created_at,
            "updated_at": completed.created_at, **fields,
        }  # fmt: skip
        return PaymentIntent.objects.create(key=f"K{PaymentIntent.objects.count()}", **values)

    for stale, code in (
        (intent(state=State.FAILED), "payment_intent_not_charged"),
        (intent(quote_version=quote.version + 1), "payment_intent_stale"),
        (intent(method="alipay", amount=Decimal("1.00")), "payment_intent_stale"),
    ):
        with pytest.raises(DomainError) as err:
            order_transition(order=completed, actor=tech, action="pay", params={"intent": stale.key})
        assert err.value.code == code
    assert not Payment.objects.filter(order=completed).exists()


def test_the_simulated_provider_answers_the_same_key_with_the_same_transaction() -> None:
    provider = SimulatedProvider("alipay")
    one = provider.charge(order=None, amount=Decimal(1), key="K1")  # type: ignore[arg-type]
    assert one == provider.charge(order=None, amount=Decimal(1), key="K1")  # type: ignore[arg-type]
    assert one.transaction_id != provider.charge(order=None, amount=Decimal(1), key="K2").transaction_id  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_the_intent_is_committed_before_the_provider_is_called_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[bool, str]] = []

    def at_the_provider() -> None:
        intent = PaymentIntent.objects.get(order=completed)
        seen.append((connection.in_atomic_block, intent.state))

    tech = world.actor("technician")
    with _use(CountingProvider("wechat", before=at_the_provider)):
        with pytest.raises(RuntimeError), transaction.atomic():  # not inside the caller's transaction
            payment_take(order=completed, actor=tech, method="wechat")
        assert seen == [] and not PaymentIntent.objects.exists()
        order = payment_take(order=completed, actor=tech, method="wechat")
    assert seen == [(False, State.PENDING)] and order.status == Status.PAID


def test_a_tap_that_read_the_order_before_it_was_paid_charges_nothing_R_CO_2(world, completed) -> None:  # type: ignore[no-untyped-def]
    """Two taps, the second with the order as it was before the first was recorded (a slow connection or
    pooler between them): the second finds the charge applied and neither charges nor opens another."""
    stale = WorkOrder.objects.get(pk=completed.pk)
    provider = CountingProvider("wechat")
    with _use(provider):
        payment_take(order=completed, actor=world.actor("technician"), method="wechat")
        answer = payment_take(order=stale, actor=world.actor("technician"), method="wechat")
    assert answer.status == Status.PAID and len(provider.keys) == 1
    assert [i.state for i in PaymentIntent.objects.filter(order=completed)] == [State.APPLIED]
    assert Payment.objects.filter(order=completed).count() == 1 and not _flags(completed)
