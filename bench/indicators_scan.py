"""Indicators bench: all measures and the anomaly scan over 110 indicators × 170 units × 120 months
(~2.2 M values), precision/recall of the detector on planted anomalies (against a naive global z-score),
and one dashboard-sized `measures()` call against a database holding the 2.2 M values (and each unit's
monthly report of each group: approved, but for a third of the wards' last month, still drafts, whose
values the dashboards leave out).

    .venv/bin/python bench/indicators_scan.py [--indicators 110 --units 170 --months 120] [--no-db]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _score(flags: np.ndarray, truth: np.ndarray) -> tuple[float, float, int]:
    tp = int((flags & truth).sum())
    return tp / max(int(flags.sum()), 1), tp / max(int(truth.sum()), 1), int(flags.sum())


def _rules(n: int) -> list[dict]:
    kinds = ["sum", "sum", "avg", "last", "ratio", "weighted"]
    rules = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        rules.append(
            {
                "over_time": kind,
                "direction": "down" if i % 7 == 0 else "up",
                "numerator": 0,
                "denominator": 1,
                "weight": 3,
                "scale": 100.0,
            }
        )
    return rules


def run_arrays(args: argparse.Namespace) -> None:
    from citydesk.indicators.anomalies import detect
    from citydesk.indicators.demo import synthetic_series
    from citydesk.indicators.measures import compute_all

    values, planted = synthetic_series(args.indicators, args.units, args.months, seed=args.seed)
    print(
        f"data: {args.indicators} indicators × {args.units} units × {args.months} months = {values.size:,} values, "
        f"{int(planted.sum()):,} planted anomalies"
    )
    t0 = time.perf_counter()
    out = compute_all(values, _rules(args.indicators))
    t1 = time.perf_counter()
    flat = values.reshape(-1, args.months)
    groups = np.repeat(np.arange(args.indicators), args.units)
    found = detect(flat, first_month=0, groups=groups)
    t2 = time.perf_counter()
    print(
        f"(a) all measures (month/quarter/year × value, previous, YoY, YTD, rank; {len(out)} arrays): {t1 - t0:.2f} s"
    )
    print(f"(b) anomaly scan over {flat.shape[0]:,} series: {t2 - t1:.2f} s")
    print(f"    together: {t2 - t0:.2f} s (target < 10 s)")
    truth = planted.reshape(flat.shape)
    p, r, n = _score(found.flags, truth)
    print(f"seasonal robust detector: precision {p:.3f}, recall {r:.3f} ({n:,} flags)")
    p, r, n = _score(found.flags | found.peer_flags, truth)
    print(f"  with the peer check:    precision {p:.3f}, recall {r:.3f} ({n:,} flags)")
    mean = np.nanmean(flat, axis=1, keepdims=True)
    std = np.nanstd(flat, axis=1, keepdims=True)
    naive = np.abs((flat - mean) / std) >= 3
    p, r, n = _score(naive, truth)
    print(f"naive global z-score |z|≥3 (baseline): precision {p:.3f}, recall {r:.3f} ({n:,} flags)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--indicators", type=int, default=110)
    parser.add_argument("--units", type=int, default=170)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-db", action="store_true", help="skip the database part")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydesk.settings")
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    from reports_bulk import temporary_database

    label, cleanup = temporary_database()
    try:
        import django

        django.setup()
        run_arrays(args)
        if not args.no_db:
            dashboard(args, label)
    finally:
        cleanup()


def dashboard(args: argparse.Namespace, label: str) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from citydesk.core.models import Organisation, OrgKind
    from citydesk.indicators.demo import synthetic_series
    from citydesk.indicators.measures import measures
    from citydesk.indicators.models import DataValue, Indicator, IndicatorGroup, Submission

    print(f"database: {label}")
    call_command("migrate", verbosity=0)
    values, _planted = synthetic_series(args.indicators, args.units, args.months, seed=args.seed)
    city = Organisation.objects.create(code="BENCH", name="Thành phố", kind=OrgKind.PEOPLES_COMMITTEE)
    Organisation.objects.bulk_create(
        [
            Organisation(code=f"B{u:04d}", name=f"Phường {u}", kind=OrgKind.PEOPLES_COMMITTEE, parent=city)
            for u in range(args.units)
        ]
    )
    units = list(Organisation.objects.filter(parent=city).order_by("code").values_list("pk", flat=True))
    groups = [
        IndicatorGroup.objects.create(code=f"G{g:02d}", name=f"Nhóm {g}", position=g) for g in range(20)
    ]
    kinds = ["sum", "sum", "avg", "last"]
    inds = Indicator.objects.bulk_create(
        [
            Indicator(
                group=groups[i % 20],
                code=f"I{i:03d}",
                name=f"Chỉ tiêu {i}",
                unit_of_measure="tỷ đồng",
                over_time=kinds[i % 4],
                over_units="avg" if kinds[i % 4] == "avg" else "sum",
            )
            for i in range(args.indicators)
        ]
    )
    ids = list(Indicator.objects.order_by("code").values_list("pk", flat=True))
    months = [date(2016 + m // 12, m % 12 + 1, 1).isoformat() for m in range(args.months)]
    t0 = time.perf_counter()
    table = DataValue._meta.db_table
    sql = (
        f"INSERT INTO {table} (indicator_id, unit_id, period_type, period, value, source, comment, updated_at) "
        f"VALUES (%s, %s, 'M', %s, %s, 'entry', '', '2026-01-01T00:00:00Z')"
    )
    _insert_many(
        sql,
        (
            [
                (ind_id, units[u], months[m], float(values[i, u, m]))
                for u in range(args.units)
                for m in range(args.months)
            ]
            for i, ind_id in enumerate(ids)
        ),
    )
    print(f"bulk insert of {values.size:,} values: {time.perf_counter() - t0:.1f} s")
    # The units' reports: only the values of reports sent reach the dashboards. All approved but the
    # last month's, which a third of the wards still hold as drafts.
    t0 = time.perf_counter()
    reports_table = Submission._meta.db_table
    sql = (
        f"INSERT INTO {reports_table} (group_id, unit_id, period_type, period, state, version, note) "
        f"VALUES (%s, %s, 'M', %s, %s, 1, '')"
    )
    _insert_many(
        sql,
        (
            [
                (g.pk, unit, month, "draft" if m == len(months) - 1 and u % 3 == 0 else "approved")
                for g in groups
                for u, unit in enumerate(units)
            ]
            for m, month in enumerate(months)
        ),
    )
    print(
        f"bulk insert of {len(months) * len(groups) * len(units):,} reports: {time.perf_counter() - t0:.1f} s"
    )
    from citydesk.indicators import running

    t0 = time.perf_counter()
    with transaction.atomic():
        rows = running.rebuild()  # raw SQL sends no signals: what `rebuild-indicator-totals` does
    print(
        f"running totals (year to date per unit and month) rebuilt: {rows:,} rows in {time.perf_counter() - t0:.1f} s"
    )
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: planner statistics, and the visibility map that
        # lets the covering index answer without the table.
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}, indicators_runningtotal")
        print(f"VACUUM ANALYZE after the load: {time.perf_counter() - t0:.1f} s")
    del inds
    group_codes = list(Indicator.objects.filter(group=groups[0]).values_list("code", flat=True))
    cases = {
        "one group (6 indicators) × 1 ward, month, with rank among 170 wards": dict(
            indicator_codes=group_codes, unit_ids=[units[0]], period_type="M", period=date(2025, 3, 1)
        ),
        "one group × all 170 wards aggregated (city card), quarter": dict(
            indicator_codes=group_codes,
            unit_ids=units,
            period_type="Q",
            period=date(2025, 1, 1),
            aggregate=True,
        ),
        "all 110 indicators × 1 ward, month (leader's summary)": dict(
            unit_ids=[units[0]], period_type="M", period=date(2025, 3, 1)
        ),
        "all 110 indicators × 1 ward, year, with rank": dict(
            unit_ids=[units[0]], period_type="Y", period=date(2024, 1, 1)
        ),
    }
    for name, kwargs in cases.items():
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            got = measures(**kwargs)
            best = min(best, time.perf_counter() - t)
        print(f"measures(): {name}: {best * 1000:.0f} ms ({len(got)} measures; target < 300 ms)")
    pages(city, [g.code for g in groups[:1]], "I000")
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        cProfile.runctx(
            "measures(**kwargs)", globals(), {"measures": measures, "kwargs": kwargs}, "/tmp/ind.prof"
        )
        pstats.Stats("/tmp/ind.prof").sort_stats("cumulative").print_stats(18)


def _insert_many(sql: str, batches: Iterable[list[tuple]]) -> None:
    """Bare `executemany` of each batch in one transaction (the driver's own on SQLite: no Django wrapper)."""
    from django.db import connection, transaction

    if connection.vendor == "sqlite":
        sql = sql.replace("%s", "?")
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.connection if connection.vendor == "sqlite" else cursor
        for rows in batches:
            raw.executemany(sql, rows)


def pages(city: object, group_codes: list[str], indicator_code: str) -> None:
    """Whole dashboard pages through Django (in-process, a city leader, best of 3): server time."""
    from django.test import Client

    from citydesk.core.models import Membership, User
    from citydesk.core.powers import Role

    leader = User.objects.create(username="bench-leader", full_name="Lãnh đạo thành phố")
    Membership.objects.create(user=leader, organisation=city, role=Role.LEADER)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(leader)
    # As a web worker after start-up (citydesk/wsgi.py): what is alive now is never garbage, and full
    # collections during the requests should not walk it (here it includes the bench's own data).
    from citydesk.wsgi import settle

    settle()
    urls = {
        "leader's summary of all groups (default month)": "/chi-tieu-ktxh/",
        "one group page, 170 wards compared, month": f"/chi-tieu-ktxh/nhom/{group_codes[0]}/?period=2025-03",
        "one indicator page, ranks of 170 wards, year": f"/chi-tieu-ktxh/chi-tieu/{indicator_code}/?period=2024",
    }
    for name, url in urls.items():
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            response = client.get(url)
            best = min(best, time.perf_counter() - t)
        assert response.status_code == 200, (url, response.status_code)
        print(f"page: {name}: {best * 1000:.0f} ms (target < 300 ms)")
        if os.environ.get("BENCH_PROFILE") == "pages":
            import cProfile
            import pstats

            cProfile.runctx("client.get(url)", globals(), {"client": client, "url": url}, "/tmp/page.prof")
            pstats.Stats("/tmp/page.prof").sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
