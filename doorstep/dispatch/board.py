"""What the dispatcher board shows: the queue, one timeline row per technician, risks, the map.

Read-only assembly for the page (scoped through :mod:`selectors`); positions are percentages of the
board's visible day (07:00–21:00) so the template only places boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from doorstep.core import clock
from doorstep.core.policy import Policy
from doorstep.dispatch.calendar import coverage_warning, day_info, work_day
from doorstep.dispatch.daymodel import midnight, outlet_brand
from doorstep.dispatch.eligibility import Profile, job_of, job_reasons, profile_of
from doorstep.dispatch.models import PlannedVisit
from doorstep.dispatch.risk import Eta
from doorstep.dispatch.selectors import (
    QueueItem,
    QueuePage,
    outlet_suggestions_for,
    outlet_technicians,
    queue_page,
)
from doorstep.dispatch.techday import DAY_STOPS_SHOWN, DayStop, plan_days
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Technician
from doorstep.network.policy import policy_for, policy_of
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder

DAY_FROM, DAY_TO = 7, 21  # the board's visible hours
HOURS = [(h, round(100 * (h - DAY_FROM) / (DAY_TO - DAY_FROM), 2)) for h in range(DAY_FROM, DAY_TO + 1)]


def pct(day: date, moment: datetime) -> float:
    span = (DAY_TO - DAY_FROM) * 3600
    secs = (moment - midnight(day)).total_seconds() - DAY_FROM * 3600
    return round(max(0.0, min(100.0, 100 * secs / span)), 2)


@dataclass
class Block:
    stop: DayStop
    left: float
    width: float
    depart_left: float | None

    @property
    def order(self) -> WorkOrder:
        return self.stop.order

    @property
    def depart_at(self) -> datetime | None:
        return self.stop.depart_at if self.stop.before_departure else None

    @property
    def eta(self) -> Eta | None:
        return self.stop.eta

    @property
    def planned(self) -> PlannedVisit | None:
        return self.stop.plan

    def html(self, detail: str) -> SafeString:
        """The block and its departure marker (R-DI-7), written here rather than in the template: a day drawn
        at its limit is hundreds of blocks, and the template's per-block lookups, date filters and URL
        reversals were most of the board's time (docs/benchmarks.md, "Pages at 100k open orders"). Text is
        escaped with the standard library's ``html.escape`` (Django's ``format_html`` cost ~0.2 ms a block).
        ``detail``: the order page's URL with ``{number}`` in place of the number."""
        order, stop, eta = self.order, self.stop, self.eta
        hm = _hm(stop.start)
        number = escape(order.number)
        district = escape(order.address.district) if order.address_id else ""
        depart = ""
        if self.depart_left is not None:
            at = _hm(self.depart_at)
            depart = (
                f'<div class="depart" data-order="{number}" data-depart="{at}" '
                f'style="left:{self.depart_left}%" title="{escape(gettext("出发"))} {at}（R-DI-7）"></div>'
            )
        if stop.proposed:
            label = f"{hm}? {district}"
        else:
            label = f"{hm}{'✓' if order.appointment_at else ''} {district}"
        state = escape(eta.state) if eta else ""
        classes = f"{escape(order.status)} {state}{' proposed' if stop.proposed else ''}"
        href = escape(detail.replace("{number}", order.number))
        status = escape(str(order.get_status_display()))
        eta_at = f" · ETA {_hm(eta.eta)}" if eta else ""
        late = " ⚠" if eta and eta.state == "late" else ""
        return SafeString(
            f'{depart}<a class="visit-block {classes}" href="{href}" data-order="{number}" '
            f'data-stop="{stop.sequence}" style="left:{self.left}%;width:{self.width}%" '
            f'title="{stop.sequence}. {number} {hm} {district} {status}{eta_at}">{label}{late}</a>'
        )


def _hm(moment: datetime | None) -> str:
    return clock.local(moment).strftime("%H:%M") if moment is not None else ""


def url_pattern(name: str) -> str:
    """The URL named ``name`` with ``{number}`` for an order's number: reversed once per page, not per row."""
    return reverse(name, args=["NUMBER"]).replace("NUMBER", "{number}")


@dataclass
class Row:
    tech: Technician
    works: bool
    why_not: str
    shift_left: float = 0.0
    shift_width: float = 0.0
    blocks: list[Block] = field(default_factory=list)
    hidden: int = 0  # the day's visits past DAY_STOPS_SHOWN, not drawn
    drawn: SafeString | str = ""  # the blocks' HTML (Block.html)


def technician_rows(
    actor: Actor, outlet: Outlet, day: date, techs: list[Technician] | None = None
) -> list[Row]:
    """One row per technician: shift, and the day's visits of the one day plan (``dispatch.techday``, the
    technician's own pages read the same) in route order — appointments and proposed times of an applied
    plan (R-DI-3), R-DI-7 departure markers and, today, ETAs with their risk (R-DI-9)."""
    brand = outlet_brand(outlet)
    policy = policy_for(brand=brand, centre=outlet.centre_id)
    techs = outlet_technicians(outlet) if techs is None else techs
    plan = plan_days(techs, day, actor=actor, limit=DAY_STOPS_SHOWN, related=("address",))  # what it draws
    info = day_info(day)
    detail = url_pattern("orders:detail")
    rows = []
    for tech in techs:
        wd = work_day(tech, day, policy, info)
        row = Row(tech, wd.works, wd.why_not)
        if wd.start and wd.end:
            row.shift_left, row.shift_width = pct(day, wd.start), pct(day, wd.end) - pct(day, wd.start)
        row.hidden = plan[(tech.pk, day)].hidden
        for stop in plan[(tech.pk, day)]:
            start = stop.start
            if start is None or clock.local(start).date() != day:
                start = midnight(day) + timedelta(hours=DAY_FROM)  # under way since an earlier day
            end = start + timedelta(minutes=policy.service_minutes(stop.order.service_type))
            dep = stop.depart_at if stop.before_departure else None
            row.blocks.append(
                Block(
                    stop,
                    pct(day, start),
                    max(1.5, pct(day, end) - pct(day, start)),
                    pct(day, dep) if dep else None,
                )
            )
        row.drawn = SafeString("".join(b.html(detail) for b in row.blocks))
        rows.append(row)
    return rows


@dataclass
class QueueRow:
    item: QueueItem
    eligible: list[Technician]
    ineligible: list[tuple[Technician, list[str]]]
    outlets: list[tuple[Outlet, dict[str, Any]]]
    urls: dict[str, str] = field(default_factory=dict)  # the order's page and the two forms' actions

    def technician_options(self) -> SafeString:
        """The assign form's options: who can take the order, then who cannot and why (R-DI-2), written
        here for the same reason as ``Block.html`` (fifty rows of options per board page)."""
        out = [f'<option value="{t.pk}">{escape(t.staff.name)}</option>' for t in self.eligible]
        if not self.eligible:
            out.append(f'<option value="">{escape(gettext("无符合条件的工程师"))}</option>')
        for t, why in self.ineligible:
            reasons = escape("；".join(map(str, why)))
            out.append(f'<option value="{t.pk}" disabled>{escape(t.staff.name)}（{reasons}）</option>')
        return SafeString("".join(out))

    def reasons(self) -> SafeString:
        return SafeString(
            "".join(
                f"<li><b>{escape(t.staff.name)}</b>：{escape('；'.join(map(str, why)))}</li>"
                for t, why in self.ineligible
            )
        )

    def outlet_options(self) -> SafeString:
        """The send-to-outlet form's options (R-DI-1): coverage ✓, load per technician, declined ones off."""
        out = []
        for outlet, info in self.outlets:
            load = gettext("在办 %(l)s / %(t)s 人") % {"l": info["load"], "t": info["technicians"]}
            declined = f"（{escape(gettext('已退单'))}）" if info["declined"] else ""
            out.append(
                f'<option value="{outlet.pk}" {"disabled" if info["declined"] else ""}>{escape(outlet.name)}'
                f"{' ✓' if info['covers'] else ''} · {escape(load)}{declined}</option>"
            )
        return SafeString("".join(out))


QUEUE_URLS = {"detail": "orders:detail", "assign": "dispatch:assign", "to_outlet": "dispatch:to_outlet"}


def queue_rows(
    actor: Actor,
    outlet: Outlet | None,
    day: date,
    after: str = "",
    *,
    priority: str = "",
    service_type: str = "",
    sort: str = "rank",
    techs: list[Technician] | None = None,
) -> tuple[list[QueueRow], QueuePage]:
    """One page of the unassigned queue with, per order, who can take it and why the others cannot
    (R-DI-2), or the outlets to send it to (R-DI-1). A fixed number of queries whatever the queue's length
    and the page's: each technician's profile and day is read once per policy, the outlets once."""
    page = queue_page(actor, outlet, after=after, priority=priority, service_type=service_type, sort=sort)
    if techs is None:  # unless the caller (the board, for its rows too) has read them already
        techs = outlet_technicians(outlet) if outlet else []
    info = day_info(day)
    policies: dict[tuple[int, int], Policy] = {}
    fits: dict[tuple[int, tuple[int, int]], tuple[Profile, list[str]]] = {}
    suggestions = outlet_suggestions_for([i.order for i in page.items if i.order.status != Status.DISPATCHED])
    patterns = {k: url_pattern(name) for k, name in QUEUE_URLS.items()}
    out = []
    for item in page.items:
        order = item.order
        urls = {k: v.replace("{number}", order.number) for k, v in patterns.items()}
        if order.status != Status.DISPATCHED:
            out.append(QueueRow(item, [], [], suggestions.get(order.pk, []), urls))
            continue
        job = job_of(order)
        key = (order.brand_id, order.centre_id)
        if key not in policies:
            policies[key] = policy_of(order)
        eligible, ineligible = [], []
        for tech in techs:
            if (tech.pk, key) not in fits:
                wd = work_day(tech, day, policies[key], info)
                off = [] if wd.works else [wd.why_not]
                fits[(tech.pk, key)] = (profile_of(tech, day, policies[key]), off)
            profile, off = fits[(tech.pk, key)]
            why = job_reasons(job, profile) or off
            (ineligible.append((tech, why)) if why else eligible.append(tech))
        out.append(QueueRow(item, eligible, ineligible, [], urls))
    return out, page


def calendar_note(day: date) -> dict[str, Any]:
    info = day_info(day)
    return {"info": info, "warning": coverage_warning(day)}


@dataclass
class MapPoint:
    x: float
    y: float
    label: str
    colour: str
    kind: str  # visit | home | unassigned


PALETTE = ("#0b6bcb", "#2f855a", "#b7791f", "#9f7aea", "#c53030", "#319795", "#d53f8c", "#4a5568")


def map_points(rows: list[Row], queue: list[QueueRow], width: int = 420, height: int = 300) -> list[MapPoint]:
    """An offline SVG scatter of the day by latitude/longitude (no tiles, no CDN)."""
    raw: list[tuple[float, float, str, str, str]] = []
    for k, row in enumerate(rows):
        colour = PALETTE[k % len(PALETTE)]
        if row.tech.home_lat is not None and row.tech.home_lng is not None:
            raw.append((row.tech.home_lng, row.tech.home_lat, row.tech.staff.name, colour, "home"))
        for b in row.blocks:
            a = b.order.address
            if a.lat is not None and a.lng is not None:
                raw.append((a.lng, a.lat, b.order.number, colour, "visit"))
    for q in queue:
        a = q.item.order.address
        if a.lat is not None and a.lng is not None:
            raw.append((a.lng, a.lat, q.item.order.number, "#616e7c", "unassigned"))
    if not raw:
        return []
    xs, ys = [r[0] for r in raw], [r[1] for r in raw]
    dx, dy = (max(xs) - min(xs)) or 0.01, (max(ys) - min(ys)) or 0.01
    pad = 16
    return [
        MapPoint(
            x=round(pad + (x - min(xs)) / dx * (width - 2 * pad), 1),
            y=round(height - pad - (y - min(ys)) / dy * (height - 2 * pad), 1),
            label=label,
            colour=colour,
            kind=kind,
        )
        for x, y, label, colour, kind in raw
    ]
