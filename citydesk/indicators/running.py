"""Running totals of the indicator values, per fiscal year (the `RunningTotal` table).

For each indicator, unit and period type, and each month of a fiscal year from the first value on, one
row holds the sum, the count and the latest of the values from the start of that year to the end of
the month. A period inside one fiscal year is then the difference of two rows per unit (one when it
starts the year): a city card's year to date reads one row per ward instead of twelve months of values
that the database would have to sort by ward first.

Only the values that count are added up (`measures.counted`: a unit's entered values once its report is
sent). The rows follow the values: every save or delete of a `DataValue` refreshes its unit's year
(signals, see `apps.py`), a report sent or returned refreshes its values' (`report_changed`), and
`batch()` gathers the changes of an import or a fill into one refresh. Loads that
bypass the model (`bulk_create`, raw SQL) call `refresh_years()` or `rebuild()` themselves; the
`rebuild-indicator-totals` command recomputes everything (after a restore, or a change of
CITYDESK_FISCAL_YEAR_START_MONTH).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import date
from typing import Any

import numpy as np
from django.db import connection

from citydesk.indicators.measures import (
    counted,
    entry_groups,
    key_filter,
    month_date,
    month_index,
    period_start,
)
from citydesk.indicators.models import DataValue, Indicator, RunningTotal

# (indicator id, unit id, period type, first month of the fiscal year) → first month changed.
Changes = dict[tuple[int, int, str, int], int]

COPY_ABOVE = 1000  # rows: more are written with COPY on PostgreSQL

_pending: ContextVar[Changes | None] = ContextVar("running_totals_pending", default=None)


def fiscal_year(m: int) -> int:
    """The first month (index) of the fiscal year holding month index `m`."""
    return period_start("Y", m)


def changed(indicator_id: int, unit_id: int, period_type: str, period: date) -> None:
    """A value was written or removed: refresh its year now, or at the end of the current batch."""
    m = month_index(period)
    key = (indicator_id, unit_id, period_type, fiscal_year(m))
    pending = _pending.get()
    if pending is None:
        refresh({key: m})
    else:
        pending[key] = min(pending.get(key, m), m)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Gather the changes made inside the block and refresh them once, when it ends without error (an
    error rolls the transaction back, values and totals alike). Nested batches join the outer one."""
    if _pending.get() is not None:
        yield
        return
    pending: Changes = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    refresh(pending)


def report_changed(group_id: int, unit_id: int, period_type: str, period: date) -> None:
    """A unit's report of a group was sent or returned: its entered values join or leave the totals
    (only the values of reports sent count, see `measures.counted`)."""
    with batch():
        for indicator_id in Indicator.objects.filter(group_id=group_id).values_list("id", flat=True):
            changed(indicator_id, unit_id, period_type, period)


def refresh(changes: Changes) -> int:
    """Recompute the rows of the changed (indicator, unit, period type, year)s from their first changed
    month on. Changes of one year are done together: one read of the values, one delete, one insert
    over the indicators × units × period types involved. Returns the rows written."""
    by_year: dict[int, list[tuple[tuple[int, int, str, int], int]]] = {}
    for key, first in changes.items():
        by_year.setdefault(key[3], []).append((key, first))
    written = 0
    for fy, items in sorted(by_year.items()):
        written += refresh_year(
            fy,
            indicator_ids=sorted({k[0] for k, _f in items}),
            unit_ids=sorted({k[1] for k, _f in items}),
            period_types=sorted({k[2] for k, _f in items}),
            start=min(f for _k, f in items),
        )
    return written


def refresh_years(years: Iterable[int] | None = None) -> int:
    """Recompute whole fiscal years (first month indexes; default: every year holding a value)."""
    if years is None:
        span = DataValue.objects.order_by().values_list("period", flat=True)
        first, last = span.order_by("period").first(), span.order_by("-period").first()
        if first is None or last is None:
            return 0
        years = range(fiscal_year(month_index(first)), fiscal_year(month_index(last)) + 1, 12)
    return sum(refresh_year(fy) for fy in years)


def rebuild() -> int:
    """Every row again from the values (one transaction is the caller's)."""
    RunningTotal.objects.all().delete()
    return refresh_years()


def _where(
    column: str,
    indicator_ids: Sequence[int] | None,
    unit_ids: Sequence[int] | None,
    types: Sequence[str] | None,
) -> tuple[str, list[Any]]:
    keys, params = key_filter(indicator_ids, unit_ids, types)
    return f"{keys} AND {column} >= %s AND {column} < %s", params


def refresh_year(
    fy: int,
    *,
    indicator_ids: Sequence[int] | None = None,
    unit_ids: Sequence[int] | None = None,
    period_types: Sequence[str] | None = None,
    start: int | None = None,
) -> int:
    """Recompute the rows of fiscal year `fy` (first month index) for the given indicators × units ×
    period types (None: all), for months from `start` (default: the whole year)."""
    start = fy if start is None else max(start, fy)
    dates = [connection.ops.adapt_datefield_value(month_date(m)) for m in (fy, start, fy + 12)]
    if any(values is not None and not values for values in (indicator_ids, unit_ids, period_types)):
        return 0
    where, params = _where("period", indicator_ids, unit_ids, period_types)
    values_table, totals_table = DataValue._meta.db_table, RunningTotal._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT indicator_id, unit_id, period_type, period, value FROM {values_table} WHERE {where}",
            [*params, dates[0], dates[2]],
        )
        rows = _sent_only(cursor.fetchall())
        where, params = _where("month", indicator_ids, unit_ids, period_types)
        cursor.execute(f"DELETE FROM {totals_table} WHERE {where}", [*params, dates[1], dates[2]])
        out = _running_rows(rows, fy, start)
        columns = "(indicator_id, unit_id, period_type, month, total, count, last)"
        if connection.vendor == "postgresql" and len(out) > COPY_ABOVE:  # COPY: six times faster
            with cursor.cursor.copy(f"COPY {totals_table} {columns} FROM STDIN") as copy:
                for row in out:
                    copy.write_row(row)
        elif out:
            cursor.executemany(
                f"INSERT INTO {totals_table} {columns} VALUES (%s, %s, %s, %s, %s, %s, %s)", out
            )
    return len(out)


def _sent_only(rows: list[tuple]) -> list[tuple]:
    """The (indicator, unit, type, period, value) rows that count: entered values of reports sent, and
    every computed value."""
    if not rows:
        return rows
    groups = entry_groups()
    if not groups:
        return rows
    ind, unit, ptype, period, _value = zip(*rows, strict=True)
    months: dict[Any, int] = {}
    for p in set(period):
        months[p] = month_index(p if isinstance(p, date) else date.fromisoformat(str(p)[:10]))
    keep = counted(groups, ind, unit, ptype, [months[p] for p in period])
    return [row for row, k in zip(rows, keep, strict=True) if k]


def _running_rows(rows: list[tuple], fy: int, start: int) -> list[tuple]:
    """The (indicator, unit, type, month, total, count, last) rows of months [start, fy + 12) from the
    year's values."""
    if not rows:
        return []
    keys: dict[tuple[int, int, str], int] = {}
    k = np.empty(len(rows), dtype=np.int64)
    j = np.empty(len(rows), dtype=np.int64)
    v = np.empty(len(rows), dtype=float)
    months: dict[Any, int] = {}
    for n, (ind, unit, ptype, period, value) in enumerate(rows):
        k[n] = keys.setdefault((ind, unit, ptype), len(keys))
        if period not in months:
            day = period if isinstance(period, date) else date.fromisoformat(str(period)[:10])
            months[period] = month_index(day) - fy
        j[n] = months[period]
        v[n] = value
    dense = np.zeros((len(keys), 12))
    present = np.zeros((len(keys), 12), dtype=bool)
    dense[k, j] = v
    present[k, j] = True
    total = np.cumsum(dense, axis=1)
    count = np.cumsum(present, axis=1)
    latest = np.maximum.accumulate(np.where(present, np.arange(12), -1), axis=1)
    last = np.take_along_axis(dense, np.maximum(latest, 0), axis=1)
    first_month = start - fy
    days = [connection.ops.adapt_datefield_value(month_date(fy + c)) for c in range(12)]
    out = []
    for (ind, unit, ptype), r in keys.items():
        for c in range(first_month, 12):
            n = int(count[r, c])
            if n:
                out.append((ind, unit, ptype, days[c], float(total[r, c]), n, float(last[r, c])))
    return out


def period_totals(
    indicator_ids: Sequence[int], unit_ids: Sequence[int], period_types: Sequence[str], a: int, b: int
) -> list[tuple[int, int, str, float, int, float]] | None:
    """(indicator, unit, type, sum, count, latest value) of the values in months [a, b), from at most two
    rows per unit; None when [a, b) crosses a fiscal year (the caller adds the months up itself)."""
    fy = fiscal_year(a)
    if b <= a or fiscal_year(b - 1) != fy:
        return None
    ends = [b - 1] if a == fy else [b - 1, a - 1]

    keys, key_params = key_filter(indicator_ids, unit_ids, period_types)
    # One query per month: with both months in one IN list PostgreSQL's planner picks a full scan.
    sql = (
        f"SELECT indicator_id, unit_id, period_type, total, count, last FROM {RunningTotal._meta.db_table} "
        f"WHERE {keys} AND month = %s"
    )
    found = []
    with connection.cursor() as cursor:
        for m in ends:
            day = connection.ops.adapt_datefield_value(month_date(m))
            cursor.execute(sql, [*key_params, day])
            found.append(cursor.fetchall())
    if len(ends) == 1:
        return found[0]
    before: dict[tuple[int, int, str], tuple[float, int]] = {
        (ind, unit, ptype): (total, count) for ind, unit, ptype, total, count, _l in found[1]
    }
    out = []
    for ind, unit, ptype, total, count, last in found[0]:
        total0, count0 = before.get((ind, unit, ptype), (0.0, 0))
        if count > count0:  # some value inside [a, b); the latest up to b - 1 is then one of them
            out.append((ind, unit, ptype, total - total0, count - count0, last))
    return out
