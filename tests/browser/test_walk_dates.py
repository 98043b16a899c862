"""A new user's walk, typed dates and self-booking (walk findings 18 and 21): each test walks the steps
that went wrong and fails on the behaviour the walk found ("明天下午" stored verbatim and printed later,
"2022年5月1日" refused as "输入一个有效的日期。", a promise silently dropped, 深圳 booked for the Guangzhou
centre)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.orders.models import CallRecord, WorkOrder
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_spine_flow import login, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tomorrow() -> str:
    return (clock.today() + timedelta(days=1)).isoformat()


def _error_of(page, field: str) -> str:  # type: ignore[no-untyped-def]
    """The error shown next to a field (in the same field block), not in a message at the top."""
    return str(page.locator(f"#id_{field} ~ .errorlist").inner_text())


def test_an_agent_types_dates_as_the_customer_says_them(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 18: 客户要求 "明天下午" was stored verbatim (and printed on the report); 购买日期
    "2022年5月1日" was refused; a non-ISO 承诺回复时间 was silently dropped."""
    page = login(browser, live_server, "agent", DESKTOP)
    page.goto(f"{live_server.url}/orders/new/")
    page.fill("#id_customer_name", "林女士")
    page.fill("#id_phone", "138 2000 1234")
    page.fill("#id_district", "天河区")
    page.fill("#id_detail", "天河北路233号18楼")
    page.fill("#id_model_code", "KFR-35GW")
    page.fill("#id_faults", "不制冷")
    page.locator("#id_purchase_date").type("2022年5越1日")  # a typo
    page.locator("#id_requirement").type("明天下午")
    page.wait_for_function("() => document.querySelector('#requirement-hint').textContent.includes('将记为')")
    assert _tomorrow() in page.locator("#requirement-hint").inner_text()  # understood before submitting
    assert "看不懂这个日期" in page.locator("#purchase-hint").inner_text()
    shots(page, "typed-dates")

    submit(page, page.locator("button[type=submit]", has_text="创建工单"))
    assert not WorkOrder.objects.exists()
    assert "看不懂这个日期：「2022年5越1日」" in _error_of(page, "purchase_date")  # next to the field
    # the rest of what was typed is kept
    assert (
        page.input_value("#id_customer_name") == "林女士"
        and page.input_value("#id_detail") == "天河北路233号18楼"
    )
    assert page.input_value("#id_requirement") == "明天下午" and page.input_value("#id_faults") == "不制冷"
    assert page.input_value("#id_purchase_date") == "2022年5越1日"
    shots(page, "typo-refused")

    page.fill("#id_purchase_date", "")
    page.locator("#id_purchase_date").type("2022年5月1日")
    page.wait_for_function(
        "() => document.querySelector('#purchase-hint').textContent.includes('2022-05-01')"
    )
    submit(page, page.locator("button[type=submit]", has_text="创建工单"))
    order = WorkOrder.objects.get()
    details = page.locator("dl").first.inner_text()
    assert "购于 2022-05-01" in details  # shown back as a date
    assert f"{_tomorrow()}（周" in details and "明天" not in details
    assert order.requirement.startswith(_tomorrow())
    shots(page, "order-with-dates")

    page.goto(f"{live_server.url}/orders/calls/")
    page.fill("#id_phone", "138 2000 1234")
    page.fill("#id_question", "何时上门")
    page.fill("#id_promise", "明天下五")
    submit(page, page.locator("#call-form button[type=submit]"))
    assert "看不懂这个日期" in _error_of(page, "promise") and not CallRecord.objects.exists()
    assert page.input_value("#id_question") == "何时上门" and page.input_value("#id_phone") == "138 2000 1234"
    page.fill("#id_promise", "明天下午3点")
    submit(page, page.locator("#call-form button[type=submit]"))
    assert "通话已登记" in page.locator(".messages").inner_text()
    row = page.locator("#calls tr", has_text="何时上门").inner_text()
    assert f"{_tomorrow()[5:]} 15:00" in row  # the promise is a deadline, never dropped
    shots(page, "call-promise")


def test_a_customer_books_an_address_outside_the_service_area(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 21: "深圳市南山区科技园1号" was accepted for the Guangzhou centre; the requested day and period
    were not shown on the customer's page; 期望日期 refused "明天下午"."""
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/book/acme/")
    page.locator("#field-service_type label", has_text="维修").click()
    page.select_option("#id_line", label="空调")
    page.locator("#field-symptoms label", has_text="不制冷").click()
    page.fill("#id_customer_name", "林女士")
    page.fill("#id_phone", "138 2000 1234")
    page.fill("#id_address_text", "深圳市南山区科技园1号")
    page.fill("#id_day", "明天下午")
    submit(page, page.locator("button[type=submit]", has_text="提交预约"))
    assert not WorkOrder.objects.exists()
    error = page.locator("#field-address_text .errorlist").inner_text()
    assert "「深圳市南山区」不在本服务中心的服务范围内" in error and "天河区" in error
    assert page.input_value("#id_customer_name") == "林女士" and page.input_value("#id_day") == "明天下午"
    shots(page, "out-of-area")

    page.fill("#id_address_text", "广州市天河区天河北路233号18楼")
    submit(page, page.locator("button[type=submit]", has_text="提交预约"))
    assert "/t/" in page.url and WorkOrder.objects.count() == 1
    requested = page.locator("#requested").inner_text()
    assert _tomorrow() in requested and "下午" in requested
    # the optional fields left blank: the page says what the desk will verify, not only "信息待补全"
    assert "未提供购买日期" in page.locator("#still-needed").inner_text()
    shots(page, "booked")
