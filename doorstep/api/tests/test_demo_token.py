"""The demo API token: issued once for the demo dispatcher, and the printed key authenticates."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from doorstep.api.management.commands.demo_api_token import DEMO_TOKEN
from doorstep.api.models import ApiToken


def test_demo_api_token_is_issued_once_for_the_dispatcher(world) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("demo_api_token", stdout=out)
    call_command("demo_api_token", stdout=out)
    token = ApiToken.lookup(DEMO_TOKEN)
    assert token is not None and token.user == world.staff["dispatcher"].user
    assert ApiToken.objects.count() == 1
    assert f"Bearer {DEMO_TOKEN}" in out.getvalue()
