from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from doorstep.network import roles


def nav(request: HttpRequest) -> dict[str, Any]:
    staff = getattr(request.user, "staff", None) if request.user.is_authenticated else None
    # the role vocabulary, for the navigation: {% if role in roles.DESK %}, {% if role == roles.Role.ADMIN %}
    return {"staff": staff, "role": staff.role if staff else None, "roles": roles}
