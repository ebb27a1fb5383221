"""The heat map's column store plus its change log answer exactly like counting the reports."""

from __future__ import annotations

import math
import random
import re
import shutil
import threading
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from citydesk.ioc import heat, rollup
from citydesk.ioc.models import HeatChange, RollupState
from citydesk.ioc.queries import Filters
from citydesk.reports.models import OPEN_STATUSES, Rating, Report
from tests.ioc.test_rollup import _act
from tests.reports.conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db


def oracle(filters: Filters) -> dict[int, int]:
    """Count in Python, from the report objects: local day, square of the point, the filters."""
    counts: Counter[int] = Counter()
    for r in Report.objects.exclude(lat=None).exclude(lon=None):
        day = timezone.localtime(r.created_at).date()
        if not filters.start <= day <= filters.end or not _kept(r, filters):
            continue
        row = math.floor((r.lat - heat.GRID_ORIGIN[1]) / heat.GRID_DEG)
        col = math.floor((r.lon - heat.GRID_ORIGIN[0]) / heat.GRID_DEG)
        counts[row * heat.GRID_ROW + col] += 1
    return dict(counts)


def some_filters(personas, categories) -> list[Filters]:
    today = timezone.localdate()
    wide = Filters(today - timedelta(days=70), today + timedelta(days=1))
    road = categories["road"].pk
    return [
        wide,
        Filters(today - timedelta(days=20), today),
        Filters(today, today),
        Filters(wide.start, wide.end, category_id=road),
        Filters(wide.start, wide.end, unit_ids=frozenset({personas.ward.pk})),
        Filters(wide.start, wide.end, unit_ids=frozenset({personas.other_ward.pk, personas.department.pk})),
        Filters(wide.start, wide.end, unit_ids=frozenset()),
        Filters(wide.start, wide.end, channel="app"),
        Filters(wide.start, wide.end, status="open"),
        Filters(wide.start, wide.end, status="resolved"),
        Filters(wide.start, wide.end, category_id=road, channel="web", status="open"),
        Filters(wide.start, wide.end, category_id=999_999),
    ]


def ward_oracle(filters: Filters) -> dict[str, tuple[int, ...]]:
    """Per ward: reports, resolved, resolved on time, and the three rating levels, from the objects."""
    out: dict[str, list[int]] = {}
    levels = dict(Rating.objects.values_list("report_id", "level"))
    for r in Report.objects.exclude(ward=None):
        day = timezone.localtime(r.created_at).date()
        if not filters.start <= day <= filters.end or not _kept(r, filters):
            continue
        row = out.setdefault(r.ward_id, [0] * 6)
        resolved = r.resolved_at is not None
        level = levels.get(r.pk)
        for i, hit in enumerate(
            (
                True,
                resolved,
                resolved and r.due_at is not None and r.resolved_at <= r.due_at,
                level == "satisfied",
                level == "normal",
                level == "unsatisfied",
            )
        ):
            row[i] += int(hit)
    return {ward: tuple(row) for ward, row in out.items()}


def _kept(r: Report, filters: Filters) -> bool:
    if filters.category_id is not None and r.category_id != filters.category_id:
        return False
    if filters.unit_ids is not None and r.unit_id not in filters.unit_ids:
        return False
    if filters.channel and r.channel != filters.channel:
        return False
    if filters.status == "open":
        return r.status in OPEN_STATUSES
    return not filters.status or r.status == filters.status


def ward_oracle_of_unwarded(filters: Filters) -> list[int]:
    """The same six figures, summed over the reports kept that have no ward (never on the ward map)."""
    levels = dict(Rating.objects.values_list("report_id", "level"))
    out = [0] * 6
    for r in Report.objects.filter(ward=None):
        day = timezone.localtime(r.created_at).date()
        if filters.start <= day <= filters.end and _kept(r, filters):
            resolved = r.resolved_at is not None
            level = levels.get(r.pk)
            hits = (True, resolved, resolved and r.due_at is not None and r.resolved_at <= r.due_at)
            for i, hit in enumerate((*hits, level == "satisfied", level == "normal", level == "unsatisfied")):
                out[i] += int(hit)
    return out


def ward_figures(wards) -> dict[str, tuple[int, ...]]:
    names = ("n", "resolved_n", "on_time_n", "rated_satisfied", "rated_normal", "rated_unsatisfied")
    return {w: tuple(int(getattr(m, n)) for n in names) for w, m in wards.items() if m.n}


def assert_like_the_reports(personas, categories) -> None:
    from citydesk.ioc.queries import totals

    for filters in some_filters(personas, categories):
        expected = oracle(filters)
        found = heat.scan(filters)
        assert found.squares == expected, filters
        assert ward_figures(found.wards) == ward_oracle(filters), filters
        # Two read models, one answer: the roll-up cells' figures (over the units) are the store's (over
        # the wards) plus the reports without a ward.
        rolled = {k[0]: m for k, m in totals(filters, ("unit",)).items() if m.n}
        in_wards = [sum(col) for col in zip(*ward_figures(found.wards).values(), strict=True)] or [0] * 6
        in_cells = [sum(col) for col in zip(*ward_figures(rolled).values(), strict=True)] or [0] * 6
        no_ward = ward_oracle_of_unwarded(filters)
        assert [a + b for a, b in zip(in_wards, no_ward, strict=True)] == in_cells, filters


def spread(rng: random.Random, n: int) -> list[str]:
    return [
        submit_report(
            category=rng.choice(["road_damage", "street_lighting"]),
            channel=rng.choice(["web", "app"]),
            lon=BEN_THANH[0] + rng.choice([0, 0.001, 0.004, 0.03]),
            lat=BEN_THANH[1] + rng.choice([0, 0.002, 0.02]),
            when=timezone.now() - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)),
        ).code
        for _ in range(n)
    ]


def test_store_plus_log_stay_exact_through_random_changes_and_builds(personas, categories):
    rng = random.Random(20261122)
    heat.build()
    codes = spread(rng, 20)
    submit_report(lon=None, lat=None, address="12 Lê Lợi", ward_code="26743")  # no point: never counted
    assert heat.pending() == 21  # every report is logged; the one without a point has no square
    assert_like_the_reports(personas, categories)  # an empty store, everything in the log
    built = heat.build()
    assert built.kept and built.rows == 21 and heat.pending() == 0
    assert_like_the_reports(personas, categories)  # everything in the store
    for _ in range(80):
        _act(rng, personas, codes)
    Report.objects.filter(code=codes[0]).update(channel="hotline", lon=BEN_THANH[0] + 0.05)  # bulk UPDATE
    Report.objects.filter(code=codes[1]).delete()
    Rating.objects.filter(report__code__in=codes[2:6]).delete()
    Rating.objects.filter(report__code__in=codes[6:9]).update(level="normal")
    codes += spread(rng, 5)
    assert heat.pending() > 0
    assert len(set(Report.objects.values_list("status", flat=True))) >= 3
    assert_like_the_reports(personas, categories)  # store and log together
    heat.build()
    assert_like_the_reports(personas, categories)


def test_an_update_that_does_not_move_a_report_logs_nothing(personas, categories):
    report = submit_report()
    heat.build()
    Report.objects.filter(pk=report.pk).update(escalated_at=timezone.now())  # roll-ups only
    assert heat.pending() == 0
    Report.objects.filter(pk=report.pk).update(status="closed")
    assert list(HeatChange.objects.order_by("id").values_list("status", "sign")) == [
        ("received", -1),
        ("closed", 1),
    ]


def test_a_rolled_back_change_leaves_the_log_alone(personas, categories):
    submit_report()
    before = heat.pending()
    with pytest.raises(RuntimeError), transaction.atomic():
        submit_report()
        Report.objects.update(status="closed")
        raise RuntimeError("roll back")
    assert heat.pending() == before
    assert_like_the_reports(personas, categories)


def test_bulk_loads_log_their_reports(personas, categories):
    heat.build()
    with transaction.atomic():
        with rollup.triggers_paused():
            submit_report()
            submit_report(lon=BEN_THANH[0] + 0.01)
        assert heat.pending() == 0
        rollup.add_reports(list(Report.objects.values_list("id", flat=True)))
    assert heat.pending() == 2
    assert_like_the_reports(personas, categories)


def test_without_a_store_the_reports_answer(personas, categories):
    rng = random.Random(3)
    spread(rng, 6)
    heat.build()
    token = RollupState.objects.get(pk=1).heat_token
    shutil.rmtree(heat._directory(token))  # the files are gone (a restored database, a new disk)
    heat._cached = None
    assert_like_the_reports(personas, categories)
    heat.reset()
    assert RollupState.objects.get(pk=1).heat_token == "" and heat.pending() == 0
    assert_like_the_reports(personas, categories)
    assert heat.refresh() is not None  # no store: the worker builds one at once
    assert heat.refresh() is None  # then waits for the log to grow
    assert_like_the_reports(personas, categories)


def test_a_build_overtaken_by_a_newer_one_is_thrown_away(personas, categories):
    submit_report()
    heat.build()
    state = RollupState.objects.get(pk=1)
    RollupState.objects.filter(pk=1).update(heat_mark=state.heat_mark + 10**12)
    submit_report(lon=BEN_THANH[0] + 0.01)
    built = heat.build()
    assert not built.kept and not heat._directory(built.token).exists()
    assert RollupState.objects.get(pk=1).heat_token == state.heat_token
    assert heat.pending() == 1  # not trimmed by the discarded build
    assert_like_the_reports(personas, categories)


def test_a_build_replaces_the_older_store_files(personas, categories, django_capture_on_commit_callbacks):
    submit_report()
    first = heat.build()
    with django_capture_on_commit_callbacks(execute=True):  # old files go once the new build commits
        second = heat.build()
    assert heat._directory(second.token).is_dir()
    assert not heat._directory(first.token).exists()


def test_the_busiest_squares_come_first(personas, categories):
    for _ in range(3):
        submit_report()
    submit_report(lon=BEN_THANH[0] + 0.01)
    heat.build()
    for _ in range(2):
        submit_report(lon=BEN_THANH[0] + 0.02)
    today = timezone.localdate()
    top = heat.counts(Filters(today, today), limit=2)
    assert list(top.values()) == [3, 2]


def test_the_day_is_the_local_day(personas, categories):
    # 23:30 in Hà Nội time on 1 March is 16:30 UTC: the report belongs to 1 March.
    submit_report(when=timezone.make_aware(timezone.datetime(2026, 3, 1, 23, 30)))
    submit_report(when=timezone.make_aware(timezone.datetime(2026, 3, 2, 0, 30)))
    for _ in range(2):
        assert sum(heat.counts(Filters(date(2026, 3, 1), date(2026, 3, 1))).values()) == 1
        assert sum(heat.counts(Filters(date(2026, 3, 2), date(2026, 3, 2))).values()) == 1
        heat.build()  # once from the log, once from the store


def test_refresh_command(personas, categories):
    from django.utils import translation

    submit_report()
    out = StringIO()
    with translation.override("en"):  # the site's language otherwise (the test run's: Vietnamese)
        call_command("refresh-heat-map", "--force", stdout=out)
        assert "Heat map store built: 1 reports in" in out.getvalue()
        submit_report()
        out = StringIO()
        call_command("refresh-heat-map", stdout=out)
        assert "(1 changes logged since its build)" in out.getvalue()
        out = StringIO()
        call_command("refresh-heat-map", "--schedule", stdout=out)
        call_command("refresh-heat-map", "--schedule", stdout=out)
    assert out.getvalue().splitlines() == [
        "Heat map refresh scheduled.",
        "Heat map refresh already scheduled.",
    ]


def test_heat_map_commands_write_numbers_the_site_languages_way(personas, categories):
    """Counts and seconds grouped the active language's way (0,1 s in Vietnamese), not Python's."""
    submit_report()
    out = StringIO()
    call_command("rebuild-rollups", stdout=out)  # the test run's language: Vietnamese
    assert re.search(r" \d+,\d giây", out.getvalue()), out.getvalue()
    assert not re.search(r" \d+\.\d giây", out.getvalue()), out.getvalue()


def test_the_worker_task_builds_past_the_threshold(personas, categories, monkeypatch):
    from citydesk.ioc.tasks import refresh_heat_map

    heat.build()
    monkeypatch.setattr(heat, "REBUILD_AFTER", 2)
    submit_report()
    assert refresh_heat_map() == {"rows": 0, "built": 0}
    submit_report(lon=BEN_THANH[0] + 0.01)
    assert refresh_heat_map() == {"rows": 2, "built": 1}
    assert heat.pending() == 0


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_during_a_build_is_not_lost(personas, categories, monkeypatch):
    """PostgreSQL hands out log ids before commit, in any order. A report written by a transaction that
    commits while the build writes its files has a smaller id than changes committed before the build
    read; it is not in the store, so the build must leave its log rows."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids commit in order, the build's mark covers it")
    # Another month: none of its roll-up cells is one the writer holds locked.
    first = submit_report(when=timezone.now() - timedelta(days=40))
    heat.build()
    started, go, done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        from django.db import connection as own

        try:
            with transaction.atomic():
                submit_report(lon=BEN_THANH[0] + 0.03)
                started.set()
                go.wait(30)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            own.close()
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(30)
    # Committed now, with larger log ids than the writer's (no new report: the writer holds the
    # tracking-code counter).
    Report.objects.filter(pk=first.pk).update(status="closed")
    write = heat._write

    def write_then_let_the_writer_commit(*args, **kwargs):
        path = write(*args, **kwargs)
        go.set()
        assert done.wait(30)
        return path

    monkeypatch.setattr(heat, "_write", write_then_let_the_writer_commit)
    built = heat.build()
    assert not errors
    thread.join()
    assert built.kept and built.rows == 1
    assert heat.pending() == 1
    assert_like_the_reports(personas, categories)


def test_a_build_whose_snapshot_a_bulk_load_overtook_is_not_recorded(personas, categories, monkeypatch):
    """A bulk load sets the store aside and logs none of its reports (heat.set_aside): a build that read
    its reports before the load's commit must not become the store."""
    submit_report()
    heat.build()
    read = heat._read

    def read_then_a_load_commits(vendor):
        result = read(vendor)
        with transaction.atomic(), rollup.triggers_paused():
            submit_report(lon=BEN_THANH[0] + 0.01)
            rollup.add_reports([Report.objects.latest("id").pk], log_heat=False)
        return result

    monkeypatch.setattr(heat, "_read", read_then_a_load_commits)
    built = heat.build()
    assert not built.kept and not heat._directory(built.token).exists()
    assert RollupState.objects.get(pk=1).heat_token == ""
    assert heat.pending() == 0
    assert_like_the_reports(personas, categories)  # from the reports meanwhile
    monkeypatch.setattr(heat, "_read", read)
    assert heat.build().kept
    assert_like_the_reports(personas, categories)
