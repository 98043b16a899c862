"""How customer contact data is hidden (R-PV-1): ``mask_phone`` / ``mask_address``.

One implementation of the masks for the whole project (the service report PDF and SMS too). Who may see
the full data, and the log of every look at it, is ``doorstep.quality.privacy``.
"""

from __future__ import annotations

from typing import Any

MASK = "****"


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
