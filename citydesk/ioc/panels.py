"""The overview's panels, computed from the roll-ups: numbers plus chart geometry for the templates.

Charts are drawn as inline SVG by the server (no chart library, nothing fetched): they print, they
go into the PDF brief as they are, and every chart comes with the table of its numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydesk.core.models import Organisation, ServiceCategory
from citydesk.ioc import heat
from citydesk.ioc.queries import Filters, Measures, rows, totals, totals_by
from citydesk.reports.forms import category_label
from citydesk.reports.models import OPEN_STATUSES, Channel, Status

# Colours that stay apart for colour-blind readers (Okabe–Ito), then greys.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]
SLA_TARGET_PCT = 90.0


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value: float | None
    unit: str  # "", "%", "h"
    previous: float | None
    last_year: float | None
    better_when_higher: bool | None  # None: neither (volumes)
    link: str = ""
    # False: a figure as it stands today (reports still open), which earlier periods' figures, also
    # counted today, do not compare with; the card shows no change.
    compare: bool = True
    # A second figure under the value, with the reports behind it (the reopened card: those being
    # handled again now, where the value is the share reopened at least once).
    detail: str = ""
    detail_link: str = ""

    def _change(self, other: float | None) -> float | None:
        if not self.compare or self.value is None or other is None:
            return None
        if self.unit == "%":
            return self.value - other  # percentage points
        return None if other == 0 else 100.0 * (self.value - other) / other

    @property
    def vs_previous(self) -> float | None:
        return self._change(self.previous)

    @property
    def vs_last_year(self) -> float | None:
        return self._change(self.last_year)

    def tone(self, change: float | None) -> str:
        if change is None or self.better_when_higher is None or abs(change) < 0.05:
            return "neutral"
        return "good" if (change > 0) == self.better_when_higher else "bad"

    @property
    def tone_previous(self) -> str:
        return self.tone(self.vs_previous)

    @property
    def tone_last_year(self) -> str:
        return self.tone(self.vs_last_year)


def cards(
    filters: Filters, link: Any = None, statuses_now: dict[tuple, Measures] | None = None
) -> list[Card]:
    """The headline cards; `statuses_now`: this period's totals by status when the caller has them."""
    figures = []
    for f in (filters, filters.previous(), filters.last_year()):
        # Every grain keeps the status: one query gives both the totals and the open count.
        statuses = statuses_now if f is filters and statuses_now is not None else _by_status(f)
        by_status = {k[0]: int(m.n) for k, m in statuses.items()}
        m = Measures()
        for part in statuses.values():
            m.add(part.values.values(), part.values.keys())
        figures.append(
            {
                "received": float(m.n),
                "open": float(sum(by_status.get(s, 0) for s in OPEN_STATUSES)),
                "overdue": float(m.overdue_n),
                "on_time": m.on_time_pct,
                "median": m.median_hours,
                "satisfaction": m.satisfaction_pct,
                "reopen": m.reopen_pct,
                "reopened_now": float(by_status.get(Status.REOPENED, 0)),
            }
        )
    now, prev, year = figures
    spec = [
        ("received", _("Received"), "", None),
        ("open", _("Still open"), "", False),
        ("overdue", _("Overdue"), "", False),
        ("on_time", _("Resolved on time"), "%", True),
        ("median", _("Median handling time"), "h", False),
        ("satisfaction", _("Satisfied"), "%", True),
        ("reopen", _("Reopened at least once (share of resolved)"), "%", False),
    ]
    # The share reopened at least once has no list of its own in the queue: its value is no link; the
    # figure under it counts the reports being handled again now and links them (status "reopened").
    links = {"open": {"status": "open"}, "overdue": {"status": "overdue"}}
    current = {"open"}  # as it stands today: no comparison with earlier periods
    out = []
    for k, label, unit, better in spec:
        compare = k not in current
        card = Card(
            k,
            label,
            now[k],
            unit,
            prev[k] if compare else None,
            year[k] if compare else None,
            better,
            link(**links.get(k, {})) if link and k != "reopen" else "",
            compare=compare,
        )
        if k == "reopen":
            reopened = int(now["reopened_now"])
            card = replace(
                card,
                detail=ngettext("%(n)s being handled again now", "%(n)s being handled again now", reopened)
                % {"n": _count(reopened)},
                detail_link=link(status=Status.REOPENED) if link else "",
            )
        out.append(card)
    return out


def _by_status(filters: Filters) -> dict[tuple, Measures]:
    return totals(filters, ("status",))  # every grain keeps the status


def _count(value: float) -> str:
    """A whole count grouped the page language's way (1.234 in Vietnamese)."""
    return number_format(int(value), 0, force_grouping=True)


@dataclass
class Bar:
    key: Any
    label: str
    value: float
    text: str
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    colour: str = PALETTE[0]
    link: str = ""
    # The phone layout: the label on its own line (baseline `label_y`), the bar under it.
    label_y: float = 0
    narrow_y: float = 0
    narrow_width: float = 0


# Width of one character of a 12 px label or value, generous (digits, Vietnamese letters with marks): what
# the longest value's text needs beyond its bar.
CHAR_PX = 7.0


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    unit: str = ""
    width: int = 560
    row_height: int = 26
    label_width: int = 190
    height: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # The phone layout (labels above the bars), drawn at about the width of a phone so that its 12 px text
    # stays 12 px there; the page shows it instead of the wide one on a narrow screen.
    narrow_width: int = 340
    narrow_row_height: int = 40
    narrow_height: int = 0

    def layout(self) -> BarChart:
        """Horizontal bars: long Vietnamese labels stay readable, and the longest bar leaves room for its
        value's text (the longest of the texts, "2.924,3 tỷ đồng") instead of cutting it."""
        top = max((b.value for b in self.bars), default=0) or 1
        room = max((len(b.text) for b in self.bars), default=0) * CHAR_PX + 10
        span = max(80.0, self.width - self.label_width - room)
        narrow_span = max(80.0, self.narrow_width - room)
        for i, bar in enumerate(self.bars):
            bar.x = self.label_width
            bar.y = i * self.row_height + 4
            bar.height = self.row_height - 8
            bar.width = max(1.0, span * bar.value / top) if bar.value else 0
            bar.label_y = i * self.narrow_row_height + 14
            bar.narrow_y = i * self.narrow_row_height + 19
            bar.narrow_width = max(1.0, narrow_span * bar.value / top) if bar.value else 0
        self.height = max(1, len(self.bars)) * self.row_height + 8
        self.narrow_height = max(1, len(self.bars)) * self.narrow_row_height + 4
        return self


@dataclass
class Slice:
    key: Any
    label: str
    value: float
    pct: float
    path: str
    colour: str
    link: str = ""


def donut(items: list[tuple[Any, str, float, str]], radius: float = 70, hole: float = 42) -> list[Slice]:
    """SVG arc paths of a donut centred at (radius, radius)."""
    whole = sum(v for _k, _l, v, _u in items)
    slices: list[Slice] = []
    angle = -math.pi / 2
    for i, (key, label, value, link) in enumerate(items):
        if not value:
            continue
        share = value / whole
        sweep = min(share * 2 * math.pi, 2 * math.pi - 1e-4)
        a0, a1 = angle, angle + sweep
        large = 1 if sweep > math.pi else 0
        path = (
            f"M {_point(radius, radius, a0)} A {radius} {radius} 0 {large} 1 {_point(radius, radius, a1)} "
            f"L {_point(radius, hole, a1)} A {hole} {hole} 0 {large} 0 {_point(radius, hole, a0)} Z"
        )
        slices.append(Slice(key, label, value, 100 * share, path, PALETTE[i % len(PALETTE)], link))
        angle = a1
    return slices


def _point(centre: float, r: float, a: float) -> str:
    return f"{centre + r * math.cos(a):.2f} {centre + r * math.sin(a):.2f}"


@dataclass
class Trend:
    points: list[dict[str, Any]]
    bucket: str  # "day" | "week" | "month"
    width: int = 640
    height: int = 200
    sla_target: float = SLA_TARGET_PCT
    bars: list[dict[str, float]] = field(default_factory=list)
    line: str = ""
    sla_y: float = 0


TREND_MEASURES = ("n", "resolved_n", "on_time_n")


def _bucket_for(filters: Filters) -> str:
    return "day" if filters.days <= 62 else ("week" if filters.days <= 190 else "month")


def trend(filters: Filters) -> Trend:
    bucket = _bucket_for(filters)
    rows = totals(filters, ("period",), TREND_MEASURES, months=bucket == "month")
    grouped: dict[date, Measures] = {}
    day = filters.start
    while day <= filters.end:
        grouped.setdefault(_bucket_start(day, bucket), Measures())
        day += timedelta(days=1)
    for (day,), m in rows.items():
        target = grouped.setdefault(_bucket_start(day, bucket), Measures())
        target.add(m.values.values(), m.values.keys())
    points = [
        {"start": start, "received": int(m.n), "resolved": int(m.resolved_n), "on_time": m.on_time_pct}
        for start, m in sorted(grouped.items())
    ]
    chart = Trend(points=points, bucket=bucket)
    top = max((p["received"] for p in points), default=0) or 1
    plot_h = chart.height - 30
    step = (chart.width - 50) / max(1, len(points))
    line = []
    for i, p in enumerate(points):
        h = plot_h * p["received"] / top
        chart.bars.append({"x": 40 + i * step + 1, "y": 10 + plot_h - h, "w": max(1.0, step - 2), "h": h})
        if p["on_time"] is not None:
            line.append(f"{40 + i * step + step / 2:.1f},{10 + plot_h * (1 - p['on_time'] / 100):.1f}")
    chart.line = " ".join(line)
    chart.sla_y = 10 + plot_h * (1 - SLA_TARGET_PCT / 100)
    return chart


def _bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def overview(filters: Filters, link: Any) -> dict[str, Any]:
    """Every panel of the overview. `link(**changes)` gives the drill-down URL of a number."""
    # The cards, the category, channel and status charts read the same cells: one read for the four.
    cat_rows, channel_rows, status_rows = totals_by(filters, (("category",), ("channel",), ("status",)))
    by_cat = {k[0]: m for k, m in cat_rows.items() if m.n}
    by_channel = {k[0]: m for k, m in channel_rows.items() if m.n}
    by_status = {k[0]: m for k, m in status_rows.items() if m.n}
    by_unit = {k[0]: m for k, m in totals(filters, ("unit",)).items() if m.n}
    # The ward map and the heat map come from the column store (ioc/heat.py) in one pass: by ward under
    # filters, roll-up cells would hold one or two reports each.
    facts = heat.scan(filters, limit=HEAT_CELLS)
    by_ward = facts.wards
    categories = {c.pk: c for c in ServiceCategory.objects.filter(pk__in=by_cat)}
    units = {o.pk: o for o in Organisation.objects.filter(pk__in=by_unit)}

    cat_bars = BarChart(
        _("Reports by category"),
        [
            Bar(
                categories[k].code if k in categories else k,
                category_label(categories[k]) if k in categories else str(k),
                m.n,
                _count(m.n),
                link=link(category=categories[k].code) if k in categories else "",
            )
            for k, m in sorted(by_cat.items(), key=lambda kv: -kv[1].n)
        ],
    ).layout()
    channel_slices = donut(
        [
            (k, str(Channel(k).label) if k in Channel.values else k, m.n, link(channel=k))
            for k, m in sorted(by_channel.items(), key=lambda kv: -kv[1].n)
        ]
    )
    status_slices = donut(
        [
            (k, str(Status(k).label) if k in Status.values else k, m.n, link(status=k))
            for k, m in sorted(by_status.items(), key=lambda kv: -kv[1].n)
        ]
    )
    overdue_bars = BarChart(
        _("Overdue reports by unit"),
        [
            Bar(
                units[k].code,
                units[k].name,
                m.overdue_n,
                _count(m.overdue_n),
                colour=PALETTE[3],
                link=link(unit=units[k].code, status="overdue"),
            )
            for k, m in sorted(by_unit.items(), key=lambda kv: -kv[1].overdue_n)[:12]
            if m.overdue_n and k in units
        ],
    ).layout()
    satisfaction_bars = BarChart(
        _("Satisfaction by unit (share of ratings)"),
        [
            Bar(
                units[k].code,
                units[k].name,
                m.satisfaction_pct or 0,
                f"{number_format(round(m.satisfaction_pct), 0)}% ({_count(m.rated)})",
                colour=PALETTE[2],
                link=link(unit=units[k].code),
            )
            for k, m in sorted(by_unit.items(), key=lambda kv: -(kv[1].satisfaction_pct or 0))[:12]
            if m.rated and k in units
        ],
        unit="%",
    ).layout()
    league = _league(filters, by_unit, units, link)
    ward_map = _map(by_ward, link)
    return {
        "cards": cards(filters, link, status_rows),
        # With five units or fewer all of them are in one table: a "needs attention" table would repeat
        # them, and an empty one would say nobody resolved anything.
        "league_sections": (
            [(_("Best"), league["best"]), (_("Needs attention"), league["worst"])]
            if league["worst"]
            else [(_("Units by share resolved on time"), league["best"])]
        ),
        **ward_map,
        **_heat(filters, facts.squares, link, ward_map["map_data"]),
        "by_category": cat_bars,
        "by_channel": channel_slices,
        "by_status": status_slices,
        "trend": trend(filters),
        "overdue_by_unit": overdue_bars,
        "satisfaction_by_unit": satisfaction_bars,
        "league": league,
        "wards": by_ward,
    }


def _league(
    filters: Filters, by_unit: dict[int, Measures], units: dict[int, Organisation], link: Any
) -> dict:
    """Units ranked by on-time share (then satisfaction), best and worst, with a volume sparkline."""
    ranked = [(k, m) for k, m in by_unit.items() if k in units and m.resolved_n >= 1]
    ranked.sort(key=lambda kv: (-(kv[1].on_time_pct or 0), -(kv[1].satisfaction_pct or 0), units[kv[0]].name))
    best, worst = ranked[:5], list(reversed(ranked[-5:])) if len(ranked) > 5 else []
    shown = frozenset(k for k, _m in best + worst)
    bucket = _bucket_for(filters)
    starts = sorted({_bucket_start(filters.start + timedelta(days=i), bucket) for i in range(filters.days)})
    index = {s: i for i, s in enumerate(starts)}
    series: dict[int, list[float]] = {}
    # Sparklines of the units shown only; sums added straight into the series.
    sparks = replace(filters, unit_ids=shown)
    for (unit_id, day), (n,) in (
        rows(sparks, ("unit", "period"), ("n",), months=bucket == "month") if shown else ()
    ):
        values = series.setdefault(unit_id, [0.0] * len(starts))
        values[index[_bucket_start(day, bucket)]] += n or 0

    def row(k: int, m: Measures) -> dict[str, Any]:
        values = series.get(k, [])
        top = max(values, default=0) or 1
        step = 100 / max(1, len(values) - 1)
        points = " ".join(f"{i * step:.1f},{20 - 18 * v / top:.1f}" for i, v in enumerate(values))
        return {"unit": units[k], "m": m, "spark": points, "link": link(unit=units[k].code)}

    return {
        "best": [row(k, m) for k, m in best],
        "worst": [row(k, m) for k, m in worst],
        "count": len(ranked),
    }


def _map(by_ward: dict[str, Measures], link: Any) -> dict[str, Any]:
    """Ward bubbles (centre, size by volume) and the same figures as a table."""
    from citydesk.core.models import AdminUnit

    wards = {
        u.code: u
        for u in AdminUnit.objects.filter(code__in=by_ward).only(
            "code", "name", "province_id", "centre_lon", "centre_lat"
        )
    }
    rows = []
    for code, m in sorted(by_ward.items(), key=lambda kv: -kv[1].n):
        unit = wards.get(code)
        if unit is None:
            continue
        rows.append(
            {
                "code": code,
                "name": unit.name,
                "province": unit.province_id,
                "lon": unit.centre_lon,
                "lat": unit.centre_lat,
                "n": int(m.n),
                "on_time": m.on_time_pct,
                "satisfaction": m.satisfaction_pct,
                "link": link(ward=code),
            }
        )
    return {"map_rows": rows, "map_data": [r for r in rows if r["lon"] is not None]}


HEAT_CELLS = 4000  # the busiest bins; a city's month rarely fills more


HEAT_PLACEHOLDER = "CELL"  # in the drill-down link, replaced by a square's id in the browser


def _heat(
    filters: Filters, found: dict[int, int], link: Any, wards: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Heat-map squares (about 275 m) of the period, the busiest first (ioc/heat.py), as
    [latitude, longitude, reports, square id] of each square's centre, and one drill-down link with a
    placeholder for the square: thousands of squares, so neither per-square dicts nor per-square URLs.

    The busiest few also come as table rows ("hotspots": reports, a link to them, the nearest ward
    centre among `wards`), so a keyboard or screen-reader user reaches what a click on a square opens."""
    ids = np.fromiter(found.keys(), dtype=np.int64, count=len(found))
    rows, cols = np.divmod(ids, heat.GRID_ROW)
    lat = np.round(heat.GRID_ORIGIN[1] + (rows + 0.5) * heat.GRID_DEG, 5).tolist()
    lon = np.round(heat.GRID_ORIGIN[0] + (cols + 0.5) * heat.GRID_DEG, 5).tolist()
    period = {"received_from": filters.start.isoformat(), "received_to": filters.end.isoformat()}
    cells = [list(c) for c in zip(lat, lon, found.values(), found.keys(), strict=True)]
    return {
        "heat": {
            "link": link(cell=HEAT_PLACEHOLDER, **period),
            "placeholder": HEAT_PLACEHOLDER,
            "cells": cells,
        },
        "hotspots": [
            {
                "n": int(n),
                "lat": f"{la:.5f}",
                "lon": f"{lo:.5f}",
                "ward": _nearest_ward(la, lo, wards or []),
                # The link a click on the square opens (ioc.js puts the square's id in place of the
                # placeholder): the same query, in the same order.
                "link": link(cell=str(cell), **period),
            }
            for la, lo, n, cell in cells[:HOTSPOTS]
        ],
    }


HOTSPOTS = 10  # busiest squares listed in the map's table view


def _nearest_ward(lat: float, lon: float, wards: list[dict[str, Any]]) -> str:
    """Name of the ward whose centre is nearest to a point (wards without a centre are skipped); "" if
    none. A square's reports come from wards with reports, so the nearest of those is a fair "near"."""
    scale = math.cos(math.radians(lat)) ** 2
    best, name = math.inf, ""
    for w in wards:
        if w.get("lat") is None or w.get("lon") is None:
            continue
        d = (w["lat"] - lat) ** 2 + scale * (w["lon"] - lon) ** 2
        if d < best:
            best, name = d, w["name"]
    return name
