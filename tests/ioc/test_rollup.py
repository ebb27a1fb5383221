"""Roll-up cells stay equal to a recount from the reports, whatever happens to the reports."""

import random
from collections import Counter
from datetime import UTC, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from citydesk.ioc import rollup
from citydesk.ioc.models import Cell
from citydesk.reports.models import Rating, Report
from citydesk.reports.services import report_rate, report_transition, sla_sweep
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db

MEASURES = list(rollup.MEASURES)


def cells() -> dict[tuple, tuple]:
    """Every cell with a non-zero measure: key -> measures (hours rounded: float sums)."""
    out = {}
    for row in Cell.objects.values_list(*rollup.KEY, *MEASURES):
        key, values = tuple(row[: len(rollup.KEY)]), list(row[len(rollup.KEY) :])
        values[MEASURES.index("hours_sum")] = round(values[MEASURES.index("hours_sum")], 6)
        if any(values):
            out[key] = tuple(values)
    return out


def assert_equal_to_a_recount() -> None:
    incremental = cells()
    rollup.rebuild()
    assert incremental == cells()


def grain(name: str, step: str = rollup.DAY) -> int:
    return next(g.code for g in rollup.GRAINS if g.name == name and g.step == step)


def test_a_new_report_counts_once_in_every_grain(personas, categories):
    report = submit_report()
    day = timezone.localtime(report.created_at).date()
    for g in rollup.GRAINS:
        rows = Cell.objects.filter(grain=g.code)
        assert sum(rows.values_list("n", flat=True)) == 1, g.name
        cell = rows.get(n=1)
        assert cell.period == (day if g.step == rollup.DAY else day.replace(day=1))
        assert cell.status == ("received" if "status" in g.dims else "")
        assert cell.unit_id == (personas.ward.pk if "unit" in g.dims else 0)
        assert cell.category_id == (report.category_id if "category" in g.dims else 0)
    assert {g.code for g in rollup.GRAINS} == {1, 2, 4, 11, 12, 14}  # the ward grains (3, 5) are gone


def _act(rng: random.Random, personas, codes: list[str]) -> None:
    code = rng.choice(codes)
    report = Report.objects.get(code=code)
    head, officer = personas.head, personas.officer
    steps = {
        "received": [
            ("classify", {}),
            ("reject", {"reason": "spam"}),
            ("transfer", {"target_unit": "26740", "note": "Thuộc địa bàn phường Sài Gòn"}),
        ],
        "classified": [("assign", {"assignee": "officer"})],
        "assigned": [("start", {}), ("resolve", {"resolution": "Đã xử lý"})],
        "in_progress": [("resolve", {"resolution": "Đã xử lý"})],
        "reopened": [("classify", {})],
    }
    if report.status == "resolved":
        if Rating.objects.filter(report=report).exists():
            return
        level = rng.choice(["satisfied", "normal", "unsatisfied"])
        report_rate(code=code, level=level, token=report.citizen_token, reopen=level == "unsatisfied")
        return
    if report.status not in steps or report.unit_id != personas.ward.pk:
        return
    action, extra = rng.choice(steps[report.status])
    user = officer if action in ("start", "resolve") else head
    report_transition(user=user, code=code, action=action, version=report.version, **extra)


def test_random_changes_keep_the_cells_equal_to_a_recount(personas, categories):
    rng = random.Random(20261121)
    codes = [
        submit_report(
            category=rng.choice(["road_damage", "street_lighting"]),
            channel=rng.choice(["web", "app"]),
            when=timezone.now() - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)),
        ).code
        for _ in range(25)
    ]
    for _ in range(120):
        _act(rng, personas, codes)
    sla_sweep(now=timezone.now() + timedelta(days=30))  # escalations: overdue, and time-out closing
    Report.objects.filter(code=codes[0]).update(channel="hotline")  # a bulk UPDATE, no Python hook
    Rating.objects.filter(report__code__in=codes[:5]).delete()
    Report.objects.filter(code=codes[1]).delete()
    assert len({s for s in Report.objects.values_list("status", flat=True)}) >= 4
    assert_equal_to_a_recount()


def test_the_cells_answer_like_a_direct_group_by(personas, categories):
    rng = random.Random(7)
    for _ in range(12):
        submit_report(channel=rng.choice(["web", "app", "hotline"]))
    for code in Report.objects.values_list("code", flat=True)[:6]:
        report_transition(user=personas.head, code=code, action="assign", assignee="officer", version=1)
        report_transition(user=personas.officer, code=code, action="resolve", resolution="Xong", version=2)
    by_status = Counter(Report.objects.values_list("status", flat=True))
    by_channel = Counter(Report.objects.values_list("channel", flat=True))
    cells_all = Cell.objects.filter(grain=grain("all"))
    assert {s: sum(c.n for c in cells_all if c.status == s) for s in by_status} == dict(by_status)
    assert {ch: sum(c.n for c in cells_all if c.channel == ch) for ch in by_channel} == dict(by_channel)
    resolved = Report.objects.exclude(resolved_at=None)
    hours = [(r.resolved_at - r.created_at).total_seconds() / 3600 for r in resolved]
    assert sum(c.resolved_n for c in cells_all) == len(hours) == 6
    assert sum(c.hours_sum for c in cells_all) == pytest.approx(sum(hours), abs=1e-3)
    assert sum(c.on_time_n for c in cells_all) == sum(r.resolved_at <= r.due_at for r in resolved)
    assert sum(c.h0 for c in cells_all) == sum(h < 4 for h in hours)


def test_a_rolled_back_change_leaves_the_cells_alone(personas, categories):
    submit_report()
    before = cells()
    with pytest.raises(RuntimeError), transaction.atomic():
        submit_report()
        Report.objects.update(status="closed")
        raise RuntimeError("roll back")
    assert cells() == before


def test_bulk_loads_pause_the_triggers_then_add_their_range(personas, categories):
    submit_report()
    with transaction.atomic():
        with rollup.triggers_paused():
            submit_report()
            submit_report()
        assert sum(Cell.objects.filter(grain=grain("all")).values_list("n", flat=True)) == 1
        ids = list(Report.objects.order_by("id").values_list("id", flat=True))
        rollup.add_reports(ids[1:])
    assert sum(Cell.objects.filter(grain=grain("all")).values_list("n", flat=True)) == 3
    submit_report()  # the triggers are back
    assert_equal_to_a_recount()


def test_the_day_is_the_local_day(personas, categories):
    # 23:30 in Hà Nội time on 1 March is 16:30 UTC: the report belongs to 1 March (and to March).
    when = timezone.make_aware(timezone.datetime(2026, 3, 1, 23, 30))
    submit_report(when=when)
    cell = Cell.objects.get(grain=grain("all"), n=1)
    assert str(cell.period) == "2026-03-01"
    assert str(Cell.objects.get(grain=grain("all", rollup.MONTH), n=1).period) == "2026-03-01"
    assert connection.vendor in ("sqlite", "postgresql")


def test_rebuild_command_repairs_damaged_cells(personas, categories):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import translation

    submit_report()
    good = cells()
    Cell.objects.update(n=99)
    out = StringIO()
    with translation.override("en"):  # the site's language otherwise (the test run's: Vietnamese)
        call_command("rebuild-rollups", stdout=out)
    assert "roll-up cells rebuilt in" in out.getvalue()
    assert cells() == good


def test_handling_time_buckets_agree_at_every_edge(personas, categories):
    """The triggers (MEASURES' h0…h10) and the rebuild's stage (one bucket per report) put a handling time
    in the same bucket: exactly on each edge, just below it, and a resolution stamped before receipt."""
    hours = [float(e) for e in rollup.HOUR_EDGES] + [e - 0.01 for e in rollup.HOUR_EDGES[1:]] + [-1.0, 5000.0]
    reports = [submit_report() for _ in hours]
    for report, h in zip(reports, hours, strict=True):
        Report.objects.filter(pk=report.pk).update(
            status="resolved", resolved_at=report.created_at + timedelta(hours=h)
        )
    by_trigger = cells()
    city = [v for key, v in by_trigger.items() if key[0] == grain("all")]
    histogram = [sum(v[MEASURES.index(f"h{b}")] for v in city) for b in range(len(rollup.HOUR_EDGES))]
    assert sum(histogram) == len(hours) - 1  # the negative time is in no bucket
    assert histogram[-1] >= 1  # 5000 h (an edge itself may land either side: float day arithmetic)
    assert_equal_to_a_recount()


def _facts_of(reports: list[Report]) -> rollup.Facts:
    """What a bulk loader would hold in memory for these reports (read back here for the comparison)."""
    import numpy as np

    channels = sorted({r.channel for r in reports})
    statuses = sorted({r.status for r in reports})

    def seconds(values: list) -> np.ndarray:
        return np.array([rollup.NO_TIME if v is None else int(v.timestamp()) for v in values], dtype=np.int64)

    levels = {r.report_id: r.level for r in Rating.objects.filter(report__in=reports)}
    return rollup.Facts(
        created=seconds([r.created_at for r in reports]),
        unit_id=np.array([r.unit_id for r in reports]),
        category_id=np.array([r.category_id for r in reports]),
        channel=np.array([channels.index(r.channel) for r in reports]),
        channels=channels,
        status=np.array([statuses.index(r.status) for r in reports]),
        statuses=statuses,
        resolved=seconds([r.resolved_at for r in reports]),
        due=seconds([r.due_at for r in reports]),
        escalated=seconds([r.escalated_at for r in reports]),
        reopen_count=np.array([r.reopen_count for r in reports]),
        rating=np.array([list(heat_levels()).index(levels[r.pk]) if r.pk in levels else -1 for r in reports]),
    )


def heat_levels() -> tuple[str, ...]:
    from citydesk.ioc import heat

    return heat.RATING_LEVELS


def test_cells_summed_in_memory_equal_a_recount(personas, categories):
    """A bulk loader passes the values it holds (rollup.Facts) instead of the cells reading its reports
    back. Same cells, to the hour bucket: each histogram edge and one second below it, a resolution before
    receipt, on time to the second, overdue open and closed reports, reopened, rated, and receipts either
    side of a local midnight that ends a month."""
    # 16:59:59 UTC on 31 March is 23:59:59 in Hà Nội; one second later is 1 April there.
    before_midnight = timezone.datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC)
    hours = [*rollup.HOUR_EDGES, *(e - 1 / 3600 for e in rollup.HOUR_EDGES[1:]), -1.0, 5000.0]
    with transaction.atomic(), rollup.triggers_paused():
        reports = []
        for i, h in enumerate(hours):
            created = before_midnight + timedelta(seconds=i % 2)
            report = submit_report(channel="hotline" if i % 3 == 0 else "web")
            resolved = created + timedelta(seconds=round(h * 3600))
            due = resolved if i % 4 == 0 else resolved - timedelta(seconds=1)
            Report.objects.filter(pk=report.pk).update(
                created_at=created,
                status="closed" if i % 5 == 0 else "resolved",
                resolved_at=resolved,
                due_at=due,
                escalated_at=created if i % 6 == 0 else None,
                reopen_count=1 if i % 7 == 0 else 0,
            )
            reports.append(report)
        for report in reports[3:7]:  # still open: one with its deadline passed, one reopened
            Report.objects.filter(pk=report.pk).update(status="in_progress", resolved_at=None)
        for report, level in zip(reports[::3], ["satisfied", "normal", "unsatisfied"] * 9, strict=False):
            Rating.objects.create(report=report, level=level)
        reports = list(Report.objects.order_by("pk"))
        facts = _facts_of(reports)
        rollup.add_reports([r.pk for r in reports], facts=facts)
    in_memory = cells()
    assert sum(v[0] for k, v in in_memory.items() if k[0] == grain("all")) == len(hours)
    assert {str(k[1]) for k in in_memory} == {"2026-03-31", "2026-04-01", "2026-03-01"}
    rollup.rebuild()
    assert cells() == in_memory
    if connection.vendor == "sqlite":  # there the cells come from `cell_rows` itself; check it directly
        k = len(rollup.KEY)
        direct = {r[:k]: (*r[k : k + 4], round(r[k + 4], 6), *r[k + 5 :]) for r in rollup.cell_rows(facts)}
        assert direct == {(g, str(p), *rest): v for (g, p, *rest), v in in_memory.items()}
