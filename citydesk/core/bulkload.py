"""What the bulk seeders (`seed-reports`, `seed-dossiers`) share: the calendar's deadlines over numpy
arrays, ids and tracking codes reserved a block at a time, and rows written with `executemany` (SQLite)
or `COPY` (PostgreSQL).

These write around the services on purpose (benchmarks and demo data); nothing here is used by a
request.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import numpy as np
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from citydesk.core.calendar import current_calendar
from citydesk.lib.workdays import WorkCalendar

DAY = 86_400
HOUR = 3_600


def clock_seconds(t: object) -> int:
    """Seconds since midnight of a `datetime.time`."""
    return t.hour * HOUR + t.minute * 60 + t.second  # type: ignore[attr-defined]


class WorkClock:
    """The calendar's due-time rules over arrays of epoch seconds, for the local days
    [first_day, last_day) (days since 1970-01-01): the same results as `WorkCalendar.due` and
    `WorkCalendar.add_working_hours` for every element (tested against them)."""

    def __init__(
        self,
        first_day: int,
        last_day: int,
        *,
        calendar: WorkCalendar | None = None,
        at: datetime | None = None,
    ) -> None:
        calendar = calendar or current_calendar()
        self.calendar = calendar
        offset = calendar.tz.utcoffset((at or timezone.now()).replace(tzinfo=None))
        self.offset = int(offset.total_seconds()) if offset is not None else 0  # Vietnam: UTC+7, no DST
        self.periods = np.array(
            [(clock_seconds(a), clock_seconds(b)) for a, b in calendar.periods], dtype=np.int64
        ).reshape(-1, 2)
        self.close = int(self.periods[-1, 1])
        self.cutoff = clock_seconds(calendar.cutoff)
        self.capacity = int((self.periods[:, 1] - self.periods[:, 0]).sum())
        days = np.arange(first_day, last_day, dtype=np.int64)
        effective = calendar.bulk_add_working_days(days.astype("datetime64[D]"), 0).astype(np.int64)
        self.workdays = days[effective == days]
        self.first_day = first_day
        self.is_workday = np.zeros(last_day - first_day, dtype=bool)
        self.is_workday[self.workdays - first_day] = True

    def local_day(self, utc: np.ndarray) -> np.ndarray:
        return (utc + self.offset) // DAY

    def due(self, received: np.ndarray, working_days: np.ndarray) -> np.ndarray:
        """calendar.due(received, n): close of office of the n-th working day (n = 0: the same-day rule,
        received after the cutoff or on a day off -> the next working day's close)."""
        local = received + self.offset
        day = local // DAY
        clock = local - day * DAY
        late = np.where(working_days == 0, clock >= self.cutoff, clock >= self.close)
        start = (day + late).astype("datetime64[D]")
        due_day = self.calendar.bulk_add_working_days(start, working_days).astype(np.int64)
        return due_day * DAY + self.close - self.offset

    def add_working_hours(self, received: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """calendar.add_working_hours(received, hours) for whole hours."""
        local = received + self.offset
        day = local // DAY
        clock = local - day * DAY
        starts, ends = self.periods[:, 0], self.periods[:, 1]
        elapsed = np.clip(clock[:, None] - starts[None, :], 0, (ends - starts)[None, :]).sum(axis=1)
        index = np.searchsorted(self.workdays, day, side="left")
        working = self.workdays[np.minimum(index, self.workdays.size - 1)] == day
        position = index * self.capacity + np.where(working, elapsed, 0)
        target = position + hours * HOUR
        positive = hours > 0
        # hours > 0: a target at the very end of a period stays there (end inclusive), else start inclusive.
        k = np.where(positive, (target - 1) // self.capacity, target // self.capacity)
        rest = target - k * self.capacity
        lengths = ends - starts
        before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        inside = np.where(
            positive[:, None],
            rest[:, None] <= (before + lengths)[None, :],
            rest[:, None] < (before + lengths)[None, :],
        )
        period = np.argmax(inside, axis=1)
        clock_out = starts[period] + rest - before[period]
        return self.workdays[k] * DAY + clock_out - self.offset


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a seeder builds millions of short-lived tuples (no
    reference cycles among them: it would only rescan them), back as it was afterwards."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def reserve_ids(table: str, n: int) -> np.ndarray:
    """n new ids of `table`, sorted, inside the caller's transaction.

    PostgreSQL: drawn from the table's sequence (safe beside other writers). SQLite: the transaction
    holds the write lock (BEGIN IMMEDIATE), so nobody inserts meanwhile: the ids after the largest ever
    given (AUTOINCREMENT's `sqlite_sequence` included)."""
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence looked up once: per row, pg_get_serial_sequence took 4/5 of the time.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
            return np.sort(np.array([r[0] for r in cursor.fetchall()], dtype=np.int64))
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, row[0] if row else 0)
    return np.arange(top + 1, top + 1 + n, dtype=np.int64)


def reserve_codes(counter: type[Model], years: np.ndarray, prefix: str) -> list[str]:
    """Tracking codes `PREFIX-YY-NNNNNN` for rows of the given local years, from the per-year counter
    the services number with (a model with `year` and `last`): one UPDATE … RETURNING per year, so the
    codes stay unique beside the services and continue their numbering."""
    numbers = np.empty(years.size, dtype=np.int64)
    table = connection.ops.quote_name(counter._meta.db_table)
    for year in np.unique(years).tolist():
        rows = np.flatnonzero(years == year)
        counter.objects.get_or_create(year=year)  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last = last + %s WHERE year = %s RETURNING last", [int(rows.size), year]
            )
            last = cursor.fetchone()[0]
        numbers[rows] = np.arange(last - rows.size + 1, last + 1)
    yy = np.char.zfill((years % 100).astype(str), 2)
    digits = np.char.zfill(numbers.astype(str), 6)
    return np.char.add(np.char.add(np.char.add(f"{prefix}-", yy), "-"), digits).tolist()


def insert_rows(table: str, columns: list[str], rows: Iterable[tuple], *, chunk: int | None = None) -> None:
    """Ready rows (database values, in `columns` order) into `table`, in the current transaction:
    `executemany` on SQLite (`chunk` rows a call when given), `COPY … FROM STDIN` on PostgreSQL."""
    connection.ensure_connection()
    raw = connection.connection
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    name = connection.ops.quote_name(table)
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
        return
    sql = f"INSERT INTO {name} ({quoted}) VALUES ({', '.join('?' * len(columns))})"
    if chunk is None:
        raw.executemany(sql, rows)
        return
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            raw.executemany(sql, batch)
            batch = []
    if batch:
        raw.executemany(sql, batch)
