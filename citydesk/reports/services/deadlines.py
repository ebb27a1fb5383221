"""Deadlines: warnings, escalation to the head, automatic closing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.deadline_follow import Shift
from citydesk.core.history_notes import role
from citydesk.core.models import User
from citydesk.notifications.services import notification_queue
from citydesk.reports.models import (
    CLOCK_COUNTS,
    OPEN_STATUSES,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.services.common import (
    _event,
    local_time,
)
from citydesk.reports.system_notes import (
    AUTO_CLOSED,
    CALENDAR_MOVED,
    DEADLINE_WARNED,
    ESCALATED,
    system_note,
)

# --- Deadlines ------------------------------------------------------------------------------------


def _unit_people(unit_ids: Iterable[int], roles: Iterable[str]) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation_id__in=list(unit_ids),
            memberships__role__in=list(roles),
            memberships__is_active=True,
            is_active=True,
        ).distinct()
    )


def clear_outdated_marks(report: Report, now: datetime | None = None) -> list[str]:
    """Take off the deadline marks a report's due time no longer earns, after a move gave it a later due
    time (a reclassification, a resume, the calendar): not escalated while its due time is ahead, and
    warned again when the new due time comes near. The operations center counts the escalated reports as
    overdue (its roll-up triggers follow `escalated_at`), so it agrees with the queue's overdue filter at
    once. The report is changed, not saved: returns the fields changed, for the caller's save.

    The other way is the sweep's: a due time that passed is escalated at its next run, and a report paused
    after its due time has no later due time (it stays overdue while it waits, see `overdue_q`)."""
    now = now or timezone.now()
    if report.due_at is None or report.due_at <= now:
        return []
    changed = []
    if report.escalated_at is not None:
        report.escalated_at = None
        changed.append("escalated_at")
    warn_from = report.due_at - timedelta(hours=settings.CITYDESK_SLA_WARN_HOURS)
    if report.warned_at is not None and (changed or warn_from > now):
        report.warned_at = None  # the warning named the old due time
        changed.append("warned_at")
    return changed


def _clear_outdated_marks(now: datetime, warn_before: timedelta) -> None:
    """The sweep's repair of marks `clear_outdated_marks` did not take off (a due time moved by another
    path, the admin, an older version): the same rule over every open report, in two updates."""
    ahead = Report.objects.filter(status__in=OPEN_STATUSES, due_at__gt=now)
    ahead.filter(escalated_at__isnull=False).update(escalated_at=None, warned_at=None)
    ahead.filter(warned_at__isnull=False, due_at__gt=now + warn_before).update(warned_at=None)


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Warn before the deadline, escalate to the unit head after it, close resolved reports on time-out.

    Run by the task worker periodically (`citydesk sla-sweep` does the same by hand); never on page load.
    First, marks a later due time no longer earns are taken off (`clear_outdated_marks`).
    """
    now = now or timezone.now()
    counts = {"warned": 0, "escalated": 0, "auto_closed": 0}
    warn_before = timedelta(hours=settings.CITYDESK_SLA_WARN_HOURS)
    _clear_outdated_marks(now, warn_before)
    running = Report.objects.filter(status__in=OPEN_STATUSES, paused_at__isnull=True)
    system = Actor.system("sla-sweep")
    for report in running.filter(
        warned_at__isnull=True, due_at__gt=now, due_at__lte=now + warn_before
    ).select_related("unit")[:1000]:
        with transaction.atomic():
            if Report.objects.filter(pk=report.pk, warned_at__isnull=True).update(warned_at=now) != 1:
                continue
            people = _unit_people([report.unit_id], ["officer", "deputy", "head"])
            if report.assignee_id:
                people = [p for p in people if p.pk == report.assignee_id] or people
            for person in people:
                notification_queue(
                    channel="in_app",
                    recipient=person,
                    subject=_("Report %(code)s is due soon") % {"code": report.code},
                    body=_("Due %(d)s.") % {"d": local_time(report.due_at)},
                )
            _event(report, system, ReportEvent.Kind.SLA, **system_note(DEADLINE_WARNED), public=False)
            counts["warned"] += 1
    # Escalated: the overdue reports (as `overdue_q`), a report paused after its due time had passed included.
    overdue = Report.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now).filter(CLOCK_COUNTS)
    for report in overdue.filter(escalated_at__isnull=True).select_related("unit")[:1000]:
        with transaction.atomic():
            if Report.objects.filter(pk=report.pk, escalated_at__isnull=True).update(escalated_at=now) != 1:
                continue
            for head in _unit_people([report.unit_id], ["head"]):
                notification_queue(
                    channel="in_app",
                    recipient=head,
                    subject=_("Report %(code)s is overdue") % {"code": report.code},
                    body=_("It was due %(d)s and is with %(org)s.")
                    % {
                        "d": local_time(report.due_at),
                        "org": report.unit.name,
                    },
                )
            _event(
                report,
                system,
                ReportEvent.Kind.SLA,
                **system_note(ESCALATED),
                public=False,
            )
            audit_record(
                actor=system,
                action="report.escalate",
                object_type="report",
                object_id=report.code,
                after={"due_at": report.due_at.isoformat()},
            )
            counts["escalated"] += 1
    cutoff = now - timedelta(days=settings.CITYDESK_AUTO_CLOSE_DAYS)
    for report in Report.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff)[:1000]:
        with transaction.atomic():
            if (
                Report.objects.filter(pk=report.pk, status=Status.RESOLVED).update(
                    status=Status.CLOSED, closed_at=now, version=F("version") + 1
                )
                != 1
            ):
                continue
            _event(
                report,
                system,
                ReportEvent.Kind.STATUS,
                from_status=Status.RESOLVED,
                to_status=Status.CLOSED,
                **system_note(AUTO_CLOSED, days=settings.CITYDESK_AUTO_CLOSE_DAYS),
            )
            counts["auto_closed"] += 1
    return counts


def follow_calendar(shift: Shift) -> int:
    """Open reports keep the working time they had left when the calendar changes (core.deadline_follow):
    their due time, and their time to be assigned, move; the public history says so. Returns how many."""
    system = Actor.system(role("calendar"))
    moved: list[Report] = []
    events: list[ReportEvent] = []
    reports = (
        Report.objects.filter(status__in=OPEN_STATUSES, due_at__gt=shift.anchor)
        .only("pk", "code", "due_at", "triage_due_at", "warned_at", "escalated_at")
        .order_by("pk")
    )
    now = timezone.now()
    for report in reports.iterator(chunk_size=2000):
        due = shift.moved(report.due_at)
        triage = shift.moved(report.triage_due_at)
        if due is None and triage is None:
            continue
        if due is not None:
            report.due_at = due
            clear_outdated_marks(report, now)  # a later due time: warned again, not overdue
            events.append(
                _event(
                    report,
                    system,
                    ReportEvent.Kind.SLA,
                    **system_note(CALENDAR_MOVED, due=due, reason=shift.reason),
                    save=False,
                )
            )
        if triage is not None:
            report.triage_due_at = triage
        moved.append(report)
    for start in range(0, len(moved), 1000):
        Report.objects.bulk_update(
            moved[start : start + 1000], ["due_at", "triage_due_at", "warned_at", "escalated_at"]
        )
    ReportEvent.objects.bulk_create(events, batch_size=1000)
    return len(moved)
