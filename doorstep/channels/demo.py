"""Demo data for the intake channels: the brand's WeChat account, a retailer, and a few orders through each.

Call ``load_channels_demo(demo)`` at the end of ``doorstep.web.demo.load_demo`` (after the orders). It goes
through the real services, so each order's record shows how it arrived (R-IN-1).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from doorstep.catalog.models import ProductModel
from doorstep.channels.models import PartnerAccount, WeChatAccount
from doorstep.channels.partner import Delivered, PartnerPush, push
from doorstep.channels.selfbook import Booking, book
from doorstep.channels.wechat import receive
from doorstep.core import clock
from doorstep.notify.outbox import settle_history
from doorstep.orders.intake import IntakeRequest

WECHAT_TOKEN = "doorstep-demo-wechat"
PARTNER_KEY = "doorstep-demo-partner"  # demo only: shown on the admin page of the partner
MESSAGES = (
    ("oDemo0001", "空调不制冷，13926001001，天河区天河路208号1503室，我姓郑，明天下午在家"),
    ("oDemo0002", "热水器要保养，越秀区东风中路300号2楼，周六上午"),  # no phone: asked for one
    ("oDemo0003", "你好，空调漏水 13926001003 海珠区新港西路135号5栋601 何女士"),
)


def _message(openid: str, text: str, n: int) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{1763800000 + n}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{7000000000 + n}</MsgId></xml>"
    ).encode()


def _wechat(demo: Any) -> None:
    account = WeChatAccount.objects.create(
        brand=demo.brand, app_id="wxdemo0001", original_id="gh_demo", token=WECHAT_TOKEN
    )
    for n, (openid, text) in enumerate(MESSAGES):
        receive(account=account, body=_message(openid, text, n))


def _partner(demo: Any) -> None:
    partner, _key = PartnerAccount.issue(
        brand=demo.brand, code="demo-retail", name="示例家电卖场", key=PARTNER_KEY
    )
    model = ProductModel.objects.filter(brand=demo.brand).order_by("code").first()
    day = clock.local(clock.now()).date() + timedelta(days=2)
    req = IntakeRequest(
        brand=demo.brand.code,
        channel="partner",
        service_type="install",
        customer_name="蔡先生",
        phone="13926001010",
        address_text="广州市白云区白云大道北88号3栋1202",
        model_code=model.code if model else "",
        purchase_date=clock.local(clock.now()).date(),
        requirement=f"{day.isoformat()} 上午",
    )
    items = [
        Delivered(name="室内机", sku=f"{req.model_code}-N"),
        Delivered(name="室外机", sku=f"{req.model_code}-W"),
    ]
    push(partner=partner, data=PartnerPush(external_ref="DEMO-SO-0001", request=req, items=items))


def _selfbook(demo: Any) -> None:
    model = ProductModel.objects.filter(brand=demo.brand).select_related("line").order_by("code").first()
    booking = Booking(
        service_type="repair",
        line=model.line if model else None,
        model_code=model.code if model else "",
        purchase_date="2023-05-01",
        faults=["不制热", "有异味"],
        customer_name="梁女士",
        phone="13926001020",
        address_text="荔湾区中山八路10号2座803",
        day=clock.local(clock.now()).date() + timedelta(days=1),
        period="evening",
    )
    token = uuid.UUID(hashlib.md5(b"doorstep-demo-selfbook").hexdigest())
    book(brand=demo.brand, form_token=token, booking=booking)


def load_channels_demo(demo: Any) -> None:
    """WeChat account + 3 messages, one retailer push with its delivery list, one self-booking; the
    customers' messages of the demo's past count as sent at their time (the outbox starts empty)."""
    _wechat(demo)
    _partner(demo)
    _selfbook(demo)
    settle_history(before=clock.now() - timedelta(minutes=5))
