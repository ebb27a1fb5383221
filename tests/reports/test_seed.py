"""seed-reports (synthetic reports in bulk) and the demo reports of seed-demo."""

import os
import re
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from citydesk.core.calendar import current_calendar
from citydesk.core.demo import seed_demo
from citydesk.core.models import AdminUnit, AuditEntry, Membership, Organisation, ServiceCategory
from citydesk.core.units import get_locator, invalidate_locator
from citydesk.lib.text import search_key
from citydesk.reports.models import (
    OPEN_STATUSES,
    CodeCounter,
    IdempotencyKey,
    Rating,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.seed import ReportSeeder, seed_demo_reports, seed_reports
from citydesk.reports.services import _due_times, report_submit

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^PA-(\d{2})-(\d{6,})$")


# --- Input checks (no demo data needed) -----------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-5", "abc", "", "1.5", "10e3"])
def test_bad_count_exits_2(value):
    with pytest.raises(CommandError, match="--count") as err:
        call_command("seed-reports", "--count", value)
    assert err.value.returncode == 2


def test_missing_count_and_bad_options_exit_2():
    for args, message in [
        ([], "--count"),
        (["--count", "10", "--months", "0"], "--months"),
        (["--count", "10", "--months", "many"], "--months"),
        (["--count", "10", "--seed", "x"], "--seed"),
        (["--count", "10", "--seed", "-1"], "--seed"),
        (["--count", "10", "--batch-size", "0"], "--batch-size"),
    ]:
        with pytest.raises(CommandError, match=message) as err:
            call_command("seed-reports", *args)
        assert err.value.returncode == 2, args


def test_cli_process_exits_2_with_a_message(tmp_path):
    env = {**os.environ, "CITYDESK_DATA_DIR": str(tmp_path), "CITYDESK_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    for value in ("abc", "0"):
        result = subprocess.run(
            [sys.executable, "-m", "citydesk.cli", "seed-reports", "--count", value],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "--count" in result.stderr


def test_without_demo_data_it_says_to_run_seed_demo(personas):
    """The province and its committee exist (personas) but no report category: exit 2, say what to do."""
    with pytest.raises(CommandError, match="seed-demo") as err:
        call_command("seed-reports", "--count", "10")
    assert err.value.returncode == 2
    assert not Report.objects.exists()


def test_without_units_it_says_to_run_seed_demo():
    with pytest.raises(CommandError, match="seed-demo") as err:
        call_command("seed-reports", "--count", "10")
    assert err.value.returncode == 2


# --- With the demo data (loaded once for the module, rolled back at the end) ---------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """seed_demo() once (about 6 s) inside a transaction that wraps the module's tests (each test then
    runs in a savepoint of it) and is rolled back at the end: nothing leaks into other modules."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_demo()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
        invalidate_locator()


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def test_seed_reports_creates_exactly_n_valid_reports(demo):
    first = report_submit(
        category="road_damage",
        description="Ổ gà trước chợ Bến Thành",
        channel="web",
        lon=106.6946,
        lat=10.7714,
        contact_email="dan@example.vn",
    ).report
    counters = dict(CodeCounter.objects.values_list("year", "last"))
    audit_before = AuditEntry.objects.count()
    before = set(Report.objects.values_list("pk", flat=True))
    out = StringIO()
    call_command("seed-reports", "--count", "2000", "--seed", "7", stdout=out)
    assert "2.000" in out.getvalue()  # the count, grouped the Vietnamese way
    seeded = list(
        Report.objects.exclude(pk__in=before).select_related("category", "unit", "ward", "assignee")
    )
    assert len(seeded) == 2000
    assert Report.objects.count() == len(before) + 2000
    # No audit rows for synthetic data.
    assert AuditEntry.objects.count() == audit_before
    # The queue's search text, as the ORM's pre_save makes it for a report filed one by one.
    assert first.search_text == search_key(f"{first.description} {first.address}")
    assert all(r.search_text == search_key(f"{r.description} {r.address}") for r in seeded)

    # Codes: unique, PA-YY-NNNNNN of the receipt year, continuing each year's counter without gaps.
    numbers: dict[int, list[int]] = {}
    for report in seeded:
        match = CODE.match(report.code)
        assert match, report.code
        year = _local(report.created_at).year
        assert int(match.group(1)) == year % 100
        numbers.setdefault(year, []).append(int(match.group(2)))
    after = dict(CodeCounter.objects.values_list("year", "last"))
    for year, got in numbers.items():
        start = counters.get(year, 0)
        assert sorted(got) == list(range(start + 1, after[year] + 1)), year
    assert int(first.code[-6:]) == counters[_local(first.created_at).year]
    # Codes are in receipt order within a year.
    ordered = sorted(seeded, key=lambda r: (r.created_at, r.pk))
    for year in numbers:
        in_year = [int(r.code[-6:]) for r in ordered if _local(r.created_at).year == year]
        assert in_year == sorted(in_year)
    # The next real report continues after the seeded ones.
    nxt = report_submit(
        category="garbage", description="Rác", channel="web", lon=106.6946, lat=10.7714
    ).report
    assert int(nxt.code[-6:]) == after[_local(nxt.created_at).year] + 1

    # Every foreign key is valid (SQLite: PRAGMA foreign_key_check; PostgreSQL: constraints now).
    connection.check_constraints()
    report_categories = set(ServiceCategory.objects.filter(domain="report").values_list("pk", flat=True))
    hcmc_wards = set(AdminUnit.objects.filter(province_id="79").values_list("code", flat=True))
    members = set(Membership.objects.values_list("organisation_id", "user_id"))
    org_ids = set(Organisation.objects.values_list("pk", flat=True))
    for report in seeded:
        assert report.category_id in report_categories
        assert report.unit_id in org_ids
        assert report.ward_id in hcmc_wards and report.province_code == "79"
        if report.assignee_id:
            assert (report.unit_id, report.assignee_id) in members
        assert report.description and report.citizen_token
        assert report.created_at <= timezone.now()
    # Each map point lies in its report's ward (hotline calls may come with an address only).
    located = [r for r in seeded if r.lon is not None]
    assert len(located) > 1500 and all(r.address for r in seeded)
    state = get_locator()
    found = state.locator.locate([r.lon for r in located], [r.lat for r in located])
    assert [state.codes[i] for i in found] == [r.ward_id for r in located]
    ids = [r.pk for r in seeded]
    assert ReportEvent.objects.filter(report_id__in=ids, kind="status").count() == 2000
    events = dict(ReportEvent.objects.filter(report_id__in=ids).values_list("report_id", "to_status"))
    assert all(events[r.pk] == r.status for r in seeded)

    # Realistic spread: most closed, some open (some overdue), rejected with reasons, reopened ones.
    statuses = Counter(r.status for r in seeded)
    assert statuses[Status.CLOSED] > 1000
    assert len(statuses) >= 5
    open_reports = [r for r in seeded if r.status in OPEN_STATUSES]
    assert open_reports
    assert any(r.due_at < timezone.now() for r in open_reports)
    rejected = [r for r in seeded if r.status == Status.REJECTED]
    assert rejected and all(r.reject_reason and r.reject_note for r in rejected)
    for r in rejected:
        if r.duplicate_of_id:
            duplicate_of = Report.objects.get(pk=r.duplicate_of_id)
            assert duplicate_of.created_at <= r.created_at
    assert any(r.reopen_count for r in seeded)
    assert {r.channel for r in seeded} >= {"web", "app", "hotline"}
    assert len({r.unit_id for r in seeded}) > 3
    ratings = Rating.objects.filter(report_id__in=ids).select_related("report")
    assert ratings.count() > 300
    assert all(rt.report.status == Status.CLOSED or rt.report.reopen_count for rt in ratings)
    for r in seeded:
        if r.status in (Status.RESOLVED, Status.CLOSED):
            assert r.created_at < r.resolved_at <= timezone.now()
        if r.status == Status.CLOSED:
            assert r.resolved_at < r.closed_at

    # Deadlines: close of office on a working day; the same as the per-report calculation.
    calendar = current_calendar()
    close = calendar.periods[-1][1]
    for r in seeded:
        due = _local(r.due_at)
        assert due.time() == close and calendar.is_working_day(due.date()), r.code
        triage = _local(r.triage_due_at)
        assert calendar.is_working_day(triage.date())
        assert any(start <= triage.time() <= end for start, end in calendar.periods), r.code
        if not r.reopen_count:
            assert (r.triage_due_at, r.due_at) == _due_times(r.category, r.created_at), r.code


def test_vectorised_deadlines_match_the_calendar(demo):
    seeder = ReportSeeder(provinces=["79"], seed=3)
    calendar = current_calendar()
    rng = np.random.default_rng(5)
    start = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(2026, 12, 31, tzinfo=UTC).timestamp())
    moments = rng.integers(start, end, 1500)
    # Edges: the start and end of each office period, the cutoff, just before the close, midnight.
    edges = []
    for day in ("2026-02-13", "2026-02-16", "2026-04-24", "2026-08-21", "2026-08-22", "2026-08-31"):
        for clock in (
            "00:00:00",
            "07:30:00",
            "11:30:00",
            "13:00:00",
            "14:59:59",
            "15:00:00",
            "16:59:59",
            "17:00:00",
        ):
            local = datetime.fromisoformat(f"{day}T{clock}+07:00")
            edges.append(int(local.timestamp()))
    moments = np.concatenate([moments, np.array(edges, dtype=np.int64)])
    as_dt = [datetime.fromtimestamp(int(m), tz=UTC) for m in moments]
    for hours in (0, 1, 4, 8, 9, 40):
        got = seeder.clock.add_working_hours(moments, np.full(moments.size, hours, dtype=np.int64))
        want = [int(calendar.add_working_hours(m, hours).timestamp()) for m in as_dt]
        assert got.tolist() == want, hours
    for days in (0, 1, 3, 5, 10):
        got = seeder.clock.due(moments, np.full(moments.size, days, dtype=np.int64))
        want = [int(calendar.due(m, days).timestamp()) for m in as_dt]
        assert got.tolist() == want, days


def test_seed_demo_reports_is_idempotent_and_covers_every_status(demo):
    # seed_demo() may already have called it (then the first call here does nothing, as the second).
    already = IdempotencyKey.objects.filter(scope="seed-demo").exists()
    audit_before = AuditEntry.objects.count()
    result = seed_demo_reports()
    assert result["demo_reports"] == (0 if already else 300)
    assert Report.objects.count() == 300
    statuses = set(Report.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    # Both cities; the Bến Thành ward has a queue with the demo officer on it.
    assert set(Report.objects.values_list("province_code", flat=True)) == {"79", "01"}
    ben_thanh = Report.objects.filter(unit__code="26743")
    assert ben_thanh.filter(status__in=OPEN_STATUSES, assignee__username="officer").exists()
    assert Report.objects.filter(unit__code="79.SXD").exists()
    # The first few dozen went through the real services: a real history and audit rows.
    through_services = Report.objects.filter(
        pk__in=IdempotencyKey.objects.filter(scope="seed-demo").values("report_id")
    )
    assert through_services.count() >= 40
    assert set(through_services.values_list("status", flat=True)) == set(Status.values)
    if not already:
        assert AuditEntry.objects.count() > audit_before + 40
    closed = through_services.filter(status=Status.CLOSED).first()
    moves = list(closed.events.filter(kind="status").values_list("to_status", flat=True))
    assert moves[0] == Status.RECEIVED and moves[-1] == Status.CLOSED and len(moves) >= 4
    times = list(closed.events.values_list("at", flat=True))
    assert times == sorted(times) and times[0] == closed.created_at
    assert Report.objects.filter(duplicate_of__isnull=False).exists()
    assert Report.objects.filter(reopen_count__gt=0).exists()
    # Idempotent.
    counts = (Report.objects.count(), ReportEvent.objects.count(), AuditEntry.objects.count())
    assert seed_demo_reports() == {"demo_reports": 0}
    assert (Report.objects.count(), ReportEvent.objects.count(), AuditEntry.objects.count()) == counts


def test_seed_reports_other_province_and_unknown_province(demo):
    before = list(Report.objects.values_list("pk", flat=True))
    call_command("seed-reports", "--count", "300", "--province", "01", "--months", "3", stdout=StringIO())
    hanoi = Report.objects.exclude(pk__in=before).filter(province_code="01")
    assert hanoi.count() == 300
    assert hanoi.filter(created_at__lt=timezone.now() - timedelta(days=100)).count() == 0
    with pytest.raises(CommandError, match="99") as err:
        call_command("seed-reports", "--count", "10", "--province", "99")
    assert err.value.returncode == 2


def test_bulk_seeding_keeps_the_operations_center_roll_ups_exact(demo):
    from citydesk.ioc import rollup
    from citydesk.ioc.models import Cell

    call_command("seed-reports", "--count", "1500", "--batch-size", "400", stdout=StringIO())

    def snapshot() -> dict:
        rows = Cell.objects.values_list(*rollup.KEY, *rollup.MEASURES)
        k = len(rollup.KEY)
        return {r[:k]: tuple(round(v, 6) for v in r[k:]) for r in rows if any(r[k:])}

    seeded = snapshot()
    assert sum(v[0] for k, v in seeded.items() if k[0] == 1) == Report.objects.count()
    rollup.rebuild()
    assert snapshot() == seeded


def test_batches_generated_ahead_in_a_thread_are_the_draws_of_one_after_another(demo):
    """`run` generates each next batch in a thread while the database works on the last one: the
    reports are still the same random draws, in the same order, as generating them one by one."""
    kept = ("description", "category_id", "unit_id", "status", "channel", "lon", "lat")
    expected = [
        row
        for batch in ReportSeeder(provinces=["79"], seed=11).batches(900, 250)
        for row in zip(*(batch.columns[name] for name in kept), strict=True)
    ]
    before = Report.objects.order_by("-id").values_list("id", flat=True).first() or 0
    seed_reports(count=900, seed=11, batch_size=250)
    written = list(Report.objects.filter(id__gt=before).order_by("id").values_list(*kept))
    assert len(written) == 900
    assert written == expected


def test_a_batch_that_cannot_be_generated_stops_the_load_after_the_ones_before(demo, monkeypatch):
    original = ReportSeeder.generate
    in_main_thread: list[bool] = []

    def generate(self, created):
        in_main_thread.append(threading.current_thread() is threading.main_thread())
        if len(in_main_thread) == 3:
            raise RuntimeError("the generator broke")
        return original(self, created)

    monkeypatch.setattr(ReportSeeder, "generate", generate)
    before = Report.objects.count()
    events = ReportEvent.objects.count()
    with pytest.raises(RuntimeError, match="the generator broke"):
        seed_reports(count=1000, seed=3, batch_size=300)
    # The first batch is generated here, the next ones ahead in the thread; the two written batches
    # stay whole, the third is not begun.
    assert in_main_thread == [True, False, False]
    assert Report.objects.count() - before == 600
    assert ReportEvent.objects.count() - events == 600


def test_seeded_history_reads_in_the_readers_language(demo):
    """Generated events write system notes and role actors language-neutrally, as the services do."""
    from django.utils import translation

    from citydesk.reports.models import ReportEvent

    before = set(ReportEvent.objects.values_list("pk", flat=True))
    call_command("seed-reports", "--count", "600", "--seed", "11", stdout=StringIO())
    events = list(ReportEvent.objects.exclude(pk__in=before))
    received = [e for e in events if e.note_key == "report.received"]
    closed = [e for e in events if e.note_key == "report.auto_closed"]
    assert received and closed
    assert not [e for e in events if e.note.startswith(("Tiếp nhận qua", "Đóng:"))]
    with translation.override("en"):
        assert all(e.display_note.startswith("Received via ") for e in received)
        assert all(e.display_note.startswith("Closed: no answer") for e in closed)
        actors = {e.display_actor for e in events}
        assert "citizen" in actors and not actors & {"công dân", "người phản ánh", "người dân"}
    with translation.override("vi"):
        assert all(e.display_note.startswith("Tiếp nhận qua ") for e in received)


def test_a_load_past_the_heat_map_threshold_sets_the_store_aside_instead_of_logging(demo, monkeypatch):
    """Under the threshold a load logs its reports for the heat map's store; past it (the store is rebuilt
    after the load) it logs none and sets the store aside, so answers come from the reports until then."""
    from citydesk.ioc import heat
    from citydesk.ioc.models import RollupState

    heat.build()
    monkeypatch.setattr(heat, "REBUILD_AFTER", 200)
    call_command("seed-reports", "--count", "199", stdout=StringIO())
    assert heat.pending() == 199
    assert RollupState.objects.get(pk=1).heat_token
    epoch = RollupState.objects.get(pk=1).heat_epoch
    call_command("seed-reports", "--count", "300", "--batch-size", "100", stdout=StringIO())
    assert heat.pending() == 199  # none of the 300 logged
    state = RollupState.objects.get(pk=1)
    assert state.heat_token == "" and state.heat_epoch == epoch + 3  # one per batch
    built = heat.build()
    assert built.kept and built.rows == Report.objects.count()
    assert heat.pending() == 0
