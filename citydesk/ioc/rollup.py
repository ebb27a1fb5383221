"""Incremental roll-ups of citizen reports: what the operations center reads instead of the reports.

A report contributes to one cell of each *grain*. A grain is a set of kept dimensions (the others are
folded), by day or by month of receipt (local time):

    all       category, channel, status      the city as a whole
    unit      handling organisation, status  league tables, overdue by unit
    full      unit, category, channel, status   any combination of filters (and a unit's scope)

The heat map and the ward map are not grains: with squares or wards kept under filters, a cell holds one
or two reports whatever else is folded, so they have a column store of their own (ioc/heat.py), which the
same triggers log changes for. (Grains 3 and 5, `ward` and `wardfull`, kept the ward until the store
took the ward map over: decision 0009.)

Everything is generated from the tables below: the database triggers that keep cells up to date on
every INSERT / UPDATE / DELETE of a report or a rating (`trigger_statements`), the full rebuild
(`rebuild`) and the addition of a range of bulk-loaded reports (`add_reports`). Triggers rather than
Python hooks, because the SLA sweep, the admin, bulk `UPDATE`s and other processes all change reports:
the database sees every change, in the same transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from citydesk.ioc import heat
from citydesk.reports.models import OPEN_STATUSES

TABLE = "ioc_cell"
REPORTS = "reports_report"
RATINGS = "reports_rating"


@dataclass(frozen=True)
class Dim:
    column: str  # in ioc_cell
    source: str  # SQL over the report row {r}
    folded: str  # SQL literal when the grain does not keep it


DIMS: dict[str, Dim] = {
    "unit": Dim("unit_id", "{r}.unit_id", "0"),
    "category": Dim("category_id", "{r}.category_id", "0"),
    "channel": Dim("channel", "{r}.channel", "''"),
    "status": Dim("status", "{r}.status", "''"),
}
DIM_ORDER = ("unit", "category", "channel", "status")

# name: (code of the daily grain, kept dimensions); the monthly grain's code is 10 more. Codes 3 and 5 were
# the ward grains: not reused.
SETS: dict[str, tuple[int, tuple[str, ...]]] = {
    "all": (1, ("category", "channel", "status")),
    "unit": (2, ("unit", "status")),
    "full": (4, ("unit", "category", "channel", "status")),
}
DAY, MONTH = "day", "month"


@dataclass(frozen=True)
class Grain:
    code: int
    name: str
    step: str  # DAY or MONTH
    dims: tuple[str, ...]


GRAINS: tuple[Grain, ...] = tuple(
    Grain(code=(0 if step == DAY else 10) + code, name=name, step=step, dims=dims)
    for step in (DAY, MONTH)
    for name, (code, dims) in SETS.items()
)
GRAIN_BY_CODE = {g.code: g for g in GRAINS}

# Handling-time histogram (hours): bucket k holds EDGES[k] <= hours < EDGES[k + 1]; the last is open.
HOUR_EDGES = (0, 4, 8, 24, 48, 72, 120, 168, 240, 360, 720)
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
_RESOLVED = "{r}.resolved_at IS NOT NULL"
MEASURES: dict[str, str] = {
    "n": "1",
    "resolved_n": f"CASE WHEN {_RESOLVED} THEN 1 ELSE 0 END",
    "on_time_n": f"CASE WHEN {_RESOLVED} AND {{r}}.due_at IS NOT NULL AND {{r}}.resolved_at <= {{r}}.due_at "
    "THEN 1 ELSE 0 END",
    "overdue_n": f"CASE WHEN {{r}}.status IN ({_OPEN}) AND {{r}}.escalated_at IS NOT NULL THEN 1 ELSE 0 END",
    "hours_sum": f"CASE WHEN {_RESOLVED} THEN {{hours}} ELSE 0 END",
    **{
        f"h{k}": f"CASE WHEN {_RESOLVED} AND {{hours}} >= {lo}"
        + (f" AND {{hours}} < {HOUR_EDGES[k + 1]}" if k + 1 < len(HOUR_EDGES) else "")
        + " THEN 1 ELSE 0 END"
        for k, lo in enumerate(HOUR_EDGES)
    },
    # Reopened at least once, and its population: the reports resolved at least once. Reopening clears
    # `resolved_at`, and only a resolved report can be reopened, so that is "resolved now, or reopened".
    "reopened_n": "CASE WHEN {r}.reopen_count > 0 THEN 1 ELSE 0 END",
    "ever_resolved_n": f"CASE WHEN {_RESOLVED} OR {{r}}.reopen_count > 0 THEN 1 ELSE 0 END",
    "rated_satisfied": "CASE WHEN {rating} = 'satisfied' THEN 1 ELSE 0 END",
    "rated_normal": "CASE WHEN {rating} = 'normal' THEN 1 ELSE 0 END",
    "rated_unsatisfied": "CASE WHEN {rating} = 'unsatisfied' THEN 1 ELSE 0 END",
}
RATING_MEASURES = ("rated_satisfied", "rated_normal", "rated_unsatisfied")
MEASURES_INDEX = {m: i for i, m in enumerate(MEASURES)}
# A report moves between cells (or heat-map squares and wards: ward_id, lon, lat) when one of these changes.
WATCHED = (
    "unit_id",
    "ward_id",
    "category_id",
    "channel",
    "status",
    "created_at",
    "resolved_at",
    "due_at",
    "escalated_at",
    "reopen_count",
    "lon",
    "lat",
)
KEY = ("grain", "period", "unit_id", "category_id", "channel", "status")


def _period(vendor: str, step: str, r: str) -> str:
    if vendor == "postgresql":
        local = f"({r}.created_at AT TIME ZONE '{settings.TIME_ZONE}')"
        return f"({local})::date" if step == DAY else f"date_trunc('month', {local})::date"
    # SQLite keeps UTC text; Vietnam has had no daylight saving time since 1975.
    shift = f"'{heat.utc_offset_minutes():+d} minutes'"
    return (
        f"date({r}.created_at, {shift})" if step == DAY else f"strftime('%Y-%m-01', {r}.created_at, {shift})"
    )


def _hours(vendor: str, r: str) -> str:
    if vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({r}.resolved_at - {r}.created_at)) / 3600.0)"
    return f"((julianday({r}.resolved_at) - julianday({r}.created_at)) * 24.0)"


def _measure(vendor: str, name: str, r: str, rating: str, hours: str | None = None) -> str:
    return MEASURES[name].format(r=r, rating=rating, hours=hours or _hours(vendor, r))


def _dim_source(vendor: str, dim: str, r: str) -> str:
    return DIMS[dim].source.format(r=r)


def _key_exprs(vendor: str, grain: Grain, r: str) -> list[str]:
    exprs = [str(grain.code), _period(vendor, grain.step, r)]
    for dim in DIM_ORDER:
        exprs.append(_dim_source(vendor, dim, r) if dim in grain.dims else DIMS[dim].folded)
    return exprs


_COLUMNS = [*KEY, *MEASURES]
_ON_CONFLICT = f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET " + ", ".join(
    f"{m} = {TABLE}.{m} + excluded.{m}" for m in MEASURES
)


def _upsert_row(vendor: str, grain: Grain, r: str, rating: str, sign: int) -> str:
    """Add (sign +1) or take away (-1) the contribution of the report row `r` to its cell of `grain`."""
    values = _key_exprs(vendor, grain, r) + [f"{sign} * ({_measure(vendor, m, r, rating)})" for m in MEASURES]
    return f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) VALUES ({', '.join(values)}) {_ON_CONFLICT}"


def _upsert_rating(vendor: str, grain: Grain, rating_row: str, sign: int) -> str:
    """Add or take away one rating on the cells of its report (a rating changes no other measure)."""
    values = _key_exprs(vendor, grain, "r") + [
        f"{sign} * ({_measure(vendor, m, 'r', f'{rating_row}.level')})" if m in RATING_MEASURES else "0"
        for m in MEASURES
    ]
    return (
        f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) SELECT {', '.join(values)} "
        f"FROM {REPORTS} r WHERE r.id = {rating_row}.report_id {_ON_CONFLICT}"
    )


def _changed(vendor: str) -> str:
    op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in WATCHED)


PAUSE_SETTING = "citydesk.rollup_paused"


def heat_rated(vendor: str, rating_row: str) -> list[str]:
    """The heat map's log when a rating row appears: its report leaves "not rated" for its level."""
    return [
        heat.log_rating(vendor, rating_row, -1, rated=False),
        heat.log_rating(vendor, rating_row, +1, rated=True),
    ]


def heat_unrated(vendor: str, rating_row: str) -> list[str]:
    """... and when one goes: back from its level to "not rated"."""
    return [
        heat.log_rating(vendor, rating_row, -1, rated=True),
        heat.log_rating(vendor, rating_row, +1, rated=False),
    ]


def trigger_statements(vendor: str, *, up: bool = True) -> list[str]:
    """The triggers that keep `ioc_cell` up to date (or the statements that remove them)."""
    if vendor == "sqlite":
        names = (
            "ioc_report_ins",
            "ioc_report_upd",
            "ioc_report_del",
            "ioc_rating_ins",
            "ioc_rating_upd",
            "ioc_rating_del",
        )
        if not up:
            return [f"DROP TRIGGER IF EXISTS {n}" for n in names]

        def body(statements: list[str]) -> str:
            return "BEGIN " + "; ".join(statements) + "; END"

        add_new = [_upsert_row(vendor, g, "NEW", heat.rating_of("NEW"), +1) for g in GRAINS]
        take_old = [_upsert_row(vendor, g, "OLD", heat.rating_of("OLD"), -1) for g in GRAINS]
        moved = heat.moved(vendor)
        heat_new, heat_old = heat.log_row(vendor, "NEW", +1), heat.log_row(vendor, "OLD", -1)
        rating_new = [_upsert_rating(vendor, g, "NEW", +1) for g in GRAINS] + heat_rated(vendor, "NEW")
        rating_old = [_upsert_rating(vendor, g, "OLD", -1) for g in GRAINS] + heat_unrated(vendor, "OLD")
        return [
            f"CREATE TRIGGER ioc_report_ins AFTER INSERT ON {REPORTS} {body([*add_new, heat_new])}",
            f"CREATE TRIGGER ioc_report_upd AFTER UPDATE ON {REPORTS} WHEN {_changed(vendor)} "
            f"{body([*take_old, *add_new, f'{heat_old} AND ({moved})', f'{heat_new} AND ({moved})'])}",
            f"CREATE TRIGGER ioc_report_del AFTER DELETE ON {REPORTS} {body([*take_old, heat_old])}",
            f"CREATE TRIGGER ioc_rating_ins AFTER INSERT ON {RATINGS} {body(rating_new)}",
            f"CREATE TRIGGER ioc_rating_upd AFTER UPDATE OF level, report_id ON {RATINGS} "
            f"{body(rating_old + rating_new)}",
            f"CREATE TRIGGER ioc_rating_del AFTER DELETE ON {RATINGS} {body(rating_old)}",
        ]
    if vendor != "postgresql":
        return []
    if not up:
        return [
            f"DROP TRIGGER IF EXISTS ioc_report_rollup ON {REPORTS}",
            f"DROP TRIGGER IF EXISTS ioc_report_rollup_upd ON {REPORTS}",
            f"DROP TRIGGER IF EXISTS ioc_rating_rollup ON {RATINGS}",
            "DROP FUNCTION IF EXISTS ioc_report_rollup()",
            "DROP FUNCTION IF EXISTS ioc_rating_rollup()",
        ]
    paused = f"IF current_setting('{PAUSE_SETTING}', true) = 'on' THEN RETURN NULL; END IF;"

    def block(statements: list[str]) -> str:
        return " ".join(s + ";" for s in statements)

    report_fn = f"""CREATE OR REPLACE FUNCTION ioc_report_rollup() RETURNS trigger AS $$
BEGIN
    {paused}
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {block([_upsert_row(vendor, g, "OLD", heat.rating_of("OLD"), -1) for g in GRAINS])}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {block([_upsert_row(vendor, g, "NEW", heat.rating_of("NEW"), +1) for g in GRAINS])}
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ({heat.moved(vendor)})) THEN
        {heat.log_row(vendor, "OLD", -1)};
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND ({heat.moved(vendor)})) THEN
        {heat.log_row(vendor, "NEW", +1)};
    END IF;
    RETURN NULL;
END; $$ LANGUAGE plpgsql"""
    rating_fn = f"""CREATE OR REPLACE FUNCTION ioc_rating_rollup() RETURNS trigger AS $$
BEGIN
    {paused}
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {block([_upsert_rating(vendor, g, "OLD", -1) for g in GRAINS] + heat_unrated(vendor, "OLD"))}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {block([_upsert_rating(vendor, g, "NEW", +1) for g in GRAINS] + heat_rated(vendor, "NEW"))}
    END IF;
    RETURN NULL;
END; $$ LANGUAGE plpgsql"""
    return [
        report_fn,
        rating_fn,
        f"CREATE TRIGGER ioc_report_rollup AFTER INSERT OR DELETE ON {REPORTS} "
        "FOR EACH ROW EXECUTE FUNCTION ioc_report_rollup()",
        f"CREATE TRIGGER ioc_report_rollup_upd AFTER UPDATE ON {REPORTS} FOR EACH ROW "
        f"WHEN ({_changed(vendor)}) EXECUTE FUNCTION ioc_report_rollup()",
        f"CREATE TRIGGER ioc_rating_rollup AFTER INSERT OR UPDATE OR DELETE ON {RATINGS} "
        "FOR EACH ROW EXECUTE FUNCTION ioc_rating_rollup()",
    ]


# --- Rebuild and bulk loads ---------------------------------------------------------------------

_STAGE = "ioc_stage"


# The report columns the dimensions and measures read (the stage reads no others).
_STAGE_COLUMNS = ("created_at", "unit_id", "category_id", "channel", "status", "resolved_at", "due_at")
_STAGE_COLUMNS += ("escalated_at", "reopen_count")


def _stage(where: str) -> str:
    """One pass over the reports: the finest cells, with both their day and their month, into a
    temporary table every grain is then summed from.

    Each report's handling time, rating, histogram bucket and day are worked out once, in nested
    SELECTs the planner may not fold into the outer one (the OFFSET 0 fence): folded, every use of
    `hours` in the measures recomputed it. The histogram bucket is the same rule as MEASURES' h0…h10."""
    vendor = connection.vendor
    fence = " LIMIT -1 OFFSET 0" if vendor == "sqlite" else " OFFSET 0"
    edges = HOUR_EDGES
    bucket = (
        "CASE WHEN y.resolved_at IS NULL OR y.hours < 0 THEN -1 "
        + " ".join(f"WHEN y.hours < {edges[k + 1]} THEN {k}" for k in range(len(edges) - 1))
        + f" ELSE {len(edges) - 1} END"
    )
    inner = (
        f"SELECT {', '.join(f'r.{c}' for c in _STAGE_COLUMNS)}, rt.level AS level, {_hours(vendor, 'r')} AS hours "
        f"FROM {REPORTS} r LEFT JOIN {RATINGS} rt ON rt.report_id = r.id WHERE {where}{fence}"
    )
    periods = [f"{_period(vendor, DAY, 'y')} AS day"]
    if vendor == "sqlite":
        month = "substr(x.day, 1, 8) || '01'"  # from the grouped day: no per-report strftime
    else:
        periods.append(f"{_period(vendor, MONTH, 'y')} AS month")
        month = "x.month"
    middle = f"SELECT y.*, {bucket} AS bucket, {', '.join(periods)} FROM ({inner}) y{fence}"
    keys = ["x.day AS day", f"{month} AS month"]
    keys += [f"{_dim_source(vendor, d, 'x')} AS {DIMS[d].column}" for d in DIM_ORDER]
    sums = []
    for m in MEASURES:
        if m == "n":
            sums.append("COUNT(*) AS n")
        elif m[0] == "h" and m[1:].isdigit():
            sums.append(f"SUM(CASE WHEN x.bucket = {m[1:]} THEN 1 ELSE 0 END) AS {m}")
        else:
            sums.append(f"SUM({_measure(vendor, m, 'x', 'x.level', 'x.hours')}) AS {m}")
    grouped = [1, *range(3, len(keys) + 1)] if vendor == "sqlite" else range(1, len(keys) + 1)
    return (
        f"CREATE TEMPORARY TABLE {_STAGE} AS SELECT {', '.join(keys + sums)} FROM ({middle}) x "
        f"GROUP BY {', '.join(str(i) for i in grouped)}"
    )


def _from_stage(grain: Grain, *, upsert: bool) -> str:
    keys = [str(grain.code), "day" if grain.step == DAY else "month"]
    keys += [DIMS[d].column if d in grain.dims else DIMS[d].folded for d in DIM_ORDER]
    if grain.step == DAY and set(grain.dims) == set(DIM_ORDER):
        # The stage's rows are already this grain's cells (its month follows from its day): no sort.
        sql = (
            f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) SELECT {', '.join(keys + list(MEASURES))} "
            f"FROM {_STAGE} WHERE 1 = 1"
        )
        return f"{sql} {_ON_CONFLICT}" if upsert else sql
    sums = [f"SUM({m})" for m in MEASURES]
    kept = [DIMS[d].column for d in DIM_ORDER if d in grain.dims]
    group = ", ".join([keys[1], *kept])
    sql = (
        f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) SELECT {', '.join(keys + sums)} "
        f"FROM {_STAGE} WHERE 1 = 1 GROUP BY {group}"
    )
    return f"{sql} {_ON_CONFLICT}" if upsert else sql


def _load(where: str, *, upsert: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        cursor.execute(_stage(where))
        for grain in GRAINS:
            cursor.execute(_from_stage(grain, upsert=upsert))
        cursor.execute(f"DROP TABLE {_STAGE}")


def rebuild() -> int:
    """Recompute every cell from the reports; returns the number of cells."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
        _load("1 = 1", upsert=False)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
            return int(cursor.fetchone()[0])


def add_reports(ids: Sequence[int], *, facts: Facts | None = None, log_heat: bool = True) -> None:
    """Add reports loaded with the triggers paused to the cells (per run of consecutive ids: other
    writers' reports in between were counted by their own triggers). A loader that still holds the
    reports' values passes them as `facts`: on SQLite the cells are then summed in memory
    (`add_facts`) instead of reading the reports back. PostgreSQL reads them back: its one GROUP BY
    pass costs less than copying the summed cells in (measured at 200,000 reports: 1.9 s against 2.7 s;
    on SQLite 1.2 s against 1.6 s). `log_heat=False`: a load big enough to build a new heat-map store
    when it ends sets the current one aside instead of logging its reports (heat.set_aside)."""
    ordered = sorted(int(i) for i in ids)
    runs: list[tuple[int, int]] = []
    for i in ordered:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    if runs:
        where = " OR ".join(f"r.id BETWEEN {a} AND {b}" for a, b in runs)
        if facts is None or connection.vendor != "sqlite":
            _load(where, upsert=True)
        else:
            if len(facts.created) != len(ordered):
                raise ValueError(f"{len(facts.created)} facts for {len(ordered)} reports")
            add_facts(facts)
        if log_heat:
            heat.log_reports(where)
        else:
            heat.set_aside()


# --- Cells summed in memory (bulk loaders) --------------------------------------------------------

NO_TIME = np.iinfo(np.int64).max // 4  # in a time array of Facts: no such time (NULL)
_JD_UNIX_MS = 210_866_760_000_000  # SQLite's julian day of 1970-01-01 00:00, in milliseconds


@dataclass(frozen=True)
class Facts:
    """What the cells read of each report, as arrays (one element per report) a bulk loader already
    has: times in whole epoch seconds (UTC; `NO_TIME` for none), categorical values as codes into
    their label lists, the rating as an index into heat.RATING_LEVELS (-1: not rated)."""

    created: np.ndarray
    unit_id: np.ndarray
    category_id: np.ndarray
    channel: np.ndarray
    channels: Sequence[str]
    status: np.ndarray
    statuses: Sequence[str]
    resolved: np.ndarray
    due: np.ndarray
    escalated: np.ndarray
    reopen_count: np.ndarray
    rating: np.ndarray


def _hours_of(created: np.ndarray, resolved: np.ndarray) -> np.ndarray:
    """Handling hours exactly as SQLite's `_hours` computes them (the histogram's edges depend on it):
    the difference of two julian days, each an integer of milliseconds divided by 86,400,000.0."""
    jd_resolved = (resolved * 1000 + _JD_UNIX_MS) / 86_400_000.0
    jd_created = (created * 1000 + _JD_UNIX_MS) / 86_400_000.0
    return (jd_resolved - jd_created) * 24.0


def _measure_columns(f: Facts) -> tuple[np.ndarray, np.ndarray]:
    """Per report: the integer measures (columns in MEASURES order, `hours_sum` left 0) and the hours."""
    n = len(f.created)
    resolved = f.resolved < NO_TIME
    created = np.asarray(f.created, dtype=np.int64)
    hours = np.where(resolved, _hours_of(created, np.where(resolved, f.resolved, created)), 0.0)
    open_codes = [i for i, s in enumerate(f.statuses) if s in OPEN_STATUSES]
    reopened = np.asarray(f.reopen_count) > 0
    columns: dict[str, np.ndarray] = {
        "n": np.ones(n, dtype=bool),
        "resolved_n": resolved,
        "on_time_n": resolved & (f.due < NO_TIME) & (f.resolved <= f.due),
        "overdue_n": np.isin(f.status, open_codes) & (f.escalated < NO_TIME),
        "hours_sum": np.zeros(n, dtype=bool),
        "reopened_n": reopened,
        "ever_resolved_n": resolved | reopened,
    }
    for k, lo in enumerate(HOUR_EDGES):
        in_bucket = resolved & (hours >= lo)
        if k + 1 < len(HOUR_EDGES):
            in_bucket &= hours < HOUR_EDGES[k + 1]
        columns[f"h{k}"] = in_bucket
    for i, level in enumerate(heat.RATING_LEVELS):
        columns[f"rated_{level}"] = f.rating == i
    matrix = np.stack([columns[m] for m in MEASURES], axis=1).astype(np.int64)
    return matrix, np.where(resolved, hours, 0.0)


def _ordered_codes(values: np.ndarray, labels: Sequence[Any] | None = None) -> tuple[np.ndarray, list[Any]]:
    """Codes 1… in the database's order of the values (0 is kept for "folded") and the values by code."""
    if labels is None:
        kept, codes = np.unique(np.asarray(values), return_inverse=True)
        return codes.astype(np.int64) + 1, [None, *kept.tolist()]
    order = sorted(range(len(labels)), key=lambda i: labels[i])
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(1, len(labels) + 1)
    return rank[np.asarray(values, dtype=np.int64)], [None, *(labels[i] for i in order)]


def cell_rows(f: Facts) -> list[tuple]:
    """The cells (KEY then MEASURES, as SQLite values) that the reports in `f` add to: the same sums as
    `_stage` and `_from_stage` compute in SQL, grain by grain, each grain's cells in key order."""
    if not len(f.created):
        return []
    matrix, hours = _measure_columns(f)
    # The local day (epoch days), as `_period` has it; and the first day of its month.
    day = (np.asarray(f.created, dtype=np.int64) + heat.utc_offset_minutes() * 60) // 86_400
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    codes: dict[str, np.ndarray] = {}
    labels: dict[str, list[Any]] = {}
    codes["unit"], labels["unit"] = _ordered_codes(f.unit_id)
    codes["category"], labels["category"] = _ordered_codes(f.category_id)
    codes["channel"], labels["channel"] = _ordered_codes(f.channel, list(f.channels))
    codes["status"], labels["status"] = _ordered_codes(f.status, list(f.statuses))
    folded: dict[str, Any] = {"unit": 0, "category": 0, "channel": "", "status": ""}
    hours_at = MEASURES_INDEX["hours_sum"]
    rows: list[tuple] = []
    for grain in GRAINS:
        period = day if grain.step == DAY else month
        base = int(period.min())
        key = period - base  # mixed radix, period first: sorted keys are the table's key order
        for name in DIM_ORDER:
            key = key * len(labels[name]) + (codes[name] if name in grain.dims else 0)
        cells, inverse = np.unique(key, return_inverse=True)
        size = cells.size
        columns: list[list[Any]] = []
        rest = cells
        for name in reversed(DIM_ORDER):
            radix = len(labels[name])
            if name in grain.dims:
                columns.append(np.asarray(labels[name], dtype=object)[rest % radix].tolist())
            else:
                columns.append([folded[name]] * size)
            rest = rest // radix
        period_values = np.datetime_as_string((rest + base).astype("datetime64[D]"), unit="D").tolist()
        columns = [[grain.code] * size, period_values, *reversed(columns)]
        for j in range(len(MEASURES)):
            if j == hours_at:
                columns.append(np.bincount(inverse, weights=hours, minlength=size).tolist())
            else:
                columns.append(
                    np.bincount(inverse, weights=matrix[:, j], minlength=size).astype(np.int64).tolist()
                )
        rows.extend(zip(*columns, strict=True))
    return rows


def add_facts(f: Facts) -> None:
    """Add the reports in `f` to the cells (see `add_reports`), in the caller's transaction (SQLite)."""
    rows = cell_rows(f)
    if rows:
        connection.ensure_connection()
        # The rows come grain by grain in key order: the WITHOUT ROWID table's b-tree fills in order.
        connection.connection.executemany(
            f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
            f"{_ON_CONFLICT}",
            rows,
        )


def definition_hash(vendor: str) -> str:
    """Fingerprint of the roll-up definitions as installed on this database vendor."""
    return hashlib.sha256("\n".join(trigger_statements(vendor)).encode()).hexdigest()


def ensure_installed(*, verbosity: int = 1) -> bool:
    """After `migrate`: (re)install the triggers and rebuild the cells and the heat map's store when the
    definitions changed.

    Returns True when it did. Migrations hold no copy of the definitions: the code decides, once.
    """
    from citydesk.ioc.models import RollupState

    vendor = connection.vendor
    wanted = definition_hash(vendor)
    state = RollupState.objects.filter(pk=1).first()
    if state is not None and state.definition == wanted:
        return False
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in trigger_statements(vendor, up=False) + trigger_statements(vendor):
            cursor.execute(sql)
        cells = rebuild()
        RollupState.objects.update_or_create(pk=1, defaults={"definition": wanted})
        heat.reset()
    heat.build()
    if verbosity:
        print(
            f"Operations center roll-ups installed: {cells:,} cells in {time.perf_counter() - started:.1f} s"
        )
    return True


@contextlib.contextmanager
def triggers_paused() -> Iterator[None]:
    """Inside the caller's transaction: report and rating writes leave the cells alone (bulk loads,
    which then call `add_reports`). Other connections' writes are still counted: PostgreSQL reads a
    transaction-local setting; SQLite drops the triggers and creates them again before the commit,
    while this transaction holds the database's only write lock."""
    if not connection.in_atomic_block:
        raise RuntimeError("triggers_paused() must run inside a transaction")
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [PAUSE_SETTING])
        else:
            for sql in trigger_statements(vendor, up=False):
                cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'off', true)", [PAUSE_SETTING])
            else:
                for sql in trigger_statements(vendor):
                    cursor.execute(sql)
