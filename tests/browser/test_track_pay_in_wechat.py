"""The customer opens the tracking link inside WeChat and pays there (WeChat Pay JSAPI, R-CO-2): the page gets
the signed JSAPI parameters and hands them to WeixinJSBridge; WeChat's client (here a stand-in that checks
the merchant's paySign and pays the fake WeChat Pay on loopback) pays, WeChat Pay posts its notification, and
only then the page shows the order paid."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from doorstep.notify.models import Contact
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import add_signature, order_in
from doorstep.orders.tracking import tracking_token
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.models import PaymentIntent
from doorstep.visits.testing import visit_evidence
from doorstep.visits.tests.browsing import status
from doorstep.visits.tests.payfakes import fake_pay
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WECHAT_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile "
    "Safari/537.36 MicroMessenger/8.0.49.2600(0x28003133) NetType/WIFI Language/zh_CN"
)

# WeChat's client injects WeixinJSBridge and fires WeixinJSBridgeReady; this one asks the test's stand-in
BRIDGE = """
setTimeout(function () {
  window.WeixinJSBridge = {
    invoke: function (name, params, done) {
      window.wechatClient(name, params).then(function (status) {
        done({err_msg: status === 204 ? "get_brand_wcpay_request:ok" : "get_brand_wcpay_request:fail"});
      });
    }
  };
  document.dispatchEvent(new Event("WeixinJSBridgeReady"));
}, 300);
"""


def _completed(world) -> WorkOrder:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.IN_SERVICE)
    charge_add(order=order, actor=world.actor("technician"), fee_code="L-REPAIR")
    visit_evidence(order, "complete")
    add_signature(order)
    return order_transition(order=order, actor=world.actor("technician"), action="complete")


def test_the_customer_pays_inside_wechat_with_jsapi(world, live_server, browser, shots, settings) -> None:  # type: ignore[no-untyped-def]
    order = _completed(world)
    Contact.objects.create(phone=order.customer.phone, wechat_openid="o-customer-7", follows_account=True)
    with fake_pay() as fake:
        settings.DOORSTEP_PAYMENTS = fake.settings(live_server.url)
        asked: list[dict[str, Any]] = []

        def wechat_client(source: Any, name: str, params: dict[str, str]) -> int:
            asked.append({"name": name, **params})
            return fake.bridge_pay(params)

        context = browser.new_context(**PHONE, user_agent=WECHAT_BROWSER)
        context.expose_binding("wechatClient", wechat_client)
        context.add_init_script(BRIDGE)
        page = context.new_page()
        page.goto(f"{live_server.url}/t/{tracking_token(order)}/")
        assert status(page) == "已完工"
        assert page.locator("#jsapi-form").is_visible() and page.locator(".pay-code").count() == 0
        shots(page, "pay-in-wechat")
        with page.expect_navigation():  # paid: the page reloads
            page.click("#pay-wechat")
        page.wait_for_load_state("networkidle")
        assert status(page) == "已付款"
        shots(page, "paid-in-wechat")

    assert [a["name"] for a in asked] == ["getBrandWCPayRequest"]
    assert asked[0]["package"].startswith("prepay_id=wx") and asked[0]["signType"] == "RSA"
    intent = PaymentIntent.objects.get(order=order)
    trade = fake.trades[intent.key]
    assert (trade.kind, trade.openid, trade.state) == ("JSAPI", "o-customer-7", "SUCCESS")
    order.refresh_from_db()
    assert order.payment.receipt_no == trade.transaction_id and intent.pay_url == asked[0]["package"]


def test_a_customer_unknown_to_the_service_account_is_authorised_then_pays(  # type: ignore[no-untyped-def]
    world, live_server, browser, shots, settings
) -> None:
    """No OpenID yet: the pay button goes through WeChat's silent web authorisation (snsapi_base, the fake
    WeChat on loopback issuing the code), back to the page, which goes on to JSAPI by itself (R-CO-2)."""
    from doorstep.notify.tests.loopback import fake_providers

    order = _completed(world)
    with fake_pay() as fake, fake_providers(settings) as mp:
        settings.DOORSTEP_PAYMENTS = fake.settings(live_server.url)
        mp.oauth_user = "o-new-customer-9"
        asked: list[dict[str, Any]] = []

        def wechat_client(source: Any, name: str, params: dict[str, str]) -> int:
            asked.append({"name": name, **params})
            return fake.bridge_pay(params)

        context = browser.new_context(**PHONE, user_agent=WECHAT_BROWSER)
        context.expose_binding("wechatClient", wechat_client)
        context.add_init_script(BRIDGE)
        page = context.new_page()
        page.goto(f"{live_server.url}/t/{tracking_token(order)}/")
        assert page.locator("#jsapi-form").count() == 0
        assert page.locator("#pay-wechat").get_attribute("data-auth") == "snsapi_base"
        page.click("#pay-wechat")  # to WeChat's authorisation and back, then JSAPI by itself
        for _ in range(80):  # WeChat's client (the stand-in) is asked while the page waits
            if asked:
                break
            page.wait_for_timeout(250)
        for _ in range(80):  # paid: the page reloads by itself (reading it while it reloads may fail)
            with contextlib.suppress(PlaywrightError):
                page.wait_for_load_state("load")
                if status(page) == "已付款":
                    break
            page.wait_for_timeout(250)
        assert "pay=wechat" not in page.url  # the reload after paying does not pay again
        page.reload()
        assert status(page) == "已付款"
        shots(page, "paid-in-wechat-after-authorisation")

    assert Contact.objects.get(phone=order.customer.phone).wechat_openid == "o-new-customer-9"
    assert [a["name"] for a in asked] == ["getBrandWCPayRequest"]  # paid once
    trade = fake.trades[PaymentIntent.objects.get(order=order).key]
    assert (trade.kind, trade.openid, trade.state) == ("JSAPI", "o-new-customer-9", "SUCCESS")
