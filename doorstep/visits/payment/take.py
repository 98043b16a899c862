"""Payment adapters (R-CO-2): WeChat Pay and Alipay behind one interface, a simulated provider for the
demo and tests, cash with a receipt number. The amount is always the accepted quote's amount due.

An electronic payment is a recorded intent (``PaymentIntent``): written and committed before the provider
is called, charged with the intent's key (the provider's ``out_trade_no``, so a repeat never charges
twice), then applied by the PAY move in the move's own transaction. A charge that no move recorded stays
on the intent (``charged`` / ``needs_refund``) and on the order's record, for a retry or a refund.

Settings: ``DOORSTEP_PAYMENTS = {"mode": "console" | "live", "wechat": {...}, "alipay": {...}}`` (README
"Payments"). In ``console`` mode (the demo's default; ``simulated`` is the old name) electronic payments go to
:class:`SimulatedProvider`, which answers at once. In ``live`` mode the providers' SDKs are used
(doorstep.visits.payment.providers): the charge is a *prepay* (the code the customer scans), the intent stays
pending with its ``pay_url``, and the order is paid only when the provider's **verified** notification
arrives (:func:`notice_apply`, from the callback view) or, when it never comes, a verified query says so
(:func:`intents_query`, the periodic job). Refunds (:func:`payment_refund`) and the daily reconciliation
(:mod:`doorstep.visits.payment.reconcile`) go through the same providers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction

from doorstep.core import clock
from doorstep.core.errors import Conflict, DomainError, ErrorCode, Invalid
from doorstep.network.actors import Actor
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.visits.models import Payment, PaymentIntent, Quote
from doorstep.visits.payment.providers import Alipay, Provider, WeChatPay


@dataclass(frozen=True)
class Charge:
    provider: str
    transaction_id: str
    amount: Decimal


@dataclass(frozen=True)
class Prepaid:
    """A live provider's answer to a charge: nothing is taken yet; the customer pays through ``pay_url``."""

    provider: str
    pay_url: str


class PaymentProvider(Protocol):
    method: str

    def charge(
        self, *, order: WorkOrder, amount: Decimal, key: str = "", openid: str = ""
    ) -> Charge | Prepaid:
        """Collect ``amount`` for ``order`` under the merchant's order number ``key`` (``openid``: the payer
        inside WeChat, for WeChat Pay's JSAPI).

        Returns the charge or raises DomainError when the provider refused (nothing was taken). The same
        ``key`` twice must answer the first charge again, never take the money twice (out_trade_no).
        """
        ...


class ProviderNotConfigured(DomainError):
    status = 503


def _config() -> dict[str, Any]:
    return dict(getattr(settings, "DOORSTEP_PAYMENTS", {}) or {})


class SimulatedProvider:
    """Always succeeds; transaction ids look like the provider's (demo and tests).

    Like the real providers it is idempotent on the merchant's order number: the same key gets the same
    transaction id.
    """

    def __init__(self, method: str) -> None:
        self.method = method

    def charge(self, *, order: WorkOrder, amount: Decimal, key: str = "", openid: str = "") -> Charge:
        prefix = {"wechat": "WXSIM", "alipay": "ALISIM"}.get(self.method, "SIM")
        suffix = hashlib.sha256(key.encode()).hexdigest()[:12] if key else secrets.token_hex(6)
        return Charge(
            provider=f"simulated-{self.method}", transaction_id=f"{prefix}{suffix.upper()}", amount=amount
        )


# a JSAPI trade's ``pay_url`` is the package WeixinJSBridge takes ("prepay_id=…"), not a code to show
JSAPI_PACKAGE = "prepay_id="


def live() -> bool:
    return _config().get("mode", "console") == "live"


class _LiveProvider:
    method = ""
    label = ""
    required: tuple[str, ...] = ("app_id", "merchant_id", "private_key")

    def sdk(self) -> Provider:
        creds = _config().get(self.method) or {}
        missing = [k for k in self.required if not creds.get(k)]
        if missing:
            raise ProviderNotConfigured(
                ErrorCode.PAYMENT_NOT_CONFIGURED,
                provider=self.label,
                missing="、".join(missing),
            )
        max_age = float(_config().get("notice_max_age_seconds", 300))
        return (WeChatPay if self.method == "wechat" else Alipay)(creds, max_age=max_age)

    def charge(
        self, *, order: WorkOrder, amount: Decimal, key: str = "", openid: str = ""
    ) -> Charge | Prepaid:
        sdk = self.sdk()
        intent = PaymentIntent.objects.select_related("order").get(key=key)
        if openid and isinstance(sdk, WeChatPay):  # JSAPI: the package WeixinJSBridge is given
            return Prepaid(provider=sdk.name, pay_url=f"{JSAPI_PACKAGE}{sdk.prepay(intent, openid=openid)}")
        return Prepaid(provider=sdk.name, pay_url=sdk.prepay(intent))


class WeChatPayProvider(_LiveProvider):
    method = "wechat"
    label = "微信支付"
    required = ("app_id", "mch_id", "api_v3_key", "serial_no", "private_key", "public_key", "public_key_id")


class AlipayProvider(_LiveProvider):
    method = "alipay"
    label = "支付宝"
    required = ("app_id", "private_key", "alipay_public_key")


def provider_for(method: str) -> PaymentProvider:
    if not live():
        return SimulatedProvider(method)
    return live_provider(method)


def live_provider(method: str) -> WeChatPayProvider | AlipayProvider:
    if method == "wechat":
        return WeChatPayProvider()
    if method == "alipay":
        return AlipayProvider()
    raise Invalid(ErrorCode.PAYMENT_METHOD_INVALID, field="method")


def collect(
    *, order: WorkOrder, method: str, amount: Decimal, key: str = "", openid: str = ""
) -> Charge | Prepaid:
    """Collect an electronic payment under the merchant order number ``key``: the one call to a provider."""
    return provider_for(method).charge(order=order, amount=amount, key=key, openid=openid)


ELECTRONIC = (Payment.Method.WECHAT, Payment.Method.ALIPAY)
State = PaymentIntent.State


class PaymentNotApplied(DomainError):
    """The provider took the money but the PAY move was refused: the charge waits for a retry or refund."""


class PaymentOutcomeUnknown(DomainError):
    status = 502


# --- the intent ------------------------------------------------------------------------------------------
def _intent_key(order: WorkOrder) -> str:
    """A merchant order number the providers accept (≤ 32 letters and digits), unique per try."""
    return f"{re.sub(r'[^0-9A-Za-z]', '', order.number)[:18]}P{secrets.token_hex(6).upper()}"


def intent_open(*, order: WorkOrder, method: str, quote: Quote) -> PaymentIntent:
    """The try to collect ``quote``'s amount due by ``method``, committed before any provider is called.

    An open try is reused rather than charged again: one already charged for this quote (whatever the
    method asked now: the customer has paid), else the pending one for this quote and method (a double
    tap, or a retry after a lost answer: the provider sees the same key and charges once). Must not be
    called inside a transaction (``durable``): the intent has to outlive whatever the caller rolls back.
    """
    with transaction.atomic(durable=True):
        # a tap that read the order before another tap's payment was recorded: that charge is applied
        # already (the move will say the order is paid); never open a second one to be refunded
        applied = PaymentIntent.objects.filter(
            order=order, quote_version=quote.version, state=State.APPLIED
        ).first()
        if applied is not None:
            return applied
        if Payment.objects.filter(order=order).exists():  # paid otherwise (cash) meanwhile
            raise Conflict(ErrorCode.CONFLICT)
        tries = PaymentIntent.objects.filter(
            order=order, quote_version=quote.version, state__in=PaymentIntent.OPEN
        )
        found = tries.filter(state=State.CHARGED).first() or tries.filter(method=method).first()
        if found is not None:
            return found
        now = clock.now()
        try:
            with transaction.atomic():
                return PaymentIntent.objects.create(
                    order=order,
                    method=method,
                    amount=quote.due,
                    quote_version=quote.version,
                    key=_intent_key(order),
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:  # a concurrent tap opened it first
            return tries.get(method=method)


def _intent_update(intent: PaymentIntent, was: str, **fields: Any) -> PaymentIntent:
    """Move ``intent`` on from state ``was`` (a concurrent request may have moved it already), committed."""
    with transaction.atomic(durable=True):
        PaymentIntent.objects.filter(pk=intent.pk, state=was).update(updated_at=clock.now(), **fields)
    intent.refresh_from_db()
    return intent


def intent_charge(intent: PaymentIntent, *, openid: str = "") -> PaymentIntent:
    """Call the provider with the intent's key, outside any transaction, and record what it answered.

    A refusal (DomainError: nothing was taken) fails the intent; a lost answer (any other error) leaves
    it pending, so a retry asks again with the same key.
    """
    try:
        charge = collect(
            order=intent.order, method=intent.method, amount=intent.amount, key=intent.key, openid=openid
        )
    except DomainError as err:
        _intent_update(intent, State.PENDING, state=State.FAILED, last_error=err.text()[:500])
        raise
    except Exception as err:
        _intent_update(intent, State.PENDING, last_error=f"{type(err).__name__}: {err}"[:500])
        raise PaymentOutcomeUnknown(
            ErrorCode.PAYMENT_OUTCOME_UNKNOWN,
            key=intent.key,
        ) from err
    if isinstance(charge, Prepaid):  # a live provider: paid when its verified notification arrives
        return _intent_update(
            intent, State.PENDING, provider=charge.provider[:40], pay_url=charge.pay_url[:500], last_error=""
        )
    return _intent_update(
        intent,
        State.PENDING,
        state=State.CHARGED,
        provider=charge.provider[:40],
        transaction_id=charge.transaction_id[:60],
        charged_at=clock.now(),
        last_error="",
    )


def intent_to_apply(*, order: WorkOrder, key: Any) -> PaymentIntent:
    """The charged intent a PAY move records (its guard): this order's, charged and not yet applied."""
    intent = PaymentIntent.objects.filter(order=order, key=str(key or "")).first()
    if intent is None or intent.state != State.CHARGED:
        raise _not_charged(key)
    return intent


def _not_charged(key: Any) -> DomainError:
    return DomainError(ErrorCode.PAYMENT_INTENT_NOT_CHARGED, key=key)


def _flag_unapplied(intent: PaymentIntent, actor: Actor, reason: str) -> None:
    """The order's record shows a charge no payment recorded, for a refund or reconciliation."""
    EventKind.PAYMENT_UNAPPLIED.record(
        order=intent.order,
        actor=actor,
        rule="R-CO-2",
        customer_visible=False,
        data={
            "key": intent.key,
            "method": intent.method,
            "amount": str(intent.amount),
            "transaction_id": intent.transaction_id,
            "quote_version": intent.quote_version,
            "state": intent.state,
            "reason": reason,
        },
    )


def payment_intents_settle(*, order: WorkOrder, actor: Actor, payment: Payment, key: str = "") -> None:
    """With the PAY move: its intent is applied; any other charge of the order can now only be refunded."""
    now = clock.now()
    if key:
        applied = PaymentIntent.objects.filter(order=order, key=key, state=State.CHARGED).update(
            state=State.APPLIED, payment=payment, applied_at=now, updated_at=now
        )
        if applied != 1:  # pragma: no cover - the guard checked it and the move's compare-and-set is one
            raise _not_charged(key)
    for other in PaymentIntent.objects.filter(order=order, state=State.CHARGED).exclude(key=key):
        other.state, other.updated_at = State.NEEDS_REFUND, now
        other.save(update_fields=["state", "updated_at"])
        _flag_unapplied(other, actor, f"order paid by {payment.receipt_no}")


def intents_to_reconcile() -> Any:
    """Money taken that no payment records: charged and not applied, or to be refunded (oldest first)."""
    return PaymentIntent.objects.filter(state__in=(State.CHARGED, State.NEEDS_REFUND)).order_by("charged_at")


# --- taking the payment ------------------------------------------------------------------------------------
def payment_take(
    *, order: WorkOrder, actor: Actor, method: str, receipt_no: str = "", openid: str = ""
) -> WorkOrder:
    """Take the payment on site: electronic through the provider, or cash with its receipt number (R-CO-2).

    The amount is the accepted quote's amount due. Every check of the move comes first. Cash (or nothing
    due) leaves nothing outside the database and is simply the move. An electronic payment is an intent
    committed before the provider is called; the provider is called outside any transaction with the
    intent's key; the PAY move then records the payment and applies the intent in one transaction. If the
    move is refused after the charge, the charge stays on the intent and the order's record, and the
    caller gets ``PaymentNotApplied``. Call it outside any transaction.
    """
    from doorstep.orders.lifecycle import Action
    from doorstep.orders.services import order_move_check, order_transition
    from doorstep.visits.diagnosis.quote import quote_require_accepted

    params = {"method": method, "receipt_no": receipt_no}
    # Every other rule of the move first (status, scope, the accepted quote …). An electronic payment's
    # own rule, "recorded from its charge", is what the charge below satisfies: check it as if in cash.
    electronic = method in ELECTRONIC
    check = {"method": Payment.Method.CASH, "receipt_no": "—"} if electronic else params
    order_move_check(order=order, actor=actor, action=Action.PAY, params=check)
    quote = quote_require_accepted(order)
    if method not in ELECTRONIC or quote.due <= 0:
        return order_transition(order=order, actor=actor, action=Action.PAY, params=params)

    intent = intent_open(order=order, method=method, quote=quote)
    jsapi = intent.state == State.PENDING and intent.pay_url.startswith(JSAPI_PACKAGE)
    if method == Payment.Method.WECHAT and not openid and jsapi:
        paid = _jsapi_close(intent)  # the customer left WeChat's payment: the technician shows the QR code
        if paid is not None:
            return paid
        intent = intent_open(order=order, method=method, quote=quote)
    if intent.state == State.PENDING and not intent.pay_url:
        intent = intent_charge(intent, openid=openid if method == Payment.Method.WECHAT else "")
    if intent.state == State.PENDING:  # the customer pays through the code; the notification applies it
        return order
    try:
        applying = {"method": intent.method, "intent": intent.key}
        return order_transition(order=order, actor=actor, action=Action.PAY, params=applying)
    except DomainError as err:
        intent.refresh_from_db()
        if intent.state == State.APPLIED:  # a concurrent tap recorded this very charge
            order.refresh_from_db()
            return order
        raise _charge_unapplied(intent, actor, err) from err


def _jsapi_close(intent: PaymentIntent) -> WorkOrder | None:
    """An abandoned JSAPI trade must not block the technician's Native QR code for the same quote (R-CO-2):
    WeChat Pay never turns one out_trade_no into another kind of trade, so the JSAPI trade is closed at the
    provider and the intent fails; the caller opens a new intent (a new out_trade_no) for the code. A
    notification that still comes for the closed trade is recorded and waits for a refund like any charge
    of an order paid otherwise (settle._apply). The trade already paid (close answers ``ORDERPAID``): nothing
    is replaced and the order is returned as it is; WeChat Pay's verified notification, or the query job
    (settle.intents_query), pays it."""
    sdk = live_provider(Payment.Method.WECHAT).sdk()
    assert isinstance(sdk, WeChatPay)
    try:
        sdk.close(intent.key)
    except DomainError:
        notice = sdk.query(intent.key)
        if notice is None or not notice.paid:
            raise
        return intent.order
    _intent_update(intent, State.PENDING, state=State.FAILED, last_error="wechat: CLOSED (JSAPI → Native)")
    return None


def payer_openid(order: WorkOrder) -> str:
    """The customer's OpenID with the service account (``notify.Contact``), which JSAPI pays with: the
    service account and WeChat Pay's ``app_id`` are the same AppID."""
    from doorstep.notify.models import Contact

    found = Contact.objects.filter(phone=order.customer.phone).exclude(wechat_openid="")
    return str(found.values_list("wechat_openid", flat=True).first() or "")


def jsapi_pay(*, order: WorkOrder, actor: Actor, openid: str) -> dict[str, str]:
    """WeChat Pay inside WeChat (JSAPI, R-CO-2): the customer opened the tracking link in WeChat's browser;
    the trade is prepaid for their ``openid`` and the answer is the signed parameters the page gives
    ``WeixinJSBridge.invoke("getBrandWCPayRequest", …)``. As with a code, the order is paid only when WeChat
    Pay's verified notification arrives. Empty when the order is paid already. A trade already shown as a
    QR code (the technician's phone) is paid by that code: WeChat Pay does not re-issue a trade number as
    another kind of trade."""
    if not live() or not openid:
        raise DomainError(ErrorCode.PAYMENT_JSAPI_UNAVAILABLE)
    if Payment.objects.filter(order=order).exists():  # paid meanwhile (a second tap, the notice came)
        return {}
    order = payment_take(order=order, actor=actor, method=Payment.Method.WECHAT, openid=openid)
    if Payment.objects.filter(order=order).exists():
        return {}
    intent = (
        PaymentIntent.objects.filter(order=order, method=Payment.Method.WECHAT, state=State.PENDING)
        .order_by("-created_at")
        .first()
    )
    if intent is None or not intent.pay_url.startswith(JSAPI_PACKAGE):
        raise DomainError(ErrorCode.PAYMENT_JSAPI_UNAVAILABLE)
    sdk = live_provider(Payment.Method.WECHAT).sdk()
    assert isinstance(sdk, WeChatPay)
    return sdk.jsapi_params(intent.pay_url.removeprefix(JSAPI_PACKAGE))


def _charge_unapplied(intent: PaymentIntent, actor: Actor, refused: DomainError) -> PaymentNotApplied:
    """The move was refused after the charge: the intent keeps the money visible, the record flags it.

    It stays ``charged`` (a retry for the same quote applies it without charging again), or becomes
    ``needs_refund`` when the order was meanwhile paid otherwise.
    """
    paid = Payment.objects.filter(order_id=intent.order_id).exists()
    with transaction.atomic(durable=True):
        PaymentIntent.objects.filter(pk=intent.pk, state=State.CHARGED).update(
            state=State.NEEDS_REFUND if paid else State.CHARGED,
            last_error=f"{refused.code}: {refused.text()}"[:500],
            updated_at=clock.now(),
        )
        intent.refresh_from_db()
        _flag_unapplied(intent, actor, refused.code)
    return PaymentNotApplied(
        ErrorCode.PAYMENT_NOT_APPLIED,
        method=intent.get_method_display(),
        amount=intent.amount,
        transaction=intent.transaction_id,
        reason=refused.text(),
    )
