"""Deployment hardening: production refuses to start without its own secret key and host names, and its
configuration passes ``manage.py check --deploy``; public endpoints are rate-limited (429 past the limit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from doorstep.channels.tests.test_partner_api import Partner
from doorstep.core.ratelimit import group_for

ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "k7#Qp2vX9!mZr4Lw8sTb6Nc1Yd5Fg3Hj0Ue-Ai_Oo=Vq+Ks*Rt&Wx@Ez%By^Cl"
PRODUCTION = {
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "service.example.com",
    "DOORSTEP_CACHE_URL": "redis://127.0.0.1:6379/0",
}


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """A fresh process with only the given Doorstep/Django variables (none inherited from the suite)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DOORSTEP_", "DATABASE_URL")) and k != "PYTEST_CURRENT_TEST"
    }
    base.update(DJANGO_SETTINGS_MODULE="config.settings", DOORSTEP_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def _settings(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return _run(["-c", "import django; django.setup()"], env, tmp_path)


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _settings({"DJANGO_ALLOWED_HOSTS": "service.example.com"}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = _settings({"DJANGO_SECRET_KEY": STRONG_KEY}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_ALLOWED_HOSTS is not set" in result.stderr


@pytest.mark.parametrize(
    "weak",
    [
        "short-key",  # under 50 characters
        "ab" * 30,  # too few different characters
        "django-insecure-" + STRONG_KEY,  # Django's own placeholder prefix
    ],
)
def test_production_refuses_a_weak_secret_key(tmp_path: Path, weak: str) -> None:
    result = _settings({"DJANGO_SECRET_KEY": weak, "DJANGO_ALLOWED_HOSTS": "service.example.com"}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is too weak" in result.stderr


def test_development_mode_starts_with_nothing_set(tmp_path: Path) -> None:
    result = _run(["manage.py", "check"], {"DOORSTEP_ENV": "dev"}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_production_configuration_passes_check_deploy(tmp_path: Path) -> None:
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_the_cache_is_per_process(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DOORSTEP_CACHE_URL"}
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "doorstep.W001" in result.stderr + result.stdout


def test_production_settings_are_https_only_and_proxy_aware(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {**PRODUCTION, "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO=https"}
    result = _run(["-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


# --- rate limits on the public endpoints ------------------------------------------------------------


def test_every_public_page_is_under_a_rate_limit() -> None:
    public = {
        reverse("web:track", args=["tok"]): "track",
        reverse("web:track_sign", args=["tok"]): "track",
        reverse("visits:card", args=["tok"]): "track",
        reverse("visits:track_quote", args=["tok"]): "track",
        reverse("quality:track_survey", args=["tok"]): "track",
        reverse("channels:book", args=["acme"]): "book",
        reverse("channels:book_slots", args=["acme"]): "book",
        reverse("channels:wechat", args=["acme"]): "wechat",
    }
    assert {path: group_for(path) for path in public} == public
    assert group_for(reverse("web:login")) is None and group_for("/orders/") is None


def test_tracking_links_are_refused_429_past_the_limit(settings, db) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_RATE_LIMITS = {**settings.DOORSTEP_RATE_LIMITS, "track": "3/h"}
    client = Client()
    statuses = [client.get(f"/t/not-a-token-{i}/").status_code for i in range(3)]
    assert 429 not in statuses
    refused = client.get("/quality/t/not-a-token/survey/")  # the same group: one count per address
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode() and refused["Retry-After"] == "3600"
    other = Client(REMOTE_ADDR="10.0.0.9")  # another address has its own count
    assert other.get("/t/not-a-token/").status_code == 404


def test_self_booking_is_refused_429_exactly_at_the_limit(settings, world) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_RATE_LIMITS = {**settings.DOORSTEP_RATE_LIMITS, "book": "4/m"}
    client = Client()
    url = reverse("channels:book", args=[world.brand.code])
    assert [client.get(url).status_code for _ in range(4)] == [200] * 4
    assert client.get(url).status_code == 429


def test_the_wechat_webhook_is_refused_429_in_plain_text(settings, world) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_RATE_LIMITS = {**settings.DOORSTEP_RATE_LIMITS, "wechat": "2/m"}
    client = Client()
    url = reverse("channels:wechat", args=[world.brand.code])
    assert 429 not in [client.get(url).status_code for _ in range(2)]
    refused = client.get(url)
    assert refused.status_code == 429 and refused["Content-Type"].startswith("text/plain")


def test_the_partner_api_is_throttled_per_account_with_the_error_shape(settings, world) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_RATE_LIMITS = {**settings.DOORSTEP_RATE_LIMITS, "partner_api": "3/m"}
    partner, other = Partner(world.brand), Partner(world.brand, code="tmall")
    assert [partner.call("get", "/orders/nope").status_code for _ in range(3)] == [404] * 3
    refused = partner.call("get", "/orders/nope")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    body = refused.json()
    assert body["code"] == "rate_limited" and "请求过于频繁" in body["message"]
    assert other.call("get", "/orders/nope").status_code == 404  # its own count


# --- Content Security Policy ---------------------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


def test_pages_carry_a_csp_with_a_nonce_and_no_inline_scripts(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.tests.factories import WorkOrderFactory

    client = Client()
    client.force_login(world.staff["dispatcher"].user)
    order = WorkOrderFactory.create(world=world)
    response = client.get(reverse("orders:detail", args=[order.number]))
    policy = _policy(response)
    scripts = policy["script-src"]
    nonce = next(s for s in scripts if s.startswith("'nonce-"))[len("'nonce-") : -1]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert policy["default-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    page = response.content.decode()
    assert f'"inlineScriptNonce": "{nonce}"' in page  # htmx gives it to the pages it swaps in
    # a page with its own inline script (self-booking) carries that request's nonce on it; the order page's
    # slot picker handler lives in web/doorstep.js, so a boosted page change adds no copy of it
    book = Client().get(reverse("channels:book", args=[world.brand.code]))
    book_nonce = next(s for s in _policy(book)["script-src"] if s.startswith("'nonce-"))[len("'nonce-") : -1]
    assert f'<script nonce="{book_nonce}">' in book.content.decode()
    assert _policy(client.get(reverse("orders:detail", args=[order.number])))["script-src"] != scripts


def test_no_template_has_an_inline_script_without_nonce_or_an_event_attribute() -> None:
    import re

    offending = []
    for path in sorted((ROOT / "doorstep").rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", text):
            offending.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"<[a-z][^>]*\son[a-z]+\s*=", text):
            offending.append(f"{path.relative_to(ROOT)}: {match.group(0)[:60]}")
    assert offending == []
