"""Benchmark `citydesk seed-reports` against a bare bulk insert of the same Report rows, in the same run.

Usage (from the repo root): .venv/bin/python bench/reports_bulk.py [--count N] [--seed S] [--rounds R]

Works on a throw-away database: a temporary SQLite file, or, when DATABASE_URL points to PostgreSQL,
a temporary database created next to it (the role needs CREATEDB) and dropped at the end. The database
is migrated and loaded with the demo data (citydesk seed-demo), then, R rounds (best of R is printed):

  (a) reference: the N Report rows seed-reports generates (same seed), already converted to database
      values, inserted by one bare `executemany` (sqlite3) or one `COPY … FROM STDIN` with
      `write_row` (psycopg 3), in one transaction, commit included (the operations center's roll-up
      triggers paused: a bare insert);
  (b) ours: `citydesk seed-reports --count N` in-process: everything it does (reference data, routing,
      generation, code and id reservation, reports + one event each + ratings, the roll-up cells of
      the operations center, commits);
  (c) ratio ours / reference in reports per second (target >= 0.5).

The tables are emptied between runs so that both insert into the same empty, fully indexed tables.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def temporary_database() -> tuple[str, object]:
    """Point DATABASE_URL at a fresh database; return (label, cleanup)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        name = f"citydesk_bench_{os.getpid()}"
        admin = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.close()

        return f"PostgreSQL (temporary database {name})", drop
    directory = tempfile.TemporaryDirectory(prefix="citydesk-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["CITYDESK_DATA_DIR"] = directory.name
    return f"SQLite (temporary file in {directory.name})", directory.cleanup


def _ensure_database(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    return name


@contextlib.contextmanager
def bench_database(data_dir: str | None, prefix: str) -> Iterator[str]:
    """The bench's database, as a label: kept when `data_dir` is given (reused by the next run), else a
    throw-away one (`temporary_database`); CITYDESK_DATA_DIR always points at a directory.

    Kept means: SQLite in `data_dir`; PostgreSQL in the database DATABASE_URL names (created if missing,
    never dropped), with `data_dir` for the files beside it (the heat-map store)."""
    if data_dir:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        os.environ["CITYDESK_DATA_DIR"] = str(Path(data_dir).resolve())
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            label, cleanup = (
                f"PostgreSQL (kept in {_ensure_database(url)}, files in {data_dir})",
                lambda: None,
            )
        else:
            label, cleanup = f"SQLite (kept in {data_dir})", lambda: None
    else:
        label, cleanup = temporary_database()
    scratch = None
    if "CITYDESK_DATA_DIR" not in os.environ:  # PostgreSQL: still a place for media and static files
        scratch = tempfile.mkdtemp(prefix=prefix)
        os.environ["CITYDESK_DATA_DIR"] = scratch
    try:
        yield label
    finally:
        cleanup()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200_000, help="reports per run (default 200,000)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, best is printed (default 2)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydesk.settings")
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    label, cleanup = temporary_database()
    try:
        run(args, label)
    finally:
        cleanup()


def run(args: argparse.Namespace, label: str) -> None:
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction

    from citydesk.core.demo import seed_demo
    from citydesk.ioc import rollup
    from citydesk.reports.models import Report
    from citydesk.reports.seed import DEFAULT_BATCH, ReportSeeder

    n = args.count
    print(f"database: {label}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed_demo()
    print(f"migrate + seed-demo: {time.perf_counter() - started:.1f} s")

    # The reference rows: exactly what seed-reports generates for this seed, as database values.
    seeder = ReportSeeder(provinces=["79"], seed=args.seed)
    rows: list[tuple] = []
    columns: list[str] = []
    next_id = 1
    for batch in seeder.batches(n, DEFAULT_BATCH):  # the command's batches: the very same random draws
        ids = np.arange(next_id, next_id + batch.n, dtype=np.int64)
        next_id += batch.n
        codes = [f"REF-{i:09d}" for i in ids.tolist()]
        columns, batch_rows = seeder.report_rows(batch, ids, codes)
        rows.extend(batch_rows)
    # The reference rows stay in memory during our runs: keep the cyclic GC from rescanning them.
    gc.collect()
    gc.freeze()
    table = Report._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    vendor = connection.vendor
    print(f"rows: {n:,} reports of {len(columns)} columns; best of {args.rounds} rounds")
    print()

    def empty() -> None:
        # Reports and the operations center's roll-ups go together (no per-row roll-up triggers).
        with transaction.atomic(), rollup.triggers_paused(), connection.cursor() as cursor:
            if vendor == "postgresql":
                # CASCADE: whatever else points at the reports (the demo's directives…) goes too.
                cursor.execute(
                    "TRUNCATE reports_rating, reports_reportevent, reports_follower, "
                    "reports_idempotencykey, reports_attachment, reports_report, ioc_cell CASCADE"
                )
            else:
                for t in ("reports_rating", "reports_reportevent", "reports_report", "ioc_cell"):
                    cursor.execute(f"DELETE FROM {t}")
            cursor.execute("DELETE FROM reports_codecounter")
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM")

    def reference() -> float:
        connection.ensure_connection()
        raw = connection.connection
        begin = time.perf_counter()
        with transaction.atomic(), rollup.triggers_paused():  # a bare insert: no roll-up triggers
            if vendor == "postgresql":
                with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                raw.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)
        return time.perf_counter() - begin

    def ours() -> tuple[float, str]:
        out = StringIO()
        begin = time.perf_counter()
        call_command("seed-reports", count=str(n), seed=str(args.seed), stdout=out, stderr=StringIO())
        return time.perf_counter() - begin, out.getvalue().strip()

    ref_times, our_times = [], []
    summary = ""
    for _round in range(args.rounds):
        empty()
        ref_times.append(reference())
        assert Report.objects.count() == n
        empty()
        elapsed, summary = ours()
        our_times.append(elapsed)
        assert Report.objects.count() == n
    ref_t, our_t = min(ref_times), min(our_times)
    kind = "COPY … FROM STDIN (write_row)" if vendor == "postgresql" else "sqlite3 executemany"
    print(f"(a) reference: bare {kind} of the Report rows: {n / ref_t:>10,.0f} reports/s ({ref_t:.2f} s)")
    print(
        f"(b) ours: seed-reports --count {n:,} (reports + events + ratings): {n / our_t:>10,.0f} reports/s ({our_t:.2f} s)"
    )
    print(f"(c) ratio ours / reference: {ref_t / our_t:.2f}  (target >= 0.5)")
    print(
        f"    runs: reference {', '.join(f'{t:.2f}' for t in ref_times)} s; ours {', '.join(f'{t:.2f}' for t in our_times)} s"
    )
    print(f"    last seed-reports output: {summary}")


if __name__ == "__main__":
    main()
