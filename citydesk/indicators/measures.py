"""Measures of indicators computed server-side: value, change vs previous period and vs the same period
last year, year-to-date, completion vs plan, rank among peer units.

Everything works on a month grid: a month is the integer `year * 12 + month - 1`; a quarterly or
yearly value sits on the first month of its period. Quarter and year values are derived from the
base periods per the indicator's `over_time` rule; values over several units per `over_units`.
`compute_all` does the same for a whole (indicators × units × months) array in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError, NotFound
from citydesk.core.models import Organisation
from citydesk.indicators.models import DataValue, Indicator, Plan, Source, Submission, SubmissionState

SPAN = {"M": 1, "Q": 3, "Y": 12}
ORDER = {"M": 0, "Q": 1, "Y": 2}
NAN = float("nan")


@dataclass
class Measure:
    indicator_code: str
    unit_id: int | None
    period_type: str
    period: date
    value: float | None = None
    previous: float | None = None
    change_abs: float | None = None
    change_pct: float | None = None
    last_year: float | None = None
    yoy_abs: float | None = None
    yoy_pct: float | None = None
    ytd: float | None = None
    ytd_last_year: float | None = None
    # The months the year to date holds, from the first to the last (first days), and last year's is
    # taken over the same months a year earlier: ten months sent against ten, not against eleven.
    ytd_from: date | None = None
    ytd_to: date | None = None
    plan: float | None = None
    completion: float | None = None
    plan_year: float | None = None
    completion_ytd: float | None = None
    rank: int | None = None
    peers: int | None = None
    direction: str = "up"
    # Over several units (aggregate=True): how many reported the period, of those that report this
    # indicator (a value in this period, the previous one or the same one last year). While some are
    # missing, the previous period and last year are taken over the units that did report: a city's
    # total must not look halved because half its wards have not sent this month's figures yet.
    reported: int | None = None
    expected: int | None = None


# --- Month arithmetic -----------------------------------------------------------------------------


def fiscal_start() -> int:
    return int(getattr(settings, "CITYDESK_FISCAL_YEAR_START_MONTH", 1) or 1)


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_date(m: int) -> date:
    return date(m // 12, m % 12 + 1, 1)


def period_start(period_type: str, m: int) -> int:
    """The first month of the period of kind `period_type` holding month `m`."""
    offset = (m - (fiscal_start() - 1)) % SPAN[period_type]
    return m - offset


def check_period(indicator_periodicity: str, period_type: str, period: date) -> int:
    """The period's first month; DomainError(field="period") when it does not fit."""
    if period_type not in SPAN:
        raise DomainError(_("Unknown period type."), field="period")
    if ORDER[period_type] < ORDER[indicator_periodicity]:
        raise DomainError(_("This period does not fit the indicator's periodicity."), field="period")
    m = month_index(period)
    if period.day != 1 or period_start(period_type, m) != m:
        raise DomainError(_("This date is not the first day of a period."), field="period")
    return m


# --- Aggregation kernels (NaN = missing) ----------------------------------------------------------


def _nansum(a: np.ndarray, axis: int) -> np.ndarray:
    present = ~np.isnan(a)
    total = np.where(present, a, 0.0).sum(axis=axis)
    return np.where(present.any(axis=axis), total, np.nan)


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    present = ~np.isnan(a)
    count = present.sum(axis=axis)
    total = np.where(present, a, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _nanlast(a: np.ndarray, axis: int) -> np.ndarray:
    a = np.moveaxis(a, axis, -1)
    present = ~np.isnan(a)
    n = a.shape[-1]
    idx = np.where(present, np.arange(n), -1).max(axis=-1)
    picked = np.take_along_axis(a, np.maximum(idx, 0)[..., None], axis=-1)[..., 0]
    return np.where(idx >= 0, picked, np.nan)


def _ratio(num: np.ndarray, den: np.ndarray, scale: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den * scale
    return np.where(np.isfinite(out), out, np.nan)


def aggregate(
    rule: str,
    values: np.ndarray,
    axis: int,
    *,
    num: np.ndarray | None = None,
    den: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """Combine `values` along `axis` per an Aggregation rule (sum, avg, last, ratio, weighted)."""
    if rule == "ratio" and num is not None and den is not None:
        return _ratio(_nansum(num, axis), _nansum(den, axis), scale)
    if rule == "weighted" and weight is not None:
        ok = ~np.isnan(values) & ~np.isnan(weight)
        top = np.where(ok, values * np.where(ok, weight, 0.0), 0.0).sum(axis=axis)
        bottom = np.where(ok, weight, 0.0).sum(axis=axis)
        weighted = _ratio(top, bottom, 1.0)
        return np.where(ok.any(axis=axis), weighted, _nanmean(values, axis))
    if rule == "sum":
        return _nansum(values, axis)
    if rule == "last":
        return _nanlast(values, axis)
    return _nanmean(values, axis)


def _units_rule(rule: str) -> str:
    # "last" over units has no meaning of its own: a stock (population, beds) adds up over units.
    return "sum" if rule == "last" else rule


# --- The database-backed engine -------------------------------------------------------------------


@dataclass
class _Ind:
    id: int
    code: str
    periodicity: str
    over_units: str
    over_time: str
    numerator: str | None
    denominator: str | None
    weight: str | None
    scale: float
    direction: str
    formula: str
    is_active: bool
    group_id: int
    source: str


def _catalog() -> dict[str, _Ind]:
    rows = Indicator.objects.values_list(
        "id",
        "code",
        "periodicity",
        "over_units",
        "over_time",
        "numerator__code",
        "denominator__code",
        "weight__code",
        "scale",
        "direction",
        "formula",
        "is_active",
        "group_id",
        "source",
    )
    return {row[1]: _Ind(*row) for row in rows}


# --- Which values count: those of reports sent -------------------------------------------------------

# A unit's entered values reach the figures of the units above (cards, comparisons, ranks, exports)
# once it has sent its report of the group for the period: submitted, approved or locked, as the
# progress page counts "sent". A draft, or a report returned for correction, stays the unit's own (its
# entry page shows it). Values computed by the platform, and formulas, always count.
SENT_STATES = (SubmissionState.SUBMITTED, SubmissionState.APPROVED, SubmissionState.LOCKED)
_TYPE_CODE = {"M": 0, "Q": 1, "Y": 2}


def entry_groups(cat: Mapping[str, _Ind] | None = None) -> dict[int, int]:
    """Indicator id → group id of the indicators the units enter (their values wait for the report)."""
    if cat is None:
        rows = Indicator.objects.filter(source=Source.ENTRY).values_list("id", "group_id")
        return dict(rows)
    return {ind.id: ind.group_id for ind in cat.values() if ind.source == Source.ENTRY}


def sent_units(
    group_ids: Iterable[int],
    unit_ids: Iterable[int],
    period_types: Iterable[str],
    first: int,
    last: int,
) -> dict[tuple[int, str, int], frozenset[int] | None]:
    """(group, period type, month index) → the units among `unit_ids` whose reports of the group for that
    period are sent (None: all of them), for the periods starting in months [first, last]. One row per
    group and period from the database, which lists the units only where some have not sent theirs."""
    groups, types, units = sorted(set(group_ids)), sorted(set(period_types)), sorted(set(unit_ids))
    if not groups or not types or not units:
        return {}
    clauses = [
        f"group_id IN ({', '.join(['%s'] * len(groups))})",
        f"period_type IN ({', '.join(['%s'] * len(types))})",
        "period >= %s AND period <= %s",
        f"state IN ({', '.join(['%s'] * len(SENT_STATES))})",
    ]
    params: list[Any] = [
        *groups,
        *types,
        connection.ops.adapt_datefield_value(month_date(first)),
        connection.ops.adapt_datefield_value(month_date(last)),
        *SENT_STATES,
    ]
    everyone = len(units)
    if everyone <= 900:  # a longer IN list costs more than the rows it spares
        clauses.append(f"unit_id IN ({', '.join(['%s'] * len(units))})")
        params.extend(units)
    else:
        everyone = 0  # other units' reports are counted too: always list them
    listed = (
        "string_agg(CAST(unit_id AS text), ',')"
        if connection.vendor == "postgresql"
        else "group_concat(unit_id)"
    )
    # SQLite: the covering index (its planner would take the unique key, and read the table for states).
    # The period as text: SQLite's driver would parse a date for every row.
    index = "" if connection.vendor == "postgresql" else " INDEXED BY submission_read"
    sql = (
        f"SELECT group_id, period_type, CAST(period AS text), "
        f"CASE WHEN COUNT(*) < {int(everyone)} OR {int(everyone)} = 0 THEN {listed} END "
        f"FROM {Submission._meta.db_table}{index} WHERE {' AND '.join(clauses)} "
        f"GROUP BY group_id, period_type, period"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    wanted = set(units)
    months = _months_of(r[2] for r in rows)
    return {
        (g, t, months[day]): None if text is None else frozenset(map(int, str(text).split(","))) & wanted
        for g, t, day, text in rows
    }


def _months_of(days: Iterable[Any]) -> dict[Any, int]:
    """Month index of each distinct period as the database driver gives it (a date or its ISO text)."""
    return {p: month_index(p if isinstance(p, date) else date.fromisoformat(str(p)[:10])) for p in set(days)}


def _period_keys(g: np.ndarray, t: np.ndarray, m: np.ndarray) -> np.ndarray:
    return (g.astype(np.int64) * 4 + t) * (1 << 16) + m


def counted(
    groups: Mapping[int, int],
    ind: Sequence[int] | np.ndarray,
    unit: Sequence[int] | np.ndarray,
    ptype: Sequence[str] | np.ndarray,
    month: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """Which of these values (given as columns) count: True for an indicator not in `groups` (see
    `entry_groups`), else True only when the unit's report of the group for the period is sent."""
    ind = np.asarray(ind, dtype=np.int64)
    keep = np.ones(len(ind), dtype=bool)
    if not len(ind) or not groups:
        return keep
    entry_ids = np.array(sorted(groups), dtype=np.int64)
    pos = np.minimum(np.searchsorted(entry_ids, ind), len(entry_ids) - 1)
    entry = entry_ids[pos] == ind
    if not entry.any():
        return keep
    group_of = np.array([groups[i] for i in entry_ids.tolist()], dtype=np.int64)
    g = group_of[pos[entry]]
    u = np.asarray(unit, dtype=np.int64)[entry]
    t_text = np.asarray(ptype)[entry]
    t = np.where(t_text == "M", 0, np.where(t_text == "Q", 1, 2)).astype(np.int64)
    m = np.asarray(month, dtype=np.int64)[entry]
    sent = sent_units(
        np.unique(g).tolist(), np.unique(u).tolist(), set(t_text.tolist()), int(m.min()), int(m.max())
    )
    # Periods every unit has sent: their key alone; the others: the key and the unit.
    whole = [(gk, _TYPE_CODE[tk], mk) for (gk, tk, mk), units in sent.items() if units is None]
    some = [(gk, uk, _TYPE_CODE[tk], mk) for (gk, tk, mk), units in sent.items() if units for uk in units]
    row_keys = _period_keys(g, t, m)
    ok = np.zeros(len(g), dtype=bool)
    if whole:
        wg, wt, wm = (np.array(c, dtype=np.int64) for c in zip(*whole, strict=True))
        ok |= np.isin(row_keys, _period_keys(wg, wt, wm))
    if some:
        sg, su, st, sm = (np.array(c, dtype=np.int64) for c in zip(*some, strict=True))
        partial = _period_keys(sg, st, sm) * (1 << 24) + su
        ok |= np.isin(row_keys * (1 << 24) + u, partial)
    keep[entry] = ok
    return keep


def counted_parts(
    groups: Mapping[int, int],
    indicator_ids: Sequence[int],
    unit_ids: Sequence[int],
    period_type: str,
    first: int,
    last: int,
) -> list[tuple[list[int], list[int], list[date] | None]]:
    """The values that count among `indicator_ids` × `unit_ids` × the periods of `period_type` starting in
    months [first, last], as filters for a query that adds them up in the database: (indicator ids, unit
    ids, period days — None: the whole range). Their union is exactly the values that count."""
    other = [i for i in indicator_ids if i not in groups]
    out: list[tuple[list[int], list[int], list[date] | None]] = []
    if other:
        out.append((other, list(unit_ids), None))
    entered = [i for i in indicator_ids if i in groups]
    if not entered:
        return out
    by_group: dict[int, list[int]] = {}
    for i in entered:
        by_group.setdefault(groups[i], []).append(i)
    sent = sent_units(by_group, unit_ids, [period_type], first, last)
    wanted = frozenset(unit_ids)
    # Periods (and groups) whose sent reports come from the same units are read together.
    parts: dict[tuple[frozenset[int], frozenset[int]], list[int]] = {}
    periods_of: dict[tuple[int, frozenset[int]], set[int]] = {}
    for (g, _t, m), units in sent.items():
        periods_of.setdefault((g, wanted if units is None else units), set()).add(m)
    for (g, units), held in periods_of.items():
        if units:
            parts.setdefault((units, frozenset(held)), []).extend(by_group[g])
    for (units, held), ids in parts.items():
        out.append((sorted(ids), sorted(units), [month_date(m) for m in sorted(held)]))
    return out


def _refs(ind: _Ind) -> set[str]:
    refs: set[str] = set()
    if ind.formula:
        from citydesk.indicators import catalog

        refs |= set(catalog.parse_formula(ind.formula))
    if ind.over_time == "ratio" or ind.over_units == "ratio":
        refs |= {c for c in (ind.numerator, ind.denominator) if c}
    if ind.over_time == "weighted" or ind.over_units == "weighted":
        refs |= {c for c in (ind.weight,) if c}
    return refs


def _closure(codes: Iterable[str], cat: dict[str, _Ind]) -> set[str]:
    todo, seen = list(codes), set()
    while todo:
        code = todo.pop()
        if code in seen:
            continue
        if code not in cat:
            raise NotFound(_("Unknown indicator %(code)s.") % {"code": code}, field="indicator")
        seen.add(code)
        todo.extend(_refs(cat[code]) - seen)
    return seen


def key_filter(
    indicator_ids: Sequence[int] | None, unit_ids: Sequence[int] | None, period_types: Sequence[str] | None
) -> tuple[str, list[Any]]:
    """`indicator_id IN (…) AND unit_id IN (…) AND period_type IN (…)` over the lists given (None: any)
    and its parameters, for the values' and the running totals' raw queries. (IN lists, not `= ANY(%s)`
    on PostgreSQL: with the array sent as one untyped literal its planner left the indexes aside.)"""
    clauses, params = [], []
    for column, values in (
        ("indicator_id", indicator_ids),
        ("unit_id", unit_ids),
        ("period_type", period_types),
    ):
        if values is not None:
            clauses.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
    return " AND ".join(clauses) or "1 = 1", params


class _Grid:
    """Values of several indicators for several units on a month grid [m0, m1)."""

    def __init__(self, cat: dict[str, _Ind], codes: set[str], units: list[int], m0: int, m1: int) -> None:
        self.cat, self.units, self.m0, self.m1 = cat, units, m0, m1
        self.row = {u: i for i, u in enumerate(units)}
        self.arrays: dict[str, np.ndarray] = {}
        self._memo: dict[tuple[str, int, int], np.ndarray] = {}
        self.codes = {c for c in codes if not cat[c].formula}
        self.entry = entry_groups(cat)  # entered indicators: their values count once the report is sent

    def load(
        self,
        parts: Sequence[tuple[Sequence[int], int, int]] | None = None,
        *,
        totals: tuple[Sequence[int], int, int] | None = None,
    ) -> None:
        """Read the values: one query per (units, first month, end month) part (default: all; [] none).
        Raw rows straight into one (indicators, units, months) array: no per-row model work.

        `totals` (units, a, b): for those units only each indicator's value over [a, b) is needed (the
        peers of a rank). The database adds the months up (one row per indicator and unit instead of
        one per month) and the result sits in month `a`, the rest of [a, b) left empty, which gives the
        same value under the indicator's own rule. Indicators whose months are combined with another
        indicator's (numerators, denominators, weights, weighted averages) are read month by month."""
        codes = sorted(self.codes)
        big = np.full((len(codes), len(self.units), self.m1 - self.m0), np.nan)
        for k, code in enumerate(codes):
            self.arrays[code] = big[k]
        if not codes or not self.units:
            return
        pos = {self.cat[c].id: k for k, c in enumerate(codes)}
        own_type = np.array([self.cat[c].periodicity for c in codes])
        whole = [(self.units, self.m0, self.m1)] if parts is None else parts
        todo: list[tuple[Sequence[int], int, int, list[int]]] = [(u, a, b, list(pos)) for u, a, b in whole]
        if totals is not None and totals[0]:
            monthly = self._monthly_codes()
            summed = [c for c in codes if c not in monthly]
            self._load_totals(big, codes, totals, summed)
            raw = [self.cat[c].id for c in codes if c in monthly]
            if raw:
                todo.append((*totals, raw))
        for units, a, b, ind_ids in todo:
            query = (
                DataValue.objects.filter(
                    unit_id__in=list(units),
                    period_type__in=sorted(set(own_type)),
                    indicator_id__in=ind_ids,
                    period__gte=month_date(a),
                    period__lt=month_date(b),
                )
                .annotate(day=Cast("period", CharField()))
                .values_list("indicator_id", "unit_id", "period_type", "day", "value")
            )
            sql, params = query.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            if not rows:
                continue
            ind, unit, ptype, period, value = zip(*rows, strict=True)
            months = {
                p: month_index(p if isinstance(p, date) else date.fromisoformat(str(p)[:10]))
                for p in set(period)
            }
            k = np.fromiter((pos[i] for i in ind), dtype=np.int64, count=len(rows))
            r = np.fromiter((self.row.get(u, -1) for u in unit), dtype=np.int64, count=len(rows))
            m = np.fromiter((months[p] for p in period), dtype=np.int64, count=len(rows)) - self.m0
            ok = (r >= 0) & (np.array(ptype) == own_type[k])
            ok &= counted(self.entry, ind, unit, ptype, m + self.m0)
            big[k[ok], r[ok], m[ok]] = np.asarray(value, dtype=float)[ok]

    def _monthly_codes(self) -> set[str]:
        """Indicators whose months must stay apart: weighted over time, or added up for a ratio."""
        out: set[str] = set()
        for code in self.codes:
            ind = self.cat[code]
            if ind.over_time == "weighted" and ind.weight:
                out |= {code, ind.weight}
            if "ratio" in (ind.over_time, ind.over_units):
                out |= {c for c in (ind.numerator, ind.denominator) if c}
        return out

    def _load_totals(
        self,
        big: np.ndarray,
        codes: list[str],
        totals: tuple[Sequence[int], int, int],
        summed: list[str],
    ) -> None:
        """Per indicator in `summed` and unit: the sum, count and last value over [a, b), reduced by the
        database, into `big` (indexed like `codes`)."""
        units, a, b = totals
        if not summed:
            return
        by_id = {self.cat[c].id: c for c in summed}
        ind_ids = list(by_id)
        k_of = {c: k for k, c in enumerate(codes)}
        table = DataValue._meta.db_table
        # The last month's value. SQLite: a bare column beside the one max() comes from that max's row.
        pg = connection.vendor == "postgresql"
        stocks = [self.cat[c].id for c in summed if self.cat[c].over_time == "last"]
        if pg:  # ordered arrays cost: build them only for the indicators that keep their last value
            only = f"indicator_id IN ({', '.join(str(int(i)) for i in stocks)})" if stocks else "FALSE"
            last = f"(array_agg(value ORDER BY period DESC) FILTER (WHERE {only}))[1]"
        else:
            last = "value"
        types = sorted({self.cat[c].periodicity for c in summed})

        if b - a > 1:  # a longer period inside one fiscal year: two running-total rows per unit
            from citydesk.indicators import running

            found = running.period_totals(ind_ids, units, types, a, b)
            if found is not None:
                if found:
                    self._put_totals(big, k_of, by_id, a, *zip(*found, strict=True))
                return
        # One month holds at most one value per indicator, unit and period type (the table's key): its
        # rows are the totals already, and skipping GROUP BY spares SQLite a sort of every row. (Its
        # period is not selected: SQLite's driver would parse a date for every row.)
        one_month = b - a == 1
        select = "value" if one_month else f"SUM(value), COUNT(*), MAX(period), {last}"
        keys, key_params = key_filter(ind_ids, units, types)
        sent, sent_params = "", []
        entered = [i for i in ind_ids if i in self.entry]
        if entered and not one_month:  # (one month: its rows are the values, sifted below)
            # Only the values of reports sent (rare: a period crossing fiscal years).
            sent = (
                f" AND (indicator_id NOT IN ({', '.join(['%s'] * len(entered))}) OR EXISTS ("
                f"SELECT 1 FROM {Submission._meta.db_table} s JOIN {Indicator._meta.db_table} i "
                f"ON i.group_id = s.group_id WHERE i.id = {table}.indicator_id AND s.unit_id = "
                f"{table}.unit_id AND s.period_type = {table}.period_type AND s.period = {table}.period "
                f"AND s.state IN ({', '.join(['%s'] * len(SENT_STATES))})))"
            )
            sent_params = [*entered, *SENT_STATES]
        sql = (
            f"SELECT indicator_id, unit_id, period_type, {select} "
            f"FROM {table}{'' if pg else ' INDEXED BY datavalue_read'} "
            f"WHERE {keys} AND period >= %s AND period < %s{sent}"
            f"{'' if one_month else ' GROUP BY indicator_id, unit_id, period_type'}"
        )
        params = [
            *key_params,
            connection.ops.adapt_datefield_value(month_date(a)),
            connection.ops.adapt_datefield_value(month_date(b)),
            *sent_params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return
        if one_month:  # each value is its own sum and latest value
            ind_col, unit_col, type_col, value_col = (np.asarray(c) for c in zip(*rows, strict=True))
            if self.entry:  # only the values that count
                keep = counted(self.entry, ind_col, unit_col, type_col, np.full(len(rows), a))
                ind_col, unit_col, type_col, value_col = (
                    c[keep] for c in (ind_col, unit_col, type_col, value_col)
                )
            self._put_totals(big, k_of, by_id, a, ind_col, unit_col, type_col, value_col, None, value_col)
        else:
            ind_col, unit_col, type_col, total, count, _latest, last_col = zip(*rows, strict=True)
            self._put_totals(big, k_of, by_id, a, ind_col, unit_col, type_col, total, count, last_col)

    def _put_totals(
        self,
        big: np.ndarray,
        k_of: dict[str, int],
        by_id: dict[int, str],
        a: int,
        ind_ids: Sequence[int],
        unit_ids: Sequence[int],
        ptypes: Sequence[str],
        total: Sequence[float],
        count: Sequence[int] | None,
        last: Sequence[float | None],
    ) -> None:
        """Columns (indicator, unit, type, sum, count — None: one each —, latest value) as each unit's
        value in month `a`: the sum, the latest value or the average, per the indicator's rule (ratio and
        weighted ones read here without their inputs fall back to the average). Array work: a city page
        has 40 k of them."""
        known = sorted(by_id)
        kinds = {"sum": 0, "last": 1}
        # Per indicator (in `known` order): its grid layer, its own period type, its rule over time.
        layer = np.array([k_of[by_id[i]] for i in known])
        own = np.array([self.cat[by_id[i]].periodicity for i in known])
        rule = np.array([kinds.get(self.cat[by_id[i]].over_time, 2) for i in known])
        at = np.searchsorted(np.array(known), np.array(ind_ids))
        units = np.array(self.units)
        order = np.argsort(units)
        pos = np.searchsorted(units, np.array(unit_ids), sorter=order)
        pos = np.minimum(pos, len(units) - 1)
        r = order[pos]
        n = np.ones(len(ind_ids)) if count is None else np.array(count, dtype=float)
        ok = (units[r] == np.array(unit_ids)) & (np.array(ptypes) == own[at]) & (n > 0)
        sums = np.array(total, dtype=float)
        values = np.where(
            rule[at] == 0,
            sums,
            np.where(rule[at] == 1, np.array(last, dtype=float), sums / np.where(n > 0, n, 1)),
        )
        big[layer[at][ok], r[ok], a - self.m0] = values[ok]

    def unit_values(self, code: str, a: int, b: int) -> np.ndarray:
        """Per unit, the value over months [a, b) per the indicator's over_time rule."""
        key = (code, a, b)
        if key in self._memo:
            return self._memo[key]
        ind = self.cat[code]
        i, j = a - self.m0, b - self.m0
        if ind.formula:
            out = self._formula(ind, lambda c: self.unit_values(c, a, b))
        else:
            arr = self.arrays[code][:, i:j]
            num = den = weight = None
            if ind.over_time == "ratio" and ind.numerator and ind.denominator:
                num, den = self._raw(ind.numerator, i, j), self._raw(ind.denominator, i, j)
            if ind.over_time == "weighted" and ind.weight:
                weight = self._raw(ind.weight, i, j)
            out = aggregate(ind.over_time, arr, 1, num=num, den=den, weight=weight, scale=ind.scale)
        self._memo[key] = out
        return out

    def _raw(self, code: str, i: int, j: int) -> np.ndarray | None:
        arr = self.arrays.get(code)
        return None if arr is None else arr[:, i:j]

    def _formula(self, ind: _Ind, get: Any) -> np.ndarray:
        from citydesk.indicators import catalog

        refs = sorted(catalog.parse_formula(ind.formula))
        columns = {c: np.asarray(get(c), dtype=float) for c in refs}
        if not columns:
            return np.full(len(self.units), float(catalog.evaluate(ind.formula, {}) or np.nan))
        return catalog.evaluate_arrays(ind.formula, columns)

    def over_units(self, code: str, a: int, b: int, rows: Sequence[int]) -> float:
        """One value over the units at `rows` for months [a, b) per over_time, then over_units."""
        ind = self.cat[code]
        idx = np.asarray(rows, dtype=int)
        if ind.formula:
            res = self._formula(ind, lambda c: np.array([self.over_units(c, a, b, rows)]))
            return float(res[0])
        rule = _units_rule(ind.over_units)
        if len(rows) == 1 and rule in ("sum", "avg"):  # one unit: its own value (a page of 170 wards)
            return float(self.unit_values(code, a, b)[rows[0]])
        per_unit = self.unit_values(code, a, b)[idx]
        i, j = a - self.m0, b - self.m0
        if rule == "ratio" and ind.numerator and ind.denominator:
            num = _nansum(self.arrays[ind.numerator][idx, i:j], 1)
            den = _nansum(self.arrays[ind.denominator][idx, i:j], 1)
            return float(aggregate("ratio", per_unit, 0, num=num, den=den, scale=ind.scale))
        if rule == "weighted" and ind.weight:
            weight = self.unit_values(ind.weight, a, b)[idx]
            return float(aggregate("weighted", per_unit, 0, weight=weight))
        return float(aggregate(rule, per_unit, 0))


class _SlotGrids:
    """For measures over several units: one grid per period compared (this one, the previous, last
    year's, the two years to date), each holding only every unit's total for its period, summed by the
    database. A city card then reads one row per unit and period instead of two years of months."""

    def __init__(
        self, cat: dict[str, _Ind], codes: set[str], units: list[int], ranges: Iterable[tuple[int, int]]
    ):
        self.grids: dict[tuple[int, int], _Grid] = {}
        for a, b in dict.fromkeys(ranges):
            grid = _Grid(cat, codes, units, a, b)
            grid.load([], totals=(units, a, b))
            self.grids[(a, b)] = grid
        self.row = {u: i for i, u in enumerate(units)}
        self.cat = cat

    def unit_values(self, code: str, a: int, b: int) -> np.ndarray:
        return self.grids[(a, b)].unit_values(code, a, b)

    def over_units(self, code: str, a: int, b: int, rows: Sequence[int]) -> float:
        return self.grids[(a, b)].over_units(code, a, b, rows)


def _f(x: Any) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _changes(value: float | None, base: float | None) -> tuple[float | None, float | None]:
    if value is None or base is None:
        return None, None
    pct = (value - base) / abs(base) * 100 if base else None
    return value - base, pct


def _slots(period_type: str, m: int) -> dict[str, tuple[int, int]]:
    span = SPAN[period_type]
    ys = period_start("Y", m)
    return {
        "cur": (m, m + span),
        "prev": (m - span, m),
        "ly": (m - 12, m - 12 + span),
        "ytd": (ys, m + span),
        "ytd_ly": (ys - 12, m + span - 12),
    }


def _peer_ids(unit_ids: list[int]) -> dict[int, list[int]]:
    """Each unit's peers: the active organisations with the same parent (itself included)."""
    parents = dict(Organisation.objects.filter(pk__in=unit_ids).values_list("pk", "parent_id"))
    wanted = set(parents.values())
    siblings: dict[int | None, list[int]] = {}
    where = Q(parent_id__in=[p for p in wanted if p is not None])
    if None in wanted:
        where |= Q(parent__isnull=True)
    for pk, parent in Organisation.objects.filter(where, is_active=True).values_list("pk", "parent_id"):
        siblings.setdefault(parent, []).append(pk)
    return {u: sorted(set(siblings.get(parents.get(u), [])) | {u}) for u in unit_ids if u in parents}


def _plans(ids: list[int], units: list[int], keys: list[tuple[str, date]]) -> dict[tuple, float]:
    where = Q()
    for ptype, period in keys:
        where |= Q(period_type=ptype, period=period)
    out: dict[tuple, float] = {}
    rows = (
        Plan.objects.filter(where, indicator_id__in=ids, unit_id__in=units)
        .order_by("revision")
        .values_list("indicator_id", "unit_id", "period_type", "period", "value")
    )
    for ind_id, unit_id, ptype, period, value in rows:  # newest revision last: it wins
        out[(ind_id, unit_id, ptype, period)] = value
    return out


def _rank(values: np.ndarray, own: float, direction: str) -> tuple[int | None, int]:
    present = values[~np.isnan(values)]
    if direction == "neutral" or np.isnan(own):
        return None, int(present.size)
    better = present < own if direction == "down" else present > own
    return int(better.sum()) + 1, int(present.size)


def measures(
    *,
    indicator_codes: Sequence[str] | None = None,
    unit_ids: Sequence[int] | None = None,
    period_type: str,
    period: date,
    aggregate: bool = False,
    ytd_last_year: bool = True,
) -> list[Measure]:
    """Measures of the indicators for each unit (or one per indicator over the units, aggregate=True).
    `ytd_last_year=False` leaves that one out (None): the cards do not show it, and it is the widest
    stretch of months to read."""
    if period_type not in SPAN:
        raise DomainError(_("Unknown period type."), field="period")
    cat = _catalog()
    if indicator_codes is None:
        wanted = [c for c, i in cat.items() if i.is_active and ORDER[period_type] >= ORDER[i.periodicity]]
    else:
        wanted = list(dict.fromkeys(indicator_codes))
    needed = _closure(wanted, cat)
    m = month_index(period)
    for code in wanted:
        m = check_period(cat[code].periodicity, period_type, period)
    units = list(dict.fromkeys(unit_ids or []))
    if not units:
        return []
    slots = _slots(period_type, m)
    if not ytd_last_year:
        del slots["ytd_ly"]
    peers = {} if aggregate else _peer_ids(units)
    all_units = list(dict.fromkeys(units + [p for ps in peers.values() for p in ps]))
    cur0, cur1 = slots["cur"]
    grid: _Grid | _SlotGrids
    if aggregate:
        grid = _SlotGrids(cat, needed, units, slots.values())
    else:
        grid = _Grid(cat, needed, all_units, min(a for a, _b in slots.values()), m + SPAN[period_type])
        others = [u for u in all_units if u not in set(units)]
        grid.load([(units, grid.m0, grid.m1)], totals=(others, cur0, cur1) if others else None)
    # Last year's year to date is compared over the months this year's holds: a month grid (the one
    # read already, or for a total over units, one of the two years' months).
    ytd_grid: _Grid | None = None
    if "ytd_ly" in slots:
        if isinstance(grid, _Grid):
            ytd_grid = grid
        else:
            ytd_grid = _Grid(cat, needed, units, slots["ytd_ly"][0], slots["ytd"][1])
            ytd_grid.load()
    ys = month_date(period_start("Y", m))
    plans = _plans([cat[c].id for c in wanted], units, [(period_type, period), ("Y", ys)])
    rows_of = {u: grid.row[u] for u in units}
    out: list[Measure] = []
    for code in wanted:
        ind = cat[code]
        targets: list[tuple[int | None, list[int]]] = (
            [(None, [rows_of[u] for u in units])] if aggregate else [(u, [rows_of[u]]) for u in units]
        )
        for unit_id, rows in targets:
            same = rows
            if aggregate:
                same, reported, expected = _reporting_rows(grid, code, rows, slots)
            got = {
                name: _f(grid.over_units(code, a, b, same if name in ("cur", "prev", "ly") else rows))
                for name, (a, b) in slots.items()
            }
            me = Measure(code, unit_id, period_type, period, direction=ind.direction)
            me.value, me.previous, me.last_year = got["cur"], got["prev"], got["ly"]
            if aggregate:
                me.reported, me.expected = reported, expected
            me.ytd, me.ytd_last_year = got["ytd"], got.get("ytd_ly")
            if ytd_grid is not None:
                alike = _ytd_alike(ytd_grid, code, rows, slots)
                if alike is not None:
                    me.ytd_last_year, me.ytd_from, me.ytd_to = alike
            me.change_abs, me.change_pct = _changes(me.value, me.previous)
            me.yoy_abs, me.yoy_pct = _changes(me.value, me.last_year)
            plan_units = units if unit_id is None else [unit_id]
            me.plan = _plan_of(plans, ind, plan_units, period_type, period, aggregate)
            me.plan_year = _plan_of(plans, ind, plan_units, "Y", ys, aggregate)
            if me.plan is not None and me.value is not None and me.plan:
                me.completion = me.value / me.plan
            if me.plan_year is not None and me.ytd is not None and me.plan_year:
                me.completion_ytd = me.ytd / me.plan_year
            if unit_id is not None:
                peer_rows = [grid.row[p] for p in peers.get(unit_id, [unit_id])]
                vals = grid.unit_values(code, cur0, cur1)[peer_rows]
                own = grid.unit_values(code, cur0, cur1)[rows_of[unit_id]]
                me.rank, me.peers = _rank(vals, own, ind.direction)
            out.append(me)
    return out


def _ytd_alike(
    grid: _Grid, code: str, rows: list[int], slots: dict[str, tuple[int, int]]
) -> tuple[float | None, date, date] | None:
    """Last year's year to date over the same months as this year's: from the first to the last month
    (quarter) this year's holds, a year earlier; with those months (first days of the first and the
    last). None when this year's holds none, or the indicator is yearly (its year is one value)."""
    a, b = slots["ytd"]
    step = SPAN[grid.cat[code].periodicity]
    if step >= SPAN["Y"]:
        return None
    held = [
        s
        for s in range((b - a) // step)
        if np.isfinite(grid.over_units(code, a + s * step, a + (s + 1) * step, rows))
    ]
    if not held:
        return None
    first, end = a + held[0] * step, a + (held[-1] + 1) * step
    return _f(grid.over_units(code, first - 12, end - 12, rows)), month_date(first), month_date(end - 1)


def _reporting_rows(
    grid: _Grid | _SlotGrids, code: str, rows: list[int], slots: dict[str, tuple[int, int]]
) -> tuple[list[int], int, int]:
    """(rows to compare the period with, units that reported it, units that report this indicator)."""
    idx = np.asarray(rows, dtype=int)
    ind = grid.cat[code]
    # A ratio over units is made of its parts: a unit has reported when both parts are in.
    parts = (
        [ind.numerator, ind.denominator]
        if ind.over_units == "ratio" and ind.numerator and ind.denominator
        else []
    )

    def present(slot: str) -> np.ndarray:
        a, b = slots[slot]
        own = ~np.isnan(grid.unit_values(code, a, b)[idx])
        if parts:
            both = np.ones_like(own)
            for part in parts:
                both &= ~np.isnan(grid.unit_values(part, a, b)[idx])
            own = own | both
        return own

    now = present("cur")
    active = now | present("prev") | present("ly")
    reported, expected = int(now.sum()), int(active.sum())
    if 0 < reported < expected:
        return [r for r, ok in zip(rows, now, strict=True) if ok], reported, expected
    return rows, reported, expected


def _plan_of(
    plans: dict[tuple, float], ind: _Ind, units: list[int], ptype: str, period: date, aggregate: bool
) -> float | None:
    found = [plans.get((ind.id, u, ptype, period)) for u in units]
    if not aggregate:
        return found[0]
    if len(units) == 1:
        return found[0]
    # A plan over several units adds up only for additive indicators, and only when every unit has one.
    if ind.over_units != "sum" or any(v is None for v in found):
        return None
    return float(sum(v for v in found if v is not None))


def series(
    *,
    indicator_code: str,
    unit_ids: Sequence[int] | None = None,
    period_type: str,
    start: date,
    end: date,
) -> list[tuple[date, float | None]]:
    """The indicator's value for each period from `start` to `end` (inclusive), over the units."""
    cat = _catalog()
    if indicator_code not in cat:
        raise NotFound(_("Unknown indicator %(code)s.") % {"code": indicator_code}, field="indicator")
    needed = _closure([indicator_code], cat)
    periodicity = cat[indicator_code].periodicity
    if period_type not in SPAN or ORDER[period_type] < ORDER[periodicity]:
        raise DomainError(_("This period does not fit the indicator's periodicity."), field="period")
    first = period_start(period_type, month_index(start))
    last = period_start(period_type, month_index(end))
    if last < first:
        raise DomainError(_("The end comes before the start."), field="to")
    span = SPAN[period_type]
    if (last - first) // span > 1200:
        raise DomainError(_("The range is too long."), field="to")
    units = list(dict.fromkeys(unit_ids or []))
    if not units:
        return []
    grid = _Grid(cat, needed, units, first, last + span)
    grid.load()
    rows = list(range(len(units)))
    return [
        (month_date(a), _f(grid.over_units(indicator_code, a, a + span, rows)))
        for a in range(first, last + span, span)
    ]


# --- Bulk: every measure for a whole array at once (bench, batch exports) -------------------------


def _cum(
    rule: str,
    v: np.ndarray,
    num: np.ndarray | None,
    den: np.ndarray | None,
    w: np.ndarray | None,
    scale: float,
) -> np.ndarray:
    """Year-to-date along the last axis of (…, years, 12) arrays."""
    present = ~np.isnan(v)
    if rule == "ratio" and num is not None and den is not None:
        return _ratio(np.nancumsum(num, -1), np.nancumsum(den, -1), scale)
    if rule == "weighted" and w is not None:
        ok = present & ~np.isnan(w)
        top = np.cumsum(np.where(ok, v * np.where(ok, w, 0), 0), -1)
        return _ratio(top, np.cumsum(np.where(ok, w, 0), -1), 1.0)
    count = np.cumsum(present, -1)
    if rule == "last":
        idx = np.maximum.accumulate(np.where(present, np.arange(v.shape[-1]), -1), axis=-1)
        picked = np.take_along_axis(v, np.maximum(idx, 0), -1)
        return np.where(idx >= 0, picked, np.nan)
    total = np.cumsum(np.where(present, v, 0), -1)
    if rule == "sum":
        return np.where(count > 0, total, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def compute_all(
    values: np.ndarray, rules: Sequence[dict[str, Any]], plans: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Every measure for every indicator × unit × month, quarter and year of `values`
    (indicators × units × months, NaN = missing, month 0 = first month of a fiscal year, whole years).

    `rules[i]`: {"over_time", "direction", "numerator", "denominator", "weight" (row indices or None),
    "scale"}. Returns arrays keyed "<grain>_<measure>", grain in month/quarter/year, measure in value,
    previous, change_abs, change_pct, last_year, yoy_abs, yoy_pct, ytd, rank; plus "*_completion" when
    `plans` (same shape as the year values) is given.
    """
    n_ind, n_units, n_months = values.shape
    years = n_months // 12
    v = values[:, :, : years * 12]
    out: dict[str, np.ndarray] = {}
    grains = {"month": 1, "quarter": 3, "year": 12}
    by_rule: dict[str, list[int]] = {}
    for i, r in enumerate(rules):
        by_rule.setdefault(r.get("over_time", "sum"), []).append(i)
    for grain, span in grains.items():
        per = years * 12 // span
        val = np.full((n_ind, n_units, per), np.nan)
        ytd = np.full((n_ind, n_units, per), np.nan)
        for rule, idx in by_rule.items():
            num = den = w = None
            scale = 1.0
            if rule == "ratio":
                num = np.stack([v[rules[i]["numerator"]] for i in idx])
                den = np.stack([v[rules[i]["denominator"]] for i in idx])
                scale = np.array([rules[i].get("scale", 1.0) for i in idx])[:, None, None, None]
            if rule == "weighted":
                w = np.stack([v[rules[i]["weight"]] for i in idx])
            sub = v[idx]

            def blocks(a: np.ndarray | None, size: int) -> np.ndarray | None:
                return None if a is None else a.reshape(a.shape[0], n_units, -1, size)

            got = aggregate(
                rule,
                blocks(sub, span),
                3,
                num=blocks(num, span),
                den=blocks(den, span),
                weight=blocks(w, span),
                scale=1.0,
            )
            if rule == "ratio":
                got = got * scale[..., 0]
            val[idx] = got
            cum = _cum(rule, blocks(sub, 12), blocks(num, 12), blocks(den, 12), blocks(w, 12), 1.0)
            if rule == "ratio":
                cum = cum * scale
            cum = cum.reshape(len(idx), n_units, -1)
            ytd[idx] = cum[:, :, span - 1 :: span]
        prev = np.concatenate([np.full((n_ind, n_units, 1), np.nan), val[:, :, :-1]], axis=2)
        ly_step = 12 // span
        ly = np.concatenate([np.full((n_ind, n_units, ly_step), np.nan), val[:, :, :-ly_step]], axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{grain}_value"] = val
            out[f"{grain}_previous"] = prev
            out[f"{grain}_change_abs"] = val - prev
            out[f"{grain}_change_pct"] = np.where(prev != 0, (val - prev) / np.abs(prev) * 100, np.nan)
            out[f"{grain}_last_year"] = ly
            out[f"{grain}_yoy_abs"] = val - ly
            out[f"{grain}_yoy_pct"] = np.where(ly != 0, (val - ly) / np.abs(ly) * 100, np.nan)
        out[f"{grain}_ytd"] = ytd
        sign = np.array([-1.0 if r.get("direction") == "down" else 1.0 for r in rules])[:, None, None]
        keyed = np.where(np.isnan(val), -np.inf, val * sign)
        order = np.argsort(-keyed, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(1, n_units + 1)[None, :, None], axis=1)
        out[f"{grain}_rank"] = np.where(np.isnan(val), 0, rank)
        if plans is not None and grain == "year":
            with np.errstate(invalid="ignore", divide="ignore"):
                out["year_completion"] = val / plans
    return out
