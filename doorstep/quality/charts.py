"""Tiny server-side SVG bar charts (no JavaScript, nothing from a CDN): one bar per row, each a link to
the orders behind the figure (drill-down, R-QA-4)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

ROW_H, LABEL_W, BAR_W, VALUE_W = 26, 110, 300, 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    href: str = ""
    good: bool = True


def bar_chart(bars: list[Bar], *, maximum: float, fmt: str = "{:.0%}", title: str = "") -> str:
    """Horizontal bars scaled to ``maximum``; a missing value is drawn as “—”."""
    height = ROW_H * max(len(bars), 1) + 8
    width = LABEL_W + BAR_W + VALUE_W
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, bar in enumerate(bars):
        parts.append(_bar(i, bar, maximum, fmt))
    parts.append("</svg>")
    return "".join(parts)


def _bar(i: int, bar: Bar, maximum: float, fmt: str) -> str:
    y = 4 + i * ROW_H
    share = 0.0 if bar.value is None or maximum <= 0 else max(0.0, min(bar.value / maximum, 1.0))
    length = round(BAR_W * share, 1)
    shown = "—" if bar.value is None else fmt.format(bar.value)
    fill = "#2f855a" if bar.good else "#c53030"
    body = (
        f'<text x="{LABEL_W - 6}" y="{y + 16}" text-anchor="end" class="lbl">{escape(bar.label)}</text>'
        f'<rect x="{LABEL_W}" y="{y + 3}" width="{BAR_W}" height="{ROW_H - 8}" fill="#edf2f7" rx="3"/>'
        f'<rect x="{LABEL_W}" y="{y + 3}" width="{length}" height="{ROW_H - 8}" fill="{fill}" rx="3"/>'
        f'<text x="{LABEL_W + BAR_W + 6}" y="{y + 16}" class="val">{escape(shown)}</text>'
    )
    if bar.href:
        return f'<a href="{escape(bar.href)}"><title>{escape(bar.label)} {escape(shown)}</title>{body}</a>'
    return f"<g>{body}</g>"
