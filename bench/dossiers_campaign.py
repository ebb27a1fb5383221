"""Benchmark the same-day campaign dashboard, the backlog and the targets at scale, against naive
GROUP BYs over the raw dossiers table in the same run.

Usage (from the repo root):
    .venv/bin/python bench/dossiers_campaign.py [--count 2000000] [--years 3] [--runs 5] [--data-dir DIR]

On a throw-away database (a temporary SQLite file, or with DATABASE_URL=postgres://… a temporary database
on that server), migrated, loaded with the demo data and `citydesk seed-dossiers --count N` (the seeding
rate is printed; it also rebuilds the counters), the bench times, median of R runs, as HCMC's leader:

  (a) ours: the campaign dashboard (stats.campaign_dashboard: CampaignTally + the campaign's withdrawn
      dossiers), the backlog of the units outside the campaign (stats.backlog: indexed counts of open
      dossiers + the kept baseline, and of the steps waiting at each unit on the active-steps index) and
      the targets of every unit for last year (stats.target_table: DossierMonth), then the three pages
      through Django in-process;
  (b) naive: the same figures straight from the tables — a GROUP BY over the campaign's dossiers; open /
      overdue / open-at-the-start per unit over every dossier of those units, and waiting / late per unit
      over every step; received, online, one-stop, finished and in-time per unit over every dossier of the
      units for the year, and the open dossiers past their due time in it (the on-time share's whole:
      finished + open overdue);
  (c) the ratio naive / ours, and whether every number is equal. Target: the dashboard < 200 ms.

--data-dir DIR (SQLite only) keeps the database and reuses it (seeding 2 M dossiers takes minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=2_000_000, help="dossiers (default 2,000,000)")
    parser.add_argument("--years", type=int, default=3, help="spread over the last N years (default 3)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs, the median is printed (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", help="SQLite only: keep (and reuse) the database in this directory")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "citydesk.settings"
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    os.environ["CITYDESK_DEBUG"] = "false"
    from reports_bulk import bench_database

    with bench_database(args.data_dir, "citydesk-campaign-") as label:
        run(args, label)


def prepare(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    from citydesk.core.demo import seed_demo
    from citydesk.dossiers.models import Dossier, Procedure

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed_demo()
    if not Procedure.objects.exists():
        from citydesk.dossiers.demo_catalog import seed_procedures

        seed_procedures()
    print(f"migrate + seed-demo: {time.perf_counter() - started:.1f} s")
    have = Dossier.objects.count()
    if have >= args.count:
        print(f"dossiers: {have:,} already there")
        return
    out = StringIO()
    started = time.perf_counter()
    call_command(
        "seed-dossiers", count=str(args.count - have), years=str(args.years), seed=str(args.seed), stdout=out
    )
    elapsed = time.perf_counter() - started
    print(out.getvalue().strip())
    print(
        f"seeding rate: {(args.count - have) / elapsed:,.0f} dossiers/s ({elapsed:.0f} s, counters included)"
    )


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        begin = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times), result


# --- The figures, ours and naive, as plain comparable values ---------------------------------------


def ours_dashboard(campaign: Any, scope: Any) -> dict:
    from citydesk.dossiers import stats

    board = stats.campaign_dashboard(campaign, scope=scope)
    return {
        (r.unit.pk, r.procedure.pk): (
            r.counts.received,
            r.counts.same_day,
            r.counts.later,
            r.counts.refused,
            r.counts.withdrawn,
            r.counts.pending,
            r.counts.overdue,
        )
        for b in board.units
        for r in b.rows
        if r.counts.received
    }


def naive_dashboard(campaign: Any) -> dict:
    from django.db.models import Count, Q
    from django.utils import timezone

    from citydesk.dossiers.models import OPEN_STATUSES, Dossier

    finished = ~Q(punctuality="")
    same = finished & Q(same_day=True) & ~Q(punctuality="late")
    rows = (
        Dossier.objects.filter(campaign=campaign)
        .values("unit_id", "procedure_id")
        .annotate(
            received=Count("id"),
            same=Count("id", filter=same),
            later=Count("id", filter=finished & ~(Q(same_day=True) & ~Q(punctuality="late"))),
            refused=Count("id", filter=Q(status="refused")),
            withdrawn=Count("id", filter=Q(status="withdrawn")),
            pending=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count(
                "id",
                filter=Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now()) & ~Q(status="supplement"),
            ),
        )
        .order_by()
    )
    return {
        (r["unit_id"], r["procedure_id"]): (
            r["received"],
            r["same"],
            r["later"],
            r["refused"],
            r["withdrawn"],
            r["pending"],
            r["overdue"],
        )
        for r in rows
    }


def ours_backlog(campaign: Any, scope: Any, now: dt.datetime) -> dict:
    from citydesk.dossiers import stats

    board = stats.backlog(campaign, scope=scope, now=now)
    return {
        r.unit.pk: (r.open_now, r.overdue, r.open_before_start, r.open_at_start, r.waiting, r.waiting_overdue)
        for r in board.rows
    }


def naive_backlog(campaign: Any, scope: Any, now: dt.datetime) -> dict:
    from django.db.models import Count, Q

    from citydesk.core.models import Organisation, OrgKind
    from citydesk.dossiers import stats
    from citydesk.dossiers.models import OPEN_STATUSES, Dossier, DossierStep

    start = stats.start_moment(campaign)
    ids = [u.pk for u in stats.backlog_units(campaign, scope)]
    open_now = Q(status__in=OPEN_STATUSES)
    at_start = (
        Q(received_at__lt=start)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
        & ~Q(status="withdrawn", updated_at__lt=start)
    )
    rows = {
        r["unit_id"]: (r["open"], r["overdue"], r["before"], r["at_start"])
        for r in Dossier.objects.filter(unit_id__in=ids)
        .values("unit_id")
        .annotate(
            open=Count("id", filter=open_now),
            # the clock of a dossier waiting for the applicant's papers is stopped: not overdue
            overdue=Count("id", filter=open_now & Q(due_at__lt=now) & ~Q(status="supplement")),
            before=Count("id", filter=open_now & Q(received_at__lt=start)),
            at_start=Count("id", filter=at_start),
        )
        .order_by()
    }
    # Waiting at each unit: every step begun and not completed, grouped over the whole steps table; a
    # ward's one-stop desk counts with its ward; a city's committee shows when something waits at it.
    desk_of = dict(
        Organisation.objects.filter(parent_id__in=ids, kind=OrgKind.ONE_STOP_DESK).values_list(
            "pk", "parent_id"
        )
    )
    waiting: dict[int, list[int]] = {}
    for r in (
        DossierStep.objects.values("unit_id")
        .annotate(
            n=Count("id", filter=Q(started_at__isnull=False, completed_at__isnull=True)),
            late=Count(
                "id",
                filter=Q(started_at__isnull=False, completed_at__isnull=True)
                & (Q(due_at__lt=now) | Q(dossier__due_at__lt=now))
                & Q(dossier__paused_at__isnull=True),
            ),
        )
        .order_by()
    ):
        cell = waiting.setdefault(desk_of.get(r["unit_id"], r["unit_id"]), [0, 0])
        cell[0] += r["n"]
        cell[1] += r["late"]
    cities = Organisation.objects.filter(parent__isnull=True, kind=OrgKind.PEOPLES_COMMITTEE, is_active=True)
    city = stats.campaign_city(campaign)
    shown = [
        *ids,
        *(c.pk for c in cities if city and c.pk == city.pk and waiting.get(c.pk, [0])[0] and c.pk not in ids),
    ]
    return {
        u: (*rows.get(u, (0, 0, 0, 0)), *waiting.get(u, (0, 0))) if u in ids else (0, 0, 0, 0, *waiting[u])
        for u in shown
    }


def ours_targets(scope: Any, year: int) -> dict:
    from citydesk.dossiers import stats

    table = stats.target_table(scope=scope, year=year)
    rows = [*table.rows, *([table.total] if table.total else [])]
    return {
        r.unit.pk: (
            r.received,
            r.online.part,
            r.one_stop.part,
            r.finished,
            r.on_time.part,
            r.open_overdue,
            r.on_time.whole,
        )
        for r in rows
    }


def naive_targets(scope: Any, year: int) -> dict:
    from django.db.models import Count, Q
    from django.utils import timezone

    from citydesk.dossiers import stats
    from citydesk.dossiers.models import Dossier

    tz = timezone.get_current_timezone()
    now = timezone.now()
    a, b = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
    got = Q(received_at__gte=a, received_at__lt=b)
    done = Q(resolved_at__gte=a, resolved_at__lt=b) & ~Q(punctuality="")
    # Still open past their due time, due in the period (the papers' wait stops the clock: not counted).
    late = Q(status__in=["received", "in_progress"], due_at__gte=a, due_at__lt=min(b, now))
    sums = {
        "received": Count("id", filter=got),
        "online": Count("id", filter=got & Q(channel="online")),
        "one_stop": Count("id", filter=got & Q(via_one_stop=True)),
        "finished": Count("id", filter=done),
        "in_time": Count("id", filter=done & Q(punctuality__in=["early", "on_time"])),
        "open_overdue": Count("id", filter=late),
    }
    keys = list(sums)

    def row(r: dict) -> tuple:  # the on-time share's whole: finished + open overdue
        return (*(r[k] for k in keys), r["finished"] + r["open_overdue"])

    units = stats.receiving_units(scope=scope)
    rows = {
        r["unit_id"]: row(r)
        for r in Dossier.objects.filter(unit_id__in=[u.pk for u in units])
        .values("unit_id")
        .annotate(**sums)
        .order_by()
    }
    out = {u.pk: rows.get(u.pk, (0,) * (len(keys) + 1)) for u in units}
    city = stats.scope_city(scope)
    if city is not None:
        total = Dossier.objects.filter(unit_id__in=stats.descendant_ids([city.pk])).aggregate(**sums)
        out[city.pk] = row(total)
    return out


# --- The run ---------------------------------------------------------------------------------------


def run(args: argparse.Namespace, label: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from citydesk.core.models import User
    from citydesk.dossiers.models import Campaign, Dossier
    from citydesk.ioc.access import dashboard_scope

    print(f"database: {label}")
    prepare(args)
    leader = User.objects.get(username="leader")
    scope = dashboard_scope(leader)
    campaign = Campaign.objects.filter(units__code__startswith="2").order_by("-start_date").first()
    if campaign is None:
        raise SystemExit("no demo campaign in HCMC")
    now = timezone.now()
    year = timezone.localdate().year - 1
    in_campaign = Dossier.objects.filter(campaign=campaign).count()
    print(
        f"dossiers: {Dossier.objects.count():,}; campaign “{campaign.name}” {campaign.start_date}–"
        f"{campaign.end_date}: {in_campaign:,} dossiers at {campaign.units.count()} units; "
        f"{connection.vendor}, median of {args.runs} runs"
    )
    print()
    checks = [
        ("campaign dashboard", lambda: ours_dashboard(campaign, scope), lambda: naive_dashboard(campaign)),
        (
            "backlog (units outside)",
            lambda: ours_backlog(campaign, scope, now),
            lambda: naive_backlog(campaign, scope, now),
        ),
        (
            f"targets {year}, every unit",
            lambda: ours_targets(scope, year),
            lambda: naive_targets(scope, year),
        ),
    ]
    ok = True
    print(f"{'read':<28}{'ours ms':>10}{'naive ms':>11}{'naive/ours':>12}  equal")
    for name, ours, naive in checks:
        ours()  # warm the caches (and the backlog baseline, if the seeding did not compute it)
        our_ms, our_result = median_ms(ours, args.runs)
        naive_ms, naive_result = median_ms(naive, args.runs)
        equal = our_result == naive_result
        ok &= equal
        print(
            f"{name:<28}{our_ms:>10.1f}{naive_ms:>11.1f}{naive_ms / our_ms:>11.0f}x  {'yes' if equal else 'NO'}"
        )
        if not equal:
            diff = {
                k: (our_result.get(k), naive_result.get(k))
                for k in set(our_result) | set(naive_result)
                if our_result.get(k) != naive_result.get(k)
            }
            print(f"    differences (ours, naive): {dict(list(diff.items())[:5])}")
    print()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(leader)
    pages = [
        ("dashboard page", f"/mot-cua/chien-dich/{campaign.pk}/"),
        ("backlog page", f"/mot-cua/ton-dong/?campaign={campaign.pk}"),
        ("targets page", f"/mot-cua/chi-tieu/?year={year}"),
    ]
    for name, url in pages:
        assert client.get(url).status_code == 200, url
        page_ms, response = median_ms(lambda url=url: client.get(url), args.runs)
        assert response.status_code == 200
        print(f"{name:<28}{page_ms:>10.1f} ms (whole page through Django, in-process)")
    dashboard_ms, _ = median_ms(lambda: ours_dashboard(campaign, scope), args.runs)
    verdict = "met" if dashboard_ms < 200 else "NOT met"
    print(f"\ntarget: campaign dashboard < 200 ms with {Dossier.objects.count():,} dossiers: {verdict}")
    if not ok:
        raise SystemExit("ours and naive disagree")


if __name__ == "__main__":
    main()
