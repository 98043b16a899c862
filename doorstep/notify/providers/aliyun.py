"""SMS through Alibaba Cloud's official SDK (``alibabacloud-dysmsapi20170525``, API ``SendSms``).

The centre's signature and pre-registered template code come from ``DOORSTEP_SMS_CENTRES``; the
template's variables are the message's parameters (JSON). ``OutId`` carries the message's idempotency
key (echoed in the delivery report). Answer codes (``Code`` of the response): ``OK``; throttling
``isv.BUSINESS_LIMIT_CONTROL`` / ``Throttling.User``; refused for good ``isv.MOBILE_NUMBER_ILLEGAL``,
``isv.BLACK_KEY_CONTROL_LIMIT``…; anything 5xx or unreachable is ``DOWN``.
"""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
from django.conf import settings

from doorstep.notify.models import Message
from doorstep.notify.providers.base import Outcome, Result, centre_config

THROTTLED = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling", "isv.DAY_LIMIT_CONTROL"}
INVALID = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.INVALID_PARAMETERS",
}


def national(phone: str) -> str:
    return phone[3:] if phone.startswith("+86") else phone.lstrip("+")


def classify(code: str, status: int | None = None) -> Result:
    if code == "OK":
        return Result.OK
    if code in THROTTLED or status == 429:
        return Result.THROTTLED
    if code in INVALID:
        return Result.INVALID
    return Result.DOWN


class AliyunSms:
    name = "aliyun"

    def client(self) -> Client:
        conf = settings.DOORSTEP_ALIYUN_SMS
        return Client(
            Config(
                access_key_id=conf["access_key_id"],
                access_key_secret=conf["access_key_secret"],
                endpoint=conf["endpoint"],
                protocol=conf["protocol"],
            )
        )

    def send(self, message: Message) -> Outcome:
        conf = centre_config(message.centre)
        template = conf.get("aliyun", {}).get(message.template, "")
        if not template or not conf.get("sign"):
            return Outcome(Result.DOWN, code="NoTemplate", detail=f"no template code for {message.template}")
        request = sms_models.SendSmsRequest(
            phone_numbers=national(message.to_phone),
            sign_name=conf["sign"],
            template_code=template,
            template_param=json.dumps(dict(message.params), ensure_ascii=False),
            out_id=message.key,
        )
        seconds = int(settings.DOORSTEP_NOTIFY["timeout_seconds"] * 1000)
        runtime = RuntimeOptions(connect_timeout=seconds, read_timeout=seconds, autoretry=False)
        try:
            body = self.client().send_sms_with_options(request, runtime).body
        except Exception as exc:  # the SDK's Client/Server/Throttling exceptions, or the network
            return _from_exception(exc)
        code = str(body.code or "")
        return Outcome(classify(code), code=code, detail=str(body.message or ""), ref=str(body.biz_id or ""))


def _from_exception(exc: Any) -> Outcome:
    code = str(getattr(exc, "code", "") or type(exc).__name__)
    status = getattr(exc, "status_code", None)
    text = str(exc)[:200]
    timed_out = "timed out" in text.lower() or "timeout" in type(exc).__name__.lower()
    if status is None and timed_out and "connect" not in text.lower():
        return Outcome(Result.UNKNOWN, code=code, detail=text)  # may have been sent: ask again later
    return Outcome(classify(code, status), code=code, detail=text)
