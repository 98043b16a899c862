"""KPI tables as CSV and Excel (R-QA-4), streamed: never the whole file in memory. No customer contact data
is ever exported from here (R-PV-1)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from doorstep.quality.selectors.kpis import COUNT_METRICS, METRICS, KpiReport, KpiRow

GROUP_LABELS = {"scope": "范围", "outlet": "网点", "technician": "工程师"}


def kpi_table(report: KpiReport) -> Iterator[list[Any]]:
    """Header and one row per scope / outlet / technician: stars, each figure's value, ok and total."""
    header: list[Any] = ["层级", "名称", "星级", "完工单数"]
    for label in METRICS.values():
        header += [str(label), f"{label}（分子）", f"{label}（分母）"]
    yield header
    for row in [report.scope, *report.outlets, *report.technicians]:
        yield _line(row)


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


class _Echo:
    """A file that hands back what is written to it: the csv writer formats one line at a time."""

    def write(self, value: str) -> str:
        return value


def kpi_csv(report: KpiReport) -> Iterator[bytes]:
    """The table as CSV, one line at a time (for a streaming response)."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()  # BOM: Excel opens UTF-8 Chinese correctly
    for row in kpi_table(report):
        yield writer.writerow(["" if v is None else v for v in row]).encode("utf-8")


def kpi_xlsx(report: KpiReport) -> IO[bytes]:
    """The table as an Excel workbook written row by row (write-only) into a temporary file, spooled to
    disk past 1 MiB; returned at its start, to be streamed."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("KPI")
    ws.freeze_panes = "C2"
    ws.column_dimensions["B"].width = 18
    for n, row in enumerate(kpi_table(report)):
        ws.append(row if n else [_bold(ws, v) for v in row])
    out = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - closed by the response
    wb.save(out)
    out.seek(0)
    return out  # type: ignore[return-value]


def _bold(ws: Any, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = Font(bold=True)
    return cell
