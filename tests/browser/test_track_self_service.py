"""A customer on a phone confirms the proposed time, moves it, then cancels, all on the tracking link
(R-DI-3, R-DI-8; walk finding 8), and sees the technician's photo (R-PV-2; walk finding 26)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.files.base import ContentFile

from doorstep.dispatch.tests.helpers import at, placed
from doorstep.orders.models import WorkOrder
from doorstep.orders.tracking import tracking_token
from doorstep.visits.consent.drawing import png_bytes, signature_png_data_url
from doorstep.visits.tests.browsing import go, messages, status
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_confirms_moves_then_cancels_on_a_phone(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    world.tech.photo.save("p.png", ContentFile(png_bytes(signature_png_data_url())))
    order = placed(world, status="rescheduled", start=at(14))  # the outlet proposed a new time
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/t/{tracking_token(order)}/")
    assert status(page) == "改约待确认"
    assert page.locator("#technician-photo").evaluate("img => img.naturalWidth > 0")  # R-PV-2
    shots(page, "proposed-time")

    go(page, page.locator("#confirm-time"))  # 1. confirm the proposed time
    assert status(page) == "已预约" and "您已确认上门时间" in messages(page)
    assert "您本人" in page.locator("#timeline").inner_text()
    shots(page, "confirmed")

    go(page, page.locator("#move-time"))  # 2. move it to a free time of the same technician
    first = page.locator("#move-form input[name=start]").last  # a later day: still cancellable online
    chosen = first.get_attribute("value")
    first.check()
    shots(page, "free-times")
    go(page, page.locator("#move-submit"))
    assert status(page) == "已预约" and "已改到新的上门时间" in messages(page)
    moved = WorkOrder.objects.get(pk=order.pk)
    assert moved.window_start is not None and moved.window_start == datetime.fromisoformat(str(chosen))
    shots(page, "moved")

    page.locator("#cancel-box summary").click()  # 3. cancel, with a reason
    page.select_option("#cancel-reason", "solved")
    page.fill("#cancel-note", "已自行复位")
    go(page, page.locator("#cancel-submit"))
    assert status(page) == "已取消" and "服务已取消" in messages(page)
    assert page.locator("#self-service").count() == 0
    shots(page, "cancelled")
    kinds = [(e.kind, e.actor_role) for e in order.events.order_by("seq")][-4:]
    assert kinds == [
        ("confirm_appointment", "customer"),
        ("reschedule", "customer"),
        ("confirm_appointment", "customer"),
        ("cancel", "customer"),
    ]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
