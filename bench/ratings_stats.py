"""Benchmark the satisfaction-rating statistics at 5,000,000 ratings against a naive GROUP BY over the raw
ratings table, in the same run.

Usage (from the repo root):
    .venv/bin/python bench/ratings_stats.py [--ratings 5000000] [--units 170] [--runs 7]

On a throw-away database (a temporary SQLite file, or with DATABASE_URL=postgres://… a temporary database on
that server; see bench/reports_bulk.py), migrated, the bench

  1. creates a city, ~170 commune-level units below it with a few desk officers each, ~30 procedures and a
     city leader and one unit head (plain bulk inserts);
  2. bulk-inserts N ratings over the last 36 months (desk kiosk ~90 %, web ~7 %, residents' app ~3 %, the
     levels in seed 004's proportions), with `executemany` (SQLite) or `COPY` (PostgreSQL);
  3. builds the monthly counts (`RatingMonth`) with the one INSERT … SELECT … GROUP BY of
     `citydesk rebuild-rating-months`;
  4. for each question below prints, median of R runs: (a) ours, the statistics selector
     (`ratings.selectors.rating_stats`, scope and labels included) reading the monthly counts; (b) the
     naive answer, a GROUP BY over the raw ratings table; (c) the ratio naive / ours and whether the two
     answers are equal (every group's three counts). Target: ours < 200 ms.

A whole statistics page through Django (in-process, the leader's city-wide view) is timed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHUNK = 250_000
# What commented ratings say (the statistics page lists the latest in scope, with their count).
COMMENTS = (
    "Cán bộ hướng dẫn tận tình, dễ hiểu.",
    "Phải chờ khá lâu mới đến lượt.",
    "Thủ tục nhanh gọn, cảm ơn.",
    "Cần thêm ghế ngồi chờ.",
)
LEVELS = ("satisfied", "normal", "unsatisfied")
CHANNEL_SHARE = {"kiosk": 0.90, "web": 0.07, "app": 0.03}
LEVEL_SHARE = {  # seed 004: desk 99.24 / 0.59 / 0.17, web 94.95 / 4.67 / 0.37; residents: a guess
    "kiosk": (0.9924, 0.0059, 0.0017),
    "web": (0.9495, 0.0467, 0.0038),
    "app": (0.80, 0.15, 0.05),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ratings", type=int, default=5_000_000, help="ratings (default 5,000,000)")
    parser.add_argument("--units", type=int, default=170, help="commune-level units (default 170)")
    parser.add_argument("--officers", type=int, default=4, help="desk officers per unit (default 4)")
    parser.add_argument("--procedures", type=int, default=30, help="procedures (default 30)")
    parser.add_argument("--months", type=int, default=36, help="months of ratings (default 36)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of ours, median printed (default 7)")
    parser.add_argument("--naive-runs", type=int, default=3, help="timed runs of the naive query (default 3)")
    parser.add_argument(
        "--comment-share", type=float, default=0.05, help="share of ratings with a comment (default 0.05)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data-dir", help="SQLite only: keep (and reuse) the database in this directory")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "citydesk.settings"
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    os.environ["CITYDESK_DEBUG"] = "false"
    from reports_bulk import bench_database

    with bench_database(args.data_dir, "citydesk-ratings-") as label:
        run(args, label)


# --- Data -----------------------------------------------------------------------------------------


def make_reference_data(args: argparse.Namespace) -> dict[str, Any]:
    from citydesk.core.models import Membership, Organisation, OrgKind, User
    from citydesk.dossiers.models import Procedure

    city = Organisation.objects.create(code="79", name="UBND Thành phố", kind=OrgKind.PEOPLES_COMMITTEE)
    Organisation.objects.bulk_create(
        Organisation(
            code=f"{27000 + i}", name=f"UBND Phường {i + 1:03d}", kind=OrgKind.PEOPLES_COMMITTEE, parent=city
        )
        for i in range(args.units)
    )
    units = list(Organisation.objects.filter(parent=city).order_by("pk").values_list("pk", flat=True))
    User.objects.bulk_create(
        User(username=f"cb{u}_{k}", full_name=f"Cán bộ {u}-{k}", password="!")
        for u in units
        for k in range(args.officers)
    )
    officers = {u: [] for u in units}
    for pk, username in User.objects.filter(username__startswith="cb").values_list("pk", "username"):
        officers[int(username[2:].split("_")[0])].append(pk)
    members = [
        Membership(user_id=pk, organisation_id=u, role="officer") for u, pks in officers.items() for pk in pks
    ]
    leader = User.objects.create(username="leader", full_name="Lãnh đạo", password="!")
    head = User.objects.create(username="head", full_name="Chủ tịch phường", password="!")
    members += [
        Membership(user=leader, organisation=city, role="leader"),
        Membership(user=head, organisation_id=units[0], role="head"),
    ]
    Membership.objects.bulk_create(members)
    Procedure.objects.bulk_create(
        Procedure(
            code=f"1.{i:06d}", name=f"Thủ tục {i:02d}", field="Hộ tịch", authority="ward", processing_time=3
        )
        for i in range(args.procedures)
    )
    procedures = list(Procedure.objects.order_by("pk").values_list("pk", flat=True))
    return {"units": units, "officers": officers, "procedures": procedures, "leader": leader, "head": head}


def existing_reference_data() -> dict[str, Any]:
    from citydesk.core.models import Organisation, User

    city = Organisation.objects.get(code="79")
    return {
        "units": list(Organisation.objects.filter(parent=city).order_by("pk").values_list("pk", flat=True)),
        "leader": User.objects.get(username="leader"),
        "head": User.objects.get(username="head"),
    }


def generate_and_insert(args: argparse.Namespace, ref: dict[str, Any]) -> float:
    """Insert the ratings in chunks (numpy draws); returns the seconds spent."""
    import numpy as np
    from django.db import connection, transaction

    from citydesk.ratings.models import Rating

    rng = np.random.default_rng(args.seed)
    units = np.array(ref["units"], dtype=np.int64)
    officer_table = np.array([ref["officers"][u] for u in ref["units"]], dtype=np.int64)  # unit index × k
    procedures = np.array(ref["procedures"], dtype=np.int64)
    unit_weights = rng.pareto(1.5, len(units)) + 1  # busy central wards and quiet ones
    unit_weights /= unit_weights.sum()
    proc_weights = 1 / np.arange(1, len(procedures) + 1)  # a few procedures make most of the traffic
    proc_weights /= proc_weights.sum()
    end = datetime.now(UTC).replace(microsecond=0)
    span = int(timedelta(days=round(args.months * 30.44)).total_seconds())
    start_s = int(end.timestamp()) - span
    channels = np.array(list(CHANNEL_SHARE))
    table = Rating._meta.db_table
    columns = [
        "channel",
        "level",
        "comment",
        "unit_id",
        "officer_id",
        "procedure_id",
        "dossier_id",
        "transaction_id",
        "resident_key",
        "period",
        "device",
        "created_at",
    ]
    vendor = connection.vendor
    connection.ensure_connection()
    raw = connection.connection
    began = time.perf_counter()
    done = 0
    serial = 0
    while done < args.ratings:
        n = min(CHUNK, args.ratings - done)
        channel = rng.choice(channels, n, p=list(CHANNEL_SHARE.values()))
        level = np.empty(n, dtype=object)
        for name, shares in LEVEL_SHARE.items():
            mask = channel == name
            level[mask] = rng.choice(np.array(LEVELS, dtype=object), int(mask.sum()), p=shares)
        unit_index = rng.choice(len(units), n, p=unit_weights)
        officer = officer_table[unit_index, rng.integers(0, officer_table.shape[1], n)]
        procedure = rng.choice(procedures, n, p=proc_weights)
        seconds = np.sort(rng.integers(start_s, int(end.timestamp()), n))
        stamps = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
        is_kiosk, is_app = channel == "kiosk", channel == "app"
        commented = rng.random(n) < args.comment_share  # a few ratings carry a comment (Góp ý)
        # Local (UTC+7) month of each rating: the residents' period.
        local = np.datetime_as_string((seconds + 7 * 3600).astype("datetime64[s]"), unit="M")
        rows = []
        for i in range(n):
            kiosk, app = bool(is_kiosk[i]), bool(is_app[i])
            serial += 1
            stamp = str(stamps[i]).replace("T", " ")
            rows.append(
                (
                    str(channel[i]),
                    level[i],
                    COMMENTS[serial % len(COMMENTS)] if commented[i] else "",
                    int(units[unit_index[i]]),
                    int(officer[i]) if kiosk else None,
                    None if app else int(procedure[i]),
                    None,
                    None,
                    f"r{serial}" if app else "",
                    str(local[i]) if app else "",
                    "",
                    stamp if vendor != "postgresql" else f"{stamp}+00",
                )
            )
        with transaction.atomic():
            if vendor == "postgresql":
                names = ", ".join(columns)
                with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        done += n
        print(f"\r  inserted {done:,} ratings ({time.perf_counter() - began:.0f} s)", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - began


# --- The questions ---------------------------------------------------------------------------------


def month_start(day: date, back: int = 0) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def utc_bound(month: date) -> datetime:
    """The UTC instant a local (Asia/Ho_Chi_Minh) month begins."""
    from zoneinfo import ZoneInfo

    return datetime(month.year, month.month, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)


def naive(group: str, first: date, last: date, unit_ids: list[int] | None, channel: str = "") -> dict:
    """The same answer from the raw ratings: one GROUP BY, no monthly counts."""
    from django.db import connection

    from citydesk.ratings.models import Rating
    from citydesk.ratings.services.common import month_expression

    month_sql, month_params = month_expression("created_at")
    key = {
        "unit": "unit_id",
        "officer": "COALESCE(officer_id, 0)",
        "procedure": "COALESCE(procedure_id, 0)",
        "channel": "channel",
        "month": month_sql,
    }[group]
    params: list[Any] = list(month_params) if group == "month" else []
    end = month_start(last, -1)
    where = ["created_at >= %s", "created_at < %s"]
    adapt = connection.ops.adapt_datetimefield_value  # as stored: UTC text on SQLite
    params += [adapt(utc_bound(first)), adapt(utc_bound(end))]
    if unit_ids is not None:
        where.append(f"unit_id IN ({', '.join(str(int(u)) for u in unit_ids)})")
    if channel:
        where.append("channel = %s")
        params.append(channel)
    sums = ", ".join(f"SUM(CASE WHEN level = '{lv}' THEN 1 ELSE 0 END)" for lv in LEVELS)
    sql = f"SELECT {key}, {sums} FROM {Rating._meta.db_table} WHERE {' AND '.join(where)} GROUP BY 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = {}
    for k, s, n, u in rows:
        if group == "month":
            k = str(k)[:7]
        result[str(k)] = (int(s), int(n), int(u))
    return result


def ours_answer(stats: Any) -> dict:
    """Our rows as the naive GROUP BY gives them: the units listed with no rating (by unit, a leader sees
    every unit, rated or not) have no group there."""
    return {r.key: (r.satisfied, r.normal, r.unsatisfied) for r in stats.rows if r.total}


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _i in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def run(args: argparse.Namespace, label: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from citydesk.ratings.models import Rating, RatingMonth
    from citydesk.ratings.selectors import rating_stats, stats_filters, stats_scope
    from citydesk.ratings.services import live_months_rebuild

    print(f"database: {label}")
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - began:.1f} s")
    if Rating.objects.count() >= args.ratings:  # a kept database (--data-dir) already holds them
        ref = existing_reference_data()
        print(f"ratings: {Rating.objects.count():,} already there")
    else:
        ref = make_reference_data(args)
        print(
            f"reference data: {len(ref['units'])} units, "
            f"{sum(len(v) for v in ref['officers'].values())} officers, {len(ref['procedures'])} procedures"
        )
        seconds = generate_and_insert(args, ref)
        print(
            f"ratings: {Rating.objects.count():,} inserted in {seconds:.0f} s ({args.ratings / seconds:,.0f}/s)"
        )
    began = time.perf_counter()
    with transaction.atomic():
        months = live_months_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"monthly counts: {months:,} RatingMonth rows from one INSERT … SELECT … GROUP BY "
        f"in {time.perf_counter() - began:.1f} s"
    )
    assert RatingMonth.objects.count() == months

    leader_scope = stats_scope(ref["leader"])
    head_scope = stats_scope(ref["head"])
    today = timezone.localdate()
    year_from, year_to = month_start(today, 11), month_start(today)
    one = month_start(today, 1)
    all_from = month_start(today, args.months)
    first_unit = ref["units"][0]
    from citydesk.core.models import Organisation

    first_code = Organisation.objects.get(pk=first_unit).code
    questions = [
        ("city, last 12 months, by unit", leader_scope, dict(group="unit"), year_from, year_to, None, ""),
        (
            "city, last 12 months, by procedure",
            leader_scope,
            dict(group="procedure"),
            year_from,
            year_to,
            None,
            "",
        ),
        (
            "city, last 12 months, by channel",
            leader_scope,
            dict(group="channel"),
            year_from,
            year_to,
            None,
            "",
        ),
        (
            "city, last 12 months, by officer",
            leader_scope,
            dict(group="officer"),
            year_from,
            year_to,
            None,
            "",
        ),
        ("city, 3 years, by month", leader_scope, dict(group="month"), all_from, year_to, None, ""),
        ("city, one month, by unit", leader_scope, dict(group="unit"), one, one, None, ""),
        (
            "city, last 12 months, desk only, by unit",
            leader_scope,
            dict(group="unit", channel="kiosk"),
            year_from,
            year_to,
            None,
            "kiosk",
        ),
        (
            "one unit's officers (its head), 12 months",
            head_scope,
            dict(group="officer"),
            year_from,
            year_to,
            sorted(head_scope.unit_ids or []),
            "",
        ),
        (
            "one unit's officers (leader, unit filter), 12 months",
            leader_scope,
            dict(group="officer", unit=first_code),
            year_from,
            year_to,
            [first_unit],
            "",
        ),
    ]
    print()
    print(f"{'question':<54} {'ours ms':>9} {'naive ms':>10} {'ratio':>7}  equal  groups")
    worst = 0.0
    all_equal = True
    for title, scope, params, first, last, unit_ids, channel in questions:
        filters = stats_filters(
            scope=scope,
            month_from=f"{first:%Y-%m}",
            month_to=f"{last:%Y-%m}",
            **params,
        )
        our_ms, stats = timed(
            lambda scope=scope, filters=filters: rating_stats(scope=scope, filters=filters), args.runs
        )
        naive_ms, reference = timed(
            lambda g=params["group"], a=first, b=last, u=unit_ids, c=channel: naive(g, a, b, u, c),
            args.naive_runs,
        )
        equal = ours_answer(stats) == reference
        all_equal &= equal
        worst = max(worst, our_ms)
        print(
            f"{title:<54} {our_ms:>9.1f} {naive_ms:>10.1f} {naive_ms / our_ms:>6.1f}x  {'yes' if equal else 'NO':<5}  {len(stats.rows)}"
        )

    # The whole page through Django, as the leader opens it (middleware, template, session).
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(ref["leader"])
    query = {"group": "unit", "from": f"{year_from:%Y-%m}", "to": f"{year_to:%Y-%m}"}
    client.get("/danh-gia/thong-ke/", query)
    page_ms, response = timed(lambda: client.get("/danh-gia/thong-ke/", query), args.runs)
    assert response.status_code == 200, response.status_code
    print(f"{'whole page /danh-gia/thong-ke/ (city, 12 months, by unit)':<54} {page_ms:>9.1f}")
    listed = response.content.decode().count('data-testid="comment"')
    from citydesk.ratings.models import Rating

    commented = Rating.objects.exclude(comment="").count()
    print(
        f"  (its comments section lists {listed}, newest first, counting them among {commented:,} comments)"
    )
    client.force_login(ref["head"])
    client.get("/danh-gia/thong-ke/", query)
    head_ms, response = timed(lambda: client.get("/danh-gia/thong-ke/", query), args.runs)
    assert response.status_code == 200, response.status_code
    print(f"{'whole page, a ward head (their unit, 12 months)':<54} {head_ms:>9.1f}")
    print()
    print(
        f"slowest statistics query: {worst:.1f} ms (target < 200 ms); answers equal: {'yes' if all_equal else 'NO'}"
    )
    if not all_equal:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
