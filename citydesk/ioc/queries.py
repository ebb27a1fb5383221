"""Questions the operations center asks, answered from the roll-up cells only (never the reports).

`totals(filters, scope, group)` sums the cells of the smallest grain that keeps every dimension the
question filters or groups by. Whole months inside the period come from the monthly cells and the
remaining days from the daily ones, so a year costs 12 monthly slices, not 365 daily ones.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import Any

import numpy as np
from django.db import connection

from citydesk.ioc import rollup
from citydesk.reports.models import OPEN_STATUSES

MEASURES = tuple(rollup.MEASURES)
HIST = tuple(f"h{k}" for k in range(len(rollup.HOUR_EDGES)))


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    category_id: int | None = None
    unit_ids: frozenset[int] | None = None  # None: every unit
    channel: str | None = None
    status: str | None = None  # a status, or "open"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before (cut at the first day a date can be: the form
        keeps periods far from it, this only never fails)."""
        return replace(self, start=_days_before(self.start, self.days), end=_days_before(self.start, 1))

    def last_year(self) -> Filters:
        return replace(self, start=_minus_year(self.start), end=_minus_year(self.end))


def _days_before(day: date, days: int) -> date:
    return date.fromordinal(max(1, day.toordinal() - days))


def _minus_year(day: date) -> date:
    if day.year == MINYEAR:
        return date.min
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class Measures:
    """Sums of some measures (those asked for; the others read as 0)."""

    values: dict[str, float] = field(default_factory=dict)

    def add(self, row: Iterable[Any], names: Iterable[str] = MEASURES) -> None:
        values = self.values
        for name, value in zip(names, row, strict=True):
            values[name] = values.get(name, 0) + (value or 0)

    def __getattr__(self, name: str) -> float:
        if name in MEASURES:
            return self.__dict__["values"].get(name, 0)
        raise AttributeError(name)

    # Derived figures (None when there is nothing to divide by).
    @property
    def on_time_pct(self) -> float | None:
        return _pct(self.on_time_n, self.resolved_n)

    @property
    def satisfaction_pct(self) -> float | None:
        return _pct(self.rated_satisfied, self.rated)

    @property
    def rated(self) -> int:
        return int(self.rated_satisfied + self.rated_normal + self.rated_unsatisfied)

    @property
    def reopen_pct(self) -> float | None:
        """The share of the reports resolved at least once that were reopened at least once: a reopened
        report is no longer resolved, but it was, so it stays in the population (at most 100 %)."""
        return _pct(self.reopened_n, self.ever_resolved_n)

    @property
    def median_hours(self) -> float | None:
        """Median handling time, interpolated inside its histogram bucket."""
        counts = [self.values.get(h, 0) for h in HIST]
        total = sum(counts)
        if not total:
            return None
        half, seen = total / 2, 0.0
        edges = rollup.HOUR_EDGES
        for k, count in enumerate(counts):
            if count and seen + count >= half:
                lo = edges[k]
                hi = edges[k + 1] if k + 1 < len(edges) else max(lo * 2, lo + 1)
                return lo + (hi - lo) * (half - seen) / count
            seen += count
        return float(edges[-1])


def _pct(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


def choose_grain(step: str, needed: set[str]) -> rollup.Grain:
    """The smallest grain of this step that keeps every needed dimension (GRAINS go small to large:
    the city's ~150 cells a day, then units, and the full combinations)."""
    for grain in rollup.GRAINS:
        if grain.step == step and needed <= set(grain.dims):
            return grain
    raise ValueError(f"no roll-up grain keeps {sorted(needed)}")


def split_period(start: date, end: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """([day ranges], month range): whole calendar months inside [start, end] go to the monthly cells.
    Safe at the ends of the calendar (no month after December 9999, none before January 1)."""
    first_month = start if start.day == 1 else _next_month(start)
    last_day_of = date(end.year, end.month, calendar.monthrange(end.year, end.month)[1])
    if end == last_day_of:
        last_month_end: date | None = end
    elif (end.year, end.month) == (MINYEAR, 1):
        last_month_end = None
    else:
        last_month_end = date(end.year, end.month, 1) - timedelta(days=1)
    if first_month is None or last_month_end is None or first_month > last_month_end:
        return [(start, end)], None
    days = []
    if start < first_month:
        days.append((start, first_month - timedelta(days=1)))
    if last_month_end < end:
        days.append((last_month_end + timedelta(days=1), end))
    return days, (first_month, date(last_month_end.year, last_month_end.month, 1))


def _next_month(day: date) -> date | None:
    """The first day of the month after `day`'s; None after December 9999."""
    if (day.year, day.month) == (MAXYEAR, 12):
        return None
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


_GROUP_COLUMN = {"unit": "unit_id", "category": "category_id", "channel": "channel"}


def totals(
    filters: Filters,
    group: tuple[str, ...] = (),
    measures: tuple[str, ...] = MEASURES,
    *,
    months: bool = False,
) -> dict[tuple, Measures]:
    """Sums of `measures` per value of the `group` dimensions.

    "period" groups by day (daily cells); with `months=True` whole months come from the monthly cells
    instead, keyed by their first day: for trends bucketed by month over long periods.
    """
    result: dict[tuple, Measures] = {}
    for key, values in rows(filters, group, measures, months=months):
        result.setdefault(key, Measures()).add(values, measures)
    return result


def totals_by(
    filters: Filters, groups: tuple[tuple[str, ...], ...], measures: tuple[str, ...] = MEASURES
) -> list[dict[tuple, Measures]]:
    """`totals(filters, group)` for each of `groups`, from one read of the cells grouped by all their
    dimensions together (the same cells either way: every panel of a view reads the same grain, so
    three breakdowns cost one scan instead of three). Not for "period"."""
    dims = tuple(dict.fromkeys(d for group in groups for d in group))
    keys: list[tuple] = []
    values: list[tuple] = []
    for key, row in rows(filters, dims, measures):
        keys.append(key)
        values.append(row)
    sums = np.array(values, dtype=np.float64).reshape(len(values), len(measures))
    np.nan_to_num(sums, copy=False)  # SUM over NULLs
    results: list[dict[tuple, Measures]] = []
    for group in groups:
        at = [dims.index(d) for d in group]
        index: dict[tuple, int] = {}
        slot = np.fromiter(
            (index.setdefault(tuple(k[i] for i in at), len(index)) for k in keys),
            dtype=np.int64,
            count=len(keys),
        )
        folded = np.zeros((len(index), len(measures)))
        np.add.at(folded, slot, sums)
        results.append(
            {key: _measures(measures, row) for key, row in zip(index, folded.tolist(), strict=True)}
        )
    return results


def _measures(names: tuple[str, ...], row: list[float]) -> Measures:
    # Counts stay integers (sums of small integers are exact in a float64); hours are a float sum.
    return Measures({n: v if n == "hours_sum" else int(v) for n, v in zip(names, row, strict=True)})


def rows(
    filters: Filters, group: tuple[str, ...], measures: tuple[str, ...], *, months: bool = False
) -> Iterator[tuple[tuple, tuple]]:
    """(group key, sums of `measures`) from each statement the period needs; a key may come back once
    per statement (days, then whole months)."""
    needed = {g for g in group if g != "period"}
    if filters.category_id is not None:
        needed.add("category")
    if filters.unit_ids is not None:
        needed.add("unit")
    if filters.channel:
        needed.add("channel")
    if filters.status:
        needed.add("status")
    if "period" in group and not months:
        parts: list[tuple[str, list[tuple[date, date]]]] = [(rollup.DAY, [(filters.start, filters.end)])]
    else:
        day_ranges, month_range = split_period(filters.start, filters.end)
        parts = [(rollup.DAY, day_ranges)] if day_ranges else []
        if month_range:
            parts.append((rollup.MONTH, [month_range]))
    columns = [("period" if g == "period" else _GROUP_COLUMN.get(g, g)) for g in group]
    sums = ", ".join(f"SUM({m})" for m in measures)
    width = len(columns)
    # One statement per contiguous range: an OR of ranges would keep the planner off the key's index.
    for step, ranges in parts:
        grain = choose_grain(step, needed)
        for first, last in ranges:
            where = ["grain = %s", "period BETWEEN %s AND %s"]
            params: list[Any] = [grain.code, first, last]
            filter_clauses(filters, where, params)
            select = ", ".join([*columns, sums]) if columns else sums
            sql = f"SELECT {select} FROM {rollup.TABLE} WHERE {' AND '.join(where)}"
            if columns:
                sql += f" GROUP BY {', '.join(columns)}"
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                found = cursor.fetchall()
            for row in found:
                yield tuple(_key_value(v) for v in row[:width]), row[width:]


def filter_clauses(filters: Filters, where: list[str], params: list[Any], prefix: str = "") -> None:
    """The WHERE terms of the filters other than the period (appended in place); `prefix` qualifies
    the columns (`r.` over the reports table)."""
    if filters.category_id is not None:
        where.append(f"{prefix}category_id = %s")
        params.append(filters.category_id)
    if filters.unit_ids is not None:
        ids = sorted(filters.unit_ids) or [-1]
        where.append(f"{prefix}unit_id IN ({', '.join(['%s'] * len(ids))})")
        params += ids
    if filters.channel:
        where.append(f"{prefix}channel = %s")
        params.append(filters.channel)
    if filters.status == "open":
        where.append(f"{prefix}status IN ({', '.join(['%s'] * len(OPEN_STATUSES))})")
        params += list(OPEN_STATUSES)
    elif filters.status:
        where.append(f"{prefix}status = %s")
        params.append(filters.status)


def _key_value(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value)  # SQLite gives dates back as text
    return value


def total(filters: Filters) -> Measures:
    return totals(filters).get((), Measures())
