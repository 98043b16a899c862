"""The bulk import page (R-IN-1 import channel): upload an .xlsx with a good and a bad row; the report."""

from __future__ import annotations

import pytest

from doorstep.channels.tests.test_imports import BAD, GOOD, HEADER, xlsx
from doorstep.orders.models import WorkOrder
from tests.browser.conftest import DESKTOP
from tests.browser.test_spine_flow import login, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_in_1_agent_uploads_a_spreadsheet_and_sees_the_per_row_report(
    world, live_server, browser, shots, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "orders.xlsx"
    path.write_bytes(xlsx(HEADER, GOOD, BAD))
    page = login(browser, live_server, "agent", DESKTOP)
    page.goto(f"{live_server.url}/orders/import/")
    shots(page, "import-form")
    page.set_input_files("#id_file", str(path))
    submit(page, page.locator("#import button[type=submit]"))
    good = page.locator("#report tr[data-row='2']")
    bad = page.locator("#report tr[data-row='3']")
    number = WorkOrder.objects.get().number
    assert "已建单" in good.inner_text() and number in good.inner_text()
    assert "未导入" in bad.inner_text() and "phone" in bad.inner_text() and "联系电话无效" in bad.inner_text()
    shots(page, "import-report")
    with page.expect_download() as download:
        page.click("text=下载结果 CSV")
    assert download.value.suggested_filename.endswith(".csv")
