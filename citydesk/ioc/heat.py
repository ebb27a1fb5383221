"""The operations center's heat map: a column store of the reports, scanned with numpy.

Why not a roll-up grain: with the squares kept, a cell keeps one or two reports whatever else is
folded (decision 0006), so a heat map under filters over three years read millions of cells through SQL
(1.6 s at 10 M reports). The store keeps, for every report with a point, its local day, square,
handling unit, category, channel and status as small integers, sorted by day, in one file per column
(memory-mapped and shared by every worker through the page cache). A question slices the days of its
period and counts the squares of the rows its filters keep, in chunks: tens of milliseconds for 10 M
rows.

It stays exact between builds: the roll-up triggers (ioc/rollup.py) log every change of a report's heat
map keys in `ioc_heatchange` as signed rows (+1 new values, -1 old values), and an answer is the store
plus the log. A build (`build`, run by the worker once the log is long, by `rebuild-rollups`, after the
roll-up definitions change and after bulk loads) reads the reports in one snapshot, writes a new store
beside the old one, then records it and removes the log rows that snapshot saw, in one transaction:
    - SQLite: the rows up to the last id handed out at the snapshot (one writer at a time, so every
      smaller id was committed);
    - PostgreSQL: the rows whose writing transaction the snapshot saw (`pg_visible_in_snapshot`),
      because ids are handed out before their transactions commit, in any order.
An answer reads the current build's token and the log in one statement, so it never pairs a store
with a log trimmed for another. Without a usable store (never built, or its files gone) the answer
comes from the reports table itself: right, only slower.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

if TYPE_CHECKING:
    from citydesk.ioc.queries import Filters

log = logging.getLogger(__name__)

LOG = "ioc_heatchange"
REPORTS = "reports_report"
EPOCH = date(1970, 1, 1)

# The bins: squares of GRID_DEG degrees (about 275 m) counted from the south-west corner of Vietnam's
# bounding box (intake refuses points outside it).
GRID_DEG = 0.0025
GRID_ORIGIN = (102.0, 6.0)  # lon, lat
GRID_ROW = 10_000  # id = row * GRID_ROW + column

# A report moves on the heat map when one of these changes.
MOVED = ("created_at", "lat", "lon", "unit_id", "category_id", "channel", "status")
REBUILD_AFTER = 50_000  # logged changes before the worker builds a new store
CHUNK = 2_000_000  # rows per numpy pass: bounds a worker's temporary memory (~10 bytes a row)
COLUMNS = ("cell", "unit", "category", "channel", "status")


def grid_bounds(cell: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a heat-map square."""
    row, col = divmod(cell, GRID_ROW)
    west, south = GRID_ORIGIN[0] + col * GRID_DEG, GRID_ORIGIN[1] + row * GRID_DEG
    return west, south, west + GRID_DEG, south + GRID_DEG


# --- SQL shared by the triggers, bulk loads, builds and the fallback --------------------------------


def _utc_offset_minutes() -> int:
    from zoneinfo import ZoneInfo

    offset = timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def day_sql(vendor: str, r: str) -> str:
    """The local day a report was received, as days since 1970-01-01."""
    if vendor == "postgresql":
        return f"(({r}.created_at AT TIME ZONE '{settings.TIME_ZONE}')::date - DATE '1970-01-01')"
    # SQLite keeps UTC text; Vietnam has had no daylight saving time since 1975. Julian day 2440587.5
    # is 1970-01-01 00:00; the difference is positive, so CAST's truncation is the floor.
    return f"CAST(julianday({r}.created_at, '{_utc_offset_minutes():+d} minutes') - 2440587.5 AS INTEGER)"


def grid_sql(vendor: str, r: str) -> str:
    """The square of a report's point (only for rows with a point)."""
    lon0, lat0 = GRID_ORIGIN
    # Both offsets are positive inside Vietnam: SQLite's CAST truncates, which is then the floor;
    # PostgreSQL's CAST rounds, so it takes floor() first.
    if vendor == "postgresql":
        row = f"CAST(floor(({r}.lat - {lat0}) / {GRID_DEG}) AS INTEGER)"
        col = f"CAST(floor(({r}.lon - {lon0}) / {GRID_DEG}) AS INTEGER)"
    else:
        row = f"CAST(({r}.lat - {lat0}) / {GRID_DEG} AS INTEGER)"
        col = f"CAST(({r}.lon - {lon0}) / {GRID_DEG} AS INTEGER)"
    return f"({row} * {GRID_ROW} + {col})"


def _has_point(r: str) -> str:
    return f"{r}.lat IS NOT NULL AND {r}.lon IS NOT NULL"


def _keys(vendor: str, r: str) -> str:
    return (
        f"{day_sql(vendor, r)}, {grid_sql(vendor, r)}, {r}.unit_id, {r}.category_id, {r}.channel, {r}.status"
    )


_LOG_COLUMNS = "day, grid, unit_id, category_id, channel, status, sign"


def moved(vendor: str) -> str:
    """Trigger condition: the update changed the report's place on the heat map."""
    op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in MOVED)


def log_row(vendor: str, r: str, sign: int) -> str:
    """Trigger statement: log the contribution of the row `r` (NEW or OLD) with `sign`. Ends with a
    WHERE clause, so a caller may append `AND (condition)`."""
    return f"INSERT INTO {LOG} ({_LOG_COLUMNS}) SELECT {_keys(vendor, r)}, {sign} WHERE {_has_point(r)}"


def log_reports(where: str) -> None:
    """Bulk loads (triggers paused): log the reports matching `where` (over `r`) as received."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LOG} ({_LOG_COLUMNS}) SELECT {_keys(vendor, 'r')}, 1 "
            f"FROM {REPORTS} r WHERE ({where}) AND {_has_point('r')}"
        )


# --- The store on disk ------------------------------------------------------------------------------


def _channels() -> list[str]:
    from citydesk.reports.models import Channel

    return [c.value for c in Channel]


def _statuses() -> list[str]:
    from citydesk.reports.models import Status

    return [s.value for s in Status]


OTHER = 255  # a channel or status outside the choices: counted, never matched by a filter


def _code_sql(column: str, values: list[str]) -> str:
    cases = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {cases} ELSE {OTHER} END"


def root() -> Path:
    return Path(settings.CITYDESK_HEAT_DIR)


def _database_key() -> str:
    """Names the stores of this database apart from other databases sharing the directory."""
    cfg = connection.settings_dict
    ident = f"{connection.vendor}|{cfg.get('HOST') or ''}|{cfg.get('PORT') or ''}|{cfg.get('NAME')}"
    return hashlib.sha256(ident.encode()).hexdigest()[:12]


def _directory(token: str) -> Path:
    return root() / f"{_database_key()}-{token}"


@dataclass
class Store:
    """One build, memory-mapped. Rows are sorted by day; `offsets[d - first_day]` is the first row of
    day d. Units, categories and squares are stored as indexes into their sorted value lists."""

    token: str
    first_day: int
    offsets: np.ndarray
    cells: np.ndarray  # square ids
    units: np.ndarray
    categories: np.ndarray
    channels: list[str]
    statuses: list[str]
    columns: dict[str, np.ndarray]

    @property
    def rows(self) -> int:
        return int(self.offsets[-1])

    @classmethod
    def open(cls, token: str) -> Store | None:
        path = _directory(token)
        try:
            meta = json.loads((path / "meta.json").read_text())
            arrays = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in COLUMNS}
            lists = {
                name: np.load(path / f"{name}.npy") for name in ("offsets", "cells", "units", "categories")
            }
        except (OSError, ValueError) as error:
            log.warning("heat map store %s unreadable (%s): answering from the reports", token, error)
            return None
        if meta.get("token") != token:
            return None
        return cls(
            token=token,
            first_day=int(meta["first_day"]),
            offsets=lists["offsets"],
            cells=lists["cells"],
            units=lists["units"],
            categories=lists["categories"],
            channels=list(meta["channels"]),
            statuses=list(meta["statuses"]),
            columns=arrays,
        )

    def row_range(self, first: int, last: int) -> tuple[int, int]:
        """Rows of the days first..last (inclusive)."""
        days = len(self.offsets) - 1
        a = min(max(first - self.first_day, 0), days)
        b = min(max(last - self.first_day + 1, 0), days)
        return int(self.offsets[a]), int(self.offsets[b])

    def counts(self, filters: Filters) -> np.ndarray | None:
        """Reports per square (aligned with `cells`) in the period under the filters; None when a filter
        matches no stored value."""
        from citydesk.reports.models import OPEN_STATUSES

        wanted: list[tuple[str, Any]] = []  # (column, code or lookup table)
        if filters.category_id is not None:
            at = np.searchsorted(self.categories, filters.category_id)
            if at >= len(self.categories) or self.categories[at] != filters.category_id:
                return None
            wanted.append(("category", at))
        if filters.unit_ids is not None:
            table = np.isin(self.units, np.fromiter(filters.unit_ids, dtype=np.int64))
            if not table.any():
                return None
            if not table.all():
                wanted.append(("unit", table))
        if filters.channel:
            if filters.channel not in self.channels:
                return None
            wanted.append(("channel", self.channels.index(filters.channel)))
        if filters.status:
            chosen = set(OPEN_STATUSES) if filters.status == "open" else {filters.status}
            table = np.zeros(256, dtype=bool)
            for i, status in enumerate(self.statuses):
                table[i] = status in chosen
            if not table.any():
                return None
            wanted.append(("status", table))
        a, b = self.row_range((filters.start - EPOCH).days, (filters.end - EPOCH).days)
        total = np.zeros(len(self.cells), dtype=np.int64)
        cell = self.columns["cell"]
        for lo in range(a, b, CHUNK):
            hi = min(lo + CHUNK, b)
            keep: np.ndarray | None = None
            for column, test in wanted:
                values = self.columns[column][lo:hi]
                hit = test[values] if isinstance(test, np.ndarray) else values == test
                keep = hit if keep is None else np.logical_and(keep, hit, out=keep)
            chosen_cells = cell[lo:hi] if keep is None else cell[lo:hi][keep]
            total += np.bincount(chosen_cells, minlength=len(self.cells))
        return total


_cache_lock = threading.Lock()
_cached: tuple[str, Store | None] | None = None


def _store(token: str) -> Store | None:
    """The process's open store for this token (one at a time: a new build replaces the old). A
    recorded build's files only ever disappear, so a failed open is remembered too."""
    global _cached
    if not token:
        return None
    with _cache_lock:
        if _cached is None or _cached[0] != token:
            _cached = (token, Store.open(token))
        return _cached[1]


# --- Answers ----------------------------------------------------------------------------------------


def _logged(filters: Filters) -> tuple[str, dict[int, int]]:
    """(current build's token, the log's net count per square in the period), in one statement."""
    from citydesk.ioc.queries import filter_clauses

    where = ["day BETWEEN %s AND %s"]
    params: list[Any] = [(filters.start - EPOCH).days, (filters.end - EPOCH).days]
    filter_clauses(filters, where, params)
    sql = (
        f"SELECT s.heat_token, l.grid, l.n FROM ioc_rollupstate s LEFT JOIN "
        f"(SELECT grid, SUM(sign) AS n FROM {LOG} WHERE {' AND '.join(where)} GROUP BY grid) l ON 1 = 1 "
        f"WHERE s.id = 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    token = rows[0][0] if rows else ""
    return token, {int(g): int(n) for _, g, n in rows if g is not None and n}


def _from_reports(filters: Filters) -> dict[int, int]:
    """The same answer from the reports table (no usable store)."""
    from citydesk.ioc.queries import filter_clauses

    vendor = connection.vendor
    start = datetime.combine(filters.start, clock.min, tzinfo=timezone.get_default_timezone())
    end = start + timedelta(days=filters.days)
    where = [_has_point("r"), "r.created_at >= %s", "r.created_at < %s"]
    params: list[Any] = [connection.ops.adapt_datetimefield_value(t) for t in (start, end)]
    filter_clauses(filters, where, params, prefix="r.")
    sql = f"SELECT {grid_sql(vendor, 'r')} AS g, COUNT(*) FROM {REPORTS} r WHERE {' AND '.join(where)} GROUP BY g"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(g): int(n) for g, n in cursor.fetchall()}


def counts(filters: Filters, *, limit: int | None = None) -> dict[int, int]:
    """Reports received in the period under the filters, per square with any; with `limit`, only the
    busiest squares (a city holds tens of thousands), busiest first."""
    token, delta = _logged(filters)
    store = _store(token)
    if store is None:
        answer = _from_reports(filters)
        grids = np.fromiter(answer.keys(), dtype=np.int64, count=len(answer))
        values = np.fromiter(answer.values(), dtype=np.int64, count=len(answer))
    else:
        grids, values = store.cells, store.counts(filters)
        if values is None:
            values = np.zeros(len(grids), dtype=np.int64)
        if delta:
            logged = np.fromiter(delta.keys(), dtype=np.int64, count=len(delta))
            change = np.fromiter(delta.values(), dtype=np.int64, count=len(delta))
            at = np.searchsorted(grids, logged)
            known = at < len(grids)
            known[known] = grids[at[known]] == logged[known]
            np.add.at(values, at[known], change[known])
            grids = np.concatenate([grids, logged[~known]])  # squares the store has never seen
            values = np.concatenate([values, change[~known]])
    # Busiest first, then by square: the same order (and the same cut) for everyone.
    positive = np.flatnonzero(values > 0)
    order = positive[np.lexsort((grids[positive], -values[positive]))]
    if limit is not None:
        order = order[:limit]
    return dict(zip(grids[order].tolist(), values[order].tolist(), strict=True))


# --- Builds -----------------------------------------------------------------------------------------


@dataclass
class Built:
    token: str
    rows: int
    seconds: float
    kept: bool  # False when a newer build was recorded meanwhile (this one was thrown away)


def _read(vendor: str) -> tuple[int, str, dict[str, np.ndarray]]:
    """Inside the build's snapshot: (mark, snapshot, the columns unsorted)."""
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "SELECT pg_current_snapshot()::text, pg_snapshot_xmax(pg_current_snapshot())::text"
            )
            snapshot, xmax = cursor.fetchone()
            mark = int(xmax)
        else:
            # The last id handed out (AUTOINCREMENT: never reused, even after the trim empties the log).
            cursor.execute(f"SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = '{LOG}'")
            snapshot, mark = "", int(cursor.fetchone()[0])
    sql = (
        f"SELECT {day_sql(vendor, 'r')}, {grid_sql(vendor, 'r')}, r.unit_id, r.category_id, "
        f"{_code_sql('r.channel', _channels())}, {_code_sql('r.status', _statuses())} "
        f"FROM {REPORTS} r WHERE {_has_point('r')}"
    )
    parts: list[np.ndarray] = []
    with connection.chunked_cursor() if vendor == "postgresql" else connection.cursor() as cursor:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(200_000)
            if not rows:
                break
            parts.append(np.array(rows, dtype=np.int32))
    table = np.concatenate(parts) if parts else np.zeros((0, 6), dtype=np.int32)
    names = ("day", "grid", "unit", "category", "channel", "status")
    return mark, snapshot, {name: table[:, i] for i, name in enumerate(names)}


def _small(values: np.ndarray) -> np.ndarray:
    """Indexes as the smallest unsigned type that holds them."""
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.int64)


def _write(token: str, data: dict[str, np.ndarray]) -> Path:
    order = np.argsort(data["day"], kind="stable")
    day = data["day"][order]
    first_day = int(day[0]) if len(day) else 0
    days = int(day[-1]) - first_day + 1 if len(day) else 0
    offsets = np.searchsorted(day, np.arange(first_day, first_day + days + 1)).astype(np.int64)
    columns: dict[str, np.ndarray] = {}
    lists: dict[str, np.ndarray] = {}
    for name, source, list_name in (
        ("cell", "grid", "cells"),
        ("unit", "unit", "units"),
        ("category", "category", "categories"),
    ):
        values, index = np.unique(data[source][order], return_inverse=True)
        lists[list_name] = values.astype(np.int64)
        columns[name] = _small(index)
    columns["channel"] = data["channel"][order].astype(np.uint8)
    columns["status"] = data["status"][order].astype(np.uint8)
    final = _directory(token)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(final.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    for name, array in {**columns, **lists, "offsets": offsets}.items():
        np.save(temporary / f"{name}.npy", np.ascontiguousarray(array))
    meta = {
        "token": token,
        "first_day": first_day,
        "rows": len(day),
        "channels": _channels(),
        "statuses": _statuses(),
    }
    (temporary / "meta.json").write_text(json.dumps(meta))
    os.replace(temporary, final)
    return final


def build() -> Built:
    """Write a new store from the reports and make it current (see the module doc)."""
    from citydesk.ioc.models import RollupState

    vendor = connection.vendor
    started = time.perf_counter()
    token = uuid.uuid4().hex
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if vendor == "postgresql" and outermost:
            # One snapshot for the mark and every row. (Nested in a caller's transaction, as in tests
            # and migrations, there are no concurrent writers to miss.)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        mark, snapshot, data = _read(vendor)
    path = _write(token, data)
    rows = len(data["day"])
    del data
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(pk=1)
        if state.heat_token and state.heat_mark > mark:  # a later snapshot was recorded meanwhile
            kept = False
        else:
            with connection.cursor() as cursor:
                if vendor == "postgresql":
                    # The snapshot saw committed transactions, and this one's own rows when the
                    # build ran inside a caller's transaction.
                    cursor.execute(
                        f"DELETE FROM {LOG} WHERE pg_visible_in_snapshot(xid, %s::pg_snapshot) "
                        "OR xid = pg_current_xact_id_if_assigned()",
                        [snapshot],
                    )
                else:
                    cursor.execute(f"DELETE FROM {LOG} WHERE id <= %s", [mark])
            state.heat_token, state.heat_mark, state.heat_rows = token, mark, rows
            state.heat_built_at = timezone.now()
            state.save()
            kept = True
    if kept:
        transaction.on_commit(lambda: _remove_others(token))  # at once outside a transaction
    else:
        shutil.rmtree(path, ignore_errors=True)
    return Built(token=token, rows=rows, seconds=time.perf_counter() - started, kept=kept)


def _remove_others(keep: str) -> None:
    """Delete this database's older stores (a worker still reading one keeps its open maps)."""
    prefix = f"{_database_key()}-"
    base = root()
    if not base.is_dir():
        return
    for entry in base.iterdir():
        if entry.name.startswith(prefix) and entry.name != f"{prefix}{keep}":
            shutil.rmtree(entry, ignore_errors=True)


def pending() -> int:
    """Logged changes not in the store yet."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {LOG}")
        return int(cursor.fetchone()[0])


def refresh(*, threshold: int | None = None) -> Built | None:
    """Build when the log holds `threshold` changes (default REBUILD_AFTER) or the store is missing."""
    from citydesk.ioc.models import RollupState

    threshold = REBUILD_AFTER if threshold is None else threshold
    state = RollupState.objects.filter(pk=1).first()
    token = state.heat_token if state else ""
    if token and _directory(token).is_dir() and pending() < threshold:
        return None
    return build()


def reset() -> None:
    """The definitions changed (ensure_installed): forget the store and the log; build again next."""
    from citydesk.ioc.models import RollupState

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LOG}")
    RollupState.objects.filter(pk=1).update(heat_token="", heat_mark=0, heat_rows=0, heat_built_at=None)
