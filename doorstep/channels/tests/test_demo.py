"""The channels' demo data goes through the real services (R-IN-1: each order records its channel)."""

from __future__ import annotations

from doorstep.channels.demo import load_channels_demo
from doorstep.channels.models import InboundMessage
from doorstep.orders.models import WorkOrder


def test_demo_creates_orders_through_each_channel(world) -> None:  # type: ignore[no-untyped-def]
    load_channels_demo(world)
    channels = sorted(WorkOrder.objects.values_list("channel", flat=True))
    assert channels == ["partner", "web", "wechat", "wechat"]
    assert InboundMessage.objects.filter(outcome="need_phone").count() == 1
