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
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydesk.core.models import Organisation, ServiceCategory
from citydesk.ioc import heat
from citydesk.ioc.queries import Filters, Measures, rows, totals, totals_by
from citydesk.reports.forms import category_label
from citydesk.reports.models import OPEN_STATUSES, Channel, Report, Status, overdue_q
from citydesk.reports.selectors import DONE, DONE_STATUSES

# Colours that stay apart for colour-blind readers (Okabe–Ito), then greys.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]
SLA_TARGET_PCT = 90.0
# A count compared with fewer than this many is compared by its difference, not by a percentage.
SMALL_BASE = 20


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

    def _difference(self, other: float | None) -> float | None:
        """A count compared with a small one (under SMALL_BASE, zero included): the difference itself,
        which reads truer than a percentage (3 reports against 1 is "+2", not "+200%")."""
        if not self.compare or self.unit or self.value is None or other is None or other >= SMALL_BASE:
            return None
        return self.value - other

    @property
    def diff_previous(self) -> float | None:
        return self._difference(self.previous)

    @property
    def diff_last_year(self) -> float | None:
        return self._difference(self.last_year)

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
        diff = self.diff_previous
        return self.tone(self.vs_previous if diff is None else diff)

    @property
    def tone_last_year(self) -> str:
        diff = self.diff_last_year
        return self.tone(self.vs_last_year if diff is None else diff)


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
        # The citizens' ratings of resolved reports: not the one-stop desk's ratings (page "Satisfaction").
        ("satisfaction", _("Satisfied (ratings of resolved reports)"), "%", True),
        ("reopen", _("Reopened at least once (share of those resolved at least once)"), "%", False),
    ]
    # The share reopened at least once has no list of its own in the queue: its value is no link; the
    # figure under it counts the reports being handled again now and links them (status "reopened").
    links = {**card_links(filters.status), **rate_links(filters.status)}
    # As they stand today (still open; open and past the deadline): an earlier period's reports, counted
    # today, are mostly closed, so a comparison would always be a large rise. Not compared.
    current = {"open", "overdue"}
    out = []
    for k, label, unit, better in spec:
        compare = k not in current
        query = links.get(k, {})
        card = Card(
            k,
            label,
            now[k],
            unit,
            prev[k] if compare else None,
            year[k] if compare else None,
            better,
            link(**query) if link and query is not None and k != "reopen" else "",
            compare=compare,
        )
        if k == "overdue":
            # The card counts the period's reports; a leader acting early needs every overdue report too.
            everything = overdue_now(filters)
            if everything > now[k]:
                query = links["overdue"]
                card = replace(
                    card,
                    detail=ngettext(
                        "%(n)s overdue now, counting those received before this period",
                        "%(n)s overdue now, counting those received before this period",
                        everything,
                    )
                    % {"n": _count(everything)},
                    detail_link=link(**query, received_from="", received_to="")
                    if link and query is not None
                    else "",
                )
        if k == "median":
            # Calendar time from receipt to resolution, as the roll-ups measure it: not working days.
            card = replace(card, detail=_("calendar days, days off included"))
        if k == "reopen":
            reopened = int(now["reopened_now"])
            query = links["reopened_now"]
            card = replace(
                card,
                detail=ngettext("%(n)s being handled again now", "%(n)s being handled again now", reopened)
                % {"n": _count(reopened)},
                detail_link=link(**query) if link and query is not None else "",
            )
        out.append(card)
    return out


def overdue_now(filters: Filters) -> int:
    """Reports overdue now within the view's units, category, channel and status, whatever the day they
    were received: the one figure of the page read from the reports themselves (on the index of open
    reports by due time: a few thousand rows at most, however long the history)."""
    if filters.status and filters.status != "open" and filters.status not in OPEN_STATUSES:
        return 0
    reports = Report.objects.filter(overdue_q(timezone.now()))
    if filters.status and filters.status != "open":
        reports = reports.filter(status=filters.status)
    if filters.unit_ids is not None:
        reports = reports.filter(unit_id__in=filters.unit_ids)
    if filters.category_id is not None:
        reports = reports.filter(category_id=filters.category_id)
    if filters.channel:
        reports = reports.filter(channel=filters.channel)
    return reports.count()


def card_links(status: str | None) -> dict[str, dict[str, str] | None]:
    """The queue's filter changes listing the reports behind the cards counted under the status filter
    `status` (None: no link). The queue takes one status at a time ("open", "overdue" or one status): a
    figure the queue cannot list with the page's status kept is no link (e.g. the overdue reports of one
    open status), rather than a link to a longer list."""
    only = status in (None, "", "open")
    return {
        # The open ones among those of the status: the open reports, or those of an open status.
        "open": {"status": "open"} if only else ({"status": status} if status in OPEN_STATUSES else None),
        "overdue": {"status": "overdue"} if only else None,
        "reopened_now": {"status": Status.REOPENED} if only or status == Status.REOPENED else None,
    }


def rate_links(status: str | None) -> dict[str, dict[str, str] | None]:
    """The queue's filter changes listing the reports the rate cards are computed from, or None where
    the queue cannot list exactly those (the figure is then shown without a link).

    Resolved on time and the median handling time are computed from the reports resolved (`resolved_at`
    set: those "resolved" or "closed" now), which the queue's status "done" lists; under a status filter
    of one of those two, that status (every report counted has it); under any other status filter no
    report counted is resolved (the figure is none). Satisfied: from the rated reports, the queue's
    `rated`, under the page's status filter."""
    if not status:
        resolved: dict[str, str] | None = {"status": DONE}
    elif status in DONE_STATUSES:
        resolved = {"status": status}
    else:
        resolved = None
    return {"on_time": resolved, "median": resolved, "satisfaction": {"rated": "1"}}


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
    """The trend chart: bars of reports received per bucket (left scale), the share resolved on time as
    a line (right scale, 0–100 %), broken where a bucket resolved nothing, and the on-time target."""

    points: list[dict[str, Any]]
    bucket: str  # "day" | "week" | "month"
    width: int = 640
    height: int = 210
    sla_target: float = SLA_TARGET_PCT
    bars: list[dict[str, float]] = field(default_factory=list)
    # The on-time line: one polyline per run of buckets with resolved reports; a lone point is a dot.
    segments: list[str] = field(default_factory=list)
    dots: list[dict[str, float]] = field(default_factory=list)
    sla_y: float = 0
    # The axes: the plot's box, the received scale (left), the on-time scale (right), the first and
    # last dates (under the plot).
    left: float = 0
    right: float = 0
    top: float = 0
    bottom: float = 0
    y_ticks: list[dict[str, Any]] = field(default_factory=list)
    pct_ticks: list[dict[str, Any]] = field(default_factory=list)
    x_labels: list[dict[str, Any]] = field(default_factory=list)
    # The same chart drawn at about a phone's width (the page shows it on a narrow screen), so that its
    # 11 px text is not scaled down to half that.
    narrow: Trend | None = None


TREND_NARROW_WIDTH = 340
TREND_MEASURES = ("n", "resolved_n", "on_time_n")
# The trend's plot inside its drawing: room on the left for the received scale, on the right for the
# on-time percentages, under it for the dates.
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 44.0, 40.0, 12.0, 24.0


def _bucket_for(filters: Filters) -> str:
    return "day" if filters.days <= 62 else ("week" if filters.days <= 190 else "month")


def nice_scale(top: float, most: int = 4) -> list[int]:
    """Round ticks from 0 covering `top` (whole counts): steps of 1, 2 or 5 × 10ⁿ, at most `most` steps."""
    if top <= 0:
        return [0, 1]
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(top / step) <= most:
                return [step * i for i in range(math.ceil(top / step) + 1)]
        magnitude *= 10


def trend(filters: Filters) -> Trend:
    """Reports received per day, week or month of the period. The first and last buckets are clipped to
    the period: a week or month starting before the period's start is labelled with the start (as the
    workbook does), and each point has its last day too."""
    bucket = _bucket_for(filters)
    rows = totals(filters, ("period",), TREND_MEASURES, months=bucket == "month")
    grouped: dict[date, Measures] = {}
    day = filters.start
    while day <= filters.end:
        grouped.setdefault(_clipped_start(day, bucket, filters), Measures())
        day += timedelta(days=1)
    for (day,), m in rows.items():
        target = grouped.setdefault(_clipped_start(day, bucket, filters), Measures())
        target.add(m.values.values(), m.values.keys())
    starts = sorted(grouped)
    points = [
        {
            "start": start,
            "end": starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else filters.end,
            "received": int(grouped[start].n),
            "resolved": int(grouped[start].resolved_n),
            "on_time": grouped[start].on_time_pct,
        }
        for i, start in enumerate(starts)
    ]
    chart = _drawn(Trend(points=points, bucket=bucket), filters.end)
    chart.narrow = _drawn(Trend(points=points, bucket=bucket, width=TREND_NARROW_WIDTH), filters.end)
    return chart


def _drawn(chart: Trend, end: date) -> Trend:
    """Lay `chart`'s points out at its width: bars, the on-time line, the target and the axes."""
    points = chart.points
    chart.left, chart.top = TREND_LEFT, TREND_TOP
    chart.right, chart.bottom = chart.width - TREND_RIGHT, chart.height - TREND_BOTTOM
    plot_h = chart.bottom - chart.top
    ticks = nice_scale(max((p["received"] for p in points), default=0))
    top = ticks[-1]
    step = (chart.right - chart.left) / max(1, len(points))

    def pct_y(pct: float) -> float:
        return chart.top + plot_h * (1 - pct / 100)

    run: list[str] = []
    runs: list[list[str]] = []
    for i, p in enumerate(points):
        h = plot_h * p["received"] / top
        chart.bars.append(
            {"x": chart.left + i * step + 1, "y": chart.bottom - h, "w": max(1.0, step - 2), "h": h}
        )
        if p["on_time"] is None:  # nothing resolved in this bucket: the line stops here
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{chart.left + i * step + step / 2:.1f},{pct_y(p['on_time']):.1f}")
    if run:
        runs.append(run)
    chart.segments = [" ".join(r) for r in runs if len(r) > 1]
    chart.dots = [
        {"x": float(r[0].split(",")[0]), "y": float(r[0].split(",")[1])} for r in runs if len(r) == 1
    ]
    chart.sla_y = pct_y(SLA_TARGET_PCT)
    chart.y_ticks = [{"y": chart.bottom - plot_h * t / top, "text": _count(t)} for t in ticks]
    chart.pct_ticks = [{"y": pct_y(t), "text": f"{t}%"} for t in (0, 50, 100)]
    if points:
        chart.x_labels = [
            {"x": chart.left, "text": points[0]["start"].strftime("%d/%m/%Y"), "anchor": "start"}
        ]
        chart.x_labels.append({"x": chart.right, "text": end.strftime("%d/%m/%Y"), "anchor": "end"})
    return chart


def _clipped_start(day: date, bucket: str, filters: Filters) -> date:
    """The first day of `day`'s bucket inside the period (the period's start for the first bucket)."""
    return max(_bucket_start(day, bucket), filters.start)


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
    overdue_listable = card_links(filters.status)["overdue"] is not None
    overdue_bars = BarChart(
        _("Overdue reports by unit"),
        [
            Bar(
                units[k].code,
                units[k].name,
                m.overdue_n,
                _count(m.overdue_n),
                colour=PALETTE[3],
                # The queue lists overdue reports of every open status only: under another status
                # filter a bar is no link rather than a link to a longer list. A bar counts the unit's
                # own reports (the roll-ups' unit grain): `unit_only`, not the units below it.
                link=link(unit=units[k].code, unit_only="1", status="overdue") if overdue_listable else "",
            )
            for k, m in sorted(by_unit.items(), key=lambda kv: -kv[1].overdue_n)[:12]
            if m.overdue_n and k in units
        ],
    ).layout()
    satisfaction_bars = _satisfaction_bars(by_unit, units, link)
    league = _league(filters, by_unit, units, link)
    ward_map = _map(by_ward, link)
    return {
        "cards": cards(filters, link, status_rows),
        "league_sections": league_sections(league),
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


def league_sections(league: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]], str]]:
    """(title, rows, what an empty table says) of the league's tables. With five units or fewer all of
    them are in one table: a "needs attention" table would repeat them."""
    target = number_format(SLA_TARGET_PCT, 0)
    if not league["split"]:
        return [
            (
                _("Units by share resolved on time"),
                league["best"],
                _("No unit has resolved reports in this period."),
            )
        ]
    return [
        (
            _("Best (on-time target %(target)s%% reached)") % {"target": target},
            league["best"],
            _("No unit reached the on-time target of %(target)s%%.") % {"target": target},
        ),
        (
            _("Needs attention (below the on-time target of %(target)s%%)") % {"target": target},
            league["worst"],
            _("No unit is below the on-time target of %(target)s%%.") % {"target": target},
        ),
    ]


def _satisfaction_bars(
    by_unit: dict[int, Measures], units: dict[int, Organisation], link: Any = None
) -> BarChart:
    """The share of satisfied ratings per unit. Each bar links to the reports its share is computed from:
    the unit's own rated reports (the queue's `unit_only` and `rated`), under the page's other filters."""
    # The rated units only (an unrated one is no 0 %), and with more than a chart holds, the least
    # satisfied: the units a leader has to look at.
    rated = sorted(
        ((k, m) for k, m in by_unit.items() if m.rated and k in units),
        key=lambda kv: (kv[1].satisfaction_pct or 0, -kv[1].rated, units[kv[0]].name),
    )[:12]
    return BarChart(
        _("Satisfaction by unit (share of ratings)"),
        [
            Bar(
                units[k].code,
                units[k].name,
                m.satisfaction_pct or 0,
                f"{number_format(round(m.satisfaction_pct), 0)}% ({_count(m.rated)})",
                colour=PALETTE[2],
                link=link(unit=units[k].code, unit_only="1", rated="1") if link else "",
            )
            for k, m in sorted(rated, key=lambda kv: -(kv[1].satisfaction_pct or 0))
        ],
        unit="%",
    ).layout()


def _league(
    filters: Filters,
    by_unit: dict[int, Measures],
    units: dict[int, Organisation],
    link: Any,
) -> dict:
    """Units ranked by on-time share, then satisfaction, with a volume sparkline: the best five, and the
    units needing attention, those below the on-time target (SLA_TARGET_PCT), the furthest below first.

    A unit is flagged only when it is below the target, and never one with the same figures as a unit
    shown as best: the best are chosen among the units on target (with none on target, none is "best").
    Ties on both shares go to the unit with more resolved reports (a 100 % of 40 over a 100 % of 1), then
    by name. A unit without ratings comes after the rated ones with the same on-time share (it has no
    satisfaction to show), in both tables, rather than among them by a made-up 0 %. `rank`: the place in
    the whole ranking by the two shares; units with the same figures share a rank. A row links to the
    unit's own reports (its "received": the queue's `unit_only`, not the units below it)."""
    # Units that resolved something, and those with overdue reports that resolved nothing: the first to
    # need attention (no on-time share: ranked as 0 %).
    ranked = [(k, m) for k, m in by_unit.items() if k in units and (m.resolved_n >= 1 or m.overdue_n >= 1)]

    def figures(m: Measures) -> tuple[float, float]:
        return (m.on_time_pct or 0, -1 if m.satisfaction_pct is None else m.satisfaction_pct)

    ranked.sort(key=lambda kv: (-figures(kv[1])[0], -figures(kv[1])[1], -kv[1].resolved_n, units[kv[0]].name))
    ranks: dict[int, int] = {}
    for i, (k, m) in enumerate(ranked):
        previous = ranked[i - 1] if i else None
        same = previous is not None and figures(previous[1]) == figures(m)
        ranks[k] = ranks[previous[0]] if same and previous is not None else i + 1
    on_target = [(k, m) for k, m in ranked if (m.on_time_pct or 0) >= SLA_TARGET_PCT]
    below = [(k, m) for k, m in ranked if (m.on_time_pct or 0) < SLA_TARGET_PCT]
    # The furthest below first, the ranking read from its end (so the ranks run down): the lowest
    # on-time share, then the lowest satisfaction (no ratings lowest), then the most resolved reports.
    below.sort(key=lambda kv: (figures(kv[1]), -kv[1].resolved_n, units[kv[0]].name))
    if len(ranked) <= LEAGUE_ROWS:
        best, worst = ranked, []
    else:
        best, worst = on_target[:LEAGUE_ROWS], below[:LEAGUE_ROWS]
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
        return {
            "unit": units[k],
            "m": m,
            "spark": points,
            # The unit's own reports of the period (its "received"), not those of the units below it.
            "link": link(unit=units[k].code, unit_only="1"),
            "rank": ranks[k],
            "below_target": (m.on_time_pct or 0) < SLA_TARGET_PCT,
            # Nothing resolved, reports overdue: listed for that (its on-time share is no figure).
            "overdue_unresolved": int(m.overdue_n) if not m.resolved_n else 0,
        }

    best_rows, worst_rows = [row(k, m) for k, m in best], [row(k, m) for k, m in worst]
    return {
        "best": best_rows,
        "worst": worst_rows,
        # The whole ranking, best first (the Excel sheet's; the page shows both ends only).
        "ranking": [
            {
                "unit": units[k],
                "m": m,
                "rank": ranks[k],
                "below_target": (m.on_time_pct or 0) < SLA_TARGET_PCT,
            }
            for k, m in ranked
        ],
        "count": len(ranked),
        # More than LEAGUE_ROWS units: two tables (best, needs attention), either possibly empty.
        "split": len(ranked) > LEAGUE_ROWS,
    }


LEAGUE_ROWS = 5  # units in each table of the league


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
    shown = [r for r in rows if r["lon"] is not None]
    return {
        "map_rows": rows,
        "map_data": shown,
        "map_legend": map_legend(max((r["n"] for r in shown), default=0)),
    }


# The colours of a share on the map (ioc.js `colour()` reads these thresholds from the map's data
# attributes): the on-time target and above, from MAP_FAIR_PCT up to the target, below, and no figure.
MAP_GOOD_PCT = SLA_TARGET_PCT
MAP_FAIR_PCT = 75.0


def map_legend(top: int) -> dict[str, Any]:
    """What the map's colours mean for each measure the map can show (the page shows the chosen one's)."""
    good, fair = number_format(MAP_GOOD_PCT, 0), number_format(MAP_FAIR_PCT, 0)
    shares = [
        ("good", _("%(low)s%% or more") % {"low": good}),
        ("fair", _("%(low)s%% to under %(high)s%%") % {"low": fair, "high": good}),
        ("poor", _("under %(high)s%%") % {"high": fair}),
    ]
    return {
        "good": MAP_GOOD_PCT,
        "fair": MAP_FAIR_PCT,
        "top": _count(top),
        "on_time": [*shares, ("none", _("no resolved reports"))],
        "satisfaction": [*shares, ("none", _("no ratings"))],
    }


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
        "heat_top": _count(max(found.values(), default=0)),
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
