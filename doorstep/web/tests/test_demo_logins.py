"""The demo log-ins printed by scripts/demo."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command


def test_demo_logins_lists_every_demo_user(world) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "dispatcher" in out.getvalue() and "admin site:" in out.getvalue()
