"""Correcting an order in a real browser (issue 15 part 2, walk finding 10; R-IN-2, R-DI-4): the agent fixes
a wrong phone and an address and the order leaves *information incomplete*; the technician corrects the
model at the door and the service report names the confirmed model and the difference."""

from __future__ import annotations

import io

import pytest

from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import intake, order_in
from doorstep.tests.factories import ProductModelFactory
from doorstep.visits.tests.browsing import go, messages
from doorstep.visits.tests.browsing import login as phone_login
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_spine_flow import login, status_of, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_corrects_a_wrong_phone_and_an_address_R_IN_2(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """Finding 10: phone "12345" could not be corrected and 信息已核实 cleared the flags anyway."""
    order = intake(world, phone="12345", district="")
    page = login(browser, live_server, "agent", DESKTOP)
    page.goto(f"{live_server.url}/orders/{order.number}/")
    assert status_of(page) == "信息待补全"
    codes = page.locator("#missing li.problem").evaluate_all("els => els.map(e => e.dataset.code)")
    assert codes == ["phone.invalid", "address.no_district"]
    assert page.locator("form[data-action=complete_info]").count() == 0  # no clearing without fixing
    assert page.locator("#missing li[data-code='phone.invalid'] input[name=confirm]").count() == 0
    shots(page, "problems")

    form = page.locator("#correct-form")
    form.locator("[name=phone]").fill("1391234")  # still wrong: the intake's own message, next to the field
    submit(page, form.locator("button[type=submit]"))
    error = page.locator("#correct-form .field[data-field=phone] .form-error")
    assert "联系电话无效" in error.inner_text() and "核对号码" in error.inner_text()
    assert page.locator("#correct-form [name=phone]").input_value() == "1391234"
    assert status_of(page) == "信息待补全"
    assert WorkOrder.objects.get(pk=order.pk).customer.phone == "12345"
    shots(page, "refused")

    page.locator("#correct-form [name=phone]").fill("139 1234 5678")
    page.locator("#missing button.chip", has_text="天河区").click()  # the problem's choice fills the address
    address = page.locator("#correct-form [name=address]").input_value()
    assert address == "广东省广州市天河区天河路 385 号 1201 室"
    page.locator("#correct-form [name=how]").select_option("phone_call")
    page.locator("#correct-form [name=note]").fill("客户回电确认")
    submit(page, page.locator("#correct-form button[type=submit]"))
    shots(page, "corrected")

    assert "已更正" in page.locator(".messages").inner_text()
    assert status_of(page) == "已分诊"
    assert page.locator("#missing").count() == 0
    changes = page.locator("#corrections").inner_text()
    assert "12345 → +8613912345678" in changes and "与客户电话核实" in changes and "王丽" in changes
    assert "天河区" in page.locator("#corrections li.change[data-field=address]").inner_text()
    saved = WorkOrder.objects.get(pk=order.pk)
    assert saved.customer.phone == "+8613912345678" and saved.missing_items == []
    assert saved.address.district == "天河区"


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_technician_corrects_the_model_on_site_R_DI_4(world, live_server, browser, shots) -> None:  # type: ignore[no-untyped-def]
    ProductModelFactory(brand=world.brand, line=world.line, code="KFR-50LW", name="柜机 2 匹")
    order = order_in(world, "in_service")
    page = phone_login(browser, live_server, "tech", PHONE)
    page.goto(f"{live_server.url}/visits/{order.number}/")
    page.locator("#correct summary").click()
    form = page.locator("#correct-form")
    assert form.locator("[name=product_model]").input_value() == "KFR-35GW"

    form.locator("[name=product_model]").fill("白色那台")  # not a model: refused next to the form
    go(page, form.locator("button[type=submit]"))
    assert "不是产品型号" in messages(page)
    assert WorkOrder.objects.get(pk=order.pk).product.model.code == "KFR-35GW"  # type: ignore[union-attr]

    form.locator("[name=product_model]").fill("KFR-50LW")
    go(page, form.locator("button[type=submit]"))
    shots(page, "model-corrected")
    assert "已按现场核实更正" in messages(page)
    assert "KFR-50LW" in page.locator(".card dl.kv").first.inner_text()
    assert "KFR-35GW → KFR-50LW" in page.locator("#corrections").inner_text()

    pdf = page.request.get(f"{live_server.url}/visits/{order.number}/report.pdf").body()
    text = _pdf_text(pdf)
    assert "KFR-50LW 柜机 2 匹" in text and "现场核实与工单不同之处" in text
    assert "KFR-35GW → KFR-50LW" in text
