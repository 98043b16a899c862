"""The demo's provider: nothing leaves the machine; the message is logged and shown on the staff page."""

from __future__ import annotations

import logging

from doorstep.notify.models import Message
from doorstep.notify.providers.base import Outcome, Result

log = logging.getLogger(__name__)


class ConsoleProvider:
    name = "console"

    def send(self, message: Message) -> Outcome:
        log.info("notify[console] %s → %s: %s", message.template, message.recipient, message.text)
        return Outcome(Result.OK, code="OK", ref=f"console-{message.key}")
