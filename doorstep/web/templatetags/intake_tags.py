"""An intake problem as the agent sees it (R-IN-2): the field, the reason and the suggested fix, in the page's
language, for the order page's "to verify" list."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from doorstep.catalog.warranty import shown
from doorstep.customers.parsing.issues import suggested_fix
from doorstep.orders.correction import FIELD_LABELS  # one label per field of the record (R-IN-2)

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def warranty_text(detail: dict[str, Any] | None) -> str:
    """The order's warranty explanation (R-AN-7) in the reader's language (walk finding 17)."""
    return shown(detail)


@register.filter
def intake_field(item: dict[str, Any]) -> str:
    field = str(item.get("field") or "")
    return str(FIELD_LABELS.get(field, field))


@register.filter
def intake_reason(item: dict[str, Any]) -> str:
    return str(item.get("en") if _english() else item.get("zh")) or ""


@register.filter
def intake_fix(item: dict[str, Any]) -> str:
    stored = item.get("fix_en") if _english() else item.get("fix")
    return str(stored or suggested_fix(str(item.get("code") or ""), english=_english()))
