"""Partner webhooks: the message's parameters as a JSON body, signed with the endpoint's secret.

Headers: ``X-Doorstep-Timestamp`` (seconds), ``X-Doorstep-Delivery`` (the message's idempotency key:
a retried delivery carries the same one, the partner ignores a key it has seen) and
``X-Doorstep-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``. A 2xx answer is
delivered; 429 is throttling; 4xx other than 408/429 is refused for good; 5xx or no answer is retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import requests
from django.conf import settings

from doorstep.notify.models import Message, WebhookEndpoint
from doorstep.notify.providers.base import Outcome, Result


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class WebhookSender:
    name = "webhook"

    def send(self, message: Message) -> Outcome:
        endpoint_id = message.recipient.removeprefix("endpoint:")
        endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id if endpoint_id.isdigit() else 0).first()
        if endpoint is None or not endpoint.active:
            return Outcome(Result.INVALID, code="NoEndpoint", detail=message.recipient)
        body = json.dumps(dict(message.params), ensure_ascii=False, sort_keys=True).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Doorstep-Timestamp": ts,
            "X-Doorstep-Delivery": message.key,
            "X-Doorstep-Signature": signature(endpoint.secret, ts, body),
        }
        try:
            r = requests.post(
                endpoint.url, data=body, headers=headers, timeout=settings.DOORSTEP_NOTIFY["timeout_seconds"]
            )
        except requests.ConnectionError as exc:
            return Outcome(Result.DOWN, code="ConnectionError", detail=str(exc)[:200])
        except requests.Timeout as exc:
            return Outcome(Result.UNKNOWN, code="Timeout", detail=str(exc)[:200])
        if 200 <= r.status_code < 300:
            return Outcome(Result.OK, code=str(r.status_code), ref=message.key)
        if r.status_code == 429:
            return Outcome(Result.THROTTLED, code="429")
        if 400 <= r.status_code < 500 and r.status_code != 408:
            return Outcome(Result.INVALID, code=str(r.status_code), detail=r.text[:200])
        return Outcome(Result.DOWN, code=str(r.status_code), detail=r.text[:200])
