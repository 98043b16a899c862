from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def nav(request: HttpRequest) -> dict[str, Any]:
    staff = getattr(request.user, "staff", None) if request.user.is_authenticated else None
    return {"staff": staff, "role": staff.role if staff else None}
