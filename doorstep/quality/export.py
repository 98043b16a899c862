"""KPI tables as CSV and Excel (R-QA-4). No customer contact data is ever exported from here (R-PV-1)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from doorstep.quality.selectors.kpis import COUNT_METRICS, METRICS, KpiReport, KpiRow

GROUP_LABELS = {"scope": "范围", "outlet": "网点", "technician": "工程师"}


def kpi_table(report: KpiReport) -> list[list[Any]]:
    """Header and one row per scope / outlet / technician: stars, each figure's value, ok and total."""
    header: list[Any] = ["层级", "名称", "星级", "完工单数"]
    for label in METRICS.values():
        header += [str(label), f"{label}（分子）", f"{label}（分母）"]
    rows = [header]
    for row in [report.scope, *report.outlets, *report.technicians]:
        rows.append(_line(row))
    return rows


def _line(row: KpiRow) -> list[Any]:
    line: list[Any] = [GROUP_LABELS[row.group], row.label, row.stars or 0, row.completions]
    for metric in METRICS:
        value = row.value(metric)
        fig = row.figures[metric]
        shown = (
            None if value is None else round(value, 2 if metric in COUNT_METRICS | {"satisfaction"} else 4)
        )
        line += [shown, fig.ok if metric != "satisfaction" else round(fig.score_sum, 2), fig.total]
    return line


def kpi_csv(report: KpiReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in kpi_table(report):
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def kpi_xlsx(report: KpiReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "KPI"
    for row in kpi_table(report):
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "C2"
    ws.column_dimensions["B"].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
