"""Log-in hardening: a lockout after repeated failures (django-axes), and the authenticator code (TOTP,
django-otp) for staff who have one; the admin site can require a verified session."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_otp.admin import OTPAdminSite
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from doorstep.tests.factories import PASSWORD

LOGIN = "/login/"


def _login(client: Client, username: str, password: str, code: str = "", url: str = LOGIN):  # type: ignore[no-untyped-def]
    return client.post(url, {"username": username, "password": password, "otp_token": code})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_right_password_logs_in_and_a_wrong_one_is_an_ordinary_error(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    wrong = _login(client, "agent", "not-the-password")
    assert wrong.status_code == 200 and not _logged_in(client)
    assert _login(client, "agent", PASSWORD).status_code == 302 and _logged_in(client)


def test_too_many_failures_lock_the_user_out_even_with_the_right_password(settings, world) -> None:  # type: ignore[no-untyped-def]
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    answers = [_login(client, "agent", f"wrong-{i}").status_code for i in range(limit)]
    assert answers[:-1] == [200] * (limit - 1)  # the form again, with its error
    assert answers[-1] == 429  # the failure that reaches the limit locks
    locked = _login(client, "agent", PASSWORD)
    assert locked.status_code == 429 and not _logged_in(client)
    page = locked.content.decode()
    assert "登录已锁定" in page and f"请 {settings.AXES_COOLOFF_TIME.seconds // 60} 分钟后再试" in page
    # another user from the same address is not locked
    assert _login(Client(), "dispatcher", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_out_too(settings, world) -> None:  # type: ignore[no-untyped-def]
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    url = reverse("admin:login")
    _login(client, "admin", "wrong", url=url)
    assert _login(client, "admin", "wrong again", url=url).status_code == 429
    assert _login(client, "admin", PASSWORD, url=url).status_code == 429
    assert _login(client, "admin", PASSWORD).status_code == 429  # and on the staff login page


@pytest.fixture
def device(world) -> TOTPDevice:  # type: ignore[no-untyped-def]
    return TOTPDevice.objects.create(user=world.staff["dispatcher"].user, name="手机", confirmed=True)


def test_staff_with_an_authenticator_must_give_its_code(device: TOTPDevice) -> None:
    client = Client()
    missing = _login(client, "dispatcher", PASSWORD)
    assert missing.status_code == 200 and not _logged_in(client)
    assert "请输入身份验证器上的 6 位动态验证码" in missing.content.decode()
    wrong = _login(client, "dispatcher", PASSWORD, code="000000" if _code(device) != "000000" else "111111")
    assert wrong.status_code == 200 and not _logged_in(client)
    assert "动态验证码错误或已过期" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a failure
    assert _login(client, "dispatcher", PASSWORD, code=_code(device)).status_code == 302
    assert _logged_in(client) and client.session["otp_device_id"] == device.persistent_id


def test_an_unconfirmed_device_or_none_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    TOTPDevice.objects.create(user=world.staff["dispatcher"].user, name="未完成绑定", confirmed=False)
    client = Client()
    assert _login(client, "dispatcher", PASSWORD).status_code == 302 and _logged_in(client)


def test_wrong_codes_count_towards_the_lockout(settings, device: TOTPDevice) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    _login(client, "dispatcher", PASSWORD, code="")
    assert _login(client, "dispatcher", PASSWORD, code="").status_code == 429


def test_the_admin_site_can_require_a_verified_session(monkeypatch, world) -> None:  # type: ignore[no-untyped-def]
    user = world.staff["admin"].user
    user.is_staff = user.is_superuser = True
    user.save()
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    monkeypatch.setattr(admin.site, "__class__", OTPAdminSite)  # DOORSTEP_ADMIN_REQUIRE_OTP=1
    unverified = Client()
    unverified.force_login(user)
    assert unverified.get(reverse("admin:index")).status_code == 302  # to the admin's OTP login
    verified = Client()
    assert _login(verified, user.username, PASSWORD, code=_code(device)).status_code == 302
    assert verified.get(reverse("admin:index")).status_code == 200
