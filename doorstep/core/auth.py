"""The login lockout backend (django-axes) in front of Django's ModelBackend."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout for every log-in that comes through a request (the login page, the admin's).

    A call without a request (``authenticate(username=…, password=…)`` in code, ``Client.login`` in tests)
    is not an attempt from the network: it is passed on to the next backend instead of refused outright.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
