"""Payment adapters (R-CO-2): WeChat Pay and Alipay behind one interface, a simulated provider for the
demo and tests, cash with a receipt number. The amount is always the accepted quote's amount due.

Settings (optional): ``DOORSTEP_PAYMENTS = {"mode": "simulated" | "live", "wechat": {...}, "alipay": {...}}``.
In ``simulated`` mode (the default) electronic payments go to :class:`SimulatedProvider`. In ``live`` mode
the real adapters are used; they are stubs that refuse with a clear message until credentials are set
and the provider integration is written.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import DomainError
from doorstep.orders.models import WorkOrder


@dataclass(frozen=True)
class Charge:
    provider: str
    transaction_id: str
    amount: Decimal


class PaymentProvider(Protocol):
    method: str

    def charge(self, *, order: WorkOrder, amount: Decimal) -> Charge:
        """Collect ``amount`` for ``order``; return the provider's transaction id or raise DomainError."""
        ...


class ProviderNotConfigured(DomainError):
    status = 503


def _config() -> dict[str, Any]:
    return dict(getattr(settings, "DOORSTEP_PAYMENTS", {}) or {})


class SimulatedProvider:
    """Always succeeds; transaction ids look like the provider's (demo and tests)."""

    def __init__(self, method: str) -> None:
        self.method = method

    def charge(self, *, order: WorkOrder, amount: Decimal) -> Charge:
        prefix = {"wechat": "WXSIM", "alipay": "ALISIM"}.get(self.method, "SIM")
        return Charge(
            provider=f"simulated-{self.method}",
            transaction_id=f"{prefix}{secrets.token_hex(6).upper()}",
            amount=amount,
        )


class _LiveProvider:
    method = ""
    label = ""
    required: tuple[str, ...] = ("app_id", "merchant_id", "private_key")

    def charge(self, *, order: WorkOrder, amount: Decimal) -> Charge:
        creds = _config().get(self.method) or {}
        missing = [k for k in self.required if not creds.get(k)]
        if missing:
            raise ProviderNotConfigured(
                "payment_not_configured",
                _(
                    "%(provider)s 未配置（缺少 %(missing)s），"
                    "请在 DOORSTEP_PAYMENTS 中设置商户凭据，或使用现金收款。"
                ),
                provider=self.label,
                missing="、".join(missing),
            )
        raise ProviderNotConfigured(
            "payment_not_implemented", _("%(provider)s 接口尚未接入，请使用现金收款。"), provider=self.label
        )


class WeChatPayProvider(_LiveProvider):
    method = "wechat"
    label = "微信支付"
    required = ("app_id", "mch_id", "api_v3_key", "serial_no", "private_key")


class AlipayProvider(_LiveProvider):
    method = "alipay"
    label = "支付宝"
    required = ("app_id", "private_key", "alipay_public_key")


def provider_for(method: str) -> PaymentProvider:
    if _config().get("mode", "simulated") != "live":
        return SimulatedProvider(method)
    if method == "wechat":
        return WeChatPayProvider()
    if method == "alipay":
        return AlipayProvider()
    raise DomainError("payment_method_invalid", _("请选择收款方式。"), field="method")


def collect(*, order: WorkOrder, method: str, amount: Decimal) -> str:
    """Collect an electronic payment and return the transaction id to record as the receipt number."""
    return provider_for(method).charge(order=order, amount=amount).transaction_id


def payment_take(*, order: WorkOrder, actor: Any, method: str, receipt_no: str = "") -> WorkOrder:
    """Take the payment on site: electronic through the provider, or cash with its receipt number (R-CO-2).

    The amount is the accepted quote's amount due. The move is checked before the provider is charged,
    and the charge is recorded by the move that follows it.
    """
    from doorstep.orders.lifecycle import Action
    from doorstep.orders.services import order_move_check, order_transition
    from doorstep.visits.quote import quote_require_accepted

    # Every check of the move first, so a refused move never leaves a charge with the provider.
    order_move_check(
        order=order, actor=actor, action=Action.PAY, params={"method": method, "receipt_no": receipt_no}
    )
    quote = quote_require_accepted(order)
    if method in ("wechat", "alipay") and quote.due > 0:
        receipt_no = collect(order=order, method=method, amount=quote.due)
    return order_transition(
        order=order, actor=actor, action=Action.PAY, params={"method": method, "receipt_no": receipt_no}
    )
