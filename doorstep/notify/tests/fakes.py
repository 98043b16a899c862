"""An in-memory provider for the outbox's own tests: answers from a script, remembers what it sent.

Like the real providers it recognises a message's idempotency key: the same key sent again is answered
with the first message id and is not counted as a second message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from doorstep.notify.models import Message
from doorstep.notify.providers import base
from doorstep.notify.providers.base import Outcome, Result

ANSWERS = {
    "ok": Result.OK,
    "invalid": Result.INVALID,
    "down": Result.DOWN,
    "throttled": Result.THROTTLED,
    "unknown": Result.UNKNOWN,
}


class Scripted:
    """Providers ``scripted`` and ``scripted2``; each call takes the next answer of its script (the last
    one repeats). ``unknown`` sends the message but answers as a timeout would."""

    scripts: ClassVar[dict[str, list[str]]] = {}
    sent: ClassVar[dict[str, list[str]]] = {}  # provider -> keys actually delivered (once each)
    calls: ClassVar[list[tuple[str, str]]] = []
    name = "scripted"

    def send(self, message: Message) -> Outcome:
        script = self.scripts.setdefault(self.name, ["ok"])
        answer = script.pop(0) if len(script) > 1 else script[0]
        Scripted.calls.append((self.name, message.key))
        delivered = self.sent.setdefault(self.name, [])
        if answer in ("ok", "unknown") and message.key not in delivered:
            delivered.append(message.key)
        return Outcome(ANSWERS[answer], code=answer.upper(), ref=f"{self.name}-{message.key}")

    @classmethod
    @contextmanager
    def use(cls, settings: Any, *script: str, second: tuple[str, ...] = ()) -> Iterator[type[Scripted]]:
        cls.scripts = {"scripted": list(script) or ["ok"], "scripted2": list(second) or ["ok"]}
        cls.sent, cls.calls = {}, []
        chain = ["scripted", "scripted2"] if second else ["scripted"]
        settings.DOORSTEP_NOTIFY_PROVIDERS = {"sms": chain, "wechat": chain, "webhook": chain}
        base.PROVIDERS["scripted"] = f"{__name__}.Scripted"
        base.PROVIDERS["scripted2"] = f"{__name__}.Scripted2"
        try:
            yield cls
        finally:
            base.PROVIDERS.pop("scripted", None)
            base.PROVIDERS.pop("scripted2", None)


class Scripted2(Scripted):
    name = "scripted2"
