"""Review C, defect 1: a report whose due time moved later is no longer overdue anywhere. The operations
center counts the escalated reports (its roll-ups follow `escalated_at`); a move that puts the due time
back ahead takes the escalation (and the warning of the old due time) off, so the card, the queue's overdue
filter and GET /api/v1/reports/stats agree at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from citydesk.core.models import ServiceCategory
from citydesk.ioc import rollup
from citydesk.ioc.queries import Filters, total
from citydesk.reports.models import Report
from citydesk.reports.selectors import QueueFilters, queue
from citydesk.reports.services import report_pause, report_transition, sla_sweep
from citydesk.reports.services.deadlines import clear_outdated_marks
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def slow(categories):
    """A category of the ward with a long handling time: reclassified into it, a report is due later."""
    return ServiceCategory.objects.create(
        code="sidewalk",
        domain="report",
        name="Lấn chiếm vỉa hè",
        name_en="Sidewalk encroachment",
        handled_by="ward",
        department_code="SXD",
        working_days=30,
    )


def _overdue_and_escalated(**overrides) -> Report:
    """A report received three days ago whose due time passed an hour ago, escalated by the sweep."""
    now = timezone.now()
    report = submit_report(when=now - timedelta(days=3), **overrides)
    Report.objects.filter(pk=report.pk).update(due_at=now - timedelta(hours=1))
    sla_sweep(now=now)
    report.refresh_from_db()
    assert report.escalated_at is not None
    return report


def _figures(client, personas, bearer) -> dict[str, int]:
    """The overdue figure of the operations center (card, stored cells), the queue and the stats API."""
    today = timezone.localdate()
    filters = Filters(today - timedelta(days=29), today, unit_ids=frozenset({personas.ward.pk}))
    client.force_login(personas.head)
    html = client.get("/dieu-hanh/").content.decode()
    shown = re.search(r'data-testid="value-overdue">\s*(?:<[^>]*>\s*)*([\d.]+)', html)
    assert shown, "no overdue card"
    rows = client.get("/api/v1/reports/stats", **bearer(personas.head)).json()
    api = next(r for r in rows if r["unit_code"] == personas.ward.code)
    return {
        "cells": total(filters).overdue_n,
        "card": int(shown.group(1).replace(".", "")),
        "queue": queue(personas.head, QueueFilters(status="overdue")).count(),
        "api": api["overdue"],
    }


def test_reclassified_with_a_later_due_time_is_overdue_nowhere(client, personas, slow, bearer):
    moved = _overdue_and_escalated()
    _overdue_and_escalated(description="Ổ gà khác, vẫn quá hạn")  # stays overdue: the figures are 1, not 0
    assert set(_figures(client, personas, bearer).values()) == {2}
    report_transition(user=personas.head, code=moved.code, action="classify", category="sidewalk")
    moved.refresh_from_db()
    assert moved.due_at > timezone.now()
    assert moved.escalated_at is None and moved.warned_at is None
    assert _figures(client, personas, bearer) == {"cells": 1, "card": 1, "queue": 1, "api": 1}
    # The stored cells equal a recount (the triggers followed the cleared escalation).
    before = _cells()
    rollup.rebuild()
    assert _cells() == before
    # The next sweep does not escalate it again.
    assert sla_sweep()["escalated"] == 0


def _cells() -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {rollup.TABLE} WHERE n != 0 OR overdue_n != 0 ORDER BY 1, 2, 3, 4, 5, 6"
        )
        return cursor.fetchall()


def test_a_due_time_moved_by_another_path_is_repaired_by_the_sweep(client, personas, categories, bearer):
    """A resume (reports/services/cases.py) or an edit in the admin moves the due time without the marks:
    the sweep's next run takes them off, and warns again about the new due time when it is near."""
    far = _overdue_and_escalated()
    near = _overdue_and_escalated(description="Sắp đến hạn mới")
    now = timezone.now()
    Report.objects.filter(pk=far.pk).update(due_at=now + timedelta(days=5))
    Report.objects.filter(pk=near.pk).update(due_at=now + timedelta(hours=1))
    counts = sla_sweep(now=now)
    far.refresh_from_db()
    near.refresh_from_db()
    assert far.escalated_at is None and far.warned_at is None
    assert near.escalated_at is None and near.warned_at == now  # warned of its new due time
    assert counts == {
        "warned": 1,
        "escalated": 0,
        "auto_closed": 0,
        "triage_warned": 0,
        "triage_escalated": 0,
    }
    assert _figures(client, personas, bearer) == {"cells": 0, "card": 0, "queue": 0, "api": 0}


def test_a_report_paused_after_its_due_time_stays_overdue(client, personas, categories, bearer):
    late = _overdue_and_escalated(contact_phone="0901234567")
    report_pause(user=personas.officer, code=late.code, note="Xin ảnh chụp rõ hơn")
    sla_sweep()
    late.refresh_from_db()
    assert late.paused_at is not None and late.escalated_at is not None
    assert _figures(client, personas, bearer) == {"cells": 1, "card": 1, "queue": 1, "api": 1}


def test_clear_outdated_marks_keeps_the_marks_a_due_time_still_earns(personas, categories):
    now = timezone.now()
    report = submit_report()
    report.warned_at = report.escalated_at = now - timedelta(hours=2)
    report.due_at = now - timedelta(minutes=1)  # still past: overdue
    assert clear_outdated_marks(report, now) == [] and report.escalated_at is not None
    report.escalated_at = None
    report.due_at = now + timedelta(hours=1)  # within the warning window, not escalated: warned stays
    assert clear_outdated_marks(report, now) == [] and report.warned_at is not None
    report.due_at = now + timedelta(days=3)  # far ahead: to be warned again
    assert clear_outdated_marks(report, now) == ["warned_at"] and report.warned_at is None
