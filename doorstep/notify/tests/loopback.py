"""Fake Alibaba Cloud SMS, Tencent Cloud SMS and WeChat servers on loopback, speaking the real wire format.

Each checks what the real one checks: Alibaba Cloud's ``ACS3-HMAC-SHA256`` signature over the canonical
request, Tencent Cloud's ``TC3-HMAC-SHA256`` signature, WeChat's access token; each answers with the real
fields and error codes. ``mode[provider]`` picks the answer: ``ok``, ``down`` (HTTP 503 / InternalError),
``throttled`` or ``invalid``. Like the real gateways they remember the caller's idempotency key (``OutId``,
``SessionContext``) and do not send a message twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

AK, AK_SECRET = "test-ak", "test-ak-secret"
TC_ID, TC_KEY = "test-secret-id", "test-secret-key"
WX_APP, WX_SECRET = "wx-test-app", "wx-test-secret"


@dataclass
class State:
    mode: dict[str, str] = field(default_factory=lambda: {"aliyun": "ok", "tencent": "ok", "wechat": "ok"})
    sent: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"aliyun": {}, "tencent": {}, "wechat": {}}
    )
    refused: list[str] = field(default_factory=list)  # bad signatures
    requests: list[str] = field(default_factory=list)  # every SendSms's idempotency key, repeats included
    delay: float = 0.0  # seconds each answer takes (a slow gateway)
    # WeChat web authorisation (snsapi_base): the WeChat user in the browser, the codes issued and used
    oauth_user: str = "o-oauth-customer-1"
    oauth_codes: dict[str, str] = field(default_factory=dict)  # code -> openid
    oauth_used: set[str] = field(default_factory=set)


def _aliyun_ok(handler: Handler, query: dict[str, str], body: bytes) -> bool:
    auth = handler.headers.get("Authorization", "")
    try:
        algo, rest = auth.split(" ", 1)
        parts = dict(p.split("=", 1) for p in rest.split(","))
    except ValueError:
        return False
    signed = parts.get("SignedHeaders", "").split(";")
    canon_query = "&".join(f"{k}={quote(query[k], safe='~')}" for k in sorted(query))
    canon_headers = "".join(f"{h}:{(handler.headers.get(h) or '').strip()}\n" for h in signed)
    payload = hashlib.sha256(body).hexdigest()
    if handler.headers.get("x-acs-content-sha256") != payload:
        return False
    path = urlsplit(handler.path).path or "/"
    request = f"POST\n{path}\n{canon_query}\n{canon_headers}\n{';'.join(signed)}\n{payload}"
    to_sign = f"{algo}\n{hashlib.sha256(request.encode()).hexdigest()}"
    expected = hmac.new(AK_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return algo == "ACS3-HMAC-SHA256" and parts.get("Credential") == AK and parts.get("Signature") == expected


def _tc3_ok(handler: Handler, body: bytes) -> bool:
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("TC3-HMAC-SHA256 "):
        return False
    parts = dict(p.strip().split("=", 1) for p in auth[len("TC3-HMAC-SHA256 ") :].split(","))
    cred = parts.get("Credential", "").split("/")
    if len(cred) != 4 or cred[0] != TC_ID:
        return False
    _id, date, service, _ = cred
    canonical = (
        f"POST\n/\n\ncontent-type:{handler.headers.get('Content-Type')}\nhost:{handler.headers.get('Host')}\n\n"
        f"content-type;host\n{hashlib.sha256(body).hexdigest()}"
    )
    ts = handler.headers.get("X-TC-Timestamp", "")
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    k = sign(sign(sign(("TC3" + TC_KEY).encode(), date), service), "tc3_request")
    return parts.get("Signature") == hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()


class Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, status: int, data: Any) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # WeChat access token, web authorisation
        url = urlsplit(self.path)
        q = dict(parse_qsl(url.query))
        if url.path.endswith("/cgi-bin/token"):
            if q.get("appid") == WX_APP and q.get("secret") == WX_SECRET:
                return self._json(200, {"access_token": "fake-token", "expires_in": 7200})
            return self._json(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
        if url.path == "/connect/oauth2/authorize":
            return self._authorize(q)
        if url.path == "/sns/oauth2/access_token":
            return self._oauth_token(q)
        return self._json(404, {})

    def _authorize(self, q: dict[str, str]) -> None:
        """What WeChat's client does with the authorisation link (``snsapi_base`` is silent): a code for the
        WeChat user in the browser, and back to ``redirect_uri`` with ``code`` and ``state``."""
        if q.get("appid") != WX_APP or q.get("response_type") != "code" or q.get("scope") != "snsapi_base":
            return self._json(200, {"errcode": 10003, "errmsg": "redirect_uri域名与后台配置不一致"})
        code = f"0{len(self.state.oauth_codes) + 1:03d}{int(time.time() * 1000) % 10**9:09d}"
        self.state.oauth_codes[code] = self.state.oauth_user
        back = q["redirect_uri"] + ("&" if "?" in q["redirect_uri"] else "?")
        self.send_response(302)
        self.send_header("Location", f"{back}code={quote(code)}&state={quote(q.get('state', ''))}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _oauth_token(self, q: dict[str, str]) -> None:
        """``sns/oauth2/access_token``: the code (valid once, 5 minutes) for the OpenID; the real errors."""
        if q.get("appid") != WX_APP:
            return self._json(200, {"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != WX_SECRET:
            return self._json(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
        if q.get("grant_type") != "authorization_code":
            return self._json(200, {"errcode": 40002, "errmsg": "invalid grant_type"})
        code = q.get("code", "")
        if code in self.state.oauth_used:
            return self._json(200, {"errcode": 40163, "errmsg": "code been used"})
        if code not in self.state.oauth_codes:
            return self._json(200, {"errcode": 40029, "errmsg": "invalid code"})
        self.state.oauth_used.add(code)
        openid = self.state.oauth_codes[code]
        return self._json(
            200,
            {
                "access_token": f"oauth-{code}",
                "expires_in": 7200,
                "refresh_token": f"refresh-{code}",
                "openid": openid,
                "scope": "snsapi_base",
            },
        )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        if url.path.endswith("/cgi-bin/message/template/send"):
            return self._wechat(dict(parse_qsl(url.query)), json.loads(body or b"{}"))
        if self.headers.get("X-TC-Action") == "SendSms":
            return self._tencent(body)
        if self.headers.get("x-acs-action") == "SendSms":
            return self._aliyun(dict(parse_qsl(url.query, keep_blank_values=True)), body)
        return self._json(404, {})

    def _aliyun(self, q: dict[str, str], body: bytes) -> None:
        rid = "A-REQ"
        if self.state.delay:
            time.sleep(self.state.delay)
        if not _aliyun_ok(self, q, body):
            self.state.refused.append("aliyun")
            return self._json(
                400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature", "RequestId": rid}
            )
        mode = self.state.mode["aliyun"]
        if mode == "down":
            return self._json(503, {"Code": "ServiceUnavailable", "Message": "down", "RequestId": rid})
        if not q.get("PhoneNumbers", "").isdigit() or len(q["PhoneNumbers"]) != 11 or mode == "invalid":
            return self._json(
                200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": rid}
            )
        if mode == "throttled":
            return self._json(
                200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控", "RequestId": rid}
            )
        for k in ("SignName", "TemplateCode", "TemplateParam"):
            if not q.get(k):
                return self._json(200, {"Code": "isv.INVALID_PARAMETERS", "Message": k, "RequestId": rid})
        sent = self.state.sent["aliyun"]
        key = q.get("OutId") or f"n{len(sent)}"
        self.state.requests.append(key)
        entry = sent.setdefault(key, {**q, "BizId": f"biz-{len(sent) + 1}"})
        return self._json(200, {"Code": "OK", "Message": "OK", "BizId": entry["BizId"], "RequestId": rid})

    def _tencent(self, body: bytes) -> None:
        def error(code: str, msg: str) -> None:
            self._json(200, {"Response": {"Error": {"Code": code, "Message": msg}, "RequestId": "T-REQ"}})

        if not _tc3_ok(self, body):
            self.state.refused.append("tencent")
            return error("AuthFailure.SignatureFailure", "bad signature")
        mode = self.state.mode["tencent"]
        if mode == "down":
            return error("InternalError.Timeout", "down")
        p = json.loads(body)
        phone = p["PhoneNumberSet"][0]
        code, msg = "Ok", "send success"
        if mode == "invalid" or not (phone.startswith("+86") and len(phone) == 14):
            code, msg = "InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number"
        elif mode == "throttled":
            code, msg = "LimitExceeded.PhoneNumberThirtySecondLimit", "30 second limit"
        serial = ""
        if code == "Ok":
            sent = self.state.sent["tencent"]
            key = p.get("SessionContext") or f"n{len(sent)}"
            serial = sent.setdefault(key, {**p, "SerialNo": f"serial-{len(sent) + 1}"})["SerialNo"]
        status = {
            "SerialNo": serial,
            "PhoneNumber": phone,
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": p.get("SessionContext", ""),
            "Code": code,
            "Message": msg,
            "IsoCode": "CN",
        }
        return self._json(200, {"Response": {"SendStatusSet": [status], "RequestId": "T-REQ"}})

    def _wechat(self, q: dict[str, str], p: dict[str, Any]) -> None:
        if q.get("access_token") != "fake-token":
            return self._json(200, {"errcode": 40001, "errmsg": "invalid credential"})
        mode = self.state.mode["wechat"]
        answers = {
            "down": (-1, "system error"),
            "throttled": (45009, "reach max api daily quota limit"),
            "invalid": (43004, "require subscribe"),
        }
        if mode in answers:
            code, msg = answers[mode]
            return self._json(200, {"errcode": code, "errmsg": msg})
        sent = self.state.sent["wechat"]
        msgid = len(sent) + 1
        sent[str(msgid)] = p
        return self._json(200, {"errcode": 0, "errmsg": "ok", "msgid": msgid})


CENTRES = {
    "default": {
        "sign": "安可服务",
        "aliyun": {"order_received": "SMS_100001", "unreachable": "SMS_100002"},
        "tencent": {"order_received": "1000001", "unreachable": "1000002"},
        "wechat": {"order_received": "tmpl-received"},
    }
}


@contextmanager
def serving() -> Iterator[tuple[State, str]]:
    """The fakes on a free loopback port: (their state, host:port)."""
    state = State()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def fake_providers(settings: Any) -> Iterator[State]:
    """Start the fakes on a free loopback port and point the SDKs' settings at them."""
    with serving() as (state, host):
        _point(settings, host)
        yield state


def _point(settings: Any, host: str) -> None:
    settings.DOORSTEP_ALIYUN_SMS = {
        "access_key_id": AK,
        "access_key_secret": AK_SECRET,
        "endpoint": host,
        "protocol": "http",
    }
    settings.DOORSTEP_TENCENT_SMS = {
        "secret_id": TC_ID,
        "secret_key": TC_KEY,
        "sdk_app_id": "1400000000",
        "region": "ap-guangzhou",
        "endpoint": host,
        "protocol": "http",
    }
    settings.DOORSTEP_WECHAT_MP = {
        "app_id": WX_APP,
        "app_secret": WX_SECRET,
        "api_base": f"http://{host}/cgi-bin/",
        "oauth_base": f"http://{host}/connect/",  # web authorisation (snsapi_base)
        "oauth_api_base": f"http://{host}/",
    }
    settings.DOORSTEP_SMS_CENTRES = CENTRES
