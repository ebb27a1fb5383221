"""`citydesk seed-reports`: write generated batches with `executemany` / `COPY`, one transaction each."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from citydesk.core.bulkload import gc_paused, insert_rows, reserve_codes, reserve_ids
from citydesk.core.errors import DomainError
from citydesk.reports.models import (
    CodeCounter,
    Rating,
    Report,
    ReportEvent,
)
from citydesk.reports.seed.common import (
    DAY,
    MISSING,
    NEVER,
    STATUS_VALUES,
    plain,
    repeat,
)
from citydesk.reports.seed.generate import Batch, ReportGenerator

DEFAULT_BATCH = 50_000  # rows per transaction: each commit checkpoints the WAL (measured: fewer is faster)
MAX_COUNT = 50_000_000


@dataclass
class SeedResult:
    count: int = 0
    events: int = 0
    ratings: int = 0
    seconds: float = 0.0
    first_code: str = ""
    last_code: str = ""
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def parse_count(count: Any) -> int:
    try:
        value = int(str(count).strip().replace("_", "").replace(",", ""))
    except (TypeError, ValueError):
        raise DomainError(
            f"--count must be a whole number of reports, not “{count}”.", field="count"
        ) from None
    if value <= 0:
        raise DomainError(f"--count must be at least 1 (got {value}).", field="count")
    if value > MAX_COUNT:
        raise DomainError(f"--count is at most {MAX_COUNT:,}.", field="count")
    return value


class ReportSeeder(ReportGenerator):
    """Generates and writes synthetic reports for some wards; build once, then `run()` or `batches()`."""

    # -- rows --------------------------------------------------------------------------------------

    def report_rows(
        self, batch: Batch, ids: np.ndarray, codes: list[str]
    ) -> tuple[list[str], Iterator[tuple]]:
        duplicate = batch.duplicate_row
        duplicate_of = np.where(duplicate >= 0, ids[np.maximum(duplicate, 0)], -1).astype(object)
        duplicate_of[duplicate < 0] = None
        extra = {"id": ids.tolist(), "code": codes, "duplicate_of_id": duplicate_of.tolist()}
        return self._rows(Report, batch.columns, extra, include_pk=True)

    def event_rows(self, batch: Batch, ids: np.ndarray) -> tuple[list[str], Iterator[tuple]]:
        return self._rows(ReportEvent, batch.event, {"report_id": ids.tolist()})

    def rating_rows(self, batch: Batch, ids: np.ndarray) -> tuple[list[str], Iterator[tuple]]:
        return self._rows(Rating, batch.rating, {"report_id": ids[batch.rated].tolist()})

    def _prepare(
        self, model: type, values: dict[str, Any], n: int, *, later: Iterable[str] = ()
    ) -> dict[str, list[Any]]:
        """Database values of every column of `model` (lists), except the primary key and `later`
        (filled in by the writer: ids, codes). Fields not generated get their default."""
        out: dict[str, list[Any]] = {}
        for f in model._meta.concrete_fields:
            if f.primary_key or f.attname in later:
                continue
            value = values.get(f.attname, MISSING)
            if value is MISSING:
                out[f.attname] = repeat(f.get_db_prep_save(f.get_default(), connection), n)
            elif f.get_internal_type() == "DateTimeField":
                out[f.attname] = self._datetimes(value, n)
            else:
                out[f.attname] = plain(value, n)
        return out

    @staticmethod
    def _rows(
        model: type, prepared: dict[str, list[Any]], extra: dict[str, list[Any]], *, include_pk: bool = False
    ) -> tuple[list[str], Iterator[tuple]]:
        """(columns in table order, row tuples) from prepared columns plus the writer's own."""
        columns: list[str] = []
        data: list[list[Any]] = []
        for f in model._meta.concrete_fields:
            if f.primary_key and not include_pk:
                continue
            columns.append(f.column)
            data.append(extra[f.attname] if f.attname in extra else prepared[f.attname])
        return columns, zip(*data, strict=True)

    def _datetimes(self, value: Any, n: int) -> Any:
        """Epoch seconds -> Django's text for the database ('YYYY-MM-DD HH:MM:SS' UTC, '+00' on
        PostgreSQL); NEVER -> NULL. Looked up in a table of days and a table of clock times."""
        arr = np.asarray(value, dtype=np.int64)
        if arr.ndim == 0:
            if int(arr) >= NEVER:
                return repeat(None, n)
            arr = np.full(n, int(arr), dtype=np.int64)
        missing = arr >= NEVER
        if missing.all():
            return repeat(None, n)
        secs = np.where(missing, self.now_s, arr)
        days = secs // DAY
        if days.min() < self._text_first_day or days.max() >= self._text_first_day + self._day_text.size:
            text = np.char.replace(np.datetime_as_string(secs.astype("datetime64[s]"), unit="s"), "T", " ")
            if self.vendor == "postgresql":
                text = np.char.add(text, "+00")
        else:
            text = np.char.add(
                self._day_text[days - self._text_first_day], self._clock_text[secs - days * DAY]
            )
        out = text.astype(object)
        out[missing] = None
        return out.tolist()

    # -- writing -----------------------------------------------------------------------------------

    def write(
        self, batch: Batch, *, log_heat: bool = True, database_turn: Callable[[], None] | None = None
    ) -> tuple[list[str], int]:
        """Store one batch in one transaction: reports, their status event, ratings. Returns the codes.
        `log_heat=False`: the load builds a new heat-map store when it ends (see rollup.add_reports).
        `database_turn` is called when what is left is the database's own work, which leaves the
        interpreter lock free: on PostgreSQL the roll-ups' GROUP BY and the commit's foreign-key
        checks, on SQLite the commit and its WAL checkpoint."""
        from citydesk.ioc import rollup  # the operations center's roll-ups follow every report

        with transaction.atomic():
            ids = reserve_ids(Report._meta.db_table, batch.n)
            codes = reserve_codes(CodeCounter, batch.years, settings.CITYDESK_REPORT_CODE_PREFIX)
            # Per-row roll-up triggers would cost more than the rows: pause them, then add the
            # batch's reports to the roll-ups with one GROUP BY per grain.
            with rollup.triggers_paused():
                columns, rows = self.report_rows(batch, ids, codes)
                insert_rows(Report._meta.db_table, columns, rows)
                columns, rows = self.event_rows(batch, ids)
                insert_rows(ReportEvent._meta.db_table, columns, rows)
                if batch.rated.size:
                    columns, rows = self.rating_rows(batch, ids)
                    insert_rows(Rating._meta.db_table, columns, rows)
                server = connection.vendor == "postgresql"
                if database_turn is not None and server:
                    database_turn()
                rollup.add_reports(ids.tolist(), facts=batch.facts, log_heat=log_heat)
                if database_turn is not None and not server:
                    database_turn()
        return codes, int(batch.rated.size)

    def batches(self, count: int, batch_size: int = DEFAULT_BATCH) -> Iterator[Batch]:
        """The generated batches, in time order (`generate` does not touch the database)."""
        created = self.created_times(count)
        for start in range(0, count, batch_size):
            yield self.generate(created[start : start + batch_size])

    def run(
        self,
        count: int,
        *,
        batch_size: int = DEFAULT_BATCH,
        progress: Callable[[int, int], None] | None = None,
    ) -> SeedResult:
        """Generate and write `count` reports, one transaction per batch."""
        from citydesk.ioc import heat

        started = time.perf_counter()
        result = SeedResult()
        # A load that big gets a new heat-map store when it ends (seed_reports; inside a caller's
        # transaction, the caller or the worker builds it): logging its reports would be wasted.
        log_heat = count < heat.REBUILD_AFTER
        created = self.created_times(count)
        parts = [created[start : start + batch_size] for start in range(0, count, batch_size)]
        # The next batch is generated in a thread while the database does its own share of this one
        # with the interpreter lock free (`write`'s database_turn): 0.7 s of 10 saved at 200,000
        # reports on PostgreSQL, 0.5 s of 7.8 on SQLite. Started any earlier, the thread took turns
        # with the inserts on the lock and slowed them more than it saved.
        with gc_paused(), ThreadPoolExecutor(max_workers=1) as pool:
            upcoming: Future[Batch] | None = None
            for index, part in enumerate(parts):
                batch = upcoming.result() if upcoming is not None else self.generate(part)
                upcoming = None

                def start_next(index: int = index) -> None:
                    nonlocal upcoming
                    if index + 1 < len(parts):
                        upcoming = pool.submit(self.generate, parts[index + 1])

                codes, ratings = self.write(batch, log_heat=log_heat, database_turn=start_next)
                result.count += batch.n
                result.events += batch.n
                result.ratings += ratings
                result.first_code = result.first_code or codes[0]
                result.last_code = codes[-1]
                result.statuses.update(Counter(np.array(STATUS_VALUES)[batch.status].tolist()))
                if progress is not None:
                    progress(result.count, count)
        result.seconds = time.perf_counter() - started
        return result


def seed_reports(
    *,
    count: Any,
    seed: int | None = None,
    province: str | Sequence[str] = "79",
    months: int = 24,
    batch_size: int = DEFAULT_BATCH,
    ward_codes: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Create `count` synthetic reports (see the module docstring). Raises DomainError on bad input."""
    count = parse_count(count)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise DomainError("The batch size must be a positive whole number.", field="batch_size")
    provinces = [province] if isinstance(province, str) else list(province)
    provinces = [p for chunk in provinces for p in str(chunk).split(",")]
    started = time.perf_counter()
    seeder = ReportSeeder(provinces=provinces, months=months, seed=seed, ward_codes=ward_codes)
    result = seeder.run(count, batch_size=batch_size, progress=progress)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # PostgreSQL's advice after a bulk load: fresh statistics (or the planner guesses) and a
        # visibility map (or index-only scans still read the table) without waiting for autovacuum.
        # The statistics come from a 9,000-row sample (target 30) instead of 30,000: 0.1 s instead of
        # 1.1 s at 200,000 reports, for the same first plans; autovacuum samples the default once a
        # tenth of a table has changed.
        with connection.cursor() as cursor:
            cursor.execute("SET default_statistics_target = 30")
            try:
                cursor.execute(
                    "VACUUM (ANALYZE) reports_report, reports_reportevent, reports_rating, ioc_cell"
                )
            finally:
                cursor.execute("RESET default_statistics_target")
    if not connection.in_atomic_block:
        from citydesk.ioc import heat

        # A load past the threshold gets a new heat-map store (it set the old one aside rather than
        # logging its reports: ReportSeeder.run).
        heat.refresh()
    result.seconds = time.perf_counter() - started
    return result
