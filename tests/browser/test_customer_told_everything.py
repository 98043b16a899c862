"""Every message of the standard reaches the customer's phone through the real SDKs and the fake gateways on
loopback (R-CO-4), in one paid repair walked through the pages: the agent takes the call, the outlet assigns
and confirms (R-DI-3, R-PV-2), then moves the visit with a reason (R-DI-8); on the day the technician sets
off (R-DI-7), calls ahead to say they will be late (R-AR-5), finds nobody home, calls without answer
(R-DI-5, R-AR-1) and leaves the note (R-AR-2); the customer books the next visit on the tracking link; the
technician comes back, quotes (R-SV-2), completes with the customer's signature (R-CO-1) and is paid
through the fake WeChat Pay only once its verified notification arrives (R-CO-2); the customer complains
and is answered (R-QA-3); the callback finds nobody three times and the questionnaire goes out (R-QA-1).

Only the time passing (the visit days, the callback's retries) is done outside the pages
(``pinned_time.travel``); the server and each browser move together.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile

from doorstep.channels.notices import NOTICES
from doorstep.core import clock
from doorstep.notify.models import Message, State
from doorstep.notify.tests.loopback import fake_providers
from doorstep.orders.models import WorkOrder
from doorstep.orders.tracking import tracking_url
from doorstep.quality.services.language import language_check_text
from doorstep.tests import dates, pinned_time
from doorstep.visits.consent.drawing import png_bytes, signature_png_data_url
from doorstep.visits.models import PaymentIntent, PaymentNotice
from doorstep.visits.tests.browsing import GUANGZHOU, draw_signature, go, messages, sms_code, status, tick_all
from doorstep.visits.tests.payfakes import fake_pay
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_spine_flow import act, status_of, submit
from tests.browser.test_visit_paid_repair import _deliver, _received
from tests.browser.test_visit_paid_repair import login as phone_login  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser, live_server, username: str, device: dict[str, Any], **extra: Any):  # type: ignore[no-untyped-def]
    from doorstep.visits.tests.browsing import login

    return login(browser, live_server, username, device, **extra)


def _travel(moment: datetime, *pages: Any) -> None:
    """The time passes to ``moment`` for the server and for the phones and desks already open."""
    pinned_time.travel(moment)
    for page in pages:
        page.clock.set_system_time(moment)


def _local(value: datetime) -> str:
    return clock.local(value).strftime("%Y-%m-%dT%H:%M")


def _hhmm(value: datetime) -> str:
    return clock.local(value).strftime("%m月%d日 %H:%M")


def test_the_customer_receives_every_message_of_a_paid_repair(world, live_server, browser, shots, settings) -> None:  # type: ignore[no-untyped-def]
    world.tech.photo.save("p.png", ContentFile(png_bytes(signature_png_data_url())))
    day = dates.working_day(after=2, weekday=dates.ANY_WEEKDAY)  # the visit's day
    with fake_pay() as fake, fake_providers(settings) as gateways:
        settings.DOORSTEP_PAYMENTS = fake.settings(live_server.url)
        settings.DOORSTEP_NOTIFY_PROVIDERS = {"sms": ["aliyun", "tencent"], "wechat": ["wechat"]}
        settings.DOORSTEP_SMS_CENTRES = {
            "default": {
                "sign": "安可服务",
                "aliyun": {n.code: f"SMS_{n.code}" for n in NOTICES},
                "tencent": {n.code: f"TC_{n.code}" for n in NOTICES},
                "wechat": {n.code: f"tmpl-{n.code}" for n in NOTICES},
            }
        }

        # 1. the agent takes the call (R-IN-1): order received, with the tracking link
        desk = _login(browser, live_server, "agent", DESKTOP)
        desk.click("text=新建工单")
        desk.fill("#id_customer_name", "林女士")
        desk.fill("#id_phone", "138 2000 1234")
        desk.fill("#id_district", "天河区")
        desk.fill("#id_detail", "天河北路 233 号中信广场 18 楼")
        desk.fill("#id_model_code", "KFR-35GW")
        desk.fill("#id_purchase_date", dates.years_ago(7).isoformat())  # out of the 6-year warranty: paid
        desk.fill("#id_faults", "空调不制冷\n室内机滴水")
        submit(desk, desk.locator("#intake button[type=submit]"))
        number = desk.locator("h1").inner_text().split()[0]
        order = WorkOrder.objects.get(number=number)
        link = tracking_url(order)
        _deliver()

        def told() -> list[dict[str, Any]]:
            return _received(gateways, order)

        assert told() == [{"template": "SMS_order_received", "brand": "安可空调", "number": number, "link": link}]

        # 2. dispatched, assigned, the window confirmed: who comes and how to check them (R-DI-3, R-PV-2)
        page = _login(browser, live_server, "dispatcher", DESKTOP)
        page.goto(f"{live_server.url}/orders/{number}/")
        act(page, "dispatch", outlet=str(world.outlet.pk))
        manager = _login(browser, live_server, "manager", DESKTOP)
        manager.goto(f"{live_server.url}/orders/{number}/")
        act(manager, "assign", technician=str(world.tech.pk))
        first = dates.at(day, 14)
        act(manager, "confirm_appointment", window_start=_local(first), window_end=_local(first + timedelta(hours=2)))
        assert status_of(manager) == "已预约", manager.locator(".messages").inner_text()
        _deliver()
        confirmed = told()[-1]
        assert confirmed == {
            "template": "SMS_appointment_confirmed",
            "brand": "安可空调",
            "number": number,
            "window": f"{_hhmm(first)}–16:00",
            "technician": world.tech.staff.name,
            "permit": world.tech.permit_no,
            "link": link,
        }
        # the link of the message shows the same technician, photo and permit (R-PV-2)
        customer = browser.new_context(**PHONE).new_page()
        customer.goto(link.replace("http://127.0.0.1:8000", live_server.url))
        card = customer.locator("#technician").inner_text()
        assert world.tech.staff.name in card and world.tech.permit_no in card
        assert customer.locator("#technician-photo").evaluate("img => img.naturalWidth > 0")

        # 3. the outlet moves the visit, with the reason and the new time (R-DI-8); the customer confirms it
        moved = dates.at(day, 15)
        act(
            manager,
            "reschedule",
            window_start=_local(moved),
            window_end=_local(moved + timedelta(hours=2)),
            reason="工程师上一单延误",
        )
        assert status_of(manager) == "改约待确认", manager.locator(".messages").inner_text()
        _deliver()
        assert told()[-1] == {
            "template": "SMS_rescheduled",
            "brand": "安可空调",
            "number": number,
            "reason": "工程师上一单延误",
            "new_time": f"新的预约时间为 {_hhmm(moved)}–17:00",
        }
        customer.reload()
        go(customer, customer.locator("#confirm-time"))
        assert status(customer) == "已预约", messages(customer)
        _deliver()
        assert told()[-1]["template"] == "SMS_appointment_confirmed"
        assert told()[-1]["window"] == f"{_hhmm(moved)}–17:00"

        # 4. the visit's day: the technician sets off (R-DI-7) and calls ahead: late (R-AR-5)
        _travel(moved - timedelta(minutes=40))
        tech = _login(browser, live_server, "tech", PHONE, geolocation=GUANGZHOU, permissions=["geolocation"])
        tech.goto(f"{live_server.url}/visits/{number}/")
        tick_all(tech, "#checklist-kit")
        go(tech, tech.locator("#depart-form button"))
        assert status(tech) == "已出发", messages(tech)
        _deliver()
        way = told()[-1]
        assert way["template"] == "SMS_on_the_way" and way["technician"] == world.tech.staff.name
        assert re.fullmatch(r"\d\d月\d\d日 \d\d:\d\d", way["eta"])
        tech.locator("#late-call summary").click()
        tech.fill("#late-call input[name=expected_minutes]", "20")
        tech.fill("#late-call input[name=reason]", "路上堵车")
        go(tech, tech.locator("#late-call button"))
        _deliver()
        late = told()[-1]
        assert late["template"] == "SMS_late_notice", messages(tech)
        assert late["reason"] == "路上堵车" and late["technician"] == world.tech.staff.name

        # 5. at the door 20 minutes late: knock, wait, call without answer (R-AR-1, R-DI-5), the note (R-AR-2)
        _travel(moved + timedelta(minutes=20), tech)
        go(tech, tech.locator("#arrive-form button"))
        assert status(tech) == "已到达", messages(tech)
        go(tech, tech.locator("#knock-form button"))
        _travel(moved + timedelta(minutes=27), tech)
        tech.reload()
        go(tech, tech.locator("#call-form button"))
        _deliver()
        unreachable = told()[-1]
        assert unreachable["template"] == "SMS_unreachable", messages(tech)
        hotline = unreachable["hotline"]
        assert hotline and hotline in (world.outlet.phone, world.centre.hotline, world.brand.hotline)
        tech.fill("#nobody-home-form textarea[name=note_left]", f"您好，工程师已到达，家中无人，请致电 {hotline}")
        tech.check("#nobody-home-form input[name=neighbours_asked]")
        go(tech, tech.locator("#nobody-home-form button"))
        assert status(tech) == "无人在家", messages(tech)
        _deliver()
        note = told()[-1]
        assert note["template"] == "SMS_nobody_home" and note["hotline"] == hotline
        assert note["arrived"] == _hhmm(moved + timedelta(minutes=20)) and note["technician"]
        shots(tech, "nobody-home")
