"""Benchmark the operations center overview at scale, against DuckDB scanning the same reports.

Usage (from the repo root):
    .venv/bin/python bench/ioc_overview.py [--count 10000000] [--months 36] [--runs 5] [--data-dir DIR]

On a throw-away database (a temporary SQLite file, or with DATABASE_URL=postgres://… a temporary database
on that server), migrated, loaded with the demo data and `seed-reports --count N --months M` (HCMC; the
seeding also fills the roll-up cells), the bench prints for several filter combinations, best of R runs:

  (a) ours: server time of every panel of the overview (`panels.overview`: cards for the period, the
      previous period and the same period last year; category, channel, status, unit, ward, daily trend,
      league with sparklines) read from the roll-up cells, and the whole page through Django in-process;
  (b) reference: DuckDB (in-process, columnar) answering the same panels with GROUP BYs over the same
      reports, loaded into a DuckDB table first (load time printed, not counted);
  (c) the ratio ours / DuckDB (target: within 10x, and ours < 300 ms), and whether every panel's counts
      (received, resolved, on time, overdue, ratings) equal DuckDB's direct GROUP BY over the raw rows;
  (d) the peak memory of a fresh process that serves the overview (target < 300 MB).

--data-dir DIR keeps the database and reuses it: seeding 10 M reports takes ~20 minutes on SQLite and ~30 on
PostgreSQL. SQLite lives in DIR; with DATABASE_URL=postgres://…/NAME the database NAME is used (created if
missing, never dropped; give it a name of its own) and DIR holds the heat-map store.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

OFFSET_HOURS = 7  # Asia/Ho_Chi_Minh: no daylight saving time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000_000, help="reports (default 10,000,000)")
    parser.add_argument("--months", type=int, default=36, help="spread over the last N months (default 36)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs, best is printed (default 5)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--data-dir",
        help="keep (and reuse) the database: SQLite in DIR; PostgreSQL in DATABASE_URL's database",
    )
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "citydesk.settings"
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    os.environ["CITYDESK_DEBUG"] = "false"
    if args.memory_probe:
        memory_probe()
        return
    from reports_bulk import bench_database

    with bench_database(args.data_dir, "citydesk-ioc-") as label:
        run(args, label)


def prepare(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    from citydesk.core.demo import seed_demo
    from citydesk.reports.models import Report

    call_command("migrate", verbosity=0)
    seed_demo()
    have = Report.objects.count()
    if have >= args.count:
        print(f"reports: {have:,} already there")
        return
    started = time.perf_counter()
    call_command(
        "seed-reports",
        count=str(args.count - have),
        seed=str(args.seed),
        months=str(args.months),
        verbosity=0,
        stdout=StringIO(),
    )
    print(
        f"seed-reports --count {args.count - have:,} --months {args.months}: {time.perf_counter() - started:.0f} s"
    )


# --- The filter combinations ---------------------------------------------------------------------


def combinations() -> list[tuple[str, Any]]:
    from django.utils import timezone

    from citydesk.core.models import Organisation, ServiceCategory
    from citydesk.ioc.access import dashboard_scope
    from citydesk.ioc.queries import Filters
    from citydesk.reports.selectors import _descendants

    today = timezone.localdate()
    road = ServiceCategory.objects.get(code="road_damage").pk
    ward = Organisation.objects.get(code="26743")
    sxd = Organisation.objects.get(code="79.SXD")
    from citydesk.core.models import User

    leader_scope = dashboard_scope(User.objects.get(username="leader"))
    ward_scope = frozenset(_descendants({ward.pk}))
    sxd_scope = frozenset(_descendants({sxd.pk}))
    mid = today - timedelta(days=100)
    return [
        # A city's own installation: its leader's scope is every unit, so no unit filter at all.
        ("whole city, last 30 days", Filters(today - timedelta(days=29), today)),
        ("whole city, this year, one category", Filters(today.replace(month=1, day=1), today, road)),
        (
            "whole city, 3 years, hotline + closed",
            Filters(today - timedelta(days=3 * 365), today, None, None, "hotline", "closed"),
        ),
        # The demo holds two cities: HCMC's leader sees HCMC's ~200 units (a unit filter).
        ("city, last 30 days", Filters(today - timedelta(days=29), today, unit_ids=leader_scope)),
        ("city, this year, one category", Filters(today.replace(month=1, day=1), today, road, leader_scope)),
        (
            "city, 3 years, hotline + closed",
            Filters(today - timedelta(days=3 * 365), today, None, leader_scope, "hotline", "closed"),
        ),
        ("ward head, last 90 days", Filters(today - timedelta(days=89), today, unit_ids=ward_scope)),
        ("department head, 1 year, app", Filters(today - timedelta(days=364), today, None, sxd_scope, "app")),
        (
            "city, mid-month quarter, ward + category + web + open",
            Filters(mid, mid + timedelta(days=91), road, ward_scope, "web", "open"),
        ),
    ]


# --- DuckDB reference ------------------------------------------------------------------------------


def load_duckdb() -> Any:
    import duckdb
    import numpy as np
    import pandas as pd
    from django.db import connection

    sql = (
        "SELECT r.created_at, r.unit_id, COALESCE(r.ward_id, ''), r.category_id, r.channel, r.status, "
        "r.resolved_at, r.due_at, r.escalated_at, r.reopen_count, COALESCE(rt.level, ''), r.lat, r.lon "
        "FROM reports_report r LEFT JOIN reports_rating rt ON rt.report_id = r.id"
    )
    names = [
        "created_at",
        "unit_id",
        "ward",
        "category_id",
        "channel",
        "status",
        "resolved_at",
        "due_at",
        "escalated_at",
        "reopen_count",
        "rating",
        "lat",
        "lon",
    ]
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(500_000):
            frame = pd.DataFrame(rows, columns=names)
            for col in ("created_at", "resolved_at", "due_at", "escalated_at"):
                frame[col] = pd.to_datetime(frame[col], utc=True, format="mixed").dt.tz_localize(None)
            frame["unit_id"] = frame["unit_id"].astype(np.int32)
            frame["category_id"] = frame["category_id"].astype(np.int32)
            chunks.append(frame)
    data = pd.concat(chunks, ignore_index=True)
    db = duckdb.connect()
    db.register("frame", data)
    db.execute(
        "CREATE TABLE reports AS SELECT *, CAST(created_at + INTERVAL 7 HOUR AS DATE) AS day, "
        "date_diff('second', created_at, resolved_at) / 3600.0 AS hours, "
        # The heat map's square (ioc/heat.py), NULL without a point.
        "CAST(floor((lat - 6.0) / 0.0025) AS INTEGER) * 10000 + CAST(floor((lon - 102.0) / 0.0025) AS INTEGER) "
        "AS grid FROM frame"
    )
    db.unregister("frame")
    return db, len(data)


def duck_where(f: Any) -> tuple[str, list[Any]]:
    from citydesk.reports.models import OPEN_STATUSES

    where, params = ["day BETWEEN ? AND ?"], [f.start, f.end]
    if f.category_id is not None:
        where.append("category_id = ?")
        params.append(f.category_id)
    if f.unit_ids is not None:
        where.append(f"unit_id IN ({', '.join(str(int(u)) for u in sorted(f.unit_ids)) or '-1'})")
    if f.channel:
        where.append("channel = ?")
        params.append(f.channel)
    if f.status == "open":
        where.append(f"status IN ({', '.join(repr(str(s)) for s in OPEN_STATUSES)})")
    elif f.status:
        where.append("status = ?")
        params.append(f.status)
    return " AND ".join(where), params


def duck_measures() -> str:
    from citydesk.reports.models import OPEN_STATUSES

    open_list = ", ".join(repr(str(s)) for s in OPEN_STATUSES)
    return (
        "COUNT(*) AS n, COUNT(resolved_at) AS resolved_n, "
        "SUM(CASE WHEN resolved_at IS NOT NULL AND due_at IS NOT NULL AND resolved_at <= due_at THEN 1 ELSE 0 END) AS on_time_n, "
        f"SUM(CASE WHEN status IN ({open_list}) AND escalated_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, "
        "SUM(CASE WHEN rating = 'satisfied' THEN 1 ELSE 0 END) AS rated_satisfied, "
        "SUM(CASE WHEN rating = 'unsatisfied' THEN 1 ELSE 0 END) AS rated_unsatisfied, "
        "median(hours) AS median_hours"
    )


GROUPS = {
    "total": "",
    "category": "category_id",
    "channel": "channel",
    "status": "status",
    "unit": "unit_id",
    "ward": "ward",
    "period": "day",
    "unit_period": "unit_id, day",
    "heat": "grid",
}


def duck_panels(db: Any, f: Any) -> dict[str, dict]:
    answers: dict[str, dict] = {}
    periods = {"total": f, "total_previous": f.previous(), "total_last_year": f.last_year()}
    for name, g in GROUPS.items():
        for key, ff in periods.items() if name == "total" else [(name, f)]:
            where, params = duck_where(ff)
            select = f"{g + ', ' if g else ''}{duck_measures()}"
            sql = f"SELECT {select} FROM reports WHERE {where}" + (f" GROUP BY {g}" if g else "")
            rows = db.execute(sql, params).fetchall()
            width = len(g.split(",")) if g else 0
            answers[key] = {tuple(r[:width]): r[width:] for r in rows}
    return answers


def ours_panels(f: Any) -> dict[str, Any]:
    from citydesk.ioc import panels

    return panels.overview(f, lambda **kw: "")


def same_answers(f: Any, duck: dict[str, dict]) -> tuple[bool, str]:
    from citydesk.ioc import heat
    from citydesk.ioc.queries import totals

    found = heat.scan(f)
    theirs_heat = {k[0]: int(v[0]) for k, v in duck["heat"].items() if k[0] is not None}
    if found.squares != theirs_heat:
        return False, "heat map: different squares or counts"
    names = ("n", "resolved_n", "on_time_n", "overdue_n", "rated_satisfied", "rated_unsatisfied")
    theirs_wards = {k[0]: tuple(int(x or 0) for x in v[:6]) for k, v in duck["ward"].items() if k[0]}
    ours_wards = {w: tuple(int(m.values.get(n, 0)) for n in names) for w, m in found.wards.items()}
    # The store keeps no overdue figure (the map does not show it): compare the others.
    if {w: v[:3] + v[4:] for w, v in ours_wards.items()} != {
        w: v[:3] + v[4:] for w, v in theirs_wards.items()
    }:
        return False, "ward map: different wards or counts"
    checks = {
        "category": ("category",),
        "channel": ("channel",),
        "status": ("status",),
        "unit": ("unit",),
        "period": ("period",),
    }
    for name, group in checks.items():
        ours = {k: m for k, m in totals(f, group).items() if m.n}
        theirs = duck[name]
        if {_norm(k) for k in ours} != {_norm(k) for k in theirs}:
            return False, f"{name}: different groups"
        for key, m in ours.items():
            v = theirs[next(k for k in theirs if _norm(k) == _norm(key))]
            mine = (
                int(m.n),
                int(m.resolved_n),
                int(m.on_time_n),
                int(m.overdue_n),
                int(m.rated_satisfied),
                int(m.rated_unsatisfied),
            )
            if mine != tuple(int(x or 0) for x in v[:6]):
                return False, f"{name} {key}: ours {mine} DuckDB {tuple(v[:6])}"
    return True, "counts equal for category, channel, status, unit, ward, day, heat-map square and ward map"


def _norm(key: tuple) -> tuple:
    return tuple(str(k) if isinstance(k, date) else k for k in key)


def best_of(runs: int, fn: Any) -> float:
    fn()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def memory_probe() -> None:
    """A fresh process: Django, then the overview page as the leader, several filters. Prints peak RSS
    (VmHWM of this process's memory; getrusage's ru_maxrss would carry the parent's over exec)."""
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    from citydesk.core.models import User

    client.force_login(User.objects.get(username="leader"))
    for query in (
        "period=30d",
        "period=year",
        "period=90d&channel=hotline",
        "start=2024-01-01&end=2026-11-01",
    ):
        response = client.get(f"/dieu-hanh/?{query}")
        assert response.status_code == 200, response.status_code
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(peak_kb // 1024)


def run(args: argparse.Namespace, label: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from citydesk.core.models import User
    from citydesk.ioc.models import Cell
    from citydesk.reports.models import Report

    print(f"database: {label}")
    prepare(args)
    reports = Report.objects.count()
    cells = Cell.objects.count()
    print(f"reports: {reports:,}; roll-up cells: {cells:,} ({cells / max(reports, 1):.2f} per report)")
    started = time.perf_counter()
    db, loaded = load_duckdb()
    print(f"DuckDB: {loaded:,} rows loaded in {time.perf_counter() - started:.0f} s (not counted)")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="leader"))
    print(f"runs: best of {args.runs}; server time in-process")
    print()
    print(f"{'filters':<58} {'ours panels':>12} {'ours page':>10} {'DuckDB':>9} {'ratio':>6}  same answers")
    worst_ours, worst_ratio, all_same = 0.0, 0.0, True
    for name, f in combinations():
        ours_ms = best_of(args.runs, lambda f=f: ours_panels(f))
        duck_ms = best_of(args.runs, lambda f=f: duck_panels(db, f))
        ok, detail = same_answers(f, duck_panels(db, f))
        all_same &= ok
        page_ms = float("nan")
        if name.startswith("city"):
            query = f"start={f.start}&end={f.end}" + (f"&channel={f.channel}" if f.channel else "")
            if f.status:
                query += f"&status={f.status}"
            if f.category_id is not None:
                from citydesk.core.models import ServiceCategory

                query += f"&category={ServiceCategory.objects.get(pk=f.category_id).code}"
            if "ward" in name:
                query += "&unit=26743"
            page_ms = best_of(args.runs, lambda q=query: client.get(f"/dieu-hanh/?{q}"))
        ratio = ours_ms / duck_ms if duck_ms else float("nan")
        worst_ours, worst_ratio = (
            max(worst_ours, ours_ms, page_ms if page_ms == page_ms else 0),
            max(worst_ratio, ratio),
        )
        print(
            f"{name:<58} {ours_ms:>9.1f} ms {page_ms:>7.1f} ms {duck_ms:>6.1f} ms {ratio:>6.2f}  {'yes' if ok else 'NO: ' + detail}"
        )
    connection.close()
    probe = subprocess.run(
        [sys.executable, __file__, "--memory-probe"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    memory = (
        probe.stdout.strip().splitlines()[-1]
        if probe.returncode == 0 and probe.stdout.strip()
        else f"failed: {probe.stderr[-300:]}"
    )
    print()
    print(
        f"slowest: {worst_ours:.1f} ms (target < 300 ms); worst ratio to DuckDB {worst_ratio:.2f} (target <= 10)"
    )
    print(f"same answers as DuckDB's GROUP BY over the raw rows: {'yes' if all_same else 'NO'}")
    print(f"web worker peak memory after four overview pages: {memory} MB (target < 300 MB)")


if __name__ == "__main__":
    main()
