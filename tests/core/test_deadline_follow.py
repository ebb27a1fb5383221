"""Open deadlines follow a change of the working calendar (core.deadline_follow): each open report and
dossier keeps the working time it had left. Before, a day off announced late left every deadline where it
was, and officers showed as late for days they were officially off."""

from __future__ import annotations

import datetime as dt

import pytest

from citydesk.core import deadline_follow
from citydesk.core.calendar_changes import calendar_override_delete, calendar_override_set
from citydesk.core.models import AuditEntry
from citydesk.reports.models import ReportEvent
from tests.dossiers.conftest import at, catalog, receive  # noqa: F401  (fixtures)
from tests.reports.conftest import categories, submit_report  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 1, 8, 0)  # Tuesday 1 December 2026: the moment the change is entered


@pytest.fixture(autouse=True)
def _moment(monkeypatch):
    monkeypatch.setattr(deadline_follow, "_now", lambda: NOW)


def _report():
    # Received Tuesday 1/12 09:00, 5 working days: due Tuesday 8/12 17:00 (2, 3, 4, 7, 8 December).
    report = submit_report(when=at(2026, 12, 1, 9, 0))
    assert report.due_at == at(2026, 12, 8, 17, 0)
    return report


def test_a_day_off_inside_the_window_moves_the_due_time_a_day_later_and_back(personas, categories):  # noqa: F811
    report = _report()
    triage = report.triage_due_at
    calendar_override_set(user=personas.admin, day=dt.date(2026, 12, 4), kind="day_off", name="Nghỉ bù")
    report.refresh_from_db()
    assert report.due_at == at(2026, 12, 9, 17, 0)
    assert report.triage_due_at == triage  # 8 working hours: done before Friday, unchanged
    event = ReportEvent.objects.filter(report=report, note_key="report.calendar_moved").get()
    assert event.public and "09/12/2026 17:00" in event.display_note and "Nghỉ bù" in event.display_note
    audit = AuditEntry.objects.get(action="calendar.deadlines_moved")
    assert audit.after["reports"] == 1
    # Withdrawn: the deadline goes back.
    calendar_override_delete(user=personas.admin, day=dt.date(2026, 12, 4))
    report.refresh_from_db()
    assert report.due_at == at(2026, 12, 8, 17, 0)


def test_a_swapped_working_saturday_brings_the_due_time_a_day_earlier(personas, categories):  # noqa: F811
    report = _report()
    calendar_override_set(user=personas.admin, day=dt.date(2026, 12, 5), kind="working_day", name="Đi làm bù")
    report.refresh_from_db()
    assert report.due_at == at(2026, 12, 7, 17, 0)


def test_a_change_after_the_due_time_or_in_the_past_moves_nothing(personas, categories):  # noqa: F811
    report = _report()
    calendar_override_set(user=personas.admin, day=dt.date(2026, 12, 10), kind="day_off", name="Sau hạn")
    calendar_override_set(user=personas.admin, day=dt.date(2026, 11, 27), kind="day_off", name="Đã qua")
    report.refresh_from_db()
    assert report.due_at == at(2026, 12, 8, 17, 0)
    assert not ReportEvent.objects.filter(note_key="report.calendar_moved").exists()
    assert not AuditEntry.objects.filter(action="calendar.deadlines_moved").exists()


def test_a_closed_report_keeps_its_due_time(personas, categories):  # noqa: F811
    from citydesk.reports.models import Report, Status

    report = _report()
    Report.objects.filter(pk=report.pk).update(status=Status.CLOSED)
    calendar_override_set(user=personas.admin, day=dt.date(2026, 12, 4), kind="day_off", name="Nghỉ bù")
    report.refresh_from_db()
    assert report.due_at == at(2026, 12, 8, 17, 0)


def test_a_dossier_and_its_current_step_move(personas, catalog, receive, monkeypatch):  # noqa: F811
    dossier = receive(catalog.land, when=at(2026, 12, 1, 9, 0))
    step = dossier.steps.get(position=1)
    due, step_due = dossier.due_at, step.due_at
    assert step.started_at is not None and step_due > NOW
    calendar_override_set(user=personas.admin, day=dt.date(2026, 12, 2), kind="day_off", name="Nghỉ bù")
    dossier.refresh_from_db()
    step.refresh_from_db()
    assert dossier.due_at > due and step.due_at > step_due
    later_step = dossier.steps.get(position=2)
    assert later_step.due_at is None or later_step.started_at is None  # not started: set when it starts
    assert dossier.events.filter(note_key="dossier.calendar_moved").exists()


def test_a_due_time_at_a_close_stays_at_a_close_when_today_becomes_a_day_off(
    personas,
    categories,  # noqa: F811
    monkeypatch,
):
    """Entered at 10:00 on the day itself: the day's remaining hours move to the next working day, and a
    deadline at the close of a day is still at a close (not 10:00 the next morning)."""
    monkeypatch.setattr(deadline_follow, "_now", lambda: at(2026, 12, 8, 10, 0))
    report = _report()  # due Tuesday 8/12 17:00
    calendar_override_set(user=personas.admin, day=dt.date(2026, 12, 8), kind="day_off", name="Nghỉ đột xuất")
    report.refresh_from_db()
    assert report.due_at == at(2026, 12, 9, 17, 0)
