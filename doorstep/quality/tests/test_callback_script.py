"""The callback script names the agent by their own role and speaks politely (R-LG-1, walk finding 24: it
read "我是安可空调服务工程师王丽" for a desk agent and "如果你再遇到什么问题…", with half-width commas)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_the_callback_script_is_the_agents_own_polite_and_in_chinese_punctuation_R_LG_1(world) -> None:  # type: ignore[no-untyped-def]
    agent = world.staff["agent"]
    client = Client()
    client.force_login(agent.user)
    html = client.get(reverse("quality:callbacks")).content.decode()
    script = html.split('id="script">', 1)[1].split("</ol>", 1)[0]
    assert "工程师" not in script and "你" not in script and "," not in script
    assert f"我是客服{agent.name}" in script and world.brand.name in script
    assert "打扰您了，再见" in script
