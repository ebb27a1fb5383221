"""GET /api/v1/reports/stats and the operations center give the same figures for the same unit and period
(QA IOC-11, defect 5): volume with merged duplicates, on-time, satisfaction and the reopened share over the
reports resolved at least once. The median: exact in the API, estimated from the histogram in the operations
center, within the bucket the exact one falls in."""

from __future__ import annotations

import bisect
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from citydesk.ioc import rollup
from citydesk.ioc.queries import Filters, total
from citydesk.reports.models import Report
from citydesk.reports.services import report_merge, report_rate, report_transition, sla_sweep
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db
DAYS = 30


def _resolve(personas, code: str) -> Report:
    report = Report.objects.get(code=code)
    if report.status == "reopened":
        report_transition(user=personas.head, code=code, action="classify")
    report_transition(user=personas.head, code=code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=code, action="resolve", resolution="Đã xử lý")
    return Report.objects.get(code=code)


@pytest.fixture
def period(personas, categories):
    """Twelve reports of the ward over the last 30 days: eight resolved after various times (one rated
    satisfied, two reopened by their reporters, one of those resolved again), one merged into another as a
    duplicate, the rest open; and one report of the week before, outside the period."""
    now = timezone.now()
    ages = [
        (1, 2),
        (2, 5),
        (3, 1),
        (5, 7),
        (8, 3),
        (11, 9),
        (14, 4),
        (17, 6),
        (20, 0),
        (23, 8),
        (26, 5),
        (28, 2),
    ]
    codes = [submit_report(when=now - timedelta(days=d, hours=h)).code for d, h in ages]
    submit_report(when=now - timedelta(days=DAYS + 7))
    resolved = [_resolve(personas, code) for code in codes[:8]]
    report_rate(code=resolved[0].code, level="satisfied", token=resolved[0].citizen_token)
    for report in resolved[1:3]:
        report_rate(code=report.code, level="unsatisfied", token=report.citizen_token, reopen=True)
    _resolve(personas, resolved[1].code)  # resolved again: in the median, reopened at least once
    report_merge(user=personas.head, code=codes[9], into=codes[10])
    sla_sweep(now=timezone.now())  # overdue: escalated by the sweep (the operations center), past due (API)
    today = timezone.localdate()
    return personas, today - timedelta(days=DAYS - 1), today


def _midnight(day) -> str:
    return timezone.make_aware(datetime.combine(day, time.min)).isoformat()


def test_the_api_and_the_operations_center_agree_for_a_unit(client, period, bearer):
    personas, start, end = period
    response = client.get(
        "/api/v1/reports/stats",
        {"since": _midnight(start), "until": _midnight(end + timedelta(days=1))},
        **bearer(personas.head),
    )
    assert response.status_code == 200, response.content
    api = next(row for row in response.json() if row["unit_code"] == personas.ward.code)
    ioc = total(Filters(start, end, unit_ids=frozenset({personas.ward.pk})))

    assert api["volume"] == ioc.n == 12  # the merged duplicate was received: it counts
    assert api["resolved"] == ioc.resolved_n == 7
    assert api["on_time_pct"] == round(ioc.on_time_pct, 1)
    assert api["satisfied_pct"] == round(ioc.satisfaction_pct, 1)
    assert api["ratings"] == ioc.rated
    assert api["reopen_pct"] == round(ioc.reopen_pct, 1) == 25.0  # 2 of the 8 resolved once
    assert api["overdue"] == ioc.overdue_n > 0
    assert api["open"] == 4  # three never resolved, one reopened
    # The median: exact in the API; the operations center interpolates inside the histogram bucket the
    # middle report falls in (an odd number of resolved reports: one middle report).
    exact = statistics_median(personas, start, end)
    assert api["median_hours"] == round(exact, 1)
    edges = rollup.HOUR_EDGES
    bucket = bisect.bisect_right(edges, exact) - 1
    high = edges[bucket + 1] if bucket + 1 < len(edges) else float("inf")
    assert edges[bucket] <= ioc.median_hours <= high


def statistics_median(personas, start, end) -> float:
    import statistics

    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    hours = [
        (r.resolved_at - r.created_at).total_seconds() / 3600
        for r in Report.objects.filter(
            unit=personas.ward, created_at__gte=since, created_at__lt=until, resolved_at__isnull=False
        )
    ]
    assert len(hours) % 2 == 1
    return statistics.median(hours)


def test_the_reopened_share_never_passes_100_percent_in_the_api(client, personas, categories, bearer):
    """Every resolved report reopened (none resolved now): 100 %, not a division by the open ones."""
    codes = [submit_report().code for _ in range(2)]
    for code in codes:
        report = _resolve(personas, code)
        report_rate(code=code, level="unsatisfied", token=report.citizen_token, reopen=True)
    submit_report()  # open, never resolved: not in the population
    rows = client.get("/api/v1/reports/stats", **bearer(personas.head)).json()
    row = next(r for r in rows if r["unit_code"] == personas.ward.code)
    assert row["reopen_pct"] == 100.0 and row["resolved"] == 0
