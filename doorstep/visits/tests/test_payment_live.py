"""Live payments through the providers' SDKs against fake WeChat Pay / Alipay servers on loopback (R-CO-2):
the order is paid only by a verified notification (or a verified query) whose amount is the accepted
quote's; a tampered, mismatched, unknown or replayed notification changes nothing and is logged; refunds and
the daily reconciliation go through the same SDKs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import World
from doorstep.core import clock
from doorstep.core.errors import DomainError, Invalid
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import add_signature, order_in
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.models import PaymentIntent, PaymentNotice, StatementDiff
from doorstep.visits.payment.settle import intents_query, payment_refund, reconcile
from doorstep.visits.payment.take import PaymentOutcomeUnknown, payment_take
from doorstep.visits.testing import visit_evidence
from doorstep.visits.tests.payfakes import FakePay, Trade, fake_pay

pytestmark = pytest.mark.django_db
State = PaymentIntent.State
Outcome = PaymentNotice.Outcome


@pytest.fixture
def fake(settings: Any) -> Iterator[FakePay]:
    with fake_pay() as f:
        settings.DOORSTEP_PAYMENTS = f.settings("http://testserver")
        yield f


@pytest.fixture
def completed(world: World) -> WorkOrder:
    """Completed and signed, the customer accepted a ¥80 quote: payment is the next move."""
    order = order_in(world, Status.IN_SERVICE)
    charge_add(order=order, actor=world.actor("technician"), fee_code="L-REPAIR")
    visit_evidence(order, "complete")
    add_signature(order)
    return order_transition(order=order, actor=world.actor("technician"), action="complete")


def _meta(headers: dict[str, str]) -> dict[str, str]:
    """Headers as the Django test client takes them (HTTP_…)."""
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}


def _post(method: str, headers: dict[str, str], body: bytes) -> Any:
    kind = headers.get("Content-Type", "application/json")
    return Client().post(f"/hooks/pay/{method}/", data=body, content_type=kind, **_meta(headers))


def _prepaid(world: World, order: WorkOrder, method: str = "wechat") -> PaymentIntent:
    after = payment_take(order=order, actor=world.actor("technician"), method=method)
    assert after.status == Status.COMPLETED  # nothing is paid before the provider says so
    return PaymentIntent.objects.get(order=order, method=method)


def _events(order: WorkOrder) -> list[str]:
    return list(order.events.order_by("seq").values_list("kind", flat=True))


def test_wechat_native_pays_only_on_the_verified_notification_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    intent = _prepaid(world, completed)
    assert intent.state == State.PENDING and intent.pay_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert fake.trades[intent.key].total == 8000 and not fake.refused  # the SDK's signed request was accepted
    again = _prepaid(world, completed)  # a second tap shows the same code: no second prepay
    assert again.pk == intent.pk and fake.calls.count("POST /v3/pay/transactions/native") == 1

    trade = fake.pay(intent.key)
    answer = _post("wechat", *fake.notification(intent.key))
    assert answer.status_code == 204
    completed.refresh_from_db()
    intent.refresh_from_db()
    assert completed.status == Status.PAID and intent.state == State.APPLIED
    assert completed.payment.receipt_no == trade.transaction_id and completed.payment.amount == Decimal(
        "80.00"
    )
    assert PaymentNotice.objects.get().outcome == Outcome.APPLIED


@pytest.mark.parametrize("tamper", ["body", "signature", "serial", "key"])
def test_a_tampered_notification_gets_4xx_and_changes_nothing_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder, tamper: str
) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    headers, body = fake.notification(intent.key)
    before = _events(completed)
    if tamper == "body":
        body = body.replace(b'"summary": "', b'"summary": "x')
    elif tamper == "signature":
        headers["Wechatpay-Signature"] = headers["Wechatpay-Signature"][:-6] + "AAAAA="
    elif tamper == "serial":
        headers["Wechatpay-Serial"] = "PUB_KEY_ID_OTHER"
    else:  # a notice signed with a key that is not the platform's
        other = FakePay(fresh=True)
        other.api_v3_key, other.trades = fake.api_v3_key, fake.trades
        headers, body = other.notification(intent.key)
    answer = _post("wechat", headers, body)
    assert answer.status_code == 400 and b"FAIL" in answer.content
    completed.refresh_from_db()
    intent.refresh_from_db()
    assert (
        completed.status == Status.COMPLETED and intent.state == State.PENDING and not intent.transaction_id
    )
    assert _events(completed) == before
    notice = PaymentNotice.objects.get()
    assert notice.outcome == Outcome.REJECTED and notice.reason == "signature"


def test_a_notice_for_another_amount_is_rejected_and_logged_on_the_order_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    for total, expected in ((7999, 400), (8001, 400), (8000, 204)):  # one fen either side of the quote
        answer = _post("wechat", *fake.notification(intent.key, total=total))
        assert answer.status_code == expected, total
        if expected == 400:
            completed.refresh_from_db()
            assert completed.status == Status.COMPLETED
    completed.refresh_from_db()
    assert completed.status == Status.PAID
    rejected = completed.events.filter(kind=EventKind.PAYMENT_NOTICE_REJECTED)
    assert [e.data["reason"] for e in rejected] == ["amount", "amount"]
    assert [e.data["amount"] for e in rejected] == ["79.99", "80.01"]


def test_a_replayed_notice_changes_nothing_R_CO_2(world: World, fake: FakePay, completed: WorkOrder) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    headers, body = fake.notification(intent.key)
    assert _post("wechat", headers, body).status_code == 204
    completed.refresh_from_db()
    paid_events, payment = _events(completed), completed.payment
    # the very same notice again (the provider retries, or someone replays it): acknowledged, nothing changes
    assert _post("wechat", headers, body).status_code == 204
    completed.refresh_from_db()
    assert _events(completed) == paid_events and completed.payment.pk == payment.pk
    assert list(PaymentNotice.objects.order_by("pk").values_list("outcome", flat=True)) == [
        Outcome.APPLIED,
        Outcome.DUPLICATE,
    ]


def test_an_old_notice_is_a_replay_and_is_rejected(world: World, fake: FakePay, completed: WorkOrder) -> None:
    import time

    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    now = int(time.time())
    assert _post("wechat", *fake.notification(intent.key, timestamp=now - 400)).status_code == 400
    assert PaymentNotice.objects.get().reason == "stale_timestamp"
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED


def test_a_notice_for_an_unknown_order_is_rejected(world: World, fake: FakePay, completed: WorkOrder) -> None:
    fake.trades["NOSUCHORDER1"] = Trade("NOSUCHORDER1", 8000, "", "t", "wechat")
    fake.pay("NOSUCHORDER1")
    assert _post("wechat", *fake.notification("NOSUCHORDER1")).status_code == 400
    assert PaymentNotice.objects.get().reason == "unknown_order"


def test_notices_are_refused_when_payments_are_not_live(
    world: World, fake: FakePay, completed: WorkOrder, settings: Any
) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    settings.DOORSTEP_PAYMENTS = {"mode": "console"}
    assert _post("wechat", *fake.notification(intent.key)).status_code == 404
    assert Client().get("/hooks/pay/wechat/").status_code == 405


def test_when_no_notice_comes_the_provider_is_asked_after_the_timeout_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    intent = _prepaid(world, completed)
    start = intent.created_at
    assert intents_query(now=start + timedelta(seconds=119)) == {"asked": 0, "paid": 0, "failed": 0}
    assert intents_query(now=start + timedelta(seconds=120)) == {"asked": 1, "paid": 0, "failed": 0}  # NOTPAY
    fake.pay(intent.key)  # paid, but the notification is lost
    assert intents_query(now=start + timedelta(seconds=121)) == {"asked": 1, "paid": 1, "failed": 0}
    completed.refresh_from_db()
    assert completed.status == Status.PAID
    assert completed.payment.receipt_no == fake.trades[intent.key].transaction_id
    # the late notification is then a duplicate: nothing changes
    assert _post("wechat", *fake.notification(intent.key)).status_code == 204
    assert PaymentNotice.objects.order_by("-pk").first().outcome == Outcome.DUPLICATE  # type: ignore[union-attr]


def test_the_query_job_runs_as_a_command(world: World, fake: FakePay, completed: WorkOrder) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    PaymentIntent.objects.filter(pk=intent.pk).update(created_at=clock.now() - timedelta(minutes=5))
    call_command("payments_query", verbosity=0)
    completed.refresh_from_db()
    assert completed.status == Status.PAID


def test_a_refund_goes_through_the_provider_with_its_reason_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    _post("wechat", *fake.notification(intent.key))
    intent.refresh_from_db()
    desk = world.actor("agent")
    with pytest.raises(Invalid):
        payment_refund(intent=intent, actor=desk, reason=" ")
    assert not fake.trades[intent.key].refunds
    refunded = payment_refund(intent=intent, actor=desk, reason="客户重复支付")
    # WeChat Pay's refund is asynchronous: accepted (PROCESSING), not refunded yet
    assert refunded.state == State.REFUNDING and refunded.refund_reason == "客户重复支付"
    assert refunded.refund_id.startswith("50300") and refunded.refunded_at is None
    assert fake.trades[intent.key].refunds == {refunded.refund_no: 8000}
    assert not completed.events.filter(kind=EventKind.PAYMENT_REFUNDED).exists()
    with pytest.raises(DomainError):  # once only
        payment_refund(intent=refunded, actor=desk, reason="再退一次")
    fake.refund_end(refunded.refund_no)
    assert _post("wechat", *fake.refund_notification(refunded.refund_no)).status_code == 204
    refunded.refresh_from_db()
    assert refunded.state == State.REFUNDED and refunded.refunded_at is not None
    event = completed.events.get(kind=EventKind.PAYMENT_REFUNDED)
    assert event.data["reason"] == "客户重复支付" and event.data["requested_by"] == desk.name


def test_the_desk_refunds_from_the_payments_page(
    world: World, fake: FakePay, completed: WorkOrder, client: Client
) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    _post("wechat", *fake.notification(intent.key))
    client.force_login(world.staff["agent"].user)
    page = client.get(reverse("channels:payments"))
    assert page.status_code == 200 and f'data-intent="{intent.pk}"' in page.content.decode()
    url = reverse("channels:payment_refund", args=[intent.pk])
    assert client.post(url, {"reason": ""}, follow=True).status_code == 200
    intent.refresh_from_db()
    assert intent.state == State.APPLIED  # no reason: nothing refunded
    after = client.post(url, {"reason": "服务未完成"}, follow=True).content.decode()
    intent.refresh_from_db()
    assert intent.state == State.REFUNDING and "退款处理中" in after


def test_reconciliation_lists_the_differences_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder, client: Client
) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    _post("wechat", *fake.notification(intent.key))
    # a payment the provider took whose notice never came (and no query yet): in the bill, not in our books
    other = order_in(world, Status.IN_SERVICE)
    charge_add(order=other, actor=world.actor("technician"), fee_code="L-REPAIR")
    visit_evidence(other, "complete")
    add_signature(other)
    other = order_transition(order=other, actor=world.actor("technician"), action="complete")
    lost = _prepaid(world, other)
    fake.pay(lost.key)
    day = clock.today()
    assert [d.key for d in reconcile(day)] == [lost.key]
    diffs = {(d.kind, d.key) for d in StatementDiff.objects.all()}
    assert diffs == {(StatementDiff.Kind.MISSING_HERE, lost.key)}
    # our applied payment disappears from the bill: listed on the other side; a rerun replaces the list
    fake.trades[intent.key].state = "NOTPAY"
    call_command("payments_reconcile", date=day.isoformat(), verbosity=0)
    diffs = {(d.kind, d.key) for d in StatementDiff.objects.all()}
    assert diffs == {
        (StatementDiff.Kind.MISSING_HERE, lost.key),
        (StatementDiff.Kind.MISSING_THERE, intent.key),
    }
    client.force_login(world.staff["agent"].user)
    page = client.get(reverse("channels:payments")).content.decode()
    assert f'data-key="{lost.key}"' in page and f'data-key="{intent.key}"' in page


def test_reconciliation_finds_an_amount_difference(world: World, fake: FakePay, completed: WorkOrder) -> None:
    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    _post("wechat", *fake.notification(intent.key))
    fake.trades[intent.key].total = 7000
    (diff,) = reconcile(clock.today())
    assert (diff.kind, diff.ours, diff.theirs) == (StatementDiff.Kind.AMOUNT, "¥80.00", "¥70.00")


# --- Alipay ------------------------------------------------------------------------------------------------
def test_alipay_qr_pays_on_the_verified_notification_and_rejects_a_tampered_one(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    intent = _prepaid(world, completed, "alipay")
    assert intent.pay_url.startswith("https://qr.alipay.com/") and not fake.refused
    trade = fake.pay(intent.key)
    headers, body = fake.notification(intent.key)
    tampered = body.replace(b"total_amount=80.00", b"total_amount=0.01")
    assert _post("alipay", headers, tampered).status_code == 400
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED
    answer = _post("alipay", headers, body)
    assert answer.status_code == 200 and answer.content == b"success"
    assert _post("alipay", headers, body).status_code == 200  # replayed: acknowledged, nothing changes
    completed.refresh_from_db()
    assert completed.status == Status.PAID and completed.payment.receipt_no == trade.transaction_id
    assert list(PaymentNotice.objects.order_by("pk").values_list("outcome", "reason")) == [
        (Outcome.REJECTED, "signature"),
        (Outcome.APPLIED, ""),
        (Outcome.DUPLICATE, "transaction_recorded"),
    ]


def test_alipay_query_refund_and_statement(world: World, fake: FakePay, completed: WorkOrder) -> None:
    intent = _prepaid(world, completed, "alipay")
    fake.pay(intent.key)
    assert intents_query(now=intent.created_at + timedelta(seconds=120))["paid"] == 1
    intent.refresh_from_db()
    assert intent.state == State.APPLIED
    assert reconcile(clock.today()) == []
    refunded = payment_refund(intent=intent, actor=world.actor("agent"), reason="多收")
    assert fake.trades[intent.key].refunds == {refunded.refund_no: 8000}
    # Alipay's refund is synchronous (fund_change): refunded at once, recorded and told
    assert refunded.state == State.REFUNDED and refunded.refund_id == fake.trades[intent.key].transaction_id
    assert completed.events.filter(kind=EventKind.PAYMENT_REFUNDED).count() == 1


def test_alipay_h5_link_is_signed_for_the_gateway(world: World, fake: FakePay, completed: WorkOrder) -> None:
    from doorstep.visits.payment.take import live_provider

    intent = _prepaid(world, completed, "alipay")
    link = live_provider("alipay").sdk().prepay(intent, h5=True)  # type: ignore[call-arg]
    assert link.startswith(f"{fake.base}/gateway.do?") and "alipay.trade.wap.pay" in link and "sign=" in link


def test_wechat_jsapi_inside_wechat(world: World, fake: FakePay, completed: WorkOrder) -> None:
    from doorstep.visits.payment.providers import ProviderRefused
    from doorstep.visits.payment.take import live_provider

    intent = _prepaid(world, completed)
    sdk = live_provider("wechat").sdk()
    with pytest.raises(ProviderRefused):  # a trade number shown as a code is not re-issued as JSAPI
        sdk.prepay(intent, openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")  # type: ignore[call-arg]
    PaymentIntent.objects.filter(pk=intent.pk).update(key=f"{intent.key[:-1]}J", pay_url="")
    intent.refresh_from_db()
    prepay_id = sdk.prepay(intent, openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")  # type: ignore[call-arg]
    params = sdk.jsapi_params(prepay_id)  # type: ignore[union-attr]
    assert params["package"] == f"prepay_id={prepay_id}" and params["signType"] == "RSA" and params["paySign"]
    assert fake.bridge_pay(params, notify=False) == 0  # WeChat's client accepts the merchant's signature


def test_a_provider_answer_with_a_bad_signature_is_not_trusted(
    world: World, fake: FakePay, completed: WorkOrder, settings: Any
) -> None:
    from doorstep.visits.tests.payfakes import keypair

    settings.DOORSTEP_PAYMENTS["wechat"]["public_key"] = keypair()[2]  # not the platform's key
    with pytest.raises(PaymentOutcomeUnknown):
        payment_take(order=completed, actor=world.actor("technician"), method="wechat")
    intent = PaymentIntent.objects.get(order=completed)
    assert intent.state == State.PENDING and not intent.pay_url and "signature" in intent.last_error


def test_the_customer_pays_from_the_tracking_page_with_a_live_provider(
    fake: FakePay, completed: WorkOrder
) -> None:
    from doorstep.orders.tracking import tracking_token

    token = tracking_token(completed)
    customer = Client()
    answer = customer.post(reverse("web:track_pay", args=[token]), {"method": "wechat"}, follow=True)
    page = answer.content.decode()
    assert "请扫码或打开支付链接完成支付" in page and 'id="pay-code-wechat"' in page
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED
    intent = PaymentIntent.objects.get(order=completed)
    fake.pay(intent.key)
    assert _post("wechat", *fake.notification(intent.key)).status_code == 204
    completed.refresh_from_db()
    assert completed.status == Status.PAID
    assert completed.events.get(kind="pay").actor_role == "customer"


def test_a_transfer_is_recorded_with_its_reference_and_shown_as_such_R_CO_2(
    world: World, completed: WorkOrder
) -> None:
    tech = world.actor("technician")
    with pytest.raises(Invalid):  # like cash, a transfer needs its receipt (the bank reference)
        payment_take(order=completed, actor=tech, method="transfer", receipt_no=" ")
    paid = payment_take(order=completed, actor=tech, method="transfer", receipt_no="ICBC20261202-0042")
    assert paid.status == Status.PAID
    assert paid.payment.get_method_display() == "转账" and paid.payment.receipt_no == "ICBC20261202-0042"
    assert not PaymentIntent.objects.filter(order=completed).exists()  # no provider was involved


def test_a_code_paid_after_the_order_was_paid_in_cash_waits_for_a_refund(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    intent = _prepaid(world, completed)
    payment_take(order=completed, actor=world.actor("technician"), method="cash", receipt_no="No.0007")
    fake.pay(intent.key)  # the customer scanned the old code too
    assert _post("wechat", *fake.notification(intent.key)).status_code == 204  # taken: acknowledged
    intent.refresh_from_db()
    completed.refresh_from_db()
    assert completed.payment.method == "cash" and intent.state == State.NEEDS_REFUND
    assert completed.events.filter(kind=EventKind.PAYMENT_UNAPPLIED).exists()


def test_a_refund_is_shown_to_staff_and_told_to_the_customer_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder, client: Client
) -> None:
    from doorstep.notify.models import Message
    from doorstep.orders.tracking import tracking_token

    intent = _prepaid(world, completed)
    fake.pay(intent.key)
    _post("wechat", *fake.notification(intent.key))
    client.force_login(world.staff["agent"].user)
    page = client.get(reverse("orders:detail", args=[completed.number])).content.decode()
    assert f'data-intent="{intent.pk}" data-state="applied"' in page
    assert not Message.objects.filter(order_number=completed.number, template="refunded").exists()

    client.post(reverse("channels:payment_refund", args=[intent.pk]), {"reason": "客户重复支付"})
    intent.refresh_from_db()
    assert intent.state == State.REFUNDING  # accepted by WeChat Pay, not done: nobody is told yet
    page = client.get(reverse("orders:detail", args=[completed.number])).content.decode()
    assert f'data-intent="{intent.pk}" data-state="refunding"' in page and intent.refund_no in page
    assert not Message.objects.filter(order_number=completed.number, template="refunded").exists()
    fake.refund_end(intent.refund_no)
    assert _post("wechat", *fake.refund_notification(intent.refund_no)).status_code == 204
    intent.refresh_from_db()
    assert intent.state == State.REFUNDED
    # staff: the order page says refunded, with the refund number and the reason
    page = client.get(reverse("orders:detail", args=[completed.number])).content.decode()
    assert f'data-intent="{intent.pk}" data-state="refunded"' in page
    assert intent.refund_no in page and "客户重复支付" in page
    # the customer: a message with the amount and the reason, once, and the refund on the tracking page
    told = Message.objects.get(order_number=completed.number, template="refunded")
    assert "80.00 元已办理退款（客户重复支付）" in told.text and told.to_phone == completed.customer.phone
    track = Client().get(f"/t/{tracking_token(completed)}/").content.decode()
    assert "已退款" in track and intent.refund_no in track
    with pytest.raises(DomainError):
        payment_refund(intent=intent, actor=world.actor("agent"), reason="再退一次")
    assert Message.objects.filter(order_number=completed.number, template="refunded").count() == 1
    # the same notification again: nothing changes, nobody is told twice
    assert _post("wechat", *fake.refund_notification(intent.refund_no)).status_code == 204
    assert Message.objects.filter(order_number=completed.number, template="refunded").count() == 1


WECHAT_BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN"
)


def test_inside_wechat_the_customer_pays_with_jsapi_R_CO_2(fake: FakePay, completed: WorkOrder) -> None:
    """The tracking link opened in WeChat's browser by a customer the service account knows: the page asks
    for JSAPI parameters (prepaid for their OpenID, signed with the merchant key), WeixinJSBridge pays, and
    the order is paid only by WeChat Pay's verified notification."""
    from doorstep.notify.models import Contact
    from doorstep.orders.tracking import tracking_token

    token = tracking_token(completed)
    url = reverse("web:track", args=[token])
    wechat = Client(HTTP_USER_AGENT=WECHAT_BROWSER)
    # not known to the service account yet (no OpenID): the ordinary payment form
    assert 'id="jsapi-form"' not in wechat.get(url).content.decode()
    Contact.objects.create(phone=completed.customer.phone, wechat_openid="o-customer-1", follows_account=True)
    assert 'id="jsapi-form"' in wechat.get(url).content.decode()
    assert 'id="jsapi-form"' not in Client().get(url).content.decode()  # another browser: no WeixinJSBridge

    answer = wechat.post(reverse("web:track_pay_jsapi", args=[token]))
    assert answer.status_code == 200
    params = answer.json()["params"]
    assert params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    intent = PaymentIntent.objects.get(order=completed)
    trade = fake.trades[intent.key]
    assert (trade.kind, trade.openid, trade.total) == ("JSAPI", "o-customer-1", 8000)
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED  # nothing is paid by asking
    # a second tap: the same prepaid trade, nothing charged twice
    again = wechat.post(reverse("web:track_pay_jsapi", args=[token])).json()["params"]
    assert (
        again["package"] == params["package"] and PaymentIntent.objects.filter(order=completed).count() == 1
    )
    # a forged signature is refused by WeChat's client; the real one pays, and the notification applies it
    assert fake.bridge_pay({**params, "paySign": params["paySign"][::-1]}) == -1
    assert trade.state == "NOTPAY"
    assert _post("wechat", *fake.notification(intent.key)).status_code == 400  # not paid: rejected
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED
    assert fake.bridge_pay(params, notify=False) == 0 and trade.state == "SUCCESS"
    assert _post("wechat", *fake.notification(intent.key)).status_code == 204
    completed.refresh_from_db()
    assert completed.status == Status.PAID and completed.payment.receipt_no == trade.transaction_id
    assert wechat.post(reverse("web:track_pay_jsapi", args=[token])).json() == {"params": {}}


def test_jsapi_needs_a_live_provider_and_the_customers_openid(
    world: World, completed: WorkOrder, settings: Any
) -> None:
    from doorstep.orders.tracking import tracking_token

    settings.DOORSTEP_PAYMENTS = {"mode": "console"}
    token = tracking_token(completed)
    answer = Client(HTTP_USER_AGENT=WECHAT_BROWSER).post(reverse("web:track_pay_jsapi", args=[token]))
    assert answer.status_code == 409 and "二维码" in answer.json()["error"]
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED and not PaymentIntent.objects.filter(order=completed).exists()


def _jsapi_prepaid(completed: WorkOrder) -> tuple[Client, str, dict[str, str]]:
    from doorstep.notify.models import Contact
    from doorstep.orders.tracking import tracking_token

    Contact.objects.create(phone=completed.customer.phone, wechat_openid="o-customer-1", follows_account=True)
    token = tracking_token(completed)
    wechat = Client(HTTP_USER_AGENT=WECHAT_BROWSER)
    params = wechat.post(reverse("web:track_pay_jsapi", args=[token])).json()["params"]
    return wechat, token, params


def test_an_abandoned_jsapi_trade_is_closed_for_the_technicians_code_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    """The customer opened WeChat's payment and left it: the technician's Native code for the same quote is a
    new trade (a new out_trade_no), the JSAPI one closed at WeChat Pay so it can no longer be paid."""
    _wechat, _token, params = _jsapi_prepaid(completed)
    jsapi = PaymentIntent.objects.get(order=completed)
    after = payment_take(order=completed, actor=world.actor("technician"), method="wechat")
    assert after.status == Status.COMPLETED
    jsapi.refresh_from_db()
    native = PaymentIntent.objects.get(order=completed, state=State.PENDING)
    assert jsapi.state == State.FAILED and fake.trades[jsapi.key].state == "CLOSED"
    assert f"POST /v3/pay/transactions/out-trade-no/{jsapi.key}/close" in fake.calls
    assert native.key != jsapi.key and native.pay_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert fake.trades[native.key].kind == "NATIVE"
    assert fake.bridge_pay(params) == -1  # the closed trade's parameters no longer pay
    # the code is paid; a late notification for the closed trade is recorded and waits for a refund
    fake.pay(native.key)
    assert _post("wechat", *fake.notification(native.key)).status_code == 204
    fake.pay(jsapi.key)
    assert _post("wechat", *fake.notification(jsapi.key)).status_code == 204
    completed.refresh_from_db()
    jsapi.refresh_from_db()
    assert (
        completed.status == Status.PAID
        and completed.payment.receipt_no == fake.trades[native.key].transaction_id
    )
    assert jsapi.state == State.NEEDS_REFUND and jsapi.transaction_id == fake.trades[jsapi.key].transaction_id


def test_a_jsapi_trade_paid_before_the_close_is_applied_not_replaced_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    _wechat, _token, params = _jsapi_prepaid(completed)
    assert fake.bridge_pay(params, notify=False) == 0  # paid; the notification has not come yet
    after = payment_take(order=completed, actor=world.actor("technician"), method="wechat")
    # close answered ORDERPAID: no second trade; the verified query (or the notification) pays the order
    assert after.status == Status.COMPLETED and PaymentIntent.objects.filter(order=completed).count() == 1
    intent = PaymentIntent.objects.get(order=completed)
    assert intents_query(now=intent.created_at + timedelta(seconds=120))["paid"] == 1
    completed.refresh_from_db()
    assert completed.status == Status.PAID


def _refunding(world: World, fake: FakePay, order: WorkOrder) -> PaymentIntent:
    intent = _prepaid(world, order)
    fake.pay(intent.key)
    _post("wechat", *fake.notification(intent.key))
    intent.refresh_from_db()
    refunding = payment_refund(intent=intent, actor=world.actor("agent"), reason="客户重复支付")
    assert refunding.state == State.REFUNDING
    return refunding


@pytest.mark.parametrize("tamper", ["body", "signature", "amount", "unknown"])
def test_a_tampered_refund_notification_gets_4xx_and_changes_nothing_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder, tamper: str
) -> None:
    intent = _refunding(world, fake, completed)
    fake.refund_end(intent.refund_no)
    headers, body = fake.refund_notification(intent.refund_no)
    if tamper == "body":
        body = body.replace(b'"summary": "', b'"summary": "x')
    elif tamper == "signature":
        headers["Wechatpay-Signature"] = headers["Wechatpay-Signature"][:-6] + "AAAAA="
    elif tamper == "amount":  # signed, but not the amount refunded
        headers, body = fake.refund_notification(intent.refund_no, refund=1)
    else:  # a refund we never asked for
        fake.refund_states["OTHER0001R"] = [intent.key, "SUCCESS", ""]
        fake.trades[intent.key].refunds["OTHER0001R"] = 8000
        headers, body = fake.refund_notification("OTHER0001R")
    assert _post("wechat", headers, body).status_code == 400
    intent.refresh_from_db()
    assert intent.state == State.REFUNDING and intent.refunded_at is None
    assert not completed.events.filter(kind=EventKind.PAYMENT_REFUNDED).exists()


def test_an_old_refund_notification_is_a_replay(world: World, fake: FakePay, completed: WorkOrder) -> None:
    intent = _refunding(world, fake, completed)
    fake.refund_end(intent.refund_no)
    old = int(clock.now().timestamp()) - 3600
    stale = fake.refund_notification(intent.refund_no, timestamp=old)
    assert _post("wechat", *stale).status_code == 400
    intent.refresh_from_db()
    assert intent.state == State.REFUNDING


def test_an_abnormal_refund_is_shown_to_the_desk_and_nobody_is_told_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder, client: Client
) -> None:
    intent = _refunding(world, fake, completed)
    fake.refund_end(intent.refund_no, "ABNORMAL")
    assert _post("wechat", *fake.refund_notification(intent.refund_no)).status_code == 204
    intent.refresh_from_db()
    assert intent.state == State.REFUND_FAILED and "ABNORMAL" in intent.last_error
    assert not completed.events.filter(kind=EventKind.PAYMENT_REFUNDED).exists()
    client.force_login(world.staff["agent"].user)
    page = client.get(reverse("channels:payments")).content.decode()
    assert f'data-refund="{intent.pk}" data-state="refund_failed"' in page and "退款异常" in page


def test_a_refund_without_notification_is_settled_by_the_query_R_CO_2(
    world: World, fake: FakePay, completed: WorkOrder
) -> None:
    from doorstep.visits.payment.settle import refunds_query

    intent = _refunding(world, fake, completed)
    asked = intent.refund_asked_at
    assert asked is not None
    # still processing at WeChat Pay: asked after the timeout (not before), nothing changes
    assert refunds_query(now=asked + timedelta(seconds=119))["asked"] == 0
    assert refunds_query(now=asked + timedelta(seconds=120)) == {"asked": 1, "refunded": 0, "failed": 0}
    intent.refresh_from_db()
    assert intent.state == State.REFUNDING
    fake.refund_end(intent.refund_no)
    PaymentIntent.objects.filter(pk=intent.pk).update(refund_asked_at=clock.now() - timedelta(minutes=5))
    call_command("payments_query", verbosity=0)
    intent.refresh_from_db()
    assert (
        intent.state == State.REFUNDED and f"GET /v3/refund/domestic/refunds/{intent.refund_no}" in fake.calls
    )
    assert completed.events.filter(kind=EventKind.PAYMENT_REFUNDED).count() == 1
    # the notification that comes afterwards changes nothing
    assert _post("wechat", *fake.refund_notification(intent.refund_no)).status_code == 204
    assert completed.events.filter(kind=EventKind.PAYMENT_REFUNDED).count() == 1


# --- WeChat web authorisation (snsapi_base) for a customer the service account does not know yet -----------
@pytest.fixture
def mp(settings: Any) -> Iterator[Any]:
    from doorstep.notify.tests.loopback import fake_providers

    with fake_providers(settings) as state:
        yield state


def _authorised(wechat: Client, token: str) -> str:
    """The pay button, then what WeChat's client does with the authorisation link: the URL it sends the
    customer back to (``code`` and ``state``)."""
    import requests

    start = wechat.get(reverse("web:track_pay_wechat_auth", args=[token]))
    assert start.status_code == 302
    at_wechat = start["Location"]
    assert (
        at_wechat.endswith("#wechat_redirect") and "/connect/oauth2/authorize?appid=wx-test-app" in at_wechat
    )
    assert "&response_type=code&scope=snsapi_base&state=" in at_wechat
    answer = requests.get(at_wechat.split("#")[0], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = answer.headers["Location"]
    assert back.startswith(f"http://testserver/t/{token}/pay/wechat-auth/back/?code=")
    return back.removeprefix("http://testserver")


def test_an_unknown_customer_in_wechat_is_authorised_then_pays_with_jsapi_R_CO_2(
    fake: FakePay, mp: Any, completed: WorkOrder
) -> None:
    from doorstep.notify.models import Contact
    from doorstep.orders.tracking import tracking_token

    token = tracking_token(completed)
    wechat = Client(HTTP_USER_AGENT=WECHAT_BROWSER)
    page = wechat.get(reverse("web:track", args=[token])).content.decode()
    assert 'data-auth="snsapi_base"' in page and 'id="jsapi-form"' not in page
    assert 'data-auth="snsapi_base"' not in Client().get(reverse("web:track", args=[token])).content.decode()

    back = _authorised(wechat, token)
    answer = wechat.get(back)
    assert answer.status_code == 302 and answer["Location"] == f"/t/{token}/?pay=wechat#pay"
    contact = Contact.objects.get(phone=completed.customer.phone)
    assert contact.wechat_openid == "o-oauth-customer-1" and not contact.follows_account
    # the page goes on to JSAPI for that OpenID
    assert 'id="jsapi-form"' in wechat.get(f"/t/{token}/?pay=wechat").content.decode()
    params = wechat.post(reverse("web:track_pay_jsapi", args=[token])).json()["params"]
    intent = PaymentIntent.objects.get(order=completed)
    assert fake.trades[intent.key].openid == "o-oauth-customer-1"
    assert fake.bridge_pay(params, notify=False) == 0
    assert _post("wechat", *fake.notification(intent.key)).status_code == 204
    completed.refresh_from_db()
    assert completed.status == Status.PAID
    # the same return again (state used once; WeChat's code too): refused, nothing changes
    mp.oauth_user = "o-someone-else"
    again = wechat.get(back)
    assert again.status_code == 400 and 'data-code="wechat_auth_state"' in again.content.decode()
    assert Contact.objects.get(phone=completed.customer.phone).wechat_openid == "o-oauth-customer-1"


@pytest.mark.parametrize("bad", ["forged_state", "other_link", "no_state", "invalid_code", "used_code"])
def test_a_bad_authorisation_return_is_refused_and_stores_nothing(
    fake: FakePay, mp: Any, completed: WorkOrder, world: World, bad: str
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from doorstep.notify.models import Contact
    from doorstep.orders.tracking import tracking_token

    token = tracking_token(completed)
    wechat = Client(HTTP_USER_AGENT=WECHAT_BROWSER)
    back = _authorised(wechat, token)
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    path = reverse("web:track_pay_wechat_back", args=[token])
    if bad == "forged_state":
        query["state"] = query["state"][:-3] + ("aaa" if not query["state"].endswith("aaa") else "bbb")
    elif bad == "other_link":  # a state signed for another order's link
        other = order_in(world, Status.COMPLETED)
        path = reverse("web:track_pay_wechat_back", args=[tracking_token(other)])
    elif bad == "no_state":
        del query["state"]
    elif bad == "invalid_code":
        query["code"] = "0badcode"
    else:  # WeChat's code is good once: exchanged already (by someone who saw the URL)
        from wechatpy.oauth import WeChatOAuth

        from doorstep.notify.tests.loopback import WX_APP, WX_SECRET

        oauth = WeChatOAuth(WX_APP, WX_SECRET, "")
        oauth.API_BASE_URL = str(__import__("django.conf").conf.settings.DOORSTEP_WECHAT_MP["oauth_api_base"])
        oauth.fetch_access_token(query["code"])
    answer = wechat.get(path, query)
    assert answer.status_code == 400
    text = answer.content.decode()
    code = "wechat_auth_code" if bad in ("invalid_code", "used_code") else "wechat_auth_state"
    assert f'data-code="{code}"' in text and "未作任何更改" in text
    if bad == "invalid_code":
        assert "40029" in text
    if bad == "used_code":
        assert "40163" in text
    assert not Contact.objects.exclude(wechat_openid="").exists()


@pytest.mark.parametrize(("age", "good"), [(599, True), (600, True), (601, False)])
def test_the_authorisation_state_lives_ten_minutes(
    fake: FakePay, mp: Any, completed: WorkOrder, age: int, good: bool
) -> None:
    """The signed state expires after ``oauth_state_seconds`` (600): at the limit it is good, a second
    after it is refused (the age by the pinned clock, moved forward)."""
    from doorstep.notify.models import Contact
    from doorstep.orders.tracking import tracking_token

    token = tracking_token(completed)
    wechat = Client(HTTP_USER_AGENT=WECHAT_BROWSER)
    signed_at = clock.now().replace(microsecond=0)
    with clock.frozen_at(signed_at):
        back = _authorised(wechat, token)
    with clock.frozen_at(signed_at + timedelta(seconds=age)):
        answer = wechat.get(back)
    assert answer.status_code == (302 if good else 400)
    assert Contact.objects.exclude(wechat_openid="").exists() == good


def test_without_the_service_account_inside_wechat_the_qr_code_is_offered(
    fake: FakePay, completed: WorkOrder, settings: Any
) -> None:
    from doorstep.orders.tracking import tracking_token

    settings.DOORSTEP_WECHAT_MP = {}
    token = tracking_token(completed)
    wechat = Client(HTTP_USER_AGENT=WECHAT_BROWSER)
    assert 'data-auth="snsapi_base"' not in wechat.get(reverse("web:track", args=[token])).content.decode()
    answer = wechat.get(reverse("web:track_pay_wechat_auth", args=[token]), follow=True)
    assert "服务号未配置" in answer.content.decode()
