"""Deadlines: warnings, escalation to the head, automatic closing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import current_calendar
from citydesk.core.deadline_follow import Shift
from citydesk.core.history_notes import label, local_datetime, register, role
from citydesk.core.models import Organisation, ServiceCategory, User
from citydesk.core.powers import Role
from citydesk.notifications.models import Channel
from citydesk.notifications.services import message_language, notification_queue
from citydesk.reports.models import (
    AWAITING_TRIAGE,
    CLOCK_COUNTS,
    OPEN_STATUSES,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.services.common import (
    AUDIENCE_ALL,
    UPDATE_STATUS,
    _compose,
    _event,
    _recipients,
    _status_subject,
    local_time,
)
from citydesk.reports.system_notes import (
    AUTO_CLOSED,
    CALENDAR_MOVED,
    DEADLINE_WARNED,
    system_note,
)

logger = logging.getLogger(__name__)


# --- History notes of the sweep ---------------------------------------------------------------------
# Registered here, beside their only writer (this module is imported when the app starts, by
# `ReportsConfig.ready`); their place is `reports.system_notes`, with the other keys.


def _told(args: Mapping[str, Any]) -> dict[str, str]:
    return {
        "people": ", ".join(args["people"]),
        "role": label(Role, args["role"]),
        "unit": args["unit"],
        "d": local_datetime(args.get("due")),
    }


def _due(args: Mapping[str, Any]) -> dict[str, str]:
    return {"unit": args.get("unit", ""), "d": local_datetime(args.get("due"))}


ESCALATED_TO = register(
    "report.escalated_to", gettext_lazy("Overdue: escalated to %(people)s (%(role)s, %(unit)s)."), _told
)
ESCALATED_NOBODY = register(
    "report.escalated_nobody",
    gettext_lazy(
        "Overdue, but nobody could be told: %(unit)s has no active head or deputy head account, and no unit "
        "above it has an active head account."
    ),
    _due,
)
TRIAGE_WARNED = register(
    "report.triage_warned", gettext_lazy("Triage deadline warning sent: classify by %(d)s."), _due
)
TRIAGE_ESCALATED_TO = register(
    "report.triage_escalated_to",
    gettext_lazy("Not classified by %(d)s: escalated to %(people)s (%(role)s, %(unit)s)."),
    _told,
)
TRIAGE_ESCALATED_NOBODY = register(
    "report.triage_escalated_nobody",
    gettext_lazy(
        "Not classified by %(d)s, but nobody could be told: %(unit)s has no active head or deputy head "
        "account, and no unit above it has an active head account."
    ),
    _due,
)
TRIAGE_ESCALATIONS = (TRIAGE_ESCALATED_TO, TRIAGE_ESCALATED_NOBODY)

# --- Deadlines ------------------------------------------------------------------------------------


def _unit_people(unit_ids: Iterable[int], roles: Iterable[str]) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation_id__in=list(unit_ids),
            memberships__role__in=list(roles),
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def warn_limit(now: datetime, lead: timedelta) -> datetime:
    """The latest due time a warning `lead` ahead is owed for at `now`: `lead` of office time of the
    working-day calendar (office periods of working days, as the due times are counted,
    `WorkCalendar.add_working_hours`), not of clock time. Counted in clock hours, a report due at 08:59 was
    warned at 01:00 (its officer read it at 07:30 with 89 minutes left) and one due on Thursday at 08:59 was
    not yet warned when the office closed on Wednesday. A zero lead warns of nothing (`now`)."""
    if lead <= timedelta(0):
        return now
    return current_calendar().add_working_hours(now, lead)


def due_warn_limit(now: datetime) -> datetime:
    """`warn_limit` of the due time: CITYDESK_SLA_WARN_HOURS office hours ahead."""
    return warn_limit(now, timedelta(hours=settings.CITYDESK_SLA_WARN_HOURS))


def triage_warn_lead(triage_hours: int) -> timedelta:
    """How long before its triage deadline a report waiting to be classified is warned about: a quarter
    of its category's triage time (two office hours of the default eight), at most CITYDESK_SLA_WARN_HOURS.
    The due time's lead would warn of every report as it arrives (the default triage time is as long)."""
    return min(timedelta(hours=triage_hours) / 4, timedelta(hours=settings.CITYDESK_SLA_WARN_HOURS))


def clear_outdated_marks(
    report: Report, now: datetime | None = None, limit: datetime | None = None
) -> list[str]:
    """Take off the deadline marks a report's due time no longer earns, after a move gave it a later due
    time (a reclassification, a resume, the calendar): not escalated while its due time is ahead, and
    warned again when the new due time comes near. The operations center counts the escalated reports as
    overdue (its roll-up triggers follow `escalated_at`), so it agrees with the queue's overdue filter at
    once. The report is changed, not saved: returns the fields changed, for the caller's save. `limit`:
    `due_warn_limit(now)`, when the caller has it (one per run over many reports).

    The other way is the sweep's: a due time that passed is escalated at its next run, and a report paused
    after its due time has no later due time (it stays overdue while it waits, see `overdue_q`)."""
    now = now or timezone.now()
    if report.due_at is None or report.due_at <= now:
        return []
    changed = []
    if report.escalated_at is not None:
        report.escalated_at = None
        changed.append("escalated_at")
    if report.warned_at is not None and (changed or report.due_at > (limit or due_warn_limit(now))):
        report.warned_at = None  # the warning named the old due time
        changed.append("warned_at")
    return changed


def _clear_outdated_marks(now: datetime, limit: datetime) -> None:
    """The sweep's repair of marks `clear_outdated_marks` did not take off (a due time moved by another
    path, the admin, an older version): the same rule over every open report, in two updates."""
    ahead = Report.objects.filter(status__in=OPEN_STATUSES, due_at__gt=now)
    ahead.filter(escalated_at__isnull=False).update(escalated_at=None, warned_at=None)
    ahead.filter(warned_at__isnull=False, due_at__gt=limit).update(warned_at=None)


def escalation_people(unit: Organisation) -> tuple[list[User], str, Organisation | None]:
    """Whom an escalation about `unit`'s report reaches, in what role, of which unit: its heads; without an
    active head account, its deputy heads; without either, the heads of the unit above it (and so on up).
    ([], "", None): nobody can be told (the caller says so in the history and the log)."""
    for role_code in (Role.HEAD, Role.DEPUTY):
        people = _unit_people([unit.pk], [role_code])
        if people:
            return people, role_code, unit
    seen = {unit.pk}
    above = unit.parent if unit.parent_id else None
    while above is not None and above.pk not in seen:
        seen.add(above.pk)
        people = _unit_people([above.pk], [Role.HEAD])
        if people:
            return people, Role.HEAD, above
        above = above.parent if above.parent_id else None
    return [], "", None


def _escalate(report: Report, system: Actor, now: datetime, *, triage: bool) -> list[User]:
    """Tell the head (`escalation_people`) that `report` missed its due time (or, `triage`, its triage
    deadline), write the history naming who was told (or that nobody could be) and the audit entry.
    Returns the people told."""
    due = report.triage_due_at if triage else report.due_at
    assert due is not None
    people, role_code, unit = escalation_people(report.unit)
    for person in people:
        with translation.override(message_language(person)):
            values = {"code": report.code, "d": local_time(due), "org": report.unit.name}
            if triage:
                subject = _("Report %(code)s was not classified in time") % values
                lines = [_("It was to be classified by %(d)s and is with %(org)s.") % values]
            else:
                subject = _("Report %(code)s is overdue") % values
                lines = [_("It was due %(d)s and is with %(org)s.") % values]
            if role_code == Role.DEPUTY:
                lines.append(_("%(org)s has no active head account, so you are told in its place.") % values)
            elif unit is not None and unit.pk != report.unit_id:
                lines.append(
                    _("%(org)s has no active head or deputy head account, so you are told in its place.")
                    % values
                )
            notification_queue(channel="in_app", recipient=person, subject=subject, body=" ".join(lines))
    if people:
        assert unit is not None
        names = [p.full_name or p.username for p in people]
        note = system_note(
            TRIAGE_ESCALATED_TO if triage else ESCALATED_TO,
            people=names,
            role=role_code,
            unit=unit.name,
            due=due,
        )
    else:
        logger.warning(
            "report %s: %s, but nobody could be told: unit %s has no active head or deputy head account, "
            "and no unit above it an active head account",
            report.code,
            "not classified by its triage deadline" if triage else "overdue",
            report.unit.code,
        )
        note = system_note(
            TRIAGE_ESCALATED_NOBODY if triage else ESCALATED_NOBODY, unit=report.unit.name, due=due
        )
    event = _event(report, system, ReportEvent.Kind.SLA, **note, public=False, save=False)
    if triage:  # at the sweep's moment: it counts for the deadline it came after (`_escalate_triage`)
        event.at = now
    event.save()
    audit_record(
        actor=system,
        action="report.escalate",
        object_type="report",
        object_id=report.code,
        after={
            "triage_due_at" if triage else "due_at": due.isoformat(),
            "told": [p.username for p in people],
        },
    )
    return people


def _warn(report: Report, *, triage: bool) -> None:
    """The deadline warning to the report's officer (or, without one, its unit's officers and heads). The
    triage deadline's goes to those who classify, the unit's heads and deputies (an officer cannot)."""
    if triage:
        people = _unit_people([report.unit_id], [Role.DEPUTY, Role.HEAD])
    else:
        people = _unit_people([report.unit_id], [Role.OFFICER, Role.DEPUTY, Role.HEAD])
        if report.assignee_id:
            people = [p for p in people if p.pk == report.assignee_id] or people
    due = report.triage_due_at if triage else report.due_at
    assert due is not None
    for person in people:
        with translation.override(message_language(person)):
            if triage:
                subject = _("Report %(code)s is to be classified soon") % {"code": report.code}
                body = _("Classify by %(d)s.") % {"d": local_time(due)}
            else:
                subject = _("Report %(code)s is due soon") % {"code": report.code}
                body = _("Due %(d)s.") % {"d": local_time(due)}
        notification_queue(channel="in_app", recipient=person, subject=subject, body=body)


def _warn_triage(now: datetime, system: Actor) -> int:
    """Warn, once for each triage deadline, of the reports still waiting to be classified whose deadline
    is within their category's lead (`triage_warn_lead`, in office time). Once: the warning's history line
    keeps the deadline it was for; a new deadline (a transfer, a reopening, the calendar) is warned again."""
    by_lead: dict[timedelta, list[int]] = {}  # a few leads (one per triage time), each one OR'd term
    for category_id, hours in ServiceCategory.objects.filter(
        domain=ServiceCategory.Domain.REPORT
    ).values_list("pk", "triage_hours"):
        by_lead.setdefault(triage_warn_lead(hours), []).append(category_id)
    near = Q()
    for lead, category_ids in by_lead.items():
        limit = warn_limit(now, lead)
        if limit > now:
            near |= Q(category_id__in=category_ids, triage_due_at__lte=limit)
    if not near:
        return 0
    reports = list(
        Report.objects.filter(near, status__in=AWAITING_TRIAGE, triage_due_at__gt=now)
        .select_related("unit")
        .order_by("triage_due_at")[:1000]
    )
    warned = _triage_warned({r.pk for r in reports})
    count = 0
    for report in reports:
        if (report.pk, report.triage_due_at) in warned:
            continue
        with transaction.atomic():
            locked = Report.objects.select_for_update().filter(
                pk=report.pk, status__in=AWAITING_TRIAGE, triage_due_at=report.triage_due_at
            )
            if not locked.exists() or (report.pk, report.triage_due_at) in _triage_warned({report.pk}):
                continue  # classified, moved or warned by another run meanwhile
            _warn(report, triage=True)
            _event(
                report,
                system,
                ReportEvent.Kind.SLA,
                **system_note(TRIAGE_WARNED, due=report.triage_due_at),
                public=False,
            )
            count += 1
    return count


def _triage_warned(report_ids: set[int]) -> set[tuple[int, datetime]]:
    """(report, triage deadline) pairs already warned about."""
    found = set()
    for report_id, args in ReportEvent.objects.filter(
        report_id__in=report_ids, note_key=TRIAGE_WARNED
    ).values_list("report_id", "note_args"):
        try:
            found.add((report_id, datetime.fromisoformat(args["due"])))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def _escalate_triage(now: datetime, system: Actor) -> int:
    """Escalate, once for each triage deadline, the reports the queue shows as not classified in time
    (`Report.triage_late`: waiting to be classified, past "Classify by"). Once: an escalation written at
    or after the deadline counts for it; a later deadline (a transfer, a reopening) is escalated again."""
    escalated = ReportEvent.objects.filter(
        report=OuterRef("pk"), note_key__in=TRIAGE_ESCALATIONS, at__gte=OuterRef("triage_due_at")
    )
    late = Report.objects.filter(status__in=AWAITING_TRIAGE, triage_due_at__lte=now).filter(
        ~Exists(escalated)
    )
    count = 0
    for report in late.select_related("unit").order_by("triage_due_at")[:1000]:
        with transaction.atomic():
            if not late.select_for_update().filter(pk=report.pk, triage_due_at=report.triage_due_at).exists():
                continue  # classified, moved or escalated by another run meanwhile
            _escalate(report, system, now, triage=True)
            count += 1
    return count


def _tell_auto_closed(report: Report, days: int) -> None:
    """The reporter and the followers learn that the report is closed, no objection having been raised
    within the closing window: in-app and by e-mail, not by SMS (it costs the city money and asks nothing
    of them)."""

    def body() -> str:
        return _(
            "Report %(code)s was resolved on %(date)s and no objection was raised within %(n)s days: it is "
            "now closed."
        ) % {"code": report.code, "date": local_time(report.resolved_at), "n": days}

    def subject() -> str:
        return _status_subject(report)

    for recipient in _recipients(report, AUDIENCE_ALL):
        if recipient.channel == Channel.SMS:
            continue
        text_subject, text_body = _compose(report, UPDATE_STATUS, subject, body, recipient)
        notification_queue(
            channel=recipient.channel,
            recipient=recipient.user,
            address=recipient.address,
            subject=text_subject,
            body=text_body,
        )


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Warn before the deadline, escalate to the unit head after it, close resolved reports on time-out;
    the same for the triage deadline ("Classify by") of the reports waiting to be classified.

    Run by the task worker periodically (`citydesk sla-sweep` does the same by hand); never on page load.
    First, marks a later due time no longer earns are taken off (`clear_outdated_marks`).

    The warnings come a lead of office time before the deadline (`warn_limit`): the latest due time within
    it is computed once per run, and the query filters `due_at <= ` it (the `report_sla` index).
    An escalation reaches the unit's head, else its deputy heads, else the head of the unit above
    (`escalation_people`); the history names them, or says nobody could be told.
    """
    now = now or timezone.now()
    counts = {"warned": 0, "escalated": 0, "auto_closed": 0, "triage_warned": 0, "triage_escalated": 0}
    limit = due_warn_limit(now)
    _clear_outdated_marks(now, limit)
    running = Report.objects.filter(status__in=OPEN_STATUSES, paused_at__isnull=True)
    system = Actor.system("sla-sweep")
    for report in running.filter(warned_at__isnull=True, due_at__gt=now, due_at__lte=limit).select_related(
        "unit"
    )[:1000]:
        with transaction.atomic():
            if Report.objects.filter(pk=report.pk, warned_at__isnull=True).update(warned_at=now) != 1:
                continue
            _warn(report, triage=False)
            _event(report, system, ReportEvent.Kind.SLA, **system_note(DEADLINE_WARNED), public=False)
            counts["warned"] += 1
    # Escalated: the overdue reports (as `overdue_q`), a report paused after its due time had passed included.
    overdue = Report.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now).filter(CLOCK_COUNTS)
    for report in overdue.filter(escalated_at__isnull=True).select_related("unit")[:1000]:
        with transaction.atomic():
            if Report.objects.filter(pk=report.pk, escalated_at__isnull=True).update(escalated_at=now) != 1:
                continue
            _escalate(report, system, now, triage=False)
            counts["escalated"] += 1
    counts["triage_warned"] = _warn_triage(now, system)
    counts["triage_escalated"] = _escalate_triage(now, system)
    days = settings.CITYDESK_AUTO_CLOSE_DAYS
    cutoff = now - timedelta(days=days)
    closing = Report.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff)
    for report in closing.select_related("reporter")[:1000]:
        with transaction.atomic():
            if (
                Report.objects.filter(pk=report.pk, status=Status.RESOLVED).update(
                    status=Status.CLOSED, closed_at=now, version=F("version") + 1
                )
                != 1
            ):
                continue
            report.status, report.closed_at, report.version = Status.CLOSED, now, report.version + 1
            _event(
                report,
                system,
                ReportEvent.Kind.STATUS,
                from_status=Status.RESOLVED,
                to_status=Status.CLOSED,
                **system_note(AUTO_CLOSED, days=days),
            )
            audit_record(
                actor=system,
                action="report.close",
                object_type="report",
                object_id=report.code,
                before={"status": Status.RESOLVED},
                after={"status": Status.CLOSED, "auto_close_days": days},
            )
            _tell_auto_closed(report, days)
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
    limit = due_warn_limit(now)
    for report in reports.iterator(chunk_size=2000):
        due = shift.moved(report.due_at)
        triage = shift.moved(report.triage_due_at)
        if due is None and triage is None:
            continue
        if due is not None:
            report.due_at = due
            clear_outdated_marks(report, now, limit)  # a later due time: warned again, not overdue
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
