"""Benchmark the officer queue and a report's page on a big database (server time, in-process).

Usage (from the repo root):
    .venv/bin/python bench/reports_queue.py [--count 1000000] [--runs 7] [--data-dir DIR]

On a throw-away database (a temporary SQLite file, or with DATABASE_URL=postgres://… a temporary
database on that server, dropped at the end), migrated, loaded with the demo data and `seed-reports
--count N` (HCMC, 24 months), the bench prints, best of R runs, milliseconds and SQL queries of:

  (a) the queue: `selectors.queue_page(user, QueueFilters(), page, page_size)` evaluated the way the
      pages and the API use it (count, the page's rows, each row's category / unit / assignee /
      duplicate), for page sizes 25 / 50 / 100 and a deep page, for three officers: the Bến Thành
      ward officer (one ward), the Department of Construction's director (the province's flooding,
      lighting and tree reports) and the city leader (every unit of HCMC);
  (b) the same through the API in-process: GET /api/v1/reports?page_size=… (with the JSON);
  (c) a report's page: `selectors.report_for_page(code)` with its events, attachments and followers
      count, and GET /api/v1/reports/{code} as its officer; the report gets 12 events, 3 attachments
      and 4 followers first.

  (a) also the city leader's last 30 days (all, open, resolved or closed), as the operations center's
      drill-down links ask for them.

Targets: < 50 ms, and the number of queries must not grow with the page size.
--data-dir DIR (SQLite only) keeps the database in DIR and reuses it on the next run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PAGE_SIZES = (25, 50, 100)


class QueryCounter:
    """Counts every statement sent to the database (robust to the test client's queries reset)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, int]:
    """(best milliseconds, queries of one run)."""
    from django.db import connection

    fn()  # warm: caches (units tree, calendar) and the database pages
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        fn()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000, counter.count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="reports to seed (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs, best is printed (default 7)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--data-dir", help="SQLite only: keep (and reuse) the database in this directory")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "citydesk.settings"
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    os.environ["CITYDESK_DEBUG"] = "false"
    from reports_bulk import bench_database

    with bench_database(args.data_dir, "citydesk-queue-") as label:
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
    out = StringIO()
    call_command("seed-reports", count=str(args.count - have), seed=str(args.seed), verbosity=0, stdout=out)
    print(f"seed-reports --count {args.count - have:,}: {time.perf_counter() - started:.1f} s")


def rich_report(officer: Any) -> str:
    """One open report of the officer's ward with a longer history, photos and followers."""
    from datetime import timedelta

    from citydesk.reports.models import OPEN_STATUSES, Attachment, Follower, Report, ReportEvent

    report = (
        Report.objects.filter(unit__code="26743", status__in=OPEN_STATUSES).order_by("due_at", "pk").first()
    )
    if not ReportEvent.objects.filter(report=report, kind="note").exists():
        ReportEvent.objects.bulk_create(
            ReportEvent(
                report=report,
                at=report.created_at + timedelta(hours=k + 1),
                kind="note",
                actor=officer,
                actor_label=officer.full_name,
                note=f"Ghi chú xử lý số {k + 1}.",
                public=k % 2 == 0,
            )
            for k in range(11)
        )
        Attachment.objects.bulk_create(
            Attachment(
                report=report,
                file=f"reports/bench/{report.pk}/anh-{k}.jpg",
                public_file=f"reports/bench/{report.pk}/anh-{k}-public.jpg",
                original_name=f"anh-{k}.jpg",
                content_type="image/jpeg",
                size=250_000,
            )
            for k in range(3)
        )
        Follower.objects.bulk_create(
            Follower(report=report, email=f"theo-doi-{k}@example.com") for k in range(4)
        )
    return report.code


def run(args: argparse.Namespace, label: str) -> None:
    import django

    django.setup()
    from datetime import timedelta

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from citydesk.core.audit import Actor
    from citydesk.core.models import User
    from citydesk.core.services import api_token_create
    from citydesk.reports import selectors
    from citydesk.reports.models import OPEN_STATUSES, Report

    print(f"database: {label}")
    prepare(args)
    total = Report.objects.count()
    print(f"reports: {total:,}; runs: best of {args.runs}; server time in-process (no network)")
    print()
    people = {name: User.objects.get(username=name) for name in ("officer", "sxd_director", "leader")}
    client = Client(HTTP_HOST="127.0.0.1")
    tokens = {name: api_token_create(actor=Actor.system("bench"), user=u) for name, u in people.items()}

    def queue(
        user: Any, size: int, page: int = 1, filters: selectors.QueueFilters | None = None
    ) -> Callable[[], Any]:
        def go() -> Any:
            result = selectors.queue_page(user, filters or selectors.QueueFilters(), page, size)
            rows = list(result.object_list)
            for r in rows:  # what a queue row shows
                _ = (r.category.name, r.unit.name, r.assignee_id and r.assignee.username, r.duplicate_of_id)
            return result.paginator.count, len(rows)

        return go

    def api_queue(name: str, size: int) -> Callable[[], Any]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[name]}"}

        def go() -> Any:
            response = client.get("/api/v1/reports", {"page_size": size}, **headers)
            assert response.status_code == 200, response.content[:300]
            return response

        return go

    print("(a) queue_page(user, QueueFilters(), page, page_size): ms (best) / SQL queries")
    worst = 0.0
    for name, user in people.items():
        units = selectors.working_units(user)
        open_count = Report.objects.filter(unit_id__in=units, status__in=OPEN_STATUSES).count()
        cells = []
        for size in PAGE_SIZES:
            ms, queries = timed(queue(user, size), args.runs)
            worst = max(worst, ms)
            cells.append(f"{size:>3}: {ms:6.1f} ms / {queries} q")
        deep_page = max(1, min(20, open_count // 50))
        ms, queries = timed(queue(user, 50, deep_page), args.runs)
        cells.append(f"page {deep_page} of 50: {ms:6.1f} ms / {queries} q")
        print(f"    {name:<13} ({len(units):>3} units, {open_count:>7,} open): " + "   ".join(cells))
    # The operations center's drill-down links carry the period: the city leader's last 30 days.
    newest = Report.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if newest is not None:
        until = timezone.localdate(newest)
        cells = []
        for status in ("all", None, "done"):
            period = selectors.QueueFilters(
                status=status, received_from=until - timedelta(days=30), received_to=until
            )
            ms, queries = timed(queue(people["leader"], 50, filters=period), args.runs)
            worst = max(worst, ms)
            cells.append(f"{status or 'open'}: {ms:6.1f} ms / {queries} q")
        print("    leader, received in the last 30 days (drill-down), 50 a page: " + "   ".join(cells))
    print("(b) GET /api/v1/reports?page_size=N (in-process, with the JSON): ms (best) / SQL queries")
    for name in people:
        cells = []
        for size in PAGE_SIZES:
            ms, queries = timed(api_queue(name, size), args.runs)
            cells.append(f"{size:>3}: {ms:6.1f} ms / {queries} q")
        print(f"    {name:<13} " + "   ".join(cells))

    code = rich_report(people["officer"])

    def detail() -> Any:
        report = selectors.report_for_page(code)
        return len(list(report.events.all())), len(list(report.attachments.all())), report.follower_count

    def api_detail() -> Any:
        response = client.get(f"/api/v1/reports/{code}", HTTP_AUTHORIZATION=f"Bearer {tokens['officer']}")
        assert response.status_code == 200, response.content[:300]
        return response

    events, attachments, followers = detail()
    print(f"(c) report {code} ({events} events, {attachments} attachments, {followers} followers):")
    ms, queries = timed(detail, args.runs)
    worst = max(worst, ms)
    print(f"    report_for_page + events + attachments + followers: {ms:6.1f} ms / {queries} q")
    ms, queries = timed(api_detail, args.runs)
    print(f"    GET /api/v1/reports/{code} as the officer:       {ms:6.1f} ms / {queries} q")
    print()
    print(f"slowest selector: {worst:.1f} ms (target < 50 ms)")
    connection.close()


if __name__ == "__main__":
    main()
