"""The real SDKs against fake providers on loopback speaking their wire format (signatures checked):
success, provider down → failover, both down → retry, invalid number → no retry, throttling; WeChat;
a partner webhook signed with HMAC."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from doorstep.core import clock
from doorstep.notify.models import Channel, Message, State, WebhookEndpoint
from doorstep.notify.outbox import Draft, deliver_due, enqueue
from doorstep.notify.tests.loopback import fake_providers

pytestmark = pytest.mark.django_db


def _sms(
    phone: str = "+8613800138000", channel: str = Channel.SMS, occasion: str = "event:1", **over
) -> Message:  # type: ignore[no-untyped-def]
    draft = Draft(
        template="order_received",
        channel=channel,
        recipient=phone,
        occasion=occasion,
        text="【安可空调】您好，您的报修已受理。",
        params=[["number", "W1"], ["link", "https://x.invalid/t/1"]],
        order_number="W1",
        to_phone=phone,
        link="https://x.invalid/t/1",
        **over,
    )
    return enqueue(draft)[0]


@pytest.fixture
def fakes(settings):  # type: ignore[no-untyped-def]
    with fake_providers(settings) as state:
        settings.DOORSTEP_NOTIFY_PROVIDERS = {
            "sms": ["aliyun", "tencent"],
            "wechat": ["wechat"],
            "webhook": ["webhook"],
        }
        yield state


def test_aliyun_sends_with_a_verified_signature(fakes) -> None:  # type: ignore[no-untyped-def]
    msg = _sms()
    deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT and msg.provider == "aliyun" and msg.provider_ref == "biz-1"
    sent = fakes.sent["aliyun"][msg.key]
    assert sent["PhoneNumbers"] == "13800138000" and sent["TemplateCode"] == "SMS_100001"
    assert json.loads(sent["TemplateParam"]) == {"number": "W1", "link": "https://x.invalid/t/1"}
    assert fakes.refused == []


def test_aliyun_down_fails_over_to_tencent(fakes) -> None:  # type: ignore[no-untyped-def]
    fakes.mode["aliyun"] = "down"
    msg = _sms()
    deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT and msg.provider == "tencent" and msg.provider_ref == "serial-1"
    assert fakes.sent["tencent"][msg.key]["TemplateParamSet"] == ["W1", "https://x.invalid/t/1"]
    assert [r.kind for r in msg.receipts.all()] == ["failover", "sent"] and fakes.refused == []


def test_both_down_retry_then_send_once(fakes) -> None:  # type: ignore[no-untyped-def]
    fakes.mode.update(aliyun="down", tencent="down")
    msg = _sms()
    deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.QUEUED and msg.attempts == 1
    fakes.mode["aliyun"] = "ok"
    with clock.frozen_at(msg.next_at):
        deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT and list(fakes.sent["aliyun"]) == [msg.key] and not fakes.sent["tencent"]


def test_an_invalid_number_is_not_retried_nor_failed_over(fakes) -> None:  # type: ignore[no-untyped-def]
    msg = _sms(phone="+86138001")
    deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.FAILED and msg.last_error.startswith("aliyun: isv.MOBILE_NUMBER_ILLEGAL")
    assert not fakes.sent["tencent"]


def test_tencent_invalid_number_code(fakes, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_NOTIFY_PROVIDERS = {**settings.DOORSTEP_NOTIFY_PROVIDERS, "sms": ["tencent"]}
    msg = _sms(phone="+86138001")
    deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.FAILED and "InvalidParameterValue.IncorrectPhoneNumber" in msg.last_error


def test_throttling_waits_on_the_same_chain(fakes) -> None:  # type: ignore[no-untyped-def]
    fakes.mode["aliyun"] = "throttled"
    msg = _sms()
    deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.QUEUED and "isv.BUSINESS_LIMIT_CONTROL" in msg.last_error
    assert not fakes.sent["tencent"]  # a rate limit is not a reason to go round it
    fakes.mode["aliyun"] = "ok"
    with clock.frozen_at(msg.next_at):
        deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT


def test_a_resend_after_a_crash_is_recognised_by_the_provider(fakes) -> None:  # type: ignore[no-untyped-def]
    from doorstep.notify.providers.aliyun import AliyunSms

    msg = _sms()
    AliyunSms().send(msg)  # the worker sent it, then died before writing the outcome
    deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT and len(fakes.sent["aliyun"]) == 1 and msg.provider_ref == "biz-1"


def test_bad_credentials_are_refused_by_the_fake(fakes, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_ALIYUN_SMS = {**settings.DOORSTEP_ALIYUN_SMS, "access_key_secret": "wrong"}
    settings.DOORSTEP_NOTIFY_PROVIDERS = {**settings.DOORSTEP_NOTIFY_PROVIDERS, "sms": ["aliyun"]}
    msg = _sms()
    deliver_due()
    msg.refresh_from_db()
    assert (
        fakes.refused == ["aliyun"]
        and msg.state == State.QUEUED
        and "SignatureDoesNotMatch" in msg.last_error
    )


def test_wechat_template_message_and_fallback_to_sms(fakes) -> None:  # type: ignore[no-untyped-def]
    msg = _sms(channel=Channel.WECHAT, to_openid="o-follower")
    deliver_due()
    msg.refresh_from_db()
    assert msg.state == State.SENT and msg.provider == "wechat"
    sent = fakes.sent["wechat"]["1"]
    assert sent["touser"] == "o-follower" and sent["template_id"] == "tmpl-received"
    assert sent["data"]["number"] == {"value": "W1"} and sent["url"] == "https://x.invalid/t/1"
    other = _sms(channel=Channel.WECHAT, to_openid="o-gone", occasion="event:2")
    fakes.mode["wechat"] = "invalid"  # 43004: no longer follows the account
    deliver_due()
    deliver_due()
    other.refresh_from_db()
    assert other.state == State.SENT and other.channel == Channel.SMS and other.provider == "aliyun"


class _Partner(BaseHTTPRequestHandler):
    got: list[tuple[dict[str, str], bytes]] = []
    status = 200

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).got.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()


def test_a_partner_webhook_is_signed_and_retried(fakes) -> None:  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Partner)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        endpoint = WebhookEndpoint.objects.create(name="零售商", partner_ref="1", url=url, secret="s3cret")
        msg = enqueue(
            Draft(
                template="order_status",
                channel=Channel.WEBHOOK,
                recipient=f"endpoint:{endpoint.pk}",
                occasion="event:3",
                text="W1: dispatched → assigned",
                params=[["order", "W1"], ["to", "assigned"]],
                order_number="W1",
                to_url=url,
                urgent=True,
            )
        )[0]
        _Partner.status, _Partner.got = 503, []
        deliver_due()
        msg.refresh_from_db()
        assert msg.state == State.QUEUED and msg.attempts == 1
        _Partner.status = 200
        with clock.frozen_at(msg.next_at):
            deliver_due()
        msg.refresh_from_db()
        assert msg.state == State.SENT and len(_Partner.got) == 2
        headers, body = _Partner.got[-1]
        assert headers["X-Doorstep-Delivery"] == msg.key == _Partner.got[0][0]["X-Doorstep-Delivery"]
        ts = headers["X-Doorstep-Timestamp"]
        expected = hmac.new(b"s3cret", ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert headers["X-Doorstep-Signature"] == f"sha256={expected}"
        assert json.loads(body) == {"order": "W1", "to": "assigned"}
    finally:
        server.shutdown()
        server.server_close()
