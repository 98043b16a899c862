"""扫码报修: the signed product link printed as a QR code on the warranty card and the service report.

Scanning it opens the brand's self-booking form with the product already filled in (model, product line,
purchase date). The token carries only what is printed on the product's own papers — never the customer's
name, phone or address, which whoever picks up the card must not learn (R-PV-1). It is signed, so a changed
model or date is refused instead of booked; it does not expire (a warranty card lasts for years).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from doorstep.customers.models import OwnedProduct

_SALT = "doorstep.customers.product_link"


@dataclass(frozen=True)
class ProductRef:
    """The product as its warranty card names it."""

    brand: str  # the brand's code
    model: str = ""  # the model code
    purchased: date | None = None
    serial: str = ""


def product_token(ref: ProductRef) -> str:
    data: dict[str, Any] = {"b": ref.brand, "m": ref.model, "s": ref.serial}
    if ref.purchased is not None:
        data["d"] = ref.purchased.isoformat()
    return signing.Signer(salt=_SALT).sign_object({k: v for k, v in data.items() if v})


def product_from_token(token: str) -> ProductRef | None:
    """The product a token names, or None if it was not signed by us (or was changed)."""
    try:
        data = signing.Signer(salt=_SALT).unsign_object(token)
        purchased = date.fromisoformat(data["d"]) if data.get("d") else None
        return ProductRef(str(data["b"]), str(data.get("m", "")), purchased, str(data.get("s", "")))
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None


def product_ref(*, brand_code: str, product: OwnedProduct | None) -> ProductRef:
    """The reference of an owned product (or of the brand alone when the product is unknown)."""
    if product is None:
        return ProductRef(brand_code)
    model = product.model.code if product.model is not None else ""
    return ProductRef(brand_code, model, product.purchase_date, product.serial)


def product_booking_url(ref: ProductRef) -> str:
    """The absolute URL the QR code holds."""
    path = reverse("channels:book_product", args=[ref.brand, product_token(ref)])
    return settings.DOORSTEP_PUBLIC_URL.rstrip("/") + path
