"""Fake WeChat Pay (API v3) and Alipay servers on loopback, speaking the real wire format, with keys
generated here for each run (nothing secret in the repository).

WeChat Pay v3: every request's ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,signature=…`` is checked
against the merchant's public key; every answer is signed (``Wechatpay-Signature/-Timestamp/-Nonce/-Serial``)
with the platform key, whose public key the SDK is given (the "微信支付公钥" mode, ``PUB_KEY_ID_…``);
notifications carry the transaction encrypted with AES-256-GCM under the APIv3 key. Alipay: the gateway
checks the RSA2 signature of the sorted parameters and signs its JSON answers; its notifications are
form posts signed the same way. Both are idempotent on the merchant's order number, like the real ones.

``pay(key)`` is the customer paying; ``notification(key)`` the signed notice the provider would post (to be
tampered with by the tests); ``deliver(key)`` posts it to the ``notify_url`` the merchant gave.
``checkout_url(key)`` is a page standing for the customer's phone after scanning the code.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import secrets
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from urllib.request import Request, urlopen

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MCH_ID, WX_APP_ID, PUB_KEY_ID, MCH_SERIAL = (
    "1900000109",
    "wxd678efh567hg6787",
    "PUB_KEY_ID_0119000001",
    "5157F09E",
)
ALI_APP_ID = "2021000000000001"


_KEYS: dict[str, tuple[rsa.RSAPrivateKey, str, str]] = {}


def keypair(name: str = "") -> tuple[rsa.RSAPrivateKey, str, str]:
    """A fresh RSA-2048 key pair (private key, its PKCS#8 PEM, the public PEM); a named one is generated
    once per test run (generating four per test would dominate the suite's time)."""
    if name and name in _KEYS:
        return _KEYS[name]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    if name:
        _KEYS[name] = (key, private, public)
    return key, private, public


def _sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _verify(public_pem: str, text: str, signature: str) -> bool:
    public = serialization.load_pem_public_key(public_pem.encode())
    try:
        public.verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class Trade:
    key: str
    total: int  # fen
    notify_url: str
    token: str
    method: str  # wechat | alipay
    state: str = "NOTPAY"
    transaction_id: str = ""
    paid_at: float = 0.0
    refunds: dict[str, int] = field(default_factory=dict)
    kind: str = ""  # WeChat Pay's trade type: NATIVE | JSAPI
    openid: str = ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: Any


class Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        self.server.fake.handle(self, "GET", b"")

    def do_POST(self) -> None:
        self.server.fake.handle(self, "POST", self._body())

    def answer(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class FakePay:
    """Both providers behind one loopback server: WeChat Pay under ``/v3/``, Alipay at ``/gateway.do``."""

    def __init__(self, *, fresh: bool = False) -> None:
        def pair(name: str) -> tuple[rsa.RSAPrivateKey, str, str]:
            return keypair("" if fresh else name)

        self.merchant_key, self.merchant_private, self.merchant_public = pair("merchant")
        self.platform_key, self.platform_private, self.platform_public = pair("platform")
        self.app_key, self.app_private, self.app_public = pair("app")  # the Alipay application's
        self.alipay_key, self.alipay_private, self.alipay_public = pair("alipay")
        self.api_v3_key = secrets.token_hex(16)  # 32 characters
        self.trades: dict[str, Trade] = {}
        self.refused: list[str] = []  # requests with a bad signature
        # WeChat Pay's refunds, asynchronous: out_refund_no -> (out_trade_no, status, notify_url)
        self.refund_states: dict[str, list[str]] = {}
        self.calls: list[str] = []
        self.base = ""
        self._seq = 0
        self.lock = threading.Lock()

    # --- configuration for DOORSTEP_PAYMENTS --------------------------------------------------------------
    def settings(self, notify_base: str) -> dict[str, Any]:
        return {
            "mode": "live",
            "notice_max_age_seconds": 300,
            "query_after_seconds": 120,
            "wechat": {
                "mch_id": MCH_ID,
                "app_id": WX_APP_ID,
                "api_v3_key": self.api_v3_key,
                "serial_no": MCH_SERIAL,
                "private_key": self.merchant_private,
                "public_key": self.platform_public,
                "public_key_id": PUB_KEY_ID,
                "notify_url": f"{notify_base}/hooks/pay/wechat/",
                "gateway": self.base,
            },
            "alipay": {
                "app_id": ALI_APP_ID,
                "private_key": self.app_private,
                "alipay_public_key": self.alipay_public,
                "notify_url": f"{notify_base}/hooks/pay/alipay/",
                "gateway": f"{self.base}/gateway.do",
            },
        }

    # --- the customer pays --------------------------------------------------------------------------------
    def _next_id(self, prefix: str) -> str:
        with self.lock:
            self._seq += 1
            return f"{prefix}{time.strftime('%Y%m%d')}{self._seq:010d}"

    def pay(self, key: str) -> Trade:
        trade = self.trades[key]
        if trade.state != "SUCCESS":
            trade.state = "SUCCESS"
            trade.transaction_id = self._next_id("42000" if trade.method == "wechat" else "2026")
            trade.paid_at = time.time()
        return trade

    def checkout_url(self, key: str) -> str:
        return f"{self.base}/checkout/{self.trades[key].token}"

    # --- notifications ------------------------------------------------------------------------------------
    def _wx_headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": PUB_KEY_ID,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Wechatpay-Signature": _sign(self.platform_key, f"{stamp}\n{nonce}\n{body}\n"),
        }

    def _wx_trade(self, trade: Trade, total: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "appid": WX_APP_ID,
            "mchid": MCH_ID,
            "out_trade_no": trade.key,
            "trade_state": trade.state,
            "trade_state_desc": "支付成功" if trade.state == "SUCCESS" else "订单未支付",
            "amount": {"total": trade.total if total is None else total, "currency": "CNY"},
        }
        if trade.state == "SUCCESS":
            out.update(
                transaction_id=trade.transaction_id,
                trade_type=trade.kind or "NATIVE",
                bank_type="OTHERS",
                success_time=time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.localtime(trade.paid_at)),
                payer={"openid": trade.openid or "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            )
            out["amount"]["payer_total"] = out["amount"]["total"]
        return out

    def notification(
        self, key: str, *, total: int | None = None, timestamp: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The signed notice the provider posts for a paid trade (``total``: a different amount, signed)."""
        trade = self.trades[key]
        if trade.method == "alipay":
            return self._ali_notification(trade, total)
        plain = json.dumps(self._wx_trade(trade, total), ensure_ascii=False).encode()
        nonce = secrets.token_hex(6)  # 12 characters
        cipher = AESGCM(self.api_v3_key.encode()).encrypt(nonce.encode(), plain, b"transaction")
        body = json.dumps(
            {
                "id": secrets.token_hex(16),
                "create_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": {
                    "original_type": "transaction",
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(cipher).decode(),
                    "associated_data": "transaction",
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        return self._wx_headers(body, timestamp=timestamp), body.encode()

    def _ali_notification(self, trade: Trade, total: int | None) -> tuple[dict[str, str], bytes]:
        amount = f"{Decimal(trade.total if total is None else total) / 100:.2f}"
        params = {
            "notify_time": time.strftime("%Y-%m-%d %H:%M:%S"),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "app_id": ALI_APP_ID,
            "charset": "utf-8",
            "version": "1.0",
            "trade_no": trade.transaction_id,
            "out_trade_no": trade.key,
            "trade_status": "TRADE_SUCCESS",
            "total_amount": amount,
            "receipt_amount": amount,
            "gmt_payment": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(trade.paid_at)),
        }
        unsigned = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params.update(sign_type="RSA2", sign=_sign(self.alipay_key, unsigned))
        return {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, urlencode(
            params
        ).encode()

    # --- refunds (WeChat Pay: asynchronous) --------------------------------------------------------------
    def _wx_refund(
        self, refund_no: str, *, notice: bool = False, refund: int | None = None
    ) -> dict[str, Any]:
        key, status, _url = self.refund_states[refund_no]
        trade = self.trades[key]
        out: dict[str, Any] = {
            "refund_id": f"50300{sum(map(ord, refund_no)) % 10**12:012d}",
            "out_refund_no": refund_no,
            "transaction_id": trade.transaction_id,
            "out_trade_no": key,
            "amount": {
                "total": trade.total,
                "refund": trade.refunds[refund_no] if refund is None else refund,
                "payer_total": trade.total,
                "payer_refund": trade.refunds[refund_no] if refund is None else refund,
            },
        }
        if notice:  # the notification's resource: mchid, refund_status, no appid
            out.update(mchid=MCH_ID, refund_status=status, user_received_account="支付用户零钱")
            if status == "SUCCESS":
                out["success_time"] = time.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        else:
            out.update(channel="ORIGINAL", user_received_account="支付用户零钱", status=status)
            out["amount"]["currency"] = "CNY"
        return out

    def refund_end(self, refund_no: str, status: str = "SUCCESS") -> None:
        """WeChat Pay finishes the refund: SUCCESS, ABNORMAL (the customer's card cancelled …) or CLOSED."""
        self.refund_states[refund_no][1] = status

    def refund_notification(
        self, refund_no: str, *, refund: int | None = None, timestamp: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The signed refund notice (``REFUND.SUCCESS`` / ``REFUND.ABNORMAL`` / ``REFUND.CLOSED``), its
        resource encrypted like a payment's (``associated_data`` "refund")."""
        status = self.refund_states[refund_no][1]
        plain = json.dumps(
            self._wx_refund(refund_no, notice=True, refund=refund), ensure_ascii=False
        ).encode()
        nonce = secrets.token_hex(6)
        cipher = AESGCM(self.api_v3_key.encode()).encrypt(nonce.encode(), plain, b"refund")
        body = json.dumps(
            {
                "id": secrets.token_hex(16),
                "create_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                "resource_type": "encrypt-resource",
                "event_type": f"REFUND.{status}",
                "summary": "退款成功" if status == "SUCCESS" else "退款异常",
                "resource": {
                    "original_type": "refund",
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(cipher).decode(),
                    "associated_data": "refund",
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        return self._wx_headers(body, timestamp=timestamp), body.encode()

    def bridge_pay(self, params: dict[str, str], *, notify: bool = True) -> int:
        """What WeChat's client does with ``WeixinJSBridge.invoke("getBrandWCPayRequest", params)``: checks
        the merchant's ``paySign`` (RSA-SHA256 of appId, timeStamp, nonceStr and package), lets the customer
        pay the prepaid trade, and WeChat Pay posts its notification. The notification's HTTP status (0: paid,
        not notified), or -1 when the client refused the parameters (the page then hears
        ``get_brand_wcpay_request:fail``)."""
        signed = ("appId", "timeStamp", "nonceStr", "package")
        text = "".join(f"{params.get(name)}\n" for name in signed)
        if params.get("appId") != WX_APP_ID or params.get("signType") != "RSA":
            return -1
        if not _verify(self.merchant_public, text, str(params.get("paySign", ""))):
            return -1
        token = str(params.get("package", "")).removeprefix("prepay_id=wx")
        trade = next((t for t in self.trades.values() if t.token == token and t.kind == "JSAPI"), None)
        if trade is None or trade.state == "CLOSED":  # a closed trade cannot be paid
            return -1
        self.pay(trade.key)
        return self.deliver(trade.key) if notify else 0

    def deliver(self, key: str) -> int:
        headers, body = self.notification(key)
        request = Request(self.trades[key].notify_url, data=body, headers=headers, method="POST")
        headers.setdefault("Content-Type", "application/json")
        request.add_header("Content-Type", headers["Content-Type"])
        try:
            with urlopen(request, timeout=10) as response:
                return int(response.status)
        except Exception as err:  # HTTPError carries the status
            return int(getattr(err, "code", 0))

    # --- statements ---------------------------------------------------------------------------------------
    def _wx_bill(self, day: date) -> bytes:
        head = (
            "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
            "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
            "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
        )
        lines = [head]
        for t in self.trades.values():
            if t.method != "wechat" or t.state != "SUCCESS":
                continue
            amount = f"{Decimal(t.total) / 100:.2f}"
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t.paid_at))
            cells = [stamp, WX_APP_ID, MCH_ID, "0", "", t.transaction_id, t.key, "oUpF8u", "NATIVE"]
            cells += ["SUCCESS", "OTHERS", "CNY", amount, "0.00", "0", "0", "0.00", "0.00", "", ""]
            cells += ["上门服务", "", "0.00", "0.60%", amount, "0.00", ""]
            lines.append(",".join(f"`{c}" for c in cells))
        lines.append(
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
        )
        lines.append("`0,`0.00,`0.00,`0.00,`0.00,`0.00,`0.00")
        return gzip.compress("\n".join(lines).encode())

    def _ali_bill(self, day: date) -> bytes:
        head = (
            "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
            "对方账户,订单金额（元）,商家实收（元）"
        )
        lines = [
            "#支付宝业务明细查询",
            f"#账号：[{ALI_APP_ID}]",
            f"#起始日期：[{day}]",
            "#-----------------业务明细列表----------------",
            head,
        ]
        for t in self.trades.values():
            if t.method != "alipay" or t.state != "SUCCESS":
                continue
            amount = f"{Decimal(t.total) / 100:.2f}"
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t.paid_at))
            lines.append(
                f"{t.transaction_id},{t.key},交易,上门服务,{stamp},{stamp},,,,,buyer@example.com,{amount},{amount}"
            )
        lines.append("#-----------------业务明细列表结束------------")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(f"{ALI_APP_ID}_{day:%Y%m%d}_业务明细.csv", "\n".join(lines).encode("gbk"))
            z.writestr(f"{ALI_APP_ID}_{day:%Y%m%d}_业务明细(汇总).csv", "#汇总".encode("gbk"))
        return buf.getvalue()

    # --- the HTTP side ------------------------------------------------------------------------------------
    def handle(self, h: Handler, method: str, body: bytes) -> None:
        url = urlsplit(h.path)
        self.calls.append(f"{method} {url.path}")
        if url.path.startswith("/checkout/"):
            return self._checkout(h, method, url.path.rsplit("/", 1)[-1])
        if url.path == "/gateway.do":
            return self._alipay(h, dict(parse_qsl(url.query, keep_blank_values=True)))
        if url.path.startswith("/alipay-bill/"):
            day = date.fromisoformat(url.path.rsplit("/", 1)[-1])
            return h.answer(200, self._ali_bill(day), "application/zip")
        if url.path == "/v3/billdownload/file":
            day = date.fromisoformat(dict(parse_qsl(url.query))["bill_date"])
            return h.answer(200, self._wx_bill(day), "application/octet-stream")
        if not self._wx_authorized(h, method, body):
            self.refused.append(h.path)
            return self._wx(h, 401, {"code": "SIGN_ERROR", "message": "签名错误"})
        return self._wechat(h, method, url.path, dict(parse_qsl(url.query)), body)

    def _wx_authorized(self, h: Handler, method: str, body: bytes) -> bool:
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        parts = dict(p.split("=", 1) for p in auth[len("WECHATPAY2-SHA256-RSA2048 ") :].split(","))
        parts = {k: v.strip('"') for k, v in parts.items()}
        text = f"{method}\n{h.path}\n{parts.get('timestamp')}\n{parts.get('nonce_str')}\n{body.decode()}\n"
        return (
            parts.get("mchid") == MCH_ID
            and parts.get("serial_no") == MCH_SERIAL
            and _verify(self.merchant_public, text, parts.get("signature", ""))
        )

    def _wx(self, h: Handler, status: int, payload: dict[str, Any] | None) -> None:
        body = json.dumps(payload, ensure_ascii=False) if payload is not None else ""
        h.answer(status, body.encode(), "application/json", self._wx_headers(body))

    def _wechat(self, h: Handler, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        data = json.loads(body or b"{}")
        trade: Trade | None
        if method == "POST" and path in ("/v3/pay/transactions/native", "/v3/pay/transactions/jsapi"):
            if data.get("mchid") != MCH_ID or data.get("appid") != WX_APP_ID:
                return self._wx(h, 400, {"code": "PARAM_ERROR", "message": "mchid与appid不匹配"})
            key = data["out_trade_no"]
            trade = self.trades.setdefault(
                key,
                Trade(key, int(data["amount"]["total"]), data["notify_url"], secrets.token_hex(8), "wechat"),
            )
            if trade.total != int(data["amount"]["total"]):
                return self._wx(h, 400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"})
            if trade.state == "SUCCESS":
                return self._wx(h, 400, {"code": "ORDERPAID", "message": "该订单已支付"})
            kind = "JSAPI" if path.endswith("jsapi") else "NATIVE"
            if trade.kind and trade.kind != kind:  # one trade number, one trade type
                return self._wx(h, 400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"})
            if kind == "JSAPI" and not (data.get("payer") or {}).get("openid"):
                return self._wx(h, 400, {"code": "PARAM_ERROR", "message": "JSAPI支付必须传openid"})
            trade.kind, trade.openid = kind, str((data.get("payer") or {}).get("openid", ""))
            if path.endswith("jsapi"):
                return self._wx(h, 200, {"prepay_id": f"wx{trade.token}"})
            return self._wx(h, 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={trade.token}"})
        if (
            method == "POST"
            and path.startswith("/v3/pay/transactions/out-trade-no/")
            and path.endswith("/close")
        ):
            trade = self.trades.get(path.split("/")[-2])
            if data.get("mchid") != MCH_ID:
                return self._wx(h, 400, {"code": "PARAM_ERROR", "message": "mchid不正确"})
            if trade is None:
                return self._wx(h, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            if trade.state == "SUCCESS":
                return self._wx(h, 400, {"code": "ORDERPAID", "message": "该订单已支付"})
            trade.state = "CLOSED"
            return self._wx(h, 204, None)
        if method == "GET" and path.startswith("/v3/pay/transactions/out-trade-no/"):
            trade = self.trades.get(path.rsplit("/", 1)[-1])
            if trade is None or query.get("mchid") != MCH_ID:
                return self._wx(h, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            return self._wx(h, 200, self._wx_trade(trade))
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            trade = next(
                (t for t in self.trades.values() if t.transaction_id == data.get("transaction_id")), None
            )
            if trade is None or trade.state != "SUCCESS":
                return self._wx(h, 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
            refund = int(data["amount"]["refund"])
            if refund > trade.total:
                return self._wx(h, 400, {"code": "INVALID_REQUEST", "message": "退款金额超过订单金额"})
            trade.refunds.setdefault(data["out_refund_no"], refund)
            notify = str(data.get("notify_url") or trade.notify_url)
            self.refund_states.setdefault(data["out_refund_no"], [trade.key, "PROCESSING", notify])
            return self._wx(h, 200, self._wx_refund(data["out_refund_no"]))
        if method == "GET" and path.startswith("/v3/refund/domestic/refunds/"):
            if path.rsplit("/", 1)[-1] not in self.refund_states:
                return self._wx(h, 404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
            return self._wx(h, 200, self._wx_refund(path.rsplit("/", 1)[-1]))
        if method == "GET" and path == "/v3/bill/tradebill":
            day = query.get("bill_date", "")
            return self._wx(
                h,
                200,
                {
                    "download_url": f"{self.base}/v3/billdownload/file?bill_date={day}",
                    "hash_type": "SHA1",
                    "hash_value": "",
                },
            )
        return self._wx(h, 404, {"code": "NOT_FOUND", "message": "not found"})

    # Alipay: GET gateway.do?…&sign=…; the answer {"<method>_response": {...}, "sign": "…"}
    def _ali(self, h: Handler, method: str, payload: dict[str, Any]) -> None:
        inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        name = method.replace(".", "_") + "_response"
        body = f'{{"{name}":{inner},"sign":"{_sign(self.alipay_key, inner)}"}}'
        h.answer(200, body.encode(), "application/json;charset=utf-8")

    def _alipay(self, h: Handler, params: dict[str, str]) -> None:
        method = params.get("method", "")
        sign = params.pop("sign", "")
        unsigned = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        if params.get("app_id") != ALI_APP_ID or not _verify(self.app_public, unsigned, sign):
            self.refused.append(method)
            return self._ali(
                h,
                method,
                {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": "isv.invalid-signature",
                    "sub_msg": "验签出错",
                },
            )
        biz = json.loads(params.get("biz_content") or "{}")
        trade: Trade | None
        key = biz.get("out_trade_no", "")
        if method == "alipay.trade.precreate":
            total = int(Decimal(biz["total_amount"]) * 100)
            trade = self.trades.setdefault(
                key, Trade(key, total, params.get("notify_url", ""), secrets.token_hex(8), "alipay")
            )
            return self._ali(
                h,
                method,
                {
                    "code": "10000",
                    "msg": "Success",
                    "out_trade_no": key,
                    "qr_code": f"https://qr.alipay.com/bax{trade.token}",
                },
            )
        if method == "alipay.trade.query":
            trade = self.trades.get(key)
            if trade is None:
                return self._ali(
                    h,
                    method,
                    {
                        "code": "40004",
                        "msg": "Business Failed",
                        "sub_code": "ACQ.TRADE_NOT_EXIST",
                        "sub_msg": "交易不存在",
                    },
                )
            status = "TRADE_SUCCESS" if trade.state == "SUCCESS" else "WAIT_BUYER_PAY"
            return self._ali(
                h,
                method,
                {
                    "code": "10000",
                    "msg": "Success",
                    "out_trade_no": key,
                    "trade_no": trade.transaction_id,
                    "trade_status": status,
                    "total_amount": f"{Decimal(trade.total) / 100:.2f}",
                },
            )
        if method == "alipay.trade.refund":
            trade = self.trades.get(key)
            if trade is None or trade.state != "SUCCESS":
                return self._ali(
                    h,
                    method,
                    {
                        "code": "40004",
                        "msg": "Business Failed",
                        "sub_code": "ACQ.TRADE_NOT_EXIST",
                        "sub_msg": "交易不存在",
                    },
                )
            trade.refunds.setdefault(biz.get("out_request_no", ""), int(Decimal(biz["refund_amount"]) * 100))
            return self._ali(
                h,
                method,
                {
                    "code": "10000",
                    "msg": "Success",
                    "out_trade_no": key,
                    "trade_no": trade.transaction_id,
                    "refund_fee": biz["refund_amount"],
                    "fund_change": "Y",
                },
            )
        if method == "alipay.data.dataservice.bill.downloadurl.query":
            return self._ali(
                h,
                method,
                {
                    "code": "10000",
                    "msg": "Success",
                    "bill_download_url": f"{self.base}/alipay-bill/{biz['bill_date']}",
                },
            )
        return self._ali(
            h, method, {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"}
        )

    def _checkout(self, h: Handler, method: str, token: str) -> None:
        trade = next((t for t in self.trades.values() if t.token == token), None)
        if trade is None:
            return h.answer(404, "订单不存在".encode(), "text/html; charset=utf-8")
        if method == "POST":
            self.pay(trade.key)
            status = self.deliver(trade.key)
            page = f"<h1 id='paid'>支付成功</h1><p id='notify-status'>{status}</p>"
        else:
            page = (
                f"<h1>{'微信支付' if trade.method == 'wechat' else '支付宝'}</h1>"
                f"<p id='amount'>¥{Decimal(trade.total) / 100:.2f}</p>"
                f"<form method='post'><button id='confirm-pay' type='submit'>确认支付</button></form>"
            )
        h.answer(200, f"<!doctype html><meta charset='utf-8'>{page}".encode(), "text/html; charset=utf-8")


@contextmanager
def fake_pay() -> Iterator[FakePay]:
    fake = FakePay()
    server = _Server(("127.0.0.1", 0), Handler)
    server.fake = fake
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
