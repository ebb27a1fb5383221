"""Benchmark the public reports' page (/phan-anh/) on a big database (server time, in-process).

Usage (from the repo root):
    .venv/bin/python bench/reports_public.py [--count 1000000] [--runs 7] [--data-dir DIR] [--plans]

On the same database as bench/reports_queue.py (a throw-away one, or kept in DIR with --data-dir and reused
by the next run of either: migrated, the demo data, `seed-reports --count N`, HCMC over 24 months), the bench
prints, best of R runs, milliseconds and SQL queries of:

  (a) `public_page(filters, page)` (the list's ids, count and page, its rows, their followers) for: the first
      page of the last 30 days (the page as it opens), the last of its pages, the busiest commune/ward, a
      category, a ward and a category, the open reports of 12 months, a search for a common word ("o ga"),
      for a word no report has (the whole period read: the worst case), the same over 12 months (read back
      to the newest SEARCH_ROWS reports only), a search within a ward, and a tracking code;
  (b) GET /phan-anh/ in-process with the HTML (page 1, a ward by its code, a ward typed by name, a text
      search), as an anonymous visitor.

--plans also prints the query plan of each case's main query (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on
PostgreSQL). Target: < 50 ms for the list, and the number of queries the same whatever the page.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="reports to seed (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs, best is printed (default 7)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--data-dir", help="SQLite only: keep (and reuse) the database in this directory")
    parser.add_argument("--plans", action="store_true", help="print each case's query plan")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "citydesk.settings"
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    os.environ["CITYDESK_DEBUG"] = "false"
    from reports_bulk import bench_database

    with bench_database(args.data_dir, "citydesk-public-") as label:
        run(args, label)


def query_plan(qs: Any) -> str:
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        rows = cursor.fetchall()
    return "\n".join("        " + str(row[-1] if connection.vendor == "sqlite" else row[0]) for row in rows)


def run(args: argparse.Namespace, label: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from reports_queue import prepare, timed

    from citydesk.core.models import AdminUnit, ServiceCategory
    from citydesk.reports.models import Report
    from citydesk.reports.views import public

    print(f"database: {label}")
    prepare(args)
    total = Report.objects.count()
    print(f"reports: {total:,}; runs: best of {args.runs}; server time in-process (no network)")
    print(
        f"page size {public.PAGE_SIZE}, at most {public.MAX_PAGES} pages, a word search reads at most "
        f"{public.SEARCH_ROWS:,} reports"
    )
    print()
    busiest = (
        Report.objects.exclude(ward__isnull=True)
        .values("ward_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("ward_id", flat=True)
        .first()
    )
    ward = AdminUnit.objects.get(code=busiest)
    category = ServiceCategory.objects.get(domain=ServiceCategory.Domain.REPORT, code="road_damage")
    code = Report.objects.filter(is_public=True).order_by("-created_at").values_list("code", flat=True)[500]
    ward_count = Report.objects.filter(ward_id=ward.code).count()
    filters = public.PublicFilters
    cases: list[tuple[str, Any, int]] = [
        ("30 days, page 1", filters(), 1),
        (f"30 days, page {public.MAX_PAGES} (the last)", filters(), public.MAX_PAGES),
        (f"ward {ward.name} ({ward_count:,} reports)", filters(ward=ward), 1),
        ("category road_damage", filters(category=category), 1),
        ("ward + category", filters(ward=ward, category=category), 1),
        ("open, 12 months", filters(state="open", period=365), 1),
        ("search 'o ga', 30 days", filters(q="o ga"), 1),
        ("search a word no report has, 30 days", filters(q="xyzzy"), 1),
        ("search a word no report has, 12 months", filters(q="xyzzy", period=365), 1),
        ("search 'o ga' in the ward, 12 months", filters(q="o ga", ward=ward, period=365), 1),
        (f"tracking code {code}", filters(q=code), 1),
    ]
    print("(a) public_page(filters, page): ms (best) / SQL queries / reports listed")
    worst = 0.0
    for name, chosen, page in cases:

        def go(chosen: Any = chosen, page: int = page) -> Any:
            result = public.public_page(chosen, page)
            for report in result.rows:  # what a row shows
                _ = (report.category.name, report.ward_id and report.ward.name, report.public_description)
            return result

        ms, queries = timed(go, args.runs)
        worst = max(worst, ms)
        result = go()
        listed = f"{result.count:,}{'+' if result.more else ''}"
        note = f", searched since {result.searched_since:%d/%m/%Y}" if result.searched_since else ""
        print(f"    {name:<48} {ms:7.1f} ms / {queries} q / {listed} listed{note}")
        if args.plans:
            ids = (
                public.public_reports(chosen)
                .reports.order_by("-created_at", "-pk")
                .values_list("pk", flat=True)
            )
            print(query_plan(ids[: public.MAX_PAGES * public.PAGE_SIZE + 1]))

    client = Client(HTTP_HOST="127.0.0.1")
    pages = [
        ("/phan-anh/", {}),
        ("/phan-anh/ ward by code", {"ward": ward.code}),
        ("/phan-anh/ ward typed by name", {"ward": ward.name}),
        ("/phan-anh/ search 'ổ gà'", {"q": "ổ gà"}),
        ("/phan-anh/ page 50", {"page": str(public.MAX_PAGES)}),
    ]
    print("(b) GET /phan-anh/ in-process, anonymous, with the HTML: ms (best) / SQL queries")
    for name, params in pages:

        def get(params: dict[str, str] = params) -> Any:
            response = client.get("/phan-anh/", params)
            assert response.status_code == 200, response.content[:300]
            return response

        ms, queries = timed(get, args.runs)
        print(f"    {name:<48} {ms:7.1f} ms / {queries} q")
    print()
    print(f"slowest public_page: {worst:.1f} ms (target < 50 ms)")
    connection.close()


if __name__ == "__main__":
    main()
