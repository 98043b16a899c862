"""Staff log-in: password, then the authenticator code for whoever has one; and the lockout page.

- A staff member with a confirmed TOTP device (django-otp) must give its current code with the password;
  a wrong or missing code is a failed log-in (counted by the lockout). Without a device: as before.
- After ``AXES_FAILURE_LIMIT`` failed log-ins for one user name from one address (django-axes), the login
  page, the admin's included, answers 429 with ``locked_out`` until the cool-off has passed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from doorstep.visits.offline import COOKIE as OFFLINE_COOKIE
from doorstep.visits.offline import offline_user_cookie


class StaffLoginForm(AuthenticationForm):
    otp_token = forms.CharField(
        label=_("动态验证码"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("已绑定身份验证器的账号必填，其他账号留空。"),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "otp_required": _("该账号已启用两步验证：请输入身份验证器上的 6 位动态验证码。"),
        "otp_invalid": _("动态验证码错误或已过期，请重新输入。"),
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # the password (and the lockout) first
        user = self.get_user()
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True)) if user else []
        if devices:
            token = (cleaned.get("otp_token") or "").strip()
            device = next((d for d in devices if token and verify_token(user, d.persistent_id, token)), None)
            if device is None:
                # a failed log-in like a wrong password: the lockout counts it
                user_login_failed.send(
                    sender=__name__, credentials={"username": user.get_username()}, request=self.request
                )
                raise forms.ValidationError(
                    self.error_messages["otp_invalid" if token else "otp_required"],
                    code="otp_invalid" if token else "otp_required",
                )
            # django_otp.login keeps it in the session when the user is logged in
            user.otp_device = device  # type: ignore[union-attr,attr-defined]
        return cleaned


class StaffLoginView(LoginView):
    template_name = "web/login.html"
    authentication_form = StaffLoginForm

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        offline_user_cookie(response, self.request)  # the technician app's kept pages are this user's only
        return response


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer while a user name is locked out (AXES_LOCKOUT_CALLABLE): 429, in Chinese."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "web/locked_out.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


class StaffLogoutView(LogoutView):
    """Log-out, and the phone forgets what the technician app kept: its pages, its service worker and the
    queue of actions not yet sent (``Clear-Site-Data``; another user must not see them, walk finding 6)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        response.delete_cookie(OFFLINE_COOKIE)
        return response


__all__ = ["StaffLoginForm", "StaffLoginView", "StaffLogoutView", "locked_out"]
