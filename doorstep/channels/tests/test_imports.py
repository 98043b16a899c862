"""Bulk import (R-IN-1 import channel, R-IN-2 per-row checks): good and bad rows, report, re-import."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import Workbook

from doorstep.channels.imports import read_rows, run_import
from doorstep.channels.models import ImportBatch
from doorstep.core import clock
from doorstep.core.errors import Forbidden, Invalid
from doorstep.customers.models import Customer
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder

TOMORROW = clock.today() + timedelta(days=1)
HEADER = ["客户姓名", "电话", "地址", "型号", "购买日期", "故障现象", "服务类型", "期望时间"]
GOOD = [
    "刘女士",
    "13800138000",
    "广州市天河区天河路385号1201室",
    "KFR-35GW",
    "2024-06-18",
    "不制冷；有异响",
    "维修",
    f"{TOMORROW} 上午",
]
BAD = [  # R-IN-2 reject: neither a valid phone nor a usable name
    "未知",
    "打电话给我",
    "广州市海珠区江南大道中100号3楼",
    "KFR-35GW",
    "2024-06-18",
    "漏水",
    "维修",
    f"{TOMORROW} 下午",
]
INCOMPLETE = ["周女士", "13800138002", "越秀区中山一路5号3楼", "", "", "不开机", "维修", ""]


def xlsx(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(*rows: list[str], encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(r) for r in rows).encode(encoding)


def test_r_in_1_good_bad_and_incomplete_rows_each_get_their_own_outcome(world) -> None:  # type: ignore[no-untyped-def]
    batch = run_import(
        actor=world.actor("agent"), filename="orders.xlsx", content=xlsx(HEADER, GOOD, BAD, INCOMPLETE)
    )
    by_row = {line["row"]: line for line in batch.rows}
    assert (
        by_row[2]["status"] == "created"
        and WorkOrder.objects.get(number=by_row[2]["number"]).channel == "import"
    )
    assert by_row[3]["status"] == "rejected" and by_row[3]["verdict"] == "reject" and by_row[3]["reason"]
    assert by_row[3]["codes"] == ["customer_name.placeholder", "phone.invalid"]
    assert by_row[3]["field"] == "客户姓名 (customer_name)、电话 (phone)"
    assert by_row[4]["status"] == "incomplete" and "product_model" in by_row[4]["field"]
    assert WorkOrder.objects.get(number=by_row[4]["number"]).status == Status.INFO_INCOMPLETE
    assert WorkOrder.objects.count() == 2


def test_a_rejected_row_writes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    run_import(actor=world.actor("agent"), filename="bad.csv", content=csv_bytes(HEADER, BAD))
    assert not WorkOrder.objects.exists() and not Customer.objects.filter(name="未知").exists()


def test_importing_the_same_file_again_creates_nothing_new(world) -> None:  # type: ignore[no-untyped-def]
    content = xlsx(HEADER, GOOD, INCOMPLETE)
    run_import(actor=world.actor("agent"), filename="a.xlsx", content=content)
    again = run_import(actor=world.actor("agent"), filename="a.xlsx", content=content)
    assert [line["status"] for line in again.rows] == ["replayed", "replayed"]
    assert WorkOrder.objects.count() == 2


def test_english_headers_gbk_csv_and_excel_cell_types_are_read(world) -> None:  # type: ignore[no-untyped-def]
    english = [
        "name",
        "phone",
        "address",
        "model",
        "purchase_date",
        "symptom",
        "service_type",
        "preferred_time",
    ]
    rows = read_rows("x.csv", csv_bytes(english, GOOD, encoding="gb18030"))
    assert rows[0][1]["customer_name"] == "刘女士" and rows[0][1]["service_type"] == "维修"
    cells = xlsx(
        HEADER,
        ["王先生", 13800138003, "天河区天河路1号2楼", "KFR-35GW", datetime(2024, 6, 18), "漏水", "", ""],
    )
    row = read_rows("x.xlsx", cells)[0][1]
    assert row["phone"] == "13800138003" and str(row["purchase_date"]) == "2024-06-18"


def test_file_without_required_columns_or_wrong_type_is_refused_whole(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as err:
        read_rows("x.csv", csv_bytes(["客户姓名", "型号"], ["刘女士", "KFR-35GW"]))
    assert err.value.field == "file" and "电话" in err.value.text()
    with pytest.raises(Invalid):
        read_rows("x.txt", b"hello")


def test_only_desk_roles_may_import(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        run_import(actor=world.actor("technician"), filename="a.csv", content=csv_bytes(HEADER, GOOD))


def test_import_page_upload_report_and_csv_download(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.login(username="agent", password="doorstep-pass")
    upload = io.BytesIO(xlsx(HEADER, GOOD, BAD))
    upload.name = "orders.xlsx"
    response = client.post("/orders/import/", {"file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/import/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "phone" in page and "未导入" in page
    report = client.get(f"/orders/import/{batch.pk}/report.csv")
    text = report.content.decode("utf-8-sig")
    assert report["Content-Type"].startswith("text/csv") and "行号" in text and "phone" in text
    assert client.get("/orders/import/template.xlsx").status_code == 200
    assert "客户姓名" in client.get("/orders/import/template.csv").content.decode("utf-8-sig")


def test_import_page_is_not_for_technicians_and_reports_are_centre_scoped(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.login(username="tech", password="doorstep-pass")
    assert client.get("/orders/import/").status_code == 404


def test_management_command_prints_the_same_report(world, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_bytes(HEADER, GOOD, BAD))
    call_command("import_orders", str(path), brand="acme", agent="agent")
    out = capsys.readouterr().out
    assert "已建单" in out and "phone" in out and "未导入" in out


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("orders.xlsx", b"<html><script>alert(1)</script></html>"),  # HTML named as a workbook
        ("orders.csv", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64),  # an executable named as CSV
        ("orders.xlsx", b"PK\x03\x04" + b"\x00" * 64),  # a zip header that is no workbook
    ],
)
def test_import_page_refuses_a_file_that_is_not_a_workbook_or_csv_naming_the_field(
    world, name, content
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.login(username="agent", password="doorstep-pass")
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post("/orders/import/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "Excel (.xlsx) 或 CSV 文件" in page and "不被接受" in page
    assert not ImportBatch.objects.exists() and not WorkOrder.objects.exists()


def test_a_csv_named_xlsx_is_read_as_what_it_is(world) -> None:  # type: ignore[no-untyped-def]
    rows = read_rows("orders.xlsx", csv_bytes(HEADER, GOOD))
    assert rows[0][1]["customer_name"] == "刘女士"
