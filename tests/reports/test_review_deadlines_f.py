"""Review (F): merges stay within one unit and one place; escalations reach somebody and say whom; the
triage deadline is warned about and escalated; the auto-close is audited and told; warnings count office
hours."""

from __future__ import annotations

import datetime as dt
import json
import logging
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from citydesk.core.errors import Conflict, DomainError
from citydesk.core.models import AuditEntry, Membership, User
from citydesk.notifications.models import Notification
from citydesk.reports.models import Follower, Report, ReportEvent
from citydesk.reports.services import report_merge, sla_sweep
from citydesk.reports.services.deadlines import (
    ESCALATED_NOBODY,
    ESCALATED_TO,
    TRIAGE_ESCALATED_TO,
    TRIAGE_WARNED,
    clear_outdated_marks,
)

from .conftest import BEN_THANH, submit_report

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def _warn_hours(settings):
    settings.CITYDESK_SLA_WARN_HOURS = 8
    settings.CITYDESK_AUTO_CLOSE_DAYS = 7


def _unchanged(report: Report) -> None:
    report.refresh_from_db()
    assert report.status == "received" and report.duplicate_of_id is None


# --- 1. Merges: the same unit, not far apart -----------------------------------------------------------


def test_a_report_is_not_merged_into_another_units_report(client, personas, categories, bearer):
    """The Bến Thành deputy merging into a (public) Sài Gòn report: refused, naming `into`, the other unit
    and the transfer to make instead; nothing changes (the other unit was never told, and could not undo it)."""
    theirs = submit_report(description="Ổ gà lớn, phường bên")
    Report.objects.filter(pk=theirs.pk).update(unit=personas.other_ward)
    ours = submit_report(description="Ổ gà", contact_email="khac@example.vn")
    with pytest.raises(Conflict) as refused:
        report_merge(user=personas.deputy, code=ours.code, into=theirs.code)
    assert refused.value.field == "into" and refused.value.status == 409
    assert personas.other_ward.name in refused.value.message
    _unchanged(ours)
    r = client.post(
        f"/api/v1/reports/{ours.code}/merge",
        {"into": theirs.code},
        content_type="application/json",
        **bearer(personas.deputy),
    )
    assert r.status_code == 409 and json.loads(r.content)["field"] == "into"
    _unchanged(ours)
    assert not Follower.objects.filter(report=theirs, email="khac@example.vn").exists()


def test_a_report_is_not_merged_into_one_far_away(personas, categories):
    """1.9 km apart (the demo's PA-26-000314 → PA-26-000302): farther than 5 × the category's 50 m radius,
    at least 500 m: refused with both distances; close by, the merge is done."""
    master = submit_report()
    far = submit_report(description="Ổ gà")
    Report.objects.filter(pk=master.pk).update(lat=BEN_THANH[1] + 0.017)  # ≈ 1.9 km north
    with pytest.raises(DomainError) as refused:
        report_merge(user=personas.deputy, code=far.code, into=master.code)
    assert refused.value.field == "into" and refused.value.status == 400
    assert "500 m" in refused.value.message and "1.890 m" in refused.value.message
    _unchanged(far)
    Report.objects.filter(pk=master.pk).update(lat=BEN_THANH[1] + 0.004)  # ≈ 445 m
    report_merge(user=personas.deputy, code=far.code, into=master.code)
    far.refresh_from_db()
    assert far.duplicate_of_id == master.pk


def test_the_merge_distance_grows_with_the_categorys_radius_and_needs_both_points(personas, categories):
    categories["road"].duplicate_radius_m = 200  # 5 × 200 m = 1 km
    categories["road"].save()
    master = submit_report()
    near = submit_report(description="Ổ gà")
    Report.objects.filter(pk=master.pk).update(lat=BEN_THANH[1] + 0.008)  # ≈ 890 m
    report_merge(user=personas.deputy, code=near.code, into=master.code)
    # Without a point (given by its address), the unit is the check.
    unplaced = submit_report(description="Ổ gà trước số 5", contact_phone="0901234567")
    Report.objects.filter(pk=unplaced.pk).update(lon=None, lat=None)
    report_merge(user=personas.deputy, code=unplaced.code, into=master.code)
    assert Report.objects.filter(duplicate_of=master).count() == 2


# --- 2. Escalations reach somebody, and the history says whom ------------------------------------------


def _overdue(**overrides) -> Report:
    report = submit_report(**overrides)
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    return report


def _escalation_note(report: Report) -> ReportEvent:
    return report.events.get(note_key__in=[ESCALATED_TO, ESCALATED_NOBODY])


def test_the_escalation_names_the_head_it_reached(personas, categories):
    late = _overdue()
    sla_sweep()
    event = _escalation_note(late)
    assert event.note_key == ESCALATED_TO and personas.head.full_name in event.display_note
    assert personas.ward.name in event.display_note
    assert Notification.objects.filter(recipient=personas.head, subject__contains=late.code).exists()


def test_without_a_head_the_deputy_is_told_and_named(personas, categories):
    Membership.objects.filter(user=personas.head).update(is_active=False)
    late = _overdue()
    sla_sweep()
    told = Notification.objects.filter(subject__contains=late.code)
    assert [n.recipient for n in told] == [personas.deputy]
    assert personas.ward.name in told[0].body  # why the deputy is told
    event = _escalation_note(late)
    assert (
        personas.deputy.full_name in event.display_note and personas.head.full_name not in event.display_note
    )
    entry = AuditEntry.objects.get(action="report.escalate", object_id=late.code)
    assert entry.after["told"] == [personas.deputy.username]


def test_without_a_head_or_deputy_the_unit_aboves_head_is_told(personas, categories):
    Membership.objects.filter(user__in=[personas.head, personas.deputy]).update(is_active=False)
    chairman = User.objects.create_user(username="chairman", full_name="Chủ tịch Thành phố")
    Membership.objects.create(user=chairman, organisation=personas.city, role="head")
    late = _overdue()
    sla_sweep()
    told = Notification.objects.filter(subject__contains=late.code)
    assert [n.recipient for n in told] == [chairman]
    event = _escalation_note(late)
    assert "Chủ tịch Thành phố" in event.display_note and personas.city.name in event.display_note


def test_when_nobody_can_be_told_the_history_says_so_and_the_log_warns(personas, categories, caplog):
    Membership.objects.filter(user__in=[personas.head, personas.deputy]).update(is_active=False)
    late = _overdue()
    with caplog.at_level(logging.WARNING, logger="citydesk.reports.services.deadlines"):
        assert sla_sweep()["escalated"] == 1
    assert not Notification.objects.filter(subject__contains=late.code).exists()
    event = _escalation_note(late)
    assert event.note_key == ESCALATED_NOBODY and personas.ward.name in event.display_note
    assert any(late.code in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    late.refresh_from_db()
    assert late.escalated_at is not None  # once: not again at the next run
    assert sla_sweep()["escalated"] == 0


# --- 3. The triage deadline ---------------------------------------------------------------------------


def test_the_triage_deadline_is_warned_about_once(personas, categories):
    fresh = submit_report(description="Vừa nhận")  # 8 office hours to classify: not warned on arrival
    soon = submit_report(description="Sắp hết hạn phân loại")
    now = timezone.now()
    Report.objects.filter(pk=soon.pk).update(triage_due_at=now + dt.timedelta(minutes=30))
    assert sla_sweep(now=now)["triage_warned"] == 1
    assert sla_sweep(now=now)["triage_warned"] == 0
    assert soon.events.filter(note_key=TRIAGE_WARNED).count() == 1
    assert not fresh.events.filter(note_key=TRIAGE_WARNED).exists()
    # Those who classify are warned (the head, a deputy), not an officer, who cannot classify.
    warned = set(Notification.objects.filter(subject__contains=soon.code).values_list("recipient", flat=True))
    assert personas.head.pk in warned and personas.officer.pk not in warned
    # A new triage deadline (a transfer, a reopening) is warned about again.
    Report.objects.filter(pk=soon.pk).update(triage_due_at=now + dt.timedelta(minutes=40))
    assert sla_sweep(now=now)["triage_warned"] == 1


def test_a_report_not_classified_in_time_is_escalated_once(personas, categories):
    late = submit_report(description="Chưa phân loại")
    classified = submit_report(description="Đã phân loại")
    now = timezone.now()
    Report.objects.filter(pk__in=[late.pk, classified.pk]).update(triage_due_at=now - dt.timedelta(hours=1))
    Report.objects.filter(pk=classified.pk).update(status="classified")
    assert sla_sweep(now=now)["triage_escalated"] == 1
    assert sla_sweep(now=now)["triage_escalated"] == 0
    event = late.events.get(note_key=TRIAGE_ESCALATED_TO)
    assert personas.head.full_name in event.display_note
    assert Notification.objects.filter(recipient=personas.head, subject__contains=late.code).exists()
    assert not classified.events.filter(note_key=TRIAGE_ESCALATED_TO).exists()
    # Transferred to a unit that is late again with its own triage deadline: escalated again.
    Report.objects.filter(pk=late.pk).update(triage_due_at=now + dt.timedelta(hours=1))
    assert sla_sweep(now=now + dt.timedelta(hours=2))["triage_escalated"] == 1


def test_the_command_names_the_triage_counts(personas, categories):
    out = StringIO()
    call_command("sla-sweep", stdout=out)
    assert "triage_warned" not in out.getvalue() and "triage_escalated" not in out.getvalue()


# --- 4. The auto-close is audited and told ------------------------------------------------------------


def test_the_auto_close_is_audited_and_told_without_sms(personas, categories):
    done = submit_report(reporter=personas.citizen, contact_phone="0901234567")
    Follower.objects.create(report=done, email="hangxom@example.vn")
    Follower.objects.create(report=done, phone="0912345678")
    Report.objects.filter(pk=done.pk).update(
        status="resolved", resolved_at=timezone.now() - dt.timedelta(days=8)
    )
    Notification.objects.all().delete()
    assert sla_sweep()["auto_closed"] == 1
    entry = AuditEntry.objects.get(action="report.close", object_id=done.code)
    assert entry.actor_id is None and entry.actor_label == "sla-sweep" and entry.right == "system"
    assert entry.before == {"status": "resolved"} and entry.after["status"] == "closed"
    told = Notification.objects.filter(subject__contains=done.code)
    assert {(n.channel, n.recipient_id, n.address) for n in told} == {
        ("in_app", personas.citizen.pk, ""),
        ("email", personas.citizen.pk, personas.citizen.email),
        ("email", None, "hangxom@example.vn"),
    }
    assert all("7" in n.body for n in told)


# --- 5. Warnings count office hours ----------------------------------------------------------------------


def _due_thursday_morning() -> Report:
    report = submit_report()
    due = dt.datetime(2026, 12, 3, 8, 59, tzinfo=HCM)  # Thursday
    Report.objects.filter(pk=report.pk).update(due_at=due)
    return report


def test_the_warning_comes_eight_office_hours_before_not_eight_clock_hours(personas, categories):
    report = _due_thursday_morning()
    # Wednesday 08:00: 8 h 59 min of office time left — not yet.
    assert sla_sweep(now=dt.datetime(2026, 12, 2, 8, 0, tzinfo=HCM))["warned"] == 0
    # Wednesday 09:00: 7 h 59 min of office time left (by the clock, 23 h 59 min): warned.
    at = dt.datetime(2026, 12, 2, 9, 0, tzinfo=HCM)
    assert sla_sweep(now=at)["warned"] == 1
    report.refresh_from_db()
    assert report.warned_at == at


def test_warned_when_the_office_closes_the_day_before(personas, categories):
    report = _due_thursday_morning()
    at = dt.datetime(2026, 12, 2, 17, 0, tzinfo=HCM)
    assert sla_sweep(now=at)["warned"] == 1
    report.refresh_from_db()
    assert report.warned_at == at
    # The mark stays: the due time is still within the window (by the clock it was 16 hours away).
    assert clear_outdated_marks(report, at) == [] and report.warned_at == at
    assert sla_sweep(now=at)["warned"] == 0
