"""WeChat webhook (R-IN-1 WeChat channel, R-IN-2 missing items): signature, idempotency, link or create."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client

from doorstep.channels import wechat
from doorstep.channels.models import InboundMessage, WeChatAccount, WeChatNonce
from doorstep.core import clock
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import OrderEvent, WorkOrder

TOKEN = "wx-test-token"
URL = "/hooks/wechat/acme/"


@pytest.fixture
def account(world) -> WeChatAccount:  # type: ignore[no-untyped-def]
    return WeChatAccount.objects.create(
        brand=world.brand, app_id="wx1234", original_id="gh_acme", token=TOKEN
    )


def now_ts(shift: int = 0) -> str:
    """The pinned clock's Unix time (plus ``shift`` seconds), as WeChat writes it."""
    return str(int(clock.now().timestamp()) + shift)


def signed(token: str = TOKEN, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
    """A WeChat signature over a fresh timestamp (the pinned clock) and, unless given, a fresh nonce."""
    timestamp = timestamp if timestamp is not None else now_ts()
    nonce = nonce if nonce is not None else uuid.uuid4().hex[:16]
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def message(
    content: str,
    msg_id: str = "1001",
    openid: str = "oUser1",
    msg_type: str = "text",
    created: str | None = None,
) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_acme]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created or now_ts()}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


def post(body: bytes, params: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={v}" for k, v in (params or signed()).items())
    return Client().post(f"{URL}?{query}", data=body, content_type="text/xml")


def reply_text(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", response.content.decode(), re.S)
    assert match, response.content
    return match.group(1)


FULL = (
    "你好，空调KFR-35GW不制冷，还有异响。地址：天河区天河路385号1201室，电话13800138000，我姓王，明天上午在家"
)


def test_r_in_1_get_verification_echoes_echostr_with_a_valid_signature(account) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(URL, {**signed(), "echostr": "echo-123"})
    assert response.status_code == 200 and response.content == b"echo-123"


def test_r_in_1_get_verification_with_a_wrong_signature_is_403(account) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(URL, {**signed(token="other"), "echostr": "echo-123"})
    assert response.status_code == 403


def test_r_in_1_post_with_a_wrong_signature_is_403_and_keeps_nothing(account) -> None:  # type: ignore[no-untyped-def]
    response = post(message(FULL), signed(token="forged"))
    assert response.status_code == 403
    assert not InboundMessage.objects.exists() and not WorkOrder.objects.exists()


def test_unknown_brand_is_404(world) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/hooks/wechat/nobody/", signed()).status_code == 404


def test_r_in_1_text_message_creates_a_wechat_order_and_replies_with_number_and_link(account) -> None:  # type: ignore[no-untyped-def]
    response = post(message(FULL))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    order = WorkOrder.objects.get()
    assert order.channel == "wechat" and order.customer.phone == "+8613800138000"
    assert order.address.district == "天河区" and order.product and order.product.model.code == "KFR-35GW"
    assert list(order.faults.values_list("symptom", flat=True))[-1] == "还有异响"
    text = reply_text(response)
    assert order.number in text and "/t/" in text
    assert "<ToUserName><![CDATA[oUser1]]></ToUserName>" in response.content.decode()
    stored = InboundMessage.objects.get()
    assert stored.order == order and stored.external_id == "1001" and stored.openid == "oUser1"
    assert "<MsgId>1001</MsgId>" in stored.raw_body and stored.parsed["extracted"]["phone"] == "13800138000"


def test_r_in_2_missing_items_make_the_wechat_order_information_incomplete(account) -> None:  # type: ignore[no-untyped-def]
    response = post(message("空调漏水，13800138001，海珠区江南大道中100号3楼"))
    order = WorkOrder.objects.get()
    assert order.status == Status.INFO_INCOMPLETE
    fields = {item["field"] for item in order.missing_items}
    assert fields == {"customer_name", "product_model", "purchase_date"}  # R-IN-2 items only
    assert "核实" in reply_text(response)


def test_repeated_msg_id_is_answered_the_same_and_creates_nothing(account) -> None:  # type: ignore[no-untyped-def]
    first = post(message(FULL))
    again = post(message(FULL), signed(timestamp=now_ts(5), nonce="other"))
    assert again.status_code == 200 and again.content == first.content
    assert WorkOrder.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_message_from_an_openid_with_an_open_order_is_linked_to_it(account) -> None:  # type: ignore[no-untyped-def]
    post(message(FULL))
    order = WorkOrder.objects.get()
    response = post(message("师傅几点到？", msg_id="1002"))
    assert WorkOrder.objects.count() == 1
    event = OrderEvent.objects.get(order=order, kind="customer_message")
    assert event.customer_visible is False and event.data["text"] == "师傅几点到？"
    assert InboundMessage.objects.get(external_id="1002").order == order
    assert order.number in reply_text(response)


def test_a_closed_order_is_not_linked_a_new_request_creates_a_new_order(account) -> None:  # type: ignore[no-untyped-def]
    post(message(FULL))
    WorkOrder.objects.update(status=Status.CLOSED)
    post(message("热水器不出热水，13800138000，越秀区中山一路5号3楼，我姓王，后天下午", msg_id="1003"))
    assert WorkOrder.objects.count() == 2


def test_text_without_a_phone_gets_asked_for_one_and_creates_no_order(account) -> None:  # type: ignore[no-untyped-def]
    response = post(message("空调不制冷，怎么办？"))
    assert WorkOrder.objects.count() == 0
    assert "手机号码" in reply_text(response)
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.NEED_PHONE


def test_non_text_message_is_kept_and_answered_without_an_order(account) -> None:  # type: ignore[no-untyped-def]
    response = post(message("", msg_type="image"))
    assert response.status_code == 200 and WorkOrder.objects.count() == 0
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.IGNORED


def test_malformed_or_entity_laden_xml_is_400(account) -> None:  # type: ignore[no-untyped-def]
    assert post(b"not xml").status_code == 400
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><FromUserName>&a;</FromUserName></xml>'
    )
    assert post(bomb).status_code == 400
    assert not InboundMessage.objects.exists()


# --- replay: timestamp window, nonce once, CreateTime, MsgId ---------------------------------------
WINDOW = 300  # settings.DOORSTEP_WECHAT_WINDOW_SECONDS


@pytest.mark.parametrize(
    ("shift", "status"), [(-WINDOW, 200), (-WINDOW - 1, 403), (WINDOW, 200), (WINDOW + 1, 403)]
)
def test_the_signed_timestamp_is_taken_up_to_the_window_edge_either_way(account, shift, status) -> None:  # type: ignore[no-untyped-def]
    with clock.frozen_at(clock.now()):
        response = post(message(FULL), signed(timestamp=now_ts(shift)))
    assert response.status_code == status
    assert InboundMessage.objects.count() == (1 if status == 200 else 0)
    if status == 403:
        assert response["Content-Type"].startswith("text/plain") and "秒" in response.content.decode()
        assert not WorkOrder.objects.exists()


def test_a_callback_replayed_seven_days_later_is_refused_and_keeps_nothing(account) -> None:  # type: ignore[no-untyped-def]
    params, body = signed(), message("师傅几点到？13800138000", msg_id="2001")
    assert post(body, params).status_code == 200
    later = clock.now() + timedelta(days=7)
    with clock.frozen_at(later):
        replay = post(message("空调漏水，13800138009，海珠区江南大道中100号3楼", msg_id="2002"), params)
        same = post(body, params)
        verification = Client().get(URL, {**params, "echostr": "x"})
    assert replay.status_code == same.status_code == verification.status_code == 403
    assert InboundMessage.objects.count() == 1


def test_a_message_whose_own_create_time_is_old_is_refused_even_freshly_signed(account) -> None:  # type: ignore[no-untyped-def]
    week_ago = now_ts(-7 * 24 * 3600)
    response = post(message(FULL, created=week_ago))
    assert response.status_code == 403
    assert not InboundMessage.objects.exists() and not WorkOrder.objects.exists()
    with clock.frozen_at(clock.now()):
        assert post(message(FULL, msg_id="2003", created=now_ts(-WINDOW - 1))).status_code == 403
        assert post(message(FULL, msg_id="2004", created=now_ts(-WINDOW))).status_code == 200


def test_the_same_nonce_with_another_message_is_refused(account) -> None:  # type: ignore[no-untyped-def]
    params = signed(nonce="once-only")
    assert post(message(FULL), params).status_code == 200
    response = post(message("热水器不出热水，13800138002，越秀区中山一路5号3楼", msg_id="3002"), params)
    assert response.status_code == 403 and "nonce" in response.content.decode()
    assert InboundMessage.objects.count() == 1 and WorkOrder.objects.count() == 1
    assert WeChatNonce.objects.count() == 1


def test_the_same_nonce_with_the_same_message_is_a_retry_and_gets_the_same_answer(account) -> None:  # type: ignore[no-untyped-def]
    params, body = signed(nonce="retry"), message(FULL)
    first, again = post(body, params), post(body, params)
    assert again.status_code == 200 and again.content == first.content
    assert WorkOrder.objects.count() == 1


def test_used_nonces_are_pruned_once_outside_the_window(account) -> None:  # type: ignore[no-untyped-def]
    post(message(FULL))
    with clock.frozen_at(clock.now() + timedelta(seconds=2 * WINDOW + 1)):
        post(message("师傅几点到？", msg_id="4002"))
    assert WeChatNonce.objects.count() == 1


def test_the_same_msg_id_handled_at_the_same_moment_gives_one_order_and_the_first_answer(
    account, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Two deliveries of one MsgId at once: the second passed the look-up before the first committed, so
    its insert meets inbound_message_once; its order is rolled back and it answers the first's reply."""
    first = post(message(FULL))
    looked_up = {"n": 0}
    real = wechat._stored

    def not_yet_committed(external_id: str) -> InboundMessage | None:
        looked_up["n"] += 1
        return None if looked_up["n"] == 1 else real(external_id)

    monkeypatch.setattr(wechat, "_stored", not_yet_committed)
    again = post(message(FULL))  # a fresh nonce, as WeChat's retry and a concurrent delivery would have
    assert again.status_code == 200 and again.content == first.content
    assert WorkOrder.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_nonce_longer_than_wechat_s_is_a_bad_message_not_a_server_error(account) -> None:  # type: ignore[no-untyped-def]
    assert post(message(FULL), signed(nonce="n" * 65)).status_code == 400
    assert not InboundMessage.objects.exists() and not WeChatNonce.objects.exists()
