"""The socio-economic indicator dashboards: the leaders' one-page summary of every group, a group's page
(cards, charts, map, findings), an indicator in depth (the actions on a finding: `views_findings`).

Who sees what: VIEW_DASHBOARD holders, in their scope (`citydesk.ioc.access.dashboard_scope`): a ward
head their ward, a leader the city. Filters live in the URL (`period`, `unit`); a bad one is a 400 that
names the field. Numbers come from `measures.measures()` (once per periodicity for the whole page).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import Membership, Organisation
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.selectors import descendant_ids
from citydesk.indicators import measures as engine
from citydesk.indicators import panels, periods, sameperiod, views_findings
from citydesk.indicators.models import (
    DataValue,
    Direction,
    Finding,
    FindingState,
    Indicator,
    IndicatorGroup,
    Plan,
    Source,
)
from citydesk.lib.text import sort_key

HEADLINES = 3  # indicators per group on the summary
OPEN_STATES = [FindingState.FLAGGED, FindingState.EXPLAINED, FindingState.CORRECTED]


# The label of each filter, as the form shows it: errors name the field the way the reader sees it.
FILTER_LABELS = {
    "unit": gettext_lazy("Unit"),
    "period": gettext_lazy("Period"),
    "group": gettext_lazy("Indicator group"),
    "indicator": gettext_lazy("Indicator"),
}


def filter_error_rows(errors: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"field": field, "label": str(FILTER_LABELS.get(field, field)), "message": message}
        for field, message in errors.items()
    ]


class BadFilter(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Filters:
    period_type: str
    period: date
    unit: Organisation
    unit_ids: list[int]
    explicit_period: bool

    @property
    def label(self) -> str:
        return periods.period_label(self.period_type, self.period)

    @property
    def period_text(self) -> str:
        return periods.period_key(self.period_type, self.period)

    @property
    def period_typed(self) -> str:
        """As the period field shows it: "03/2026"."""
        return periods.period_typed(self.period_type, self.period)

    def query(self, **extra: str) -> str:
        params = {"period": self.period_text, "unit": self.unit.code, **extra}
        return urlencode({k: v for k, v in params.items() if v})


def _roots(user: Any) -> list[Organisation]:
    ids = {
        m.organisation_id
        for m in Membership.objects.filter(user=user, is_active=True).only("organisation_id", "role")
        if Power.VIEW_DASHBOARD in ROLE_POWERS.get(m.role, frozenset())
    }
    return sorted(Organisation.objects.filter(pk__in=ids), key=lambda o: sort_key(o.name))


def parse_filters(
    request: HttpRequest, scope: frozenset[int] | None, roots: list[Organisation] | None = None
) -> Filters:
    """The page's filters from the query string; BadFilter names every field at fault. `roots`: the
    user's top units (`_roots`), when the caller has them."""
    errors: dict[str, str] = {}
    roots = _roots(request.user) if roots is None else roots
    unit_code = (request.GET.get("unit") or "").strip()
    unit: Organisation | None = None
    if unit_code:
        unit = Organisation.objects.filter(code=unit_code).first()
        if unit is None:
            errors["unit"] = _("Unknown unit “%(code)s”.") % {"code": unit_code}
        elif scope is not None and unit.pk not in scope:
            errors["unit"] = _("The unit “%(code)s” is outside your dashboards.") % {"code": unit_code}
            unit = None
    elif roots:
        unit = roots[0]
    if unit is None and "unit" not in errors:
        errors["unit"] = _("No unit to show.")
    unit_ids = sorted(descendant_ids([unit.pk])) if unit is not None else []
    text = (request.GET.get("period") or "").strip()
    period_type, period = "M", None
    if text:
        try:
            period_type, period = periods.parse_period(text)
        except (DomainError, ValueError) as exc:
            errors["period"] = getattr(exc, "message", None) or _(
                "Write the period as 03/2026, Q2/2026 or 2026."
            )
        else:
            if period > timezone.localdate():  # a period not begun has no figure: said, not an empty page
                errors["period"] = _("%(period)s has not begun yet: choose a period up to today.") % {
                    "period": periods.period_label(period_type, period)
                }
    if errors:
        raise BadFilter(errors)
    assert unit is not None
    if period is None:
        period = _latest_reported_month(unit_ids) or periods.previous(
            "M", timezone.localdate().replace(day=1)
        )
    return Filters(period_type, period, unit, unit_ids, bool(text))


def _latest_reported_month(unit_ids: list[int]) -> date | None:
    """The newest month most units have reported: a month still coming in would open the page on
    half-empty totals. "Most": at least 80 % of the reports sent (the values computed by the platform
    where no report is sent) of the fullest of the months before it; a draft is not reported. Never a
    month still to come, even where an old database holds values for one."""
    this_month = periods.current(periods.MONTH)
    in_scope = DataValue.objects.filter(period_type="M", unit_id__in=unit_ids, period__lte=this_month)
    # The newest month anywhere: one index seek per indicator (datavalue_read), not a scan of the scope.
    last_of_each = DataValue.objects.filter(
        indicator=OuterRef("pk"), period_type="M", period__lte=this_month
    ).order_by("-period")
    newest = Indicator.objects.annotate(p=Subquery(last_of_each.values("period")[:1])).aggregate(n=Max("p"))[
        "n"
    ]
    if newest is None:
        return None

    monthly = Indicator.objects.filter(periodicity="M").values_list("id", "group_id", "source")
    monthly_groups = {group for _i, group, source in monthly if source == Source.ENTRY}
    computed = [pk for pk, _g, source in monthly if source != Source.ENTRY]

    def recent(newest: date) -> list[tuple[date, int]]:
        # Only what counts: the units' reports sent, each month (one row per group and month, see
        # `measures.sent_units`); where no report is sent at all, the values the platform computes (one
        # COUNT per month: each counts entries of an index in place, where a GROUP BY over the four
        # months would sort every value first).
        months = [periods.add_months(newest, -k) for k in range(4)]
        found = dict.fromkeys(months, 0)
        m0, m1 = engine.month_index(months[-1]), engine.month_index(months[0])
        for (_g, _t, m), units in engine.sent_units(monthly_groups, unit_ids, ["M"], m0, m1).items():
            found[engine.month_date(m)] += len(set(unit_ids)) if units is None else len(units)
        if not any(found.values()) and computed:
            values = in_scope.filter(indicator_id__in=computed)
            found = {month: values.filter(period=month).count() for month in months}
        return [(month, found[month]) for month in months if found[month]]

    counts = recent(newest)
    if not counts:  # this scope's figures stop earlier than the others'
        newest = in_scope.aggregate(p=Max("period"))["p"]
        counts = recent(newest) if newest is not None else []
    for i, (month, n) in enumerate(counts):
        before = [m for _p, m in counts[i + 1 :]]
        if not before or n >= 0.8 * max(before):
            return month
    return None


_forbidden = views_findings.forbidden


def filter_units(units: list[Organisation], keep: set[int]) -> list[Organisation]:
    """The units the unit filter offers: those that report an indicator (`Indicator.reporting_units`) and
    the units above them, whose figures add theirs up (a unit's figures are its own and those of every
    unit under it: `Filters.unit_ids`); and the units in `keep` (the user's top units, the unit chosen).
    A one-stop desk or an inspectorate that reports nothing would give a page of "—". Where no unit
    reports anything yet (a catalog without reporting units), every unit stays."""
    reporters = set(
        Indicator.objects.filter(is_active=True, reporting_units__isnull=False).values_list(
            "reporting_units", flat=True
        )
    )
    if not reporters:
        return units
    parent = {o.pk: o.parent_id for o in units}
    listed: set[int] = set()
    for pk in reporters & parent.keys():
        at: int | None = pk
        while at is not None and at in parent and at not in listed:
            listed.add(at)
            at = parent[at]
    return [o for o in units if o.pk in listed or o.pk in keep]


def _context(request: HttpRequest) -> tuple[dict[str, Any], Filters | None, int]:
    """Scope + filters: the common context, the filters (None when bad) and the status."""
    scope = views_findings.indicator_scope(request.user)  # NotAllowed for others: the caller answers 403
    units = Organisation.objects.filter(pk__in=scope) if scope is not None else Organisation.objects.all()
    roots = _roots(request.user)
    units_list = sorted(units.only("code", "name", "parent"), key=lambda o: sort_key(o.name))
    chosen = (request.GET.get("unit") or "").strip()
    keep = {o.pk for o in roots} | {o.pk for o in units_list if chosen and o.code == chosen}
    context: dict[str, Any] = {
        "units": filter_units(units_list, keep),  # Vietnamese order
        "period_value": request.GET.get("period", ""),
        "unit_value": request.GET.get("unit", ""),
    }
    try:
        filters = parse_filters(request, scope, roots)
    except BadFilter as exc:
        context["filter_errors"] = exc.errors
        context["filter_error_rows"] = filter_error_rows(exc.errors)
        return context, None, 400
    context.update(
        filters=filters,
        period_value=filters.period_typed,
        unit_value=filters.unit.code,
        query=filters.query(),
        generated_at=timezone.localtime(),
    )
    return context, filters, 200


def _open_findings(unit_ids: list[int]) -> Any:
    return Finding.objects.filter(unit_id__in=unit_ids, state__in=OPEN_STATES)


def summary_data(filters: Filters) -> dict[str, Any]:
    """Every group with its headline cards and its count of open findings (also used by the exports).

    The headlines are the indicators the chosen units report (a department reports a handful of the
    city's): a group none of them reports is only named, in `other_groups`, rather than shown as cards of
    "—". A scope that reports nothing at all keeps every group's cards."""
    groups = list(IndicatorGroup.objects.order_by("position", "code"))
    indicators = list(
        Indicator.objects.filter(is_active=True).order_by("group__position", "position", "code")
    )
    reported = set(
        Indicator.objects.filter(is_active=True, reporting_units__in=filters.unit_ids).values_list(
            "pk", flat=True
        )
    )
    if reported:
        indicators = [ind for ind in indicators if ind.pk in reported]
    headline: dict[int, list[Indicator]] = {}
    for ind in indicators:
        chosen = headline.setdefault(ind.group_id, [])
        if len(chosen) < HEADLINES:
            chosen.append(ind)
    shown = [ind for chosen in headline.values() for ind in chosen]
    cards = panels.cards(
        shown,
        filters.unit_ids,
        filters.period_type,
        filters.period,
        _indicator_link(filters),
        plan_unit=filters.unit.pk,
    )
    by_code = {c.code: c for c in cards}
    counts = dict(
        _open_findings(filters.unit_ids)
        .values_list("indicator__group_id")
        .annotate(n=Count("id"))
        .values_list("indicator__group_id", "n")
    )
    sections = [
        {
            "group": g,
            "cards": [by_code[i.code] for i in headline.get(g.pk, [])],
            "findings": counts.get(g.pk, 0),
            "link": reverse("indicators:group", args=[g.code]) + "?" + filters.query(),
        }
        for g in groups
    ]
    others = [s for s in sections if not s["cards"] and not s["findings"]] if reported else []
    return {
        "sections": [s for s in sections if s not in others],
        "other_groups": others,
        "findings_total": sum(counts.values()),
    }


def _indicator_link(filters: Filters) -> Any:
    def link(ind: Indicator) -> str:
        return reverse("indicators:indicator", args=[ind.code]) + "?" + filters.query()

    return link


def _timed(response: HttpResponse, started: float) -> HttpResponse:
    response["Server-Timing"] = f"dashboard;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


@login_required
def summary(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    try:
        context, filters, status = _context(request)
    except NotAllowed as exc:
        return _forbidden(request, exc)
    if filters is not None:
        context.update(summary_data(filters))
    return _timed(render(request, "indicators/dash_summary.html", context, status=status), started)


def _plans(
    indicators: list[Indicator], unit: Organisation, period_types: set[str]
) -> dict[str, dict[date, float]]:
    """The plan in force (newest revision) per indicator and period, for the chosen unit (one query)."""
    result: dict[str, dict[date, float]] = {}
    rows = (
        Plan.objects.filter(indicator__in=indicators, unit=unit, period_type__in=period_types)
        .order_by("indicator_id", "period", "revision")
        .values_list("indicator__code", "period", "value")
    )
    for code, day, value in rows:
        result.setdefault(code, {})[day] = value  # the newest revision comes last and wins
    return result


def group_data(filters: Filters, group: IndicatorGroup) -> dict[str, Any]:
    indicators = list(group.indicators.filter(is_active=True).order_by("position", "code"))
    cards = panels.cards(
        indicators,
        filters.unit_ids,
        filters.period_type,
        filters.period,
        _indicator_link(filters),
        sparks=False,
        plan_unit=filters.unit.pk,
    )
    per_unit = panels.unit_measures(indicators, filters.unit_ids, filters.period_type, filters.period)
    unit_ids = {m.unit_id for rows in per_unit.values() for m in rows}
    units = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in=unit_ids)
        .select_related("admin_unit")
        .only("code", "name", "admin_unit__centre_lon", "admin_unit__centre_lat")
    }
    names = {pk: o.name for pk, o in units.items()}
    kinds = {
        panels.effective_period(filters.period_type, filters.period, i.periodicity)[0] for i in indicators
    }
    plans = _plans(indicators, filters.unit, kinds)

    def unit_link(unit_id: int) -> str:
        org = units.get(unit_id)
        return (
            reverse("indicators:group", args=[group.code]) + "?" + filters.query(unit=org.code) if org else ""
        )

    # Every chart's periods (and last year's) in one read per periodicity, summed by the database.
    history = panels.spark_bulk(
        indicators,
        filters.unit_ids,
        filters.period_type,
        filters.period,
        points={kind: panels.SPARK_POINTS + lag for kind, lag in panels.TREND_LAG.items()},
    )
    blocks = []
    for card in cards:
        ind = card.indicator
        chart = panels.trend(
            ind,
            filters.unit_ids,
            filters.period_type,
            filters.period,
            plans.get(ind.code, {}),
            values=history.get(ind.code),
            reports=panels.card_reports(card),
        )
        card.spark = panels.spark_of(chart)
        rows = per_unit.get(ind.code, [])
        blocks.append(
            {
                "card": card,
                "trend": chart,
                "bars": panels.unit_bars(ind, rows, names, unit_link),
                "map_rows": panels.map_rows(ind, rows, units),
            }
        )
    findings = views_findings.described(
        _open_findings(filters.unit_ids)
        .filter(indicator__group=group)
        .select_related(*views_findings.FINDING_RELATED)
        .order_by("-found_at")[:200]
    )
    return {"group": group, "blocks": blocks, "findings": findings}


@login_required
def group_page(request: HttpRequest, code: str) -> HttpResponse:
    started = time.perf_counter()
    try:
        context, filters, status = _context(request)
    except NotAllowed as exc:
        return _forbidden(request, exc)
    group = IndicatorGroup.objects.filter(code=code).first()
    if group is None:
        raise Http404(_("No such indicator group."))
    context["group"] = group
    context["tiles_url"] = getattr(settings, "CITYDESK_MAP_TILES_URL", "")
    if filters is not None:
        context.update(group_data(filters, group))
        context["findings"] = views_findings.with_offers(context["findings"], request.user, request)
    return _timed(render(request, "indicators/dash_group.html", context, status=status), started)


def indicator_data(filters: Filters, ind: Indicator) -> dict[str, Any]:
    card = panels.cards(
        [ind], filters.unit_ids, filters.period_type, filters.period, sparks=False, plan_unit=filters.unit.pk
    )[0]
    kind, _start = panels.effective_period(filters.period_type, filters.period, ind.periodicity)
    plans = _plans([ind], filters.unit, {kind}).get(ind.code, {})
    # The chart's periods and those still coming in (compared over the units that reported them, as the
    # card is): one read for the chart, the period-over-period table and the exports.
    values, reports = panels.trend_series(ind, filters.unit_ids, filters.period_type, filters.period)
    chart = panels.trend(
        ind, filters.unit_ids, filters.period_type, filters.period, plans, values=values, reports=reports
    )
    card.spark = panels.spark_of(chart)
    rows = panels.unit_measures(
        [ind], filters.unit_ids, filters.period_type, filters.period, same_period=True
    ).get(ind.code, [])
    units = {
        o.pk: o for o in Organisation.objects.filter(pk__in=[m.unit_id for m in rows]).only("code", "name")
    }
    rank_notes = _rank_same_period(ind, filters, kind, rows)
    ranked = sorted(
        rows, key=lambda m: (m.rank is None, m.rank or 0, units[m.unit_id].name if m.unit_id in units else "")
    )
    comparison = _comparison(ind, filters, kind, chart.rows)
    findings = views_findings.described(
        _open_findings(filters.unit_ids)
        .filter(indicator=ind)
        .select_related(*views_findings.FINDING_RELATED)
        .order_by("-found_at")[:100]
    )
    return {
        "indicator": ind,
        "card": card,
        "headline": [card],  # the PDF brief's table of cards
        "trend": chart,
        "ranked": [
            {
                "m": m,
                "unit": units.get(m.unit_id),
                "value_text": panels.num(m.value, ind.shown_decimals),
                "change_text": panels.delta_text(ind, m.change_pct, m.change_abs),
                "yoy_text": panels.delta_text(ind, m.yoy_pct, m.yoy_abs),
                "months": m.coverage.label if getattr(m, "coverage", None) is not None else "",
                "notes": m.coverage.notes if getattr(m, "coverage", None) is not None else [],
                "completion_text": panels.pct_text(
                    panels.as_percent(m.completion_ytd if m.completion_ytd is not None else m.completion),
                    signed=False,
                ),
            }
            for m in ranked
        ],
        "comparison": list(reversed(comparison)),
        "period_label": card.period_label,
        "ranked_notes": list(
            dict.fromkeys(
                [*rank_notes, *(n for m in rows if getattr(m, "coverage", None) for n in m.coverage.notes)]
            )
        ),
        "findings": findings,
    }


def _rank_same_period(ind: Indicator, filters: Filters, kind: str, rows: list[Any]) -> list[str]:
    """Rank units whose year (quarter) holds different months over the months they all hold: a unit's
    ten months above another's nine is only the tenth month. Units are then ranked among those shown;
    with no month in common none is ranked. Returns the notes saying so."""
    if len(rows) < 2 or periods.MONTHS_IN[kind] <= periods.MONTHS_IN[ind.periodicity]:
        return []
    start = rows[0].period
    parts = sameperiod.Parts([ind], [m.unit_id for m in rows], kind, start, start)
    if not parts.applies(ind.code):
        return []
    every = parts.rows([m.unit_id for m in rows])
    held = parts.unit_held(ind.code, start, every)
    if len(set(held.values())) <= 1:
        return []  # every unit holds the same months: the engine's ranks stand
    values, count = parts.common_values(ind.code, start, every)
    if not count:
        for m in rows:
            m.rank = None
        return [_("Units not ranked: they hold data for different months, none in common.")]
    by_unit = {m.unit_id: values[parts.row[m.unit_id]] for m in rows}
    known = [v for v in by_unit.values() if v is not None]
    for m in rows:
        own = by_unit[m.unit_id]
        if own is None or ind.direction == Direction.NEUTRAL:
            m.rank = None
            continue
        better = [v for v in known if (v < own if ind.direction == Direction.DOWN else v > own)]
        m.rank, m.peers = len(better) + 1, len(known)
    return [
        _("Ranked over the same %(parts)s, those every unit holds.")
        % {"parts": sameperiod.parts_text(count, parts.sub(ind.code))}
    ]


def _comparison(
    ind: Indicator, filters: Filters, kind: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Period over period, as a table (not only a chart): each period against the one before and a year
    before. A year or quarter holding fewer months than the one it is compared with is labelled with its
    months and compared over the same months (`sameperiod`: "cùng kỳ").

    A period still coming in (some units that report the indicator have not reported it: the chart
    row's `report`) is compared over the units that have, as its card is (`measures.measures`): the
    previous period and the same one last year taken over those units, and a note that says so. Its total
    against the whole previous period would read as a fall that is only the units still to report."""
    parts = None
    if rows and periods.MONTHS_IN[kind] > periods.MONTHS_IN[ind.periodicity]:
        first = periods.same_period_last_year(kind, rows[0]["period"])
        parts = sameperiod.Parts([ind], filters.unit_ids, kind, first, rows[-1]["period"])
        if not parts.applies(ind.code):
            parts = None
    every = parts.rows() if parts is not None else []
    out = []
    previous_value = None
    for r in rows:
        value, last, day = r["value"], r["last_year"], r["period"]
        row = {
            **r,
            "change_abs": None if value is None or previous_value is None else value - previous_value,
            "change_pct": _pct_change(value, previous_value),
            "yoy_pct": _pct_change(value, last),
            "yoy_abs": None if value is None or last is None else value - last,
            "completion": None if value is None or not r["plan"] else 100.0 * value / r["plan"],
            "notes": [],
        }
        previous_value = value
        report = r.get("report")
        if report is not None and report.partial:
            row["change_abs"] = None if value is None or report.previous is None else value - report.previous
            row["change_pct"] = _pct_change(value, report.previous)
            row["last_year"], row["last_year_text"] = (
                report.last_year,
                panels.num(report.last_year, ind.shown_decimals),
            )
            row["yoy_abs"] = None if value is None or report.last_year is None else value - report.last_year
            row["yoy_pct"] = _pct_change(value, report.last_year)
            row["notes"] = [panels.compared_text(report.reported, report.expected)]
        if parts is not None:
            # Over the units with a value in the period, as the card (`panels.cards`).
            coverage = parts.coverage(ind.code, day, parts.reporting_rows(ind.code, day, every))
            marks = list(r["marks"])
            if coverage.partial and not (report is not None and report.partial):
                # Some units have not reported the last month the period holds (as a month's row says).
                marks.append(panels.incomplete_text(coverage.reported, coverage.expected))
                row["reported"], row["expected"] = coverage.reported, coverage.expected
            if coverage.incomplete or marks != r["marks"]:
                row["label"] = panels.labelled(
                    r["period_label"], [coverage.label, *marks] if coverage.incomplete else marks
                )
            if coverage.last_year is not None:
                c = coverage.last_year
                row["last_year"], row["last_year_text"] = c.base, panels.num(c.base, ind.shown_decimals)
                row["yoy_pct"], row["yoy_abs"] = c.change_pct, c.change_abs
            if coverage.previous is not None:
                row["change_abs"], row["change_pct"] = (
                    coverage.previous.change_abs,
                    coverage.previous.change_pct,
                )
            elif coverage.previous_refused:
                row["change_abs"] = row["change_pct"] = None
            row["notes"] = [*row["notes"], *coverage.notes]
        out.append(row)
    for row in out:
        row["change_abs_text"] = panels.num(row["change_abs"], ind.shown_decimals, signed=True)
        yoy_abs = row["yoy_abs"]
        row["change_pct_text"] = panels.delta_text(ind, row["change_pct"], row["change_abs"])
        row["yoy_pct_text"] = panels.delta_text(ind, row["yoy_pct"], yoy_abs)
        row["completion_text"] = panels.pct_text(row["completion"], signed=False)
        row["tone_previous"] = panels.tone(
            panels.delta(ind, row["change_pct"], row["change_abs"]), ind.direction
        )
        row["tone_yoy"] = panels.tone(panels.delta(ind, row["yoy_pct"], yoy_abs), ind.direction)
    return out


def _pct_change(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return 100.0 * (value - base) / abs(base)


@login_required
def indicator_page(request: HttpRequest, code: str) -> HttpResponse:
    started = time.perf_counter()
    try:
        context, filters, status = _context(request)
    except NotAllowed as exc:
        return _forbidden(request, exc)
    ind = Indicator.objects.select_related("group").filter(code=code).first()
    if ind is None:
        raise Http404(_("No such indicator."))
    context["indicator"] = ind
    if filters is not None:
        context.update(indicator_data(filters, ind))
        context["findings"] = views_findings.with_offers(context["findings"], request.user, request)
    return _timed(render(request, "indicators/dash_indicator.html", context, status=status), started)


def _export_context(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """The current view's context (the summary, a group with `group=`, an indicator with `indicator=`),
    or the refusal."""
    try:
        context, filters, _status = _context(request)
    except NotAllowed as exc:
        return _forbidden(request, exc)
    errors = dict(context.get("filter_errors") or {})
    code = (request.GET.get("group") or "").strip()
    group = IndicatorGroup.objects.filter(code=code).first() if code else None
    if code and group is None:
        errors["group"] = _("Unknown indicator group “%(code)s”.") % {"code": code}
    ind_code = (request.GET.get("indicator") or "").strip()
    ind = Indicator.objects.select_related("group").filter(code=ind_code).first() if ind_code else None
    if ind_code and ind is None:
        errors["indicator"] = _("Unknown indicator “%(c)s”.") % {"c": ind_code}
    if errors or filters is None:
        rows = filter_error_rows(errors)
        lines = [_("The filters are not valid:")] + [f"{row['label']}: {row['message']}" for row in rows]
        return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")
    if ind is not None:
        context.update(indicator_data(filters, ind))
    elif group is not None:
        context.update(group_data(filters, group))
    else:
        context.update(summary_data(filters))
    return context


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    from citydesk.indicators import exports

    context = _export_context(request)
    if isinstance(context, HttpResponse):
        return context
    return exports.download(exports.workbook(context), exports.XLSX_TYPE, exports.filename(context, "xlsx"))


@login_required
def export_pdf(request: HttpRequest) -> HttpResponse:
    from citydesk.indicators import exports

    try:
        exports.load_weasyprint()
    except exports.PdfUnavailable as exc:
        return HttpResponse(f"{exc}\n", status=503, content_type="text/plain; charset=utf-8")
    context = _export_context(request)
    if isinstance(context, HttpResponse):
        return context
    pdf = exports.brief_pdf(context, request)
    return exports.download(pdf, "application/pdf", exports.filename(context, "pdf"))
