"""The quality dashboard (R-QA-4): KPI cards, bar charts, star levels, drill-down to the orders behind a
figure, CSV/Excel export; plus early warnings (R-QA-5) and people's expiring qualifications (R-QA-7)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.network.roles import DASHBOARD_VIEWERS, QUALITY_TEAM
from doorstep.orders.pages import page_actor, perform
from doorstep.orders.selectors import orders_visible_to
from doorstep.quality.charts import Bar, bar_chart
from doorstep.quality.export import kpi_csv, kpi_xlsx
from doorstep.quality.models import Complaint, EarlyWarning
from doorstep.quality.selectors import language_review_queue
from doorstep.quality.selectors.feedback import complaints_visible_to, warnings_visible_to
from doorstep.quality.selectors.kpis import (
    LOWER_IS_BETTER,
    METRICS,
    KpiReport,
    KpiRow,
    drill_cursor,
    kpi_orders,
    kpi_report,
    star_rules_of,
)
from doorstep.quality.selectors.people import expiring_soon
from doorstep.quality.services.warnings import baseline_missing, early_warning_acknowledge
from doorstep.quality.views.common import period

DRILL_PAGE = 100  # orders per page of a drill-down (keyset: newest first)
CHARTS = (  # (metric, rows, maximum, format)
    ("on_time", "outlets", 1.0, "{:.0%}"),
    ("complaints", "outlets", None, "{:.1%}"),
    ("satisfaction", "technicians", 5.0, "{:.2f}"),
    ("first_fix", "technicians", 1.0, "{:.0%}"),
)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request, DASHBOARD_VIEWERS)
    since, until, start, end = period(request)
    report = kpi_report(actor=actor, since=start, until=end)
    query = urlencode({"since": since.isoformat(), "until": until.isoformat()})
    return render(
        request,
        "quality/dashboard.html",
        {
            "since": since,
            "until": until,
            "query": query,
            "report": report,
            "cards": _cards(report.scope, query),
            "charts": [_chart(report, m, rows, mx, fmt, query) for m, rows, mx, fmt in CHARTS],
            "tech_rows": [_table_row(r, query) for r in report.technicians],
            "outlet_rows": [_table_row(r, query) for r in report.outlets],
            "metrics": METRICS,
            **_side_panels(actor),
        },
    )


def _drill(metric: str, row: KpiRow, query: str) -> str:
    return f"{reverse('quality:drill')}?{query}&metric={metric}&group={row.group}&key={row.key}"


def _cards(row: KpiRow, query: str) -> list[dict[str, Any]]:
    return [
        {
            "metric": m,
            "label": label,
            "value": _fmt(m, row.value(m)),
            "fig": row.figures[m],
            "href": _drill(m, row, query),
        }
        for m, label in METRICS.items()
    ]


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric == "satisfaction":
        return f"{value:.2f}"
    if metric == "language":
        return str(int(value))
    return f"{value:.1%}"


def _table_row(row: KpiRow, query: str) -> dict[str, Any]:
    cells = [{"metric": m, "value": _fmt(m, row.value(m)), "href": _drill(m, row, query)} for m in METRICS]
    return {"row": row, "cells": cells}


def _chart(
    report: KpiReport, metric: str, rows_name: str, maximum: float | None, fmt: str, query: str
) -> dict[str, Any]:
    rows: list[KpiRow] = getattr(report, rows_name)
    values = [r.value(metric) for r in rows]
    top = maximum or max([v for v in values if v is not None] + [0.05])
    bars = [
        Bar(r.label, v, _drill(metric, r, query), _good(metric, v)) for r, v in zip(rows, values, strict=True)
    ]
    svg = bar_chart(bars, maximum=top, fmt=fmt, title=str(METRICS[metric]))
    return {"metric": metric, "label": METRICS[metric], "svg": mark_safe(svg)}


def _good(metric: str, value: float | None) -> bool:
    if value is None:
        return True
    if metric in LOWER_IS_BETTER:
        return value <= 0.05
    return value >= (4.2 if metric == "satisfaction" else 0.85)


def _side_panels(actor: Actor) -> dict[str, Any]:
    live = complaints_visible_to(actor).exclude(state=Complaint.State.RESOLVED)
    return {
        "live_complaints": live[:8],
        "live_complaint_count": live.count(),
        "open_flags": language_review_queue(actor).count(),
        "warnings": warnings_visible_to(actor).filter(state=EarlyWarning.State.OPEN)[:5],
        "baseline_missing": baseline_missing(actor.centre_id),
        "expiring": expiring_soon(actor=actor, on=clock.local(clock.now()).date())[:8],
        "rules": star_rules_of(actor),
    }


@login_required
def drill(request: HttpRequest) -> HttpResponse:
    """The orders behind one figure: which counted for it and which against it."""
    actor = page_actor(request, DASHBOARD_VIEWERS)
    since, until, start, end = period(request)
    metric, group = request.GET.get("metric", ""), request.GET.get("group", "scope")
    key = int(request.GET.get("key", "0") or 0)
    if metric not in METRICS:
        raise Http404
    after = request.GET.get("after", "")
    rows = kpi_orders(
        actor=actor,
        since=start,
        until=end,
        metric=metric,
        group=group,
        key=key,
        after=after,
        size=DRILL_PAGE + 1,
    )
    more = len(rows) > DRILL_PAGE
    rows = rows[:DRILL_PAGE]
    query = urlencode(
        {"since": since.isoformat(), "until": until.isoformat(), "metric": metric, "group": group}
    )
    next_href = f"{reverse('quality:drill')}?{query}&key={key}&after={drill_cursor(rows[-1])}" if more else ""
    report_row = kpi_report(actor=actor, since=start, until=end).row(group, key)
    return render(
        request,
        "quality/drill.html",
        {
            "rows": rows,
            "metric": metric,
            "metric_label": METRICS[metric],
            "row": report_row,
            "value": _fmt(metric, report_row.value(metric)) if report_row else "—",
            "since": since,
            "until": until,
            "lower_is_better": metric in LOWER_IS_BETTER,
            "next_href": next_href,
            "first_href": f"{reverse('quality:drill')}?{query}&key={key}" if after else "",
        },
    )


@login_required
def export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    actor = page_actor(request, DASHBOARD_VIEWERS)
    since, until, start, end = period(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    report = kpi_report(actor=actor, since=start, until=end)
    name = f"kpi-{since:%Y%m%d}-{until:%Y%m%d}.{fmt}"
    response: StreamingHttpResponse
    if fmt == "csv":  # streamed, a line at a time
        response = StreamingHttpResponse(kpi_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    else:  # a write-only workbook, streamed from its temporary file
        response = FileResponse(
            kpi_xlsx(report),
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return response


@login_required
def warnings(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request, QUALITY_TEAM)
    shown = list(warnings_visible_to(actor)[:50])
    # the listed orders of every warning shown, in one query (not one per warning: issue 16)
    ids = {pk for warning in shown for pk in warning.order_ids}
    visible = orders_visible_to(actor).filter(pk__in=ids)
    newest_first = list(visible.order_by("-created_at", "-pk"))
    rows = []
    for warning in shown:
        listed = set(warning.order_ids)
        rows.append({"warning": warning, "orders": [o for o in newest_first if o.pk in listed]})
    return render(
        request,
        "quality/warnings.html",
        {"rows": rows, "baseline_missing": baseline_missing(actor.centre_id)},
    )


@login_required
@require_POST
def warning_ack(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request, QUALITY_TEAM)
    warning = get_object_or_404(warnings_visible_to(actor), pk=pk)
    return perform(
        request,
        lambda: early_warning_acknowledge(warning=warning, actor=actor),
        "quality:warnings",
        done=_("预警已确认。"),
    )
