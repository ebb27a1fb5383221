"""The indicator dashboards' panels: infographic cards, sparklines, trend charts, unit bars and map rows.

Numbers come from the engine (`measures.measures()` asked once per periodicity for all the page's
indicators, `measures.series()` for the lines); this module only shapes them for the templates. Charts
are inline SVG drawn by the server (as in the operations center): they print, they go into the PDF as
they are, and every chart has the table of its numbers next to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from citydesk.indicators import measures as engine
from citydesk.indicators import periods, sameperiod
from citydesk.indicators.cards import (
    Card,
    arrow,
    as_percent,
    change_text,
    compared_text,
    delta,
    delta_text,
    incomplete_text,
    num,
    pct_text,
    reported_text,
    sparkline,
    tone,
)
from citydesk.indicators.display import uom_of
from citydesk.indicators.models import DataValue, Direction, Indicator, Plan
from citydesk.ioc.panels import PALETTE, Bar, BarChart

# Cards and the numbers in words live in `cards.py`; the names stay importable from here.
__all__ = [
    "Card",
    "PeriodReport",
    "arrow",
    "as_percent",
    "cards",
    "change_text",
    "compared_text",
    "delta",
    "delta_text",
    "incomplete_text",
    "num",
    "pct_text",
    "reported_text",
    "sparkline",
    "tone",
    "trend",
    "unit_bars",
]

ORDER = {"M": 0, "Q": 1, "Y": 2}
SPARK_POINTS = 13  # the period shown and the twelve before it
TREND_LAG = {"M": 12, "Q": 4, "Y": 1}  # periods back to the same one last year


# --- Periods ----------------------------------------------------------------------------------------


def effective_period(period_type: str, period: date, periodicity: str) -> tuple[str, date]:
    """The period an indicator shows when the page asks for (period_type, period): the coarser of the
    two (a quarterly indicator on a monthly page shows the quarter holding that month)."""
    if ORDER[periodicity] <= ORDER[period_type]:
        return period_type, period
    return periodicity, periods.period_of(periodicity, period)


def back(period_type: str, period: date, steps: int) -> date:
    for _i in range(steps):
        period = periods.previous(period_type, period)
    return period


def label(period_type: str, period: date) -> str:
    return periods.period_label(period_type, period)


def aggregate_measures(
    indicators: list[Indicator],
    unit_ids: list[int],
    period_type: str,
    period: date,
    plan_unit: int | None = None,
) -> dict[str, Any]:
    """One Measure per indicator over the units (one engine call per periodicity on the page).

    The engine adds up the units' own plans; the plan set for the chosen unit itself (the city's plan
    for a city-wide view) fills in where that gives none (one query for the page)."""
    by_kind: dict[tuple[str, date], list[str]] = {}
    for ind in indicators:
        by_kind.setdefault(effective_period(period_type, period, ind.periodicity), []).append(ind.code)
    result: dict[str, Any] = {}
    for (kind, start), codes in by_kind.items():
        for m in engine.measures(
            indicator_codes=codes,
            unit_ids=unit_ids,
            period_type=kind,
            period=start,
            aggregate=True,
            ytd_last_year=False,  # not on a card
        ):
            result[m.indicator_code] = m
    if plan_unit is not None:
        _fill_plans(indicators, result, plan_unit)
    return result


def _fill_plans(indicators: list[Indicator], found: dict[str, Any], unit_id: int) -> None:
    missing = [
        i
        for i in indicators
        if i.code in found and (found[i.code].plan is None or found[i.code].plan_year is None)
    ]
    if not missing:
        return
    wanted: set[tuple[int, str, date]] = set()
    for ind in missing:
        m = found[ind.code]
        wanted |= {(ind.pk, m.period_type, m.period), (ind.pk, "Y", periods.year_start(m.period))}
    plans: dict[tuple[int, str, date], float] = {}
    # A few IN lists and the exact keys picked here: one OR term per key made the query's compilation
    # cost more than its run.
    for ind_id, ptype, day, value in (
        Plan.objects.filter(
            unit_id=unit_id,
            indicator_id__in={k[0] for k in wanted},
            period_type__in={k[1] for k in wanted},
            period__in={k[2] for k in wanted},
        )
        .order_by("revision")
        .values_list("indicator_id", "period_type", "period", "value")
    ):
        if (ind_id, ptype, day) in wanted:
            plans[(ind_id, ptype, day)] = value  # the newest revision comes last and wins
    for ind in missing:
        m = found[ind.code]
        if m.plan is None:
            m.plan = plans.get((ind.pk, m.period_type, m.period))
            if m.plan and m.value is not None:
                m.completion = m.value / m.plan
        if m.plan_year is None:
            m.plan_year = plans.get((ind.pk, "Y", periods.year_start(m.period)))
            if m.plan_year and m.ytd is not None:
                m.completion_ytd = m.ytd / m.plan_year


def unit_measures(
    indicators: list[Indicator],
    unit_ids: list[int],
    period_type: str,
    period: date,
    *,
    same_period: bool = False,
) -> dict[str, list[Any]]:
    """Per-unit Measures (rank among peers included), per indicator. `same_period`: a unit's year or
    quarter that holds fewer months than the one it is compared with is compared over the same months
    (`sameperiod`; each measure gets a `coverage`)."""
    by_kind: dict[tuple[str, date], list[str]] = {}
    for ind in indicators:
        by_kind.setdefault(effective_period(period_type, period, ind.periodicity), []).append(ind.code)
    result: dict[str, list[Any]] = {ind.code: [] for ind in indicators}
    for (kind, start), codes in by_kind.items():
        found = [
            m
            for m in engine.measures(
                indicator_codes=codes, unit_ids=unit_ids, period_type=kind, period=start, aggregate=False
            )
            if m.unit_id is not None and m.value is not None
        ]
        parts = (
            _parts([i for i in indicators if i.code in codes], unit_ids, kind, start) if same_period else None
        )
        for m in found:
            m.coverage = None
            if parts is not None and parts.applies(m.indicator_code):
                m.coverage = parts.coverage(m.indicator_code, start, parts.rows([m.unit_id]))
                sameperiod.adjust(m, m.coverage)
            result.setdefault(m.indicator_code, []).append(m)
    return result


def _parts(indicators: list[Indicator], unit_ids: list[int], kind: str, start: date) -> Any:
    """The months held by the period `start` and the periods it is compared with (None for months, or
    when no indicator is made of finer periods)."""
    if kind == "M" or not any(ORDER[i.periodicity] < ORDER[kind] for i in indicators):
        return None
    return sameperiod.Parts(indicators, unit_ids, kind, periods.same_period_last_year(kind, start), start)


def spark_series(
    ind: Indicator, unit_ids: list[int], period_type: str, period: date, points: int = SPARK_POINTS
) -> list[tuple[date, float | None]]:
    kind, end = effective_period(period_type, period, ind.periodicity)
    start = back(kind, end, points - 1)
    return list(
        engine.series(indicator_code=ind.code, unit_ids=unit_ids, period_type=kind, start=start, end=end)
    )


def spark_bulk(
    indicators: list[Indicator],
    unit_ids: list[int],
    period_type: str,
    period: date,
    points: int | dict[str, int] = SPARK_POINTS,
) -> dict[str, list[tuple[date, float | None]]]:
    """The last `points` periods (or {period type: points}) of every indicator over the units: one value
    query per periodicity on the page (the engine's month grid, shared), instead of one `series()` per
    indicator."""
    out: dict[str, list[tuple[date, float | None]]] = {}
    by_kind: dict[tuple[str, date], list[str]] = {}
    for ind in indicators:
        by_kind.setdefault(effective_period(period_type, period, ind.periodicity), []).append(ind.code)
    try:
        cat = engine._catalog()
        for (kind, end), all_codes in by_kind.items():
            span = engine.SPAN[kind]
            last = engine.month_index(end)
            first = last - span * ((points if isinstance(points, int) else points[kind]) - 1)
            # One value per unit and period, added or averaged over the units: the database does it.
            simple = [c for c in all_codes if _summable(cat[c], kind)]
            out.update(_spark_sums(cat, simple, unit_ids, kind, first, last))
            codes = [c for c in all_codes if c not in simple]
            if not codes:
                continue
            grid = engine._Grid(cat, engine._closure(codes, cat), list(unit_ids), first, last + span)
            grid.load()
            rows = list(range(len(unit_ids)))
            for code in codes:
                out[code] = [
                    (
                        engine.month_date(a),
                        engine._f(grid.over_units(code, a, a + span, rows)) if rows else None,
                    )
                    for a in range(first, last + span, span)
                ]
    except AttributeError:  # the engine's grid changed shape: ask for each series (slower, same numbers)
        for ind in indicators:
            kind = effective_period(period_type, period, ind.periodicity)[0]
            out[ind.code] = spark_series(
                ind, unit_ids, period_type, period, points if isinstance(points, int) else points[kind]
            )
    return out


def _summable(ind: Any, kind: str) -> bool:
    """Its sparkline is a plain SUM or AVG over the units of its own periods' values (a ratio over time
    takes a unit's period value from its numerator and denominator instead)."""
    return (
        ind.periodicity == kind
        and not ind.formula
        and ind.over_time != "ratio"
        and ind.over_units in ("sum", "avg", "last")
    )


def _spark_sums(
    cat: dict[str, Any], codes: list[str], unit_ids: list[int], kind: str, first: int, last: int
) -> dict[str, list[tuple[date, float | None]]]:
    if not codes or not unit_ids:
        return {
            code: [(engine.month_date(a), None) for a in range(first, last + 1, engine.SPAN[kind])]
            for code in codes
        }
    by_id = {cat[c].id: c for c in codes}
    sums: dict[tuple[str, date], list[float]] = {}
    # Only the values that count (entered ones once their report is sent): one query per set of units
    # whose reports are in, most often one for the whole line.
    for ind_ids, units, days in engine.counted_parts(
        engine.entry_groups(cat), list(by_id), list(unit_ids), kind, first, last
    ):
        query = DataValue.objects.filter(indicator_id__in=ind_ids, unit_id__in=units, period_type=kind)
        if days is None:
            query = query.filter(period__gte=engine.month_date(first), period__lte=engine.month_date(last))
        else:
            query = query.filter(period__in=days)
        rows = (
            query.values_list("indicator_id", "period")
            .annotate(total=Sum("value"), n=Count("value"))  # both in datavalue_read: no table reads
            .order_by()
        )
        for ind_id, day, total, n in rows:
            got = sums.setdefault((by_id[ind_id], day), [0.0, 0])
            got[0] += total
            got[1] += n
    found: dict[tuple[str, date], float] = {}
    for (code, day), (total, n) in sums.items():
        found[(code, day)] = total / n if cat[code].over_units == "avg" else total
    return {
        code: [
            (engine.month_date(a), found.get((code, engine.month_date(a))))
            for a in range(first, last + 1, engine.SPAN[kind])
        ]
        for code in codes
    }


def cards(
    indicators: list[Indicator],
    unit_ids: list[int],
    period_type: str,
    period: date,
    link: Any = None,
    sparks: bool = True,
    plan_unit: int | None = None,
) -> list[Card]:
    found = aggregate_measures(indicators, unit_ids, period_type, period, plan_unit)
    lines = spark_bulk(indicators, unit_ids, period_type, period) if sparks else {}
    by_kind: dict[tuple[str, date], list[Indicator]] = {}
    for ind in indicators:
        by_kind.setdefault(effective_period(period_type, period, ind.periodicity), []).append(ind)
    parts = {key: _parts(inds, unit_ids, *key) for key, inds in by_kind.items()}
    result = []
    for ind in indicators:
        kind, start = effective_period(period_type, period, ind.periodicity)
        card = Card(
            indicator=ind,
            measure=found.get(ind.code),
            period_label=label(kind, start),
            spark=lines.get(ind.code, []),
            link=link(ind) if link else "",
        )
        held = parts.get((kind, start))
        if held is not None and held.applies(ind.code) and card.measure is not None:
            # A year (or quarter) still coming in is compared with the same months a year before.
            rows = held.reporting_rows(ind.code, start, held.rows())
            card.coverage = held.coverage(ind.code, start, rows)
            sameperiod.adjust(card.measure, card.coverage)
            if card.coverage.incomplete:
                card.period_label = f"{card.period_label} ({card.coverage.label})"
        if card.partial and card.spark:  # a total still coming in would end the line on a false fall
            card.spark = [*card.spark[:-1], (card.spark[-1][0], None)]
        result.append(card)
    return result


# --- Periods still coming in -------------------------------------------------------------------------


@dataclass
class PeriodReport:
    """Who has reported one period of an indicator over the units, counted as a card counts them
    (`measures.measures(aggregate=True)`): of the units that report it (a value in this period, the
    previous one or the same one a year before), those with a value in this one. While some have not, the
    previous period and last year are taken over those that have (`previous`, `last_year`), so that the
    period-over-period table, the chart and the exports compare it as its card does."""

    reported: int
    expected: int
    previous: float | None = None
    last_year: float | None = None

    @property
    def partial(self) -> bool:
        return 0 < self.reported < self.expected

    @property
    def text(self) -> str:
        """ "5 of 10 units have reported" (nothing compared)."""
        return reported_text(self.reported, self.expected)


def trend_series(
    ind: Indicator, unit_ids: list[int], period_type: str, period: date, points: int = SPARK_POINTS
) -> tuple[list[tuple[date, float | None]], dict[date, PeriodReport]]:
    """An indicator's chart periods (and last year's: `trend(values=…)`) over the units, and the shown
    periods still coming in (`PeriodReport`, partial ones only), from one read of the month grid: the
    same values as `measures.series()`."""
    kind, end = effective_period(period_type, period, ind.periodicity)
    span = engine.SPAN[kind]
    first = engine.month_index(back(kind, end, points - 1 + TREND_LAG[kind]))
    last = engine.month_index(end)
    units = list(dict.fromkeys(unit_ids))
    if not units:
        return [(engine.month_date(a), None) for a in range(first, last + span, span)], {}
    cat = engine._catalog()
    grid = engine._Grid(cat, engine._closure([ind.code], cat), units, first, last + span)
    grid.load()
    rows = list(range(len(units)))
    values: list[tuple[date, float | None]] = []
    reports: dict[date, PeriodReport] = {}
    for a in range(first, last + span, span):
        day = engine.month_date(a)
        values.append((day, engine._f(grid.over_units(ind.code, a, a + span, rows))))
        if a - 12 < first:  # before the chart's periods: no comparison is drawn from it
            continue
        slots = {"cur": (a, a + span), "prev": (a - span, a), "ly": (a - 12, a - 12 + span)}
        same, reported, expected = engine._reporting_rows(grid, ind.code, rows, slots)
        report = PeriodReport(reported, expected)
        if report.partial:
            report.previous = engine._f(grid.over_units(ind.code, a - span, a, same))
            report.last_year = engine._f(grid.over_units(ind.code, a - 12, a - 12 + span, same))
            reports[day] = report
    return values, reports


def card_reports(card: Card) -> dict[date, PeriodReport]:
    """The card's period when it is still coming in (its measure counted who has reported), for its
    chart."""
    m = card.measure
    if m is None or not card.partial:
        return {}
    return {m.period: PeriodReport(int(card.reported or 0), int(card.expected or 0), m.previous, m.last_year)}


def spark_of(chart: TrendChart) -> list[tuple[date, float | None]]:
    """A card's sparkline from its chart: a period still coming in left out, as `cards()` does (its total
    would end the line on a false fall)."""
    return [(r["period"], None if r["partial"] else r["value"]) for r in chart.rows]


# --- Charts -----------------------------------------------------------------------------------------


@dataclass
class TrendChart:
    """The last periods (line), the same periods a year earlier (dashed) and the plan (steps)."""

    indicator: Indicator
    rows: list[dict[str, Any]]
    # Drawn at about the width it is shown at (a dashboard column, or a phone), so that the axis text keeps
    # its size: at 560 a phone scaled it down to 6 px.
    width: int = 380
    height: int = 190
    left: int = 56
    line: str = ""
    last_year_line: str = ""
    plan_line: str = ""
    dots: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    axis: list[dict[str, Any]] = field(default_factory=list)

    # Periods still coming in: where they would be drawn (kept off the line and its dots, as a card's
    # sparkline leaves them out; their rows say so).
    partial_points: list[dict[str, Any]] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """Some period shown is still coming in."""
        return any(r["partial"] for r in self.rows)


def labelled(period_label: str, marks: list[str]) -> str:
    """A period's name with what a table says of it: "Quý IV/2026 (1 month; incomplete: 5 of 10 units)"."""
    return f"{period_label} ({'; '.join(marks)})" if marks else period_label


def trend(
    ind: Indicator,
    unit_ids: list[int],
    period_type: str,
    period: date,
    plans: dict[date, float],
    points: int = SPARK_POINTS,
    values: list[tuple[date, float | None]] | None = None,
    reports: dict[date, PeriodReport] | None = None,
) -> TrendChart:
    """`values`: the indicator's periods up to the chart's last one, over the units, when the caller has
    them already (`spark_bulk` for a whole page; at least points + TREND_LAG of them).

    `reports`: the periods still coming in (`trend_series`, or a card's own: `card_reports`). Such a
    period's total is not yet the period's: it is not drawn (`partial_points` says where it would be), as
    the card's sparkline leaves it out, rather than a fall that is only the units still to report; its
    row (the table view, the exports) keeps the figure, labelled "incomplete: 5 of 10 units"."""
    reports = reports or {}
    kind, end = effective_period(period_type, period, ind.periodicity)
    lag = TREND_LAG[kind]
    if values is None:
        start = back(kind, end, points - 1 + lag)
        values = list(
            engine.series(indicator_code=ind.code, unit_ids=unit_ids, period_type=kind, start=start, end=end)
        )
    else:
        values = values[-(points + lag) :]
    shown = values[-points:]
    before = values[: len(values) - len(shown)]
    earlier = values[-points - lag : -lag] if len(values) >= points + lag else [(d, None) for d, _v in shown]
    if len(before) < lag:
        earlier = [(d, None) for d, _v in shown]
    rows = []
    for i, (day, value) in enumerate(shown):
        last = earlier[i][1] if i < len(earlier) else None
        report = reports.get(day)
        if report is None or not report.partial or value is None:
            report = None  # a period everyone has reported (or no one): a plain one
        plain = label(kind, day)
        marks = [incomplete_text(report.reported, report.expected)] if report is not None else []
        rows.append(
            {
                "period": day,
                "period_label": plain,
                "marks": marks,  # what the label says after the period's name
                "label": labelled(plain, marks),
                "value": value,
                "value_text": num(value, ind.shown_decimals),
                "last_year": last,
                "last_year_text": num(last, ind.shown_decimals),
                "plan": plans.get(day),
                "plan_text": num(plans.get(day), ind.shown_decimals),
                "report": report,
                "partial": report is not None,
                "partial_text": report.text if report is not None else "",
            }
        )
    chart = TrendChart(indicator=ind, rows=rows)
    known = [
        v
        for r in rows
        for v in (None if r["partial"] else r["value"], r["last_year"], r["plan"])
        if v is not None
    ]
    if not known:
        return chart
    axis_ticks = round_ticks(min(0.0, min(known)), max(known), whole=ind.shown_decimals == 0)
    low, high = axis_ticks[0], axis_ticks[-1]
    span = (high - low) or 1.0
    plot_w, plot_h, top = chart.width - chart.left - 24, chart.height - 40, 10
    step = plot_w / max(1, len(rows) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return chart.left + i * step, top + plot_h * (1 - (v - low) / span)

    def polyline(key: str, skip_partial: bool = False) -> str:
        return " ".join(
            "{:.1f},{:.1f}".format(*xy(i, r[key]))
            for i, r in enumerate(rows)
            if r[key] is not None and not (skip_partial and r["partial"])
        )

    chart.line = polyline("value", skip_partial=True)
    chart.last_year_line = polyline("last_year")
    chart.plan_line = polyline("plan")
    for i, r in enumerate(rows):
        if r["value"] is not None:
            x, y = xy(i, r["value"])
            point = {"x": x, "y": y, "title": f"{r['label']}: {r['value_text']}"}
            (chart.partial_points if r["partial"] else chart.dots).append(point)
        if i % max(1, len(rows) // 6) == 0 or i == len(rows) - 1:
            chart.ticks.append({"x": chart.left + i * step, "text": axis_tick(kind, r["period"])})
    step = axis_ticks[1] - axis_ticks[0] if len(axis_ticks) > 1 else 1.0
    decimals = next((d for d in range(4) if abs(round(step, d) - step) < 1e-9), 3)
    for value in axis_ticks:
        chart.axis.append({"y": top + plot_h * (1 - (value - low) / span), "text": num(value, decimals)})
    return chart


def axis_tick(kind: str, day: date) -> str:
    """A period under the trend's axis, short: "03/26" (month), "Q3/26" (quarter), "2026" (year); a
    quarter and a year are the fiscal ones (`periods`), as the labels of the points say."""
    if kind == periods.YEAR:
        return str(periods.year_start(day).year)
    if kind == periods.QUARTER:
        return f"Q{periods.quarter_number(day)}/{periods.year_start(day).year % 100:02d}"
    return f"{day:%m/%y}"


def round_ticks(low: float, high: float, most: int = 4, *, whole: bool = False) -> list[float]:
    """Round values for an axis from `low` to `high` (a step of 1, 2, 2.5 or 5 × 10ⁿ, at most `most` steps):
    0 / 20.000 / 40.000 / 60.000 / 80.000 rather than 0 / 33.967,2 / 67.934,5. `whole`: an indicator of
    whole numbers (no decimals shown) has whole ticks too: 0 / 1 / 2 cases, never 0 / 0,5 / 1."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / most
    if whole:
        raw = max(raw, 1.0)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(
        m * magnitude
        for m in (1, 2, 2.5, 5, 10)
        if m * magnitude >= raw - 1e-12 and (not whole or float(m * magnitude).is_integer())
    )
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    count = round((end - start) / step)
    return [round(start + i * step, 10) for i in range(count + 1)]


def unit_bars(ind: Indicator, rows: list[Any], names: dict[int, str], link: Any = None) -> BarChart:
    """The units' values, best first (direction-aware), as horizontal bars."""
    reverse = ind.direction != Direction.DOWN
    ordered = sorted(rows, key=lambda m: m.value if reverse else -m.value, reverse=True)
    bars = [
        Bar(
            m.unit_id,
            names.get(m.unit_id, str(m.unit_id)),
            max(0.0, float(m.value)),
            f"{num(m.value, ind.shown_decimals)} {uom_of(ind, m.value)}",
            colour=PALETTE[0],
            link=link(m.unit_id) if link else "",
        )
        for m in ordered[:15]
    ]
    return BarChart(_("%(name)s by unit") % {"name": ind.display_name}, bars, unit=ind.display_uom).layout()


def map_rows(ind: Indicator, rows: list[Any], units: dict[int, Any]) -> list[dict[str, Any]]:
    """One bubble per unit that has a centre (its administrative unit's), with the value."""
    result = []
    for m in rows:
        org = units.get(m.unit_id)
        admin = getattr(org, "admin_unit", None) if org is not None else None
        result.append(
            {
                "unit": m.unit_id,
                "name": org.name if org is not None else str(m.unit_id),
                "lon": getattr(admin, "centre_lon", None),
                "lat": getattr(admin, "centre_lat", None),
                "value": m.value,
                "text": f"{num(m.value, ind.shown_decimals)} {uom_of(ind, m.value)}",
                "rank": m.rank,
            }
        )
    return result
