"""A technician on a phone walks a paid repair: kit, depart, late arrival (escalation), diagnosis, quote
accepted by the customer, part from stock, completion, customer signature, payment, service report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest.mock import ANY

import pytest

from doorstep.catalog.models import FeeItem
from doorstep.channels.notices import NOTICES
from doorstep.core import clock
from doorstep.network.policy import policy_of
from doorstep.notify.models import Message, State
from doorstep.notify.outbox import deliver_due
from doorstep.notify.providers.aliyun import national
from doorstep.notify.tests.loopback import fake_providers
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.orders.tracking import tracking_url
from doorstep.parts.models import Part, Stock
from doorstep.parts.services import stock_line, stock_receive
from doorstep.tests import dates
from doorstep.visits.models import EscalationTask, PaymentIntent, PaymentNotice
from doorstep.visits.tests.browsing import (
    GUANGZHOU,
    draw_signature,
    go,
    login,
    messages,
    pdf_to_png,
    sms_code,
    status,
    tick_all,
)
from doorstep.visits.tests.payfakes import fake_pay
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _paid_repair(world) -> WorkOrder:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    order.product.purchase_date = dates.years_ago(8)  # out of the 6-year warranty: a paid repair
    order.product.save()
    start = clock.now() - timedelta(minutes=20)  # the window began 20 minutes ago: arriving now is late
    WorkOrder.objects.filter(pk=order.pk).update(window_start=start, window_end=start + timedelta(hours=2))
    order.address.lat, order.address.lng = 23.1378, 113.3269
    order.address.save()
    part = Part.objects.create(
        brand=world.brand, code="CAP-35", name="启动电容", fee_item=FeeItem.objects.get(code="P-CAP")
    )
    stock_receive(stock=stock_line(part=part, technician=world.tech), quantity=3, by="仓库")
    return WorkOrder.objects.get(pk=order.pk)


def _walk_to_completion(
    world, live_server, browser, shots, step: Callable[[], None] = lambda: None
) -> tuple[Any, WorkOrder]:  # type: ignore[no-untyped-def]
    """The technician's phone from the day's list to the customer's signature: the order is completed.
    ``step`` runs after each step that may tell the customer something (the outbox's worker)."""
    order = _paid_repair(world)
    page = login(browser, live_server, "tech", PHONE, geolocation=GUANGZHOU, permissions=["geolocation"])
    page.goto(f"{live_server.url}/visits/")
    assert page.locator(f"[data-order={order.number}]").is_visible()
    shots(page, "today")
    go(page, page.locator(f"[data-order={order.number}] a.open-visit"))

    # R-PR-1: the kit checklist before depart
    assert page.locator("#depart-form button").is_disabled()
    tick_all(page, "#checklist-kit")
    shots(page, "kit-checked")
    go(page, page.locator("#depart-form button"))
    assert status(page) == "已出发"
    step()

    # R-AR-5: arriving 20 minutes late opens an escalation for the complaint supervisor
    go(page, page.locator("#arrive-form button"))
    assert status(page) == "已到达"
    # 20 minutes and the seconds the walk took: begun minutes are shown (core.punctuality)
    assert re.search(r"迟到 2[01] 分钟", page.locator("#lateness").inner_text())
    task = EscalationTask.objects.get(order=order, kind="lateness")
    assert task.owner == world.staff["quality"]
    assert "lat" in order.events.get(kind="arrive").data
    page.fill("#apology-form input[name=reason]", "前一单维修超时")
    go(page, page.locator("#apology-form button"))
    step()
    tick_all(page, "#checklist-entry")
    shots(page, "arrived-card-and-entry")
    go(page, page.locator("#start-form button"))
    assert status(page) == "服务中", messages(page)

    # R-SV-1: diagnosis with measured values and a cause from the knowledge base
    page.locator("select[name=cause_1]").select_option(index=1)
    page.fill("input[name=voltage]", "221")
    page.fill("input[name=current]", "6.8")
    page.fill("input[name=pressure]", "0.45")
    page.fill("input[name=temp_diff]", "4")
    page.fill("input[name=resolution_1]", "更换启动电容，试机制冷正常")
    page.fill("textarea[name=notes]", "压缩机启动困难，电容容量衰减")
    go(page, page.locator("#diagnosis-form button"))

    # R-SV-2: the quote from the fee standard, accepted by the customer in customer mode
    for code in ("L-REPAIR", "P-CAP"):
        page.select_option("#quote-add select[name=fee_code]", code)
        go(page, page.locator("#quote-add button"))
    assert page.locator("#quote-due").inner_text() == "¥115.00"
    go(page, page.locator("#customer-quote"))
    shots(page, "customer-mode-quote")
    draw_signature(page)  # the customer's own mark in customer mode
    go(page, page.locator("#accept-quote"))
    assert page.locator("#quote-accepted").is_visible()
    step()

    # R-SV-7 safety, then work; R-SV-5 the part from the technician's stock
    tick_all(page, "#checklist-safety")
    go(page, page.locator("#work-form button"))
    page.select_option("#part-form select[name=source]", "technician")
    page.select_option("#part-form select[name=old_part_fate]", "returned_to_outlet")
    go(page, page.locator("#part-form button"))
    assert "启动电容 ×1" in page.locator("#parts-used").inner_text(), messages(page)
    assert Stock.objects.get(technician=world.tech).quantity == 2
    shots(page, "work-and-part")

    # R-SV-8/9 completion checklist; R-CO-1 the customer signs with the code sent to their phone
    tick_all(page, "#checklist-completion")
    go(page, page.locator("#sign-code-form button"))
    go(page, page.locator("#customer-sign"))
    draw_signature(page)
    page.fill("#opinion", "师傅讲解清楚，满意")
    page.fill("#code", sms_code(order))
    shots(page, "customer-signs")
    go(page, page.locator("#sign-submit"))
    assert status(page) == "已完工", messages(page)
    step()
    return page, order


def _deliver() -> None:
    """The outbox's worker runs (``notify_deliver``): everything queued is delivered now, or at the end of
    the quiet hours it was held for (a run of the suite in the evening), never by waiting."""
    at = max([clock.now(), *Message.objects.filter(state=State.QUEUED).values_list("next_at", flat=True)])
    while deliver_due(now=at):
        pass


def _received(gateways, order: WorkOrder) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Every SendSms the fake gateways took for the customer's phone, repeats included, in order: the
    template and its parameters as the customer's phone shows them."""
    sent, to = gateways.sent["aliyun"], national(order.customer.phone)
    return [
        {"template": sent[key]["TemplateCode"], **json.loads(sent[key]["TemplateParam"])}
        for key in gateways.requests
        if sent[key]["PhoneNumbers"] == to
    ]


def test_paid_repair_on_a_phone(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    page, order = _walk_to_completion(world, live_server, browser, shots)

    # R-CO-2 payment of the accepted quote; the report is attached and sent to the tracking page
    assert page.locator("#pay-amount").inner_text() == "¥115.00"
    go(page, page.locator("#pay-form button"))
    assert status(page) == "已付款", messages(page)
    shots(page, "paid")
    order.refresh_from_db()
    assert order.payment.amount == 115 and order.payment.receipt_no.startswith("WXSIM")
    pdf = page.request.get(f"{live_server.url}/visits/{order.number}/report.pdf").body()
    assert pdf.startswith(b"%PDF")
    pdf_to_png(pdf, shots.dir / "99-service-report.png")
    assert order.service_report.sha256


def test_paid_repair_through_wechat_pay(world, live_server, browser, shots, settings) -> None:  # type: ignore[no-untyped-def]
    """R-CO-2 with a live provider (a fake WeChat Pay on loopback, keys generated here): the code is shown on
    the technician's phone, the customer pays on theirs, and the order becomes paid only when WeChat Pay's
    verified notification reaches the server; a tampered notification gets 4xx and changes nothing, a
    replayed one changes nothing."""
    with fake_pay() as fake, fake_providers(settings) as gateways:
        settings.DOORSTEP_PAYMENTS = fake.settings(live_server.url)
        # the customer's messages leave the outbox through the real SDKs to the fake SMS/WeChat gateways,
        # each template registered with the providers (R-CO-4)
        settings.DOORSTEP_NOTIFY_PROVIDERS = {"sms": ["aliyun", "tencent"], "wechat": ["wechat"]}
        settings.DOORSTEP_SMS_CENTRES = {
            "default": {
                "sign": "安可服务",
                "aliyun": {n.code: f"SMS_{n.code}" for n in NOTICES},
                "tencent": {n.code: f"TC_{n.code}" for n in NOTICES},
                "wechat": {n.code: f"tmpl-{n.code}" for n in NOTICES},
            }
        }
        page, order = _walk_to_completion(world, live_server, browser, shots, step=_deliver)
        assert page.locator("#pay-amount").inner_text() == "¥115.00"
        page.select_option("#pay-form select[name=method]", "wechat")
        go(page, page.locator("#pay-form button"))
        assert status(page) == "已完工", messages(page)  # a code is shown; nothing is paid yet
        assert "请客户扫码支付" in messages(page)
        code = page.locator("#pay-code-wechat")
        assert code.locator("svg").count() == 1 and "weixin://wxpay/bizpayurl" in code.inner_text()
        key = str(code.get_attribute("data-key"))
        shots(page, "wechat-code")
        assert fake.trades[key].total == 11500

        # a forged notification (not signed by WeChat Pay's key) before the customer pays: 4xx, nothing moves
        fake.pay(key)
        headers, body = fake.notification(key)
        forged = page.request.post(
            f"{live_server.url}/hooks/pay/wechat/",
            data=body.replace(b'"summary": "', b'"summary": "!'),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert forged.status == 400
        order.refresh_from_db()
        assert order.status == "completed" and not PaymentIntent.objects.filter(order=order, state="applied")
        fake.trades[key].state, fake.trades[key].transaction_id = "NOTPAY", ""
        _deliver()
        assert "SMS_receipt" not in [m["template"] for m in _received(gateways, order)]  # no receipt yet

        # the customer scans the code with their own phone and confirms in WeChat Pay
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(fake.checkout_url(key))
        assert phone.locator("#amount").inner_text() == "¥115.00"
        phone.click("#confirm-pay")
        phone.wait_for_selector("#paid")
        assert (
            phone.locator("#notify-status").inner_text() == "204"
        )  # the server accepted the verified notice
        shots(phone, "customer-paid-in-wechat")

        go(page, page.locator("#pay-refresh"))
        assert status(page) == "已付款", messages(page)
        shots(page, "paid-by-wechat")
        _deliver()  # the receipt, queued with the verified notice's payment
        order.refresh_from_db()
        assert order.payment.receipt_no == fake.trades[key].transaction_id and order.payment.amount == 115
        events = order.events.count()

        # the same notification replayed: acknowledged, nothing changes
        headers, body = fake.notification(key)
        for _ in range(2):
            replay = page.request.post(
                f"{live_server.url}/hooks/pay/wechat/",
                data=body,
                headers={**headers, "Content-Type": "application/json"},
            )
            assert replay.status == 204
        order.refresh_from_db()
        assert order.events.count() == events and order.payment.receipt_no == fake.trades[key].transaction_id
        outcomes = list(PaymentNotice.objects.order_by("pk").values_list("outcome", flat=True))
        assert outcomes == ["rejected", "applied", "duplicate", "duplicate"]

    # R-CO-4: the customer's phone received, in the fake SMS gateway, each message this walk causes, exactly
    # once and in this order (none held back, none failed over, none refused):
    # - order_received (the order's creation) with the tracking link,
    # - on_the_way (the technician departs),
    # - quote_awaiting (the quote's first line; the further line and the acceptance send nothing more),
    # - sign_code (the one-time code for the customer's signature, R-CO-1),
    # - payment_link (completion with ¥115.00 due),
    # - receipt (the payment applied from WeChat Pay's verified notification, not before it).
    # The walk does not cause appointment_confirmed (the order starts confirmed), late_notice (no late call:
    # the technician apologises at the door), nor callback_questionnaire (no callback is made).
    link = tracking_url(order)
    assert _received(gateways, order) == [
        {"template": "SMS_order_received", "brand": "安可空调", "number": order.number, "link": link},
        {
            "template": "SMS_on_the_way",
            "brand": "安可空调",
            "number": order.number,
            "technician": order.technician.staff.name,  # type: ignore[union-attr]
            "eta": ANY,  # departure + the travel estimate, checked below
        },
        {"template": "SMS_quote_awaiting", "brand": "安可空调", "number": order.number, "link": link},
        {
            "template": "SMS_sign_code",
            "brand": "安可空调",
            "number": order.number,
            "code": ANY,  # the one the customer read out for the signature
            "minutes": str(policy_of(order).sign_code_minutes),
        },
        {
            "template": "SMS_payment_link",
            "brand": "安可空调",
            "number": order.number,
            "amount": "115.00",
            "link": link,
        },
        {
            "template": "SMS_receipt",
            "brand": "安可空调",
            "number": order.number,
            "amount": "115.00",
            "link": link,
        },
    ]
    assert re.fullmatch(r"\d\d月\d\d日 \d\d:\d\d", _received(gateways, order)[1]["eta"])
    assert not gateways.sent["tencent"] and not gateways.sent["wechat"] and gateways.refused == []
    assert set(Message.objects.filter(order_id=order.pk).values_list("state", flat=True)) == {State.SENT}
