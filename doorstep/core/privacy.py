"""How customer contact data is hidden (R-PV-1): ``mask_phone`` / ``mask_address``.

One implementation of the masks for the whole project (the service report PDF and SMS too). Who may see
the full data, and the log of every look at it, is ``doorstep.quality.privacy``.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "****"
# a mainland mobile (+86 / 0086 optional, separators allowed) or a landline with its area code, in free text
PHONE_IN_TEXT = re.compile(
    r"(?<!\d)(?:(?:\+|00)86[\s-]?)?(?:1[3-9]\d(?:[\s-]?\d){8}|0\d{2,3}[\s-]?\d{7,8})(?!\d)"
)


def mask_phone(phone: str) -> str:
    """``+8613800138000`` → ``138****8000``; short numbers keep only their last four digits."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if (phone or "").startswith("+86"):
        digits = digits[2:]
    if len(digits) < 8:
        return "*" * max(len(digits) - 4, 0) + digits[-4:]
    return f"{digits[:3]}{MASK}{digits[-4:]}"


def mask_address(address: Any) -> str:
    """Keep province, city and district (what dispatch and statistics need); hide the street and door."""
    if hasattr(address, "district"):
        return f"{address.province}{address.city}{address.district}{MASK}"
    text = str(address or "")
    return f"{text[:6]}{MASK}" if text else ""


def mask_phones_in(text: str) -> str:
    """Free text as a customer wrote it (a WeChat message, an imported row) with every phone number in it
    masked: what the admin and message previews show (R-PV-1)."""
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(re.sub(r"^(?:\+|00)86", "", m.group(0))), text or "")
