"""What a provider answers for one message, and the registry of providers by name.

A provider sends one :class:`~doorstep.notify.models.Message` and classifies the answer:

- ``OK`` — accepted (its message id is kept to match the delivery-status callback);
- ``INVALID`` — refused for good (an invalid number, a user who does not follow the account): no retry,
  the desk is told;
- ``DOWN`` — known not sent (connection refused, a system error before sending): the next provider of
  the chain is tried at once (failover);
- ``THROTTLED`` — the provider's rate limit: retried later on the same chain;
- ``UNKNOWN`` — may or may not have been sent (a read timeout): retried later *on the same provider*
  with the same idempotency key, never failed over (that could send it twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from doorstep.notify.models import Message


class Result(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    DOWN = "down"
    THROTTLED = "throttled"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outcome:
    result: Result
    code: str = ""
    detail: str = ""
    ref: str = ""  # the provider's message id

    @property
    def ok(self) -> bool:
        return self.result == Result.OK


class Provider(Protocol):
    name: str

    def send(self, message: Message) -> Outcome: ...


PROVIDERS: dict[str, str] = {
    "console": "doorstep.notify.providers.console.ConsoleProvider",
    "aliyun": "doorstep.notify.providers.aliyun.AliyunSms",
    "tencent": "doorstep.notify.providers.tencent.TencentSms",
    "wechat": "doorstep.notify.providers.wechat.WeChatTemplate",
    "webhook": "doorstep.notify.providers.webhook.WebhookSender",
}


def provider(name: str) -> Provider:
    factory: Callable[[], Provider] = import_string(PROVIDERS[name])
    return factory()


def chain(channel: str) -> list[str]:
    """The providers tried for a channel, in order (settings ``DOORSTEP_NOTIFY_PROVIDERS``)."""
    return list(settings.DOORSTEP_NOTIFY_PROVIDERS.get(channel, ["console"]))


def centre_config(centre: str) -> dict:
    """Signature and template codes of one centre (``DOORSTEP_SMS_CENTRES``), over the ``default`` entry."""
    centres = settings.DOORSTEP_SMS_CENTRES
    merged: dict = {**centres.get("default", {})}
    for key, value in centres.get(centre, {}).items():
        merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
    return merged
