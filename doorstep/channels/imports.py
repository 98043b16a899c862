"""Bulk import of orders from Excel (.xlsx) or CSV (R-IN-1 "import"; R-IN-2 checks per row).

Each row goes through ``order_create`` in its own savepoint: a rejected row writes nothing and does not
stop the others. Each row's idempotency key is the file's digest plus the row number, so importing the
same file again creates nothing new (the rows are reported as already imported). The report names, per
row, the outcome and the order number, or the field at fault and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.channels.models import ImportBatch
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid
from doorstep.core.uploads import Kind, csv_text, upload_check
from doorstep.network.actors import Actor
from doorstep.network.roles import DESK
from doorstep.orders.intake import VERDICT_WORDS, IntakeRequest, Outcome, intake_submit
from doorstep.orders.lifecycle import Status

FILE_LABEL = gettext_lazy("Excel (.xlsx) 或 CSV 文件")
MAX_ROWS = 2000
TEMPLATE_HEADER = ["客户姓名", "电话", "地址", "型号", "购买日期", "故障现象", "服务类型", "期望时间"]
TEMPLATE_EXAMPLE = [
    "刘女士",
    "13800138000",
    "广东省广州市天河区天河路385号1201室",
    "KFR-35GW",
    "2024-06-18",
    "不制冷；有异响",
    "维修",
    "2026-12-01 上午",
]
HEADERS = {
    "customer_name": {"客户姓名", "姓名", "客户", "customer_name", "customer", "name"},
    "phone": {"电话", "联系电话", "手机", "手机号", "phone", "mobile", "telephone"},
    "address": {"地址", "上门地址", "详细地址", "address"},
    "model_code": {"型号", "产品型号", "model", "model_code"},
    "purchase_date": {"购买日期", "purchase_date", "purchased"},
    "faults": {"故障现象", "故障", "faults", "fault", "symptom", "symptoms"},
    "service_type": {"服务类型", "service_type", "service"},
    "requirement": {"期望时间", "期望上门时间", "preferred_time", "requirement", "preferred_visit_time"},
    "serial": {"机身编码", "序列号", "serial"},
}
REQUIRED = ("customer_name", "phone", "address")  # the first three columns of the template
SERVICE_TYPES = {
    "安装": "install",
    "维修": "repair",
    "报修": "repair",
    "保养": "maintenance",
    "清洗": "maintenance",
}
SERVICE_TYPES |= {"咨询": "consultation", "": "repair"}
LABELS = {
    "created": gettext_lazy("已建单"),
    "incomplete": gettext_lazy("已建单，信息待补全"),
    "linked": gettext_lazy("已并入客户未完工单"),
    "replayed": gettext_lazy("此前已导入"),
    "rejected": gettext_lazy("未导入"),
}

COLUMN_OF = {  # intake field → the template's column header, for the report
    "customer_name": "客户姓名",
    "phone": "电话",
    "address": "地址",
    "product_model": "型号",
    "purchase_date": "购买日期",
    "symptom": "故障现象",
    "service_type": "服务类型",
    "preferred_time": "期望时间",
}

Row = dict[str, Any]


def _fields(names: list[str]) -> str:
    """``电话 (phone)``: the column the agent fixes, and the field code."""
    return "、".join(f"{COLUMN_OF[n]} ({n})" if n in COLUMN_OF else n for n in dict.fromkeys(names) if n)


def _key(header: object) -> str | None:
    text = str(header or "").strip().lower().replace(" ", "_")
    return next((name for name, names in HEADERS.items() if text in names), None)


def _columns(header: list[object]) -> list[str | None]:
    columns = [_key(h) for h in header]
    absent = [name for name in REQUIRED if name not in columns]
    if absent:
        raise Invalid(
            ErrorCode.IMPORT_COLUMNS,
            field="file",
            columns="、".join(TEMPLATE_HEADER[REQUIRED.index(name)] for name in absent),
        )
    return columns


def _cell(value: object) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, date) else str(value or "").strip()


def _table(content: bytes) -> list[list[object]]:
    """The file's cells, by what the content is (a real workbook or CSV text), never by its name."""
    clean = upload_check(content, kind=Kind.IMPORT, field="file", label=FILE_LABEL)
    return _xlsx(clean.content) if clean.ext == "xlsx" else _csv(clean.content)


def _xlsx(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged file
        raise Invalid(ErrorCode.IMPORT_UNREADABLE, field="file") from None
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(max_row=MAX_ROWS + 2, values_only=True)]
    finally:
        book.close()


def _csv(content: bytes) -> list[list[object]]:
    text = csv_text(content)  # UTF-8, else GB18030: Excel in China saves CSV as GBK
    if text is None:
        raise Invalid(ErrorCode.IMPORT_ENCODING_UNKNOWN, field="file")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def read_rows(filename: str, content: bytes) -> list[tuple[int, Row]]:
    """(spreadsheet row number, {field: value}) for every non-empty row under the header row.

    ``filename`` is only the name the batch is recorded under; the content decides the format."""
    table = _table(content)
    if not table:
        raise Invalid(ErrorCode.IMPORT_EMPTY, field="file")
    columns = _columns(table[0])
    rows: list[tuple[int, Row]] = []
    for number, values in enumerate(table[1:], start=2):
        row = {col: _cell(v) for col, v in zip(columns, values, strict=False) if col}
        if any(v for v in row.values()):
            rows.append((number, row))
    if len(rows) > MAX_ROWS:
        raise Invalid(ErrorCode.IMPORT_TOO_MANY, field="file", n=MAX_ROWS)
    return rows


def _faults(raw: object) -> list[str]:
    """The cell as written: the intake pipeline splits several faults into fault items (R-IN-6)."""
    text = str(raw or "").strip()
    return [text] if text else []


def _request(brand: str, row: Row) -> IntakeRequest:
    service = str(row.get("service_type", "")).strip()
    return IntakeRequest(
        brand=brand,
        channel="import",
        service_type=SERVICE_TYPES.get(service, service.lower()),
        customer_name=str(row.get("customer_name", "")),
        phone=str(row.get("phone", "")),
        address_text=str(row.get("address", "")),
        model_code=str(row.get("model_code", "")),
        serial=str(row.get("serial", "")),
        purchase_date=row.get("purchase_date") or None,
        faults=_faults(row.get("faults")),
        requirement=str(row.get("requirement", "")),
    )


def import_row(*, actor: Actor, brand: str, number: int, row: Row, key: str) -> dict[str, Any]:
    """One row in its own savepoint; the report line says what happened and why."""
    line: dict[str, Any] = {"row": number, "customer_name": str(row.get("customer_name", ""))[:50]}
    try:
        with transaction.atomic():
            result = intake_submit(actor=actor, req=_request(brand, row), idempotency_key=key)
    except DomainError as err:
        return line | {
            "status": "rejected",
            "number": "",
            "field": _fields([err.field or ""]),
            "reason": err.text(),
            "verdict": "",
            "codes": [err.code],
        }
    # R-IN-2: the row's own verdict and problems, the same codes the agent and a partner see
    problems = list(result.verdict.issues)
    verdict = {"verdict": VERDICT_WORDS[str(result.verdict.status)], "codes": [i.code for i in problems]}
    reason = "；".join(i.zh for i in problems)
    if result.order is None or result.outcome is None:
        fields = _fields([i.field for i in problems])
        return line | {"status": "rejected", "number": "", "field": fields, "reason": reason} | verdict
    status = result.outcome.value
    if result.outcome == Outcome.CREATED and result.order.status == Status.INFO_INCOMPLETE:
        status = "incomplete"
    if result.outcome == Outcome.CREATED or result.outcome == Outcome.LINKED:
        fields, why = _fields([i.field for i in problems]), reason
    else:
        fields, why = "", ""
    return line | {"status": status, "number": result.order.number, "field": fields, "reason": why} | verdict


def run_import(*, actor: Actor, filename: str, content: bytes) -> ImportBatch:
    """Import a file for the actor's centre and brand (agent, supervisor or admin only)."""
    if actor.role not in DESK or actor.staff is None:
        raise Forbidden(ErrorCode.IMPORT_FORBIDDEN)
    rows = read_rows(filename, content)
    digest = hashlib.sha256(content).hexdigest()
    brand = actor.staff.centre.brand.code
    report = [
        import_row(actor=actor, brand=brand, number=n, row=row, key=f"import:{digest[:24]}:{n}")
        for n, row in rows
    ]
    return ImportBatch.objects.create(
        centre=actor.staff.centre, user=actor.user, filename=filename[:200], digest=digest, rows=report
    )


def counts(batch: ImportBatch) -> dict[str, int]:
    out = dict.fromkeys(LABELS, 0)
    for line in batch.rows:
        out[line["status"]] = out.get(line["status"], 0) + 1
    return out


def report_csv(batch: ImportBatch) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("行号"), _("客户姓名"), _("结果"), _("工单号"), _("字段"), _("原因")])
    for line in batch.rows:
        label = str(LABELS.get(line["status"], line["status"]))
        writer.writerow(
            [line["row"], line["customer_name"], label, line["number"], line["field"], line["reason"]]
        )
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 CSV correctly


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "工单导入"
    sheet.append(TEMPLATE_HEADER)
    sheet.append(TEMPLATE_EXAMPLE)
    for column, width in zip("ABCDEFGH", (10, 14, 36, 12, 12, 20, 10, 16), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([TEMPLATE_HEADER, TEMPLATE_EXAMPLE])
    return "\ufeff" + buffer.getvalue()
