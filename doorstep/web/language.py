"""The interface language: a person's, not a browser's (walk finding 17). The one place that decides it.

- **Signed-in staff** read the language saved on their profile (``Staff.language``), on every device and
  whatever another person chose on the same browser before (:class:`StaffLanguageMiddleware`, after the
  authentication middleware).
- **Anonymous visitors** — the customer's tracking, self-booking, survey and card pages, and the log-in
  page — get the language of the selector's cookie, else the browser's ``Accept-Language`` (Django's
  ``LocaleMiddleware``, which runs first for every request).
- **The first log-in** keeps the language the log-in page was read in (:func:`first_log_in`); a profile
  without a language meanwhile follows the browser.
- **The header's selector** (:func:`set_language`) saves to the profile for signed-in staff and removes the
  browser's cookie, so the next person signing in on that browser gets their own language; for anonymous
  visitors it sets the cookie (Django's view).

What is kept on the record and what the customer is sent does not depend on the reader's language: the
customer's messages are Chinese templates (``doorstep.channels.notices``), self-service acts are recorded in
Chinese (``doorstep.channels.selfservice``) and a quote's fingerprint covers no translated label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language

from doorstep.network.models import Staff

CODES = frozenset(code for code, _name in settings.LANGUAGES)


def supported(language: str | None) -> str | None:
    """The code of LANGUAGES for ``language`` ("en-us" → "en", "zh-cn" → "zh-hans"), None if none fits."""
    if not language:
        return None
    try:
        code = translation.get_supported_language_variant(language)
    except LookupError:
        return None
    return code if code in CODES else None


def staff_of(user: Any) -> Staff | None:
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "staff", None)  # a user without a profile (a bare admin account): None


def profile_language(user: Any) -> str | None:
    """The language saved on the signed-in person's profile; None for anonymous visitors and before the
    first choice (then the browser's language applies)."""
    staff = staff_of(user)
    return supported(staff.language) if staff is not None else None


class StaffLanguageMiddleware:
    """After authentication: a signed-in person reads their profile's language, not the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = profile_language(request.user)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def set_language(request: HttpRequest) -> HttpResponse:
    """The header's selector: Django's view (the redirect back, the cookie) — and for signed-in staff the
    choice goes to the profile instead of the browser."""
    response = django_set_language(request)
    staff = staff_of(request.user)
    language = supported(request.POST.get("language")) if request.method == "POST" else None
    if staff is not None and language:
        Staff.objects.filter(pk=staff.pk).update(language=language)
        staff.language = language
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@receiver(user_logged_in, dispatch_uid="doorstep.web.language.first_log_in")
def first_log_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At the first log-in the profile keeps the language the log-in page was read in (the selector on that
    page, or the browser's); later log-ins change nothing. A log-in without a page (a test's force_login,
    the API) chooses nothing."""
    staff = staff_of(user)
    language = supported(getattr(request, "LANGUAGE_CODE", None))
    if staff is None or staff.language or not language:
        return
    Staff.objects.filter(pk=staff.pk, language="").update(language=language)
    staff.language = language


__all__ = ["StaffLanguageMiddleware", "first_log_in", "profile_language", "set_language", "supported"]
