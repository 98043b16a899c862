"""The live payment providers through their official SDKs (R-CO-2): WeChat Pay API v3 (``wechatpayv3``) and
Alipay (``python-alipay-sdk``).

Each provider: ``prepay`` (the code the customer scans: WeChat Native ``code_url``, Alipay ``qr_code``; or
the H5 / JSAPI variants), ``verify`` of a notification (signature checked against the platform public key,
WeChat's AES-256-GCM resource decrypted; raises :class:`NoticeRejected`), ``query`` (the query-on-timeout
path), ``refund`` and ``statement`` (the day's bill, for the reconciliation). The SDKs check the
signature of every answer too. Credentials come from ``settings.DOORSTEP_PAYMENTS`` (environment only);
``gateway`` points an SDK at another address (the fake servers on loopback in the tests and the demo).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import secrets
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.request import urlopen

from doorstep.core.errors import DomainError, ErrorCode
from doorstep.visits.models import PaymentIntent

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Notice:
    """What a verified notification, a query or a statement line says about one trade."""

    key: str  # our out_trade_no
    transaction_id: str
    amount: Decimal
    paid: bool
    state: str = ""


@dataclass(frozen=True)
class RefundNotice:
    """What a refund's answer, its verified notification or its query says: ``status`` is WeChat Pay's
    (SUCCESS, PROCESSING, ABNORMAL, CLOSED); Alipay's synchronous refund is SUCCESS when accepted."""

    refund_no: str  # our out_refund_no
    key: str  # our out_trade_no
    refund_id: str
    status: str
    amount: Decimal


class NoticeRejected(Exception):
    def __init__(self, reason: str, notice: Notice | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.notice = notice


class ProviderRefused(DomainError):
    status = 502


def fen(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1)))


def _refused(provider: str, detail: Any) -> ProviderRefused:
    return ProviderRefused(ErrorCode.PAYMENT_PROVIDER_REFUSED, provider=provider, detail=str(detail)[:200])


def _subject(intent: PaymentIntent) -> str:
    return f"上门服务 {intent.order.number}"


# --- WeChat Pay API v3 -------------------------------------------------------------------------------------
class WeChatPay:
    name = "wechat"
    label = "微信支付"

    def __init__(self, creds: Mapping[str, Any], *, max_age: float = 300) -> None:
        from wechatpayv3 import WeChatPay as Client
        from wechatpayv3 import WeChatPayType

        self.creds = creds
        self.max_age = max_age
        self.client = Client(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=creds["mch_id"],
            private_key=creds["private_key"],
            cert_serial_no=creds["serial_no"],
            appid=creds["app_id"],
            apiv3_key=creds["api_v3_key"],
            notify_url=creds.get("notify_url") or None,
            public_key=creds["public_key"],
            public_key_id=creds["public_key_id"],
            timeout=(5, 15),
        )
        if creds.get("gateway"):
            self.client._core._gate_way = str(creds["gateway"]).rstrip("/")
        self.types = WeChatPayType

    def _ok(self, code: int, text: Any) -> dict[str, Any]:
        if code not in (200, 204):
            raise _refused(self.label, text)
        return json.loads(text) if text else {}

    def prepay(self, intent: PaymentIntent, *, openid: str = "") -> str:
        """Native (the QR code on the technician's phone), or JSAPI inside WeChat when ``openid`` is given:
        then the answer is the ``prepay_id`` for :meth:`jsapi_params`."""
        kind = self.types.JSAPI if openid else self.types.NATIVE
        code, text = self.client.pay(
            description=_subject(intent),
            out_trade_no=intent.key,
            amount={"total": fen(intent.amount), "currency": "CNY"},
            payer={"openid": openid} if openid else None,
            pay_type=kind,
        )
        answer = self._ok(code, text)
        return str(answer["prepay_id"] if openid else answer["code_url"])

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """The signed parameters WeixinJSBridge's ``getBrandWCPayRequest`` takes inside WeChat."""
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        sign = self.client.sign([self.creds["app_id"], stamp, nonce, package])
        return {
            "appId": self.creds["app_id"],
            "timeStamp": stamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": sign,
        }

    def _notice(self, trade: Mapping[str, Any]) -> Notice:
        amount = (trade.get("amount") or {}).get("total")
        return Notice(
            key=str(trade.get("out_trade_no", "")),
            transaction_id=str(trade.get("transaction_id", "") or ""),
            amount=(Decimal(int(amount)) / 100).quantize(CENT) if amount is not None else Decimal(-1),
            paid=trade.get("trade_state") == "SUCCESS",
            state=str(trade.get("trade_state", "")),
        )

    def verify(self, headers: Mapping[str, Any], body: bytes) -> Notice | RefundNotice:
        """A notification: RSA-SHA256 signature of timestamp, nonce and body against the platform public
        key, a fresh timestamp (an old one is a replay), then the AES-256-GCM resource decrypted."""
        stamp = str(headers.get("HTTP_WECHATPAY_TIMESTAMP", ""))
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > self.max_age:
            raise NoticeRejected("stale_timestamp")
        try:
            data = self.client.callback(headers=dict(headers), body=body.decode("utf-8"))
        except Exception as err:  # unknown algorithm, malformed body: not a notification we can trust
            raise NoticeRejected("signature") from err
        if not data:
            raise NoticeRejected("signature")
        trade = data.get("resource") or {}
        if str(data.get("event_type", "")).startswith("REFUND."):  # a refund's (its resource has no appid)
            if trade.get("mchid") != self.creds["mch_id"]:
                raise NoticeRejected("merchant")
            return self._refund(trade)
        if trade.get("mchid") != self.creds["mch_id"] or trade.get("appid") != self.creds["app_id"]:
            raise NoticeRejected("merchant")
        return self._notice(trade)

    def ack(self) -> tuple[int, str, str]:
        return 204, "application/json", ""

    def nack(self, reason: str) -> tuple[int, str, str]:
        return 400, "application/json", json.dumps({"code": "FAIL", "message": reason})

    def query(self, key: str) -> Notice | None:
        code, text = self.client.query(out_trade_no=key)
        if code == 404:
            return None
        return self._notice(self._ok(code, text))

    def close(self, key: str) -> None:
        """Close an unpaid trade (``POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close``, 204): its
        code or JSAPI package can no longer be paid. A trade paid meanwhile answers ``ORDERPAID``: refused."""
        code, text = self.client.close(out_trade_no=key)
        self._ok(code, text)

    def _refund(self, answer: Mapping[str, Any]) -> RefundNotice:
        """A refund as WeChat Pay describes it: the refund API's and the query's ``status``, the
        notification's ``refund_status``; the amount refunded in fen."""
        refunded = (answer.get("amount") or {}).get("refund")
        return RefundNotice(
            refund_no=str(answer.get("out_refund_no", "")),
            key=str(answer.get("out_trade_no", "")),
            refund_id=str(answer.get("refund_id", "")),
            status=str(answer.get("status") or answer.get("refund_status") or ""),
            amount=(Decimal(int(refunded)) / 100).quantize(CENT) if refunded is not None else Decimal(-1),
        )

    def refund(self, intent: PaymentIntent, refund_no: str, reason: str) -> RefundNotice:
        """Asynchronous: the answer is usually PROCESSING; the result comes by the refund notification (to
        ``refund_notify_url``, else ``notify_url``) or :meth:`refund_query`."""
        code, text = self.client.refund(
            out_refund_no=refund_no,
            amount={"refund": fen(intent.amount), "total": fen(intent.amount), "currency": "CNY"},
            transaction_id=intent.transaction_id,
            reason=reason[:80],
            notify_url=self.creds.get("refund_notify_url") or self.creds.get("notify_url") or None,
        )
        return self._refund(self._ok(code, text))

    def refund_query(self, refund_no: str) -> RefundNotice | None:
        """``GET /v3/refund/domestic/refunds/{out_refund_no}`` (the answer's signature checked by the SDK)."""
        code, text = self.client.query_refund(out_refund_no=refund_no)
        if code == 404:
            return None
        return self._refund(self._ok(code, text))

    def statement(self, day: date) -> list[Notice]:
        """The trade bill of ``day`` (GZIP CSV; each field prefixed with a backtick)."""
        code, text = self.client.trade_bill(bill_date=day.isoformat())
        url = self._ok(code, text)["download_url"]
        code, content = self.client.download_bill(url)
        if code != 200:
            raise _refused(self.label, content)
        raw = content if isinstance(content, bytes) else str(content).encode()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        if not rows:
            return []
        head = [h.strip() for h in rows[0]]
        out = []
        for row in rows[1:]:
            if not row or not row[0].startswith("`"):
                break  # the summary lines follow the trades
            line = dict(zip(head, (c.strip().lstrip("`") for c in row), strict=False))
            state = line.get("交易状态", "")
            out.append(
                Notice(
                    key=line.get("商户订单号", ""),
                    transaction_id=line.get("微信订单号", ""),
                    amount=Decimal(line.get("订单金额") or line.get("应结订单金额") or "0").quantize(CENT),
                    paid=state == "SUCCESS",
                    state=state,
                )
            )
        return out


# --- Alipay ------------------------------------------------------------------------------------------------
class Alipay:
    name = "alipay"
    label = "支付宝"
    PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")

    def __init__(self, creds: Mapping[str, Any], *, max_age: float = 300) -> None:
        from alipay import AliPay
        from alipay.utils import AliPayConfig

        self.creds = creds
        self.client = AliPay(
            appid=creds["app_id"],
            app_notify_url=creds.get("notify_url") or None,
            app_private_key_string=creds["private_key"],
            alipay_public_key_string=creds["alipay_public_key"],
            sign_type="RSA2",
            config=AliPayConfig(timeout=15),
        )
        if creds.get("gateway"):
            self.client._gateway = str(creds["gateway"])

    def _ok(self, answer: Mapping[str, Any]) -> Mapping[str, Any]:
        if str(answer.get("code")) != "10000":
            raise _refused(self.label, answer.get("sub_msg") or answer.get("msg") or answer)
        return answer

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        from alipay.exceptions import AliPayException

        try:
            return dict(fn(*args, **kwargs))
        except AliPayException as err:
            raise _refused(self.label, err) from err

    def prepay(self, intent: PaymentIntent, *, h5: bool = False) -> str:
        """The QR code (``alipay.trade.precreate``), or the H5 page link (``alipay.trade.wap.pay``)."""
        if h5:
            query = self.client.client_api(
                "alipay.trade.wap.pay",
                biz_content={
                    "subject": _subject(intent),
                    "out_trade_no": intent.key,
                    "total_amount": str(intent.amount),
                    "product_code": "QUICK_WAP_WAY",
                },
            )
            return f"{self.client._gateway}?{query}"
        answer = self._ok(
            self._call(
                self.client.api_alipay_trade_precreate,
                subject=_subject(intent),
                out_trade_no=intent.key,
                total_amount=str(intent.amount),
            )
        )
        return str(answer["qr_code"])

    def verify(self, headers: Mapping[str, Any], body: bytes) -> Notice:
        """An asynchronous notification: RSA2 signature over the sorted parameters (``sign`` and
        ``sign_type`` left out) against Alipay's public key."""
        from urllib.parse import parse_qsl

        data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        sign = data.pop("sign", "")
        if not sign:
            raise NoticeRejected("signature")
        try:
            good = self.client.verify(data, sign)
        except Exception as err:
            raise NoticeRejected("signature") from err
        if not good:
            raise NoticeRejected("signature")
        if data.get("app_id") != self.creds["app_id"]:
            raise NoticeRejected("merchant")
        return self._notice(data)

    def _notice(self, data: Mapping[str, Any]) -> Notice:
        try:
            amount = Decimal(str(data.get("total_amount", ""))).quantize(CENT)
        except ArithmeticError:
            amount = Decimal(-1)
        state = str(data.get("trade_status", ""))
        return Notice(
            key=str(data.get("out_trade_no", "")),
            transaction_id=str(data.get("trade_no", "")),
            amount=amount,
            paid=state in self.PAID,
            state=state,
        )

    def ack(self) -> tuple[int, str, str]:
        return 200, "text/plain", "success"

    def nack(self, reason: str) -> tuple[int, str, str]:
        return 400, "text/plain", f"fail: {reason}"

    def query(self, key: str) -> Notice | None:
        answer = self._call(self.client.api_alipay_trade_query, out_trade_no=key)
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return None
        return self._notice(self._ok(answer))

    def refund(self, intent: PaymentIntent, refund_no: str, reason: str) -> RefundNotice:
        """Synchronous: ``code`` 10000 is the refund done (``fund_change`` Y; N when this ``out_request_no``
        was refunded before — a repeat, done all the same), for the refund amount asked."""
        answer = self._ok(
            self._call(
                self.client.api_alipay_trade_refund,
                refund_amount=str(intent.amount),
                out_trade_no=intent.key,
                out_request_no=refund_no,
                refund_reason=reason[:80],
            )
        )
        try:
            refunded = Decimal(str(answer.get("refund_fee", ""))).quantize(CENT)
        except ArithmeticError:
            refunded = Decimal(-1)
        if answer.get("out_trade_no") != intent.key or refunded != intent.amount:
            raise _refused(self.label, f"refund answer for {answer.get('out_trade_no')} ¥{refunded}")
        return RefundNotice(
            refund_no=refund_no,
            key=intent.key,
            refund_id=str(answer.get("trade_no", "")),
            status="SUCCESS",
            amount=refunded,
        )

    def statement(self, day: date) -> list[Notice]:
        """``alipay.data.dataservice.bill.downloadurl.query``: a ZIP of CSV files (GBK), the trade details'
        lines between ``#`` comment lines."""
        answer = self._ok(
            self._call(
                self.client.server_api,
                "alipay.data.dataservice.bill.downloadurl.query",
                biz_content={"bill_type": "trade", "bill_date": day.isoformat()},
            )
        )
        with urlopen(str(answer["bill_download_url"]), timeout=15) as response:
            archive = zipfile.ZipFile(io.BytesIO(response.read()))
        out: list[Notice] = []
        for name in archive.namelist():
            if "汇总" in name:
                continue
            text = archive.read(name).decode("gbk")
            lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
            rows = list(csv.reader(lines))
            if not rows:
                continue
            head = [h.strip() for h in rows[0]]
            for row in rows[1:]:
                line = dict(zip(head, (c.strip() for c in row), strict=False))
                if not line.get("商户订单号"):
                    continue
                kind = line.get("业务类型", "")
                out.append(
                    Notice(
                        key=line["商户订单号"],
                        transaction_id=line.get("支付宝交易号", ""),
                        amount=Decimal(line.get("订单金额（元）") or "0").quantize(CENT),
                        paid=kind == "交易",
                        state="SUCCESS" if kind == "交易" else "REFUND",
                    )
                )
        return out


Provider = WeChatPay | Alipay
