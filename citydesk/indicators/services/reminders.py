"""Reminders to units whose indicator report is late: in-app and e-mail, at most once a day."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, NotAllowed
from citydesk.core.models import User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.indicators.models import Indicator, Periodicity, Source, Submission, SubmissionState
from citydesk.indicators.services.common import (
    PeriodArg,
    approver_scope,
    group_by_code,
    is_leader_over,
    period_text,
    resolve_period,
    unit_by_code,
)
from citydesk.indicators.services.deadlines import period_end
from citydesk.indicators.services.notices import unit_people
from citydesk.indicators.services.values import submission_for
from citydesk.notifications.models import Channel
from citydesk.notifications.services import notification_queue

PENDING = (SubmissionState.DRAFT, SubmissionState.RETURNED)


def last_ended_periods(today: date) -> list[tuple[str, date]]:
    """The latest month, quarter and year that have ended by `today`."""
    month = date(today.year, today.month, 1)
    prev_month = date(month.year - (month.month == 1), 12 if month.month == 1 else month.month - 1, 1)
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    q_index = quarter_start.year * 12 + quarter_start.month - 1 - 3
    prev_quarter = date(q_index // 12, q_index % 12 + 1, 1)
    found = [(Periodicity.MONTH.value, prev_month), (Periodicity.QUARTER.value, prev_quarter)]
    try:
        from citydesk.indicators import periods

        this_year = periods.year_start(today)
    except ImportError:
        this_year = date(today.year, 1, 1)
    found.append((Periodicity.YEAR.value, this_year.replace(year=this_year.year - 1)))
    return [(k, d) for k, d in found if period_end(k, d) < today]


def _ensure_submissions(today: date) -> None:
    """Rows for every group × reporting unit of the periods just ended, so missing reports are late too."""
    for period_type, day in last_ended_periods(today):
        pairs = (
            Indicator.objects.filter(is_active=True, source=Source.ENTRY, periodicity=period_type)
            .values_list("group_id", "reporting_units")
            .distinct()
        )
        for group_id, unit_id in pairs:
            if unit_id is None:
                continue
            if not Submission.objects.filter(
                group_id=group_id, unit_id=unit_id, period_type=period_type, period=day
            ).exists():
                from citydesk.core.models import Organisation

                submission_for(group_id, Organisation.objects.get(pk=unit_id), period_type, day)


def _notify(submission: Submission) -> int:
    from citydesk.indicators import periods

    label = periods.period_label(submission.period_type, submission.period)
    subject = _("Late indicator report: %(group)s, %(period)s") % {
        "group": submission.group.name,
        "period": label,
    }
    body = _(
        "The report of %(unit)s on %(group)s for %(period)s was due on %(due)s and has not been "
        "submitted. Please enter and submit it."
    ) % {
        "unit": submission.unit.name,
        "group": submission.group.name,
        "period": label,
        "due": timezone.localtime(submission.due_at).strftime("%d/%m/%Y"),
    }
    sent = 0
    for user in unit_people(submission.unit):
        notification_queue(channel=Channel.IN_APP, subject=subject, body=body, recipient=user)
        sent += 1
        if user.email:
            notification_queue(channel=Channel.EMAIL, subject=subject, body=body, recipient=user)
            sent += 1
    return sent


def nobody_to_remind(unit_name: str) -> str:
    return _("%(unit)s has nobody to receive reminders: it has no accounts yet.") % {"unit": unit_name}


def _due_for_reminder(submission: Submission, now: datetime) -> bool:
    if submission.state not in PENDING or submission.due_at is None or submission.due_at >= now:
        return False
    if submission.reminded_at is None:
        return True
    return timezone.localdate(submission.reminded_at) < timezone.localdate(now)


@transaction.atomic
def indicator_reminders(*, now: datetime | None = None) -> int:
    """Remind every late unit (officers and heads) once a day at most. Returns the reports reminded."""
    now = now or timezone.now()
    _ensure_submissions(timezone.localdate(now))
    late = (
        Submission.objects.select_for_update(skip_locked=True)
        .filter(state__in=PENDING, due_at__lt=now)
        .select_related("group", "unit")
        .order_by("pk")
    )
    reminded = 0
    nobody: list[str] = []
    for submission in late:
        if not _due_for_reminder(submission, now):
            continue
        # Marked reminded only when somebody was told: a unit without accounts yet stays "not reminded",
        # and the progress page says why (nobody to receive reminders).
        if not _notify(submission):
            nobody.append(submission.unit.code)
            continue
        Submission.objects.filter(pk=submission.pk).update(reminded_at=now)
        reminded += 1
    if reminded or nobody:
        audit_record(
            actor=Actor.system("indicator-reminders"),
            action="indicator.reminders",
            object_type="indicators.submission",
            object_id="*",
            after={"reminded": reminded, "nobody_to_remind": sorted(set(nobody))[:100]},
        )
    return reminded


@transaction.atomic
def submission_remind(*, user: User, group_code: str, unit_code: str, period: PeriodArg) -> Submission:
    """A leader reminds one late unit now (still at most once a day)."""
    group = group_by_code(group_code)
    unit = unit_by_code(unit_code)
    period_type, day = resolve_period(period)
    actor = authorize(user, Power.INDICATOR_APPROVE, approver_scope(unit))
    if not is_leader_over(user, unit):
        raise NotAllowed(_("Only the city's leaders send reminders."))
    submission = submission_for(group.pk, unit, period_type, day, lock=True)
    now = timezone.now()
    if submission.state not in PENDING:
        raise Conflict(_("This report has already been submitted."), field="period")
    if submission.reminded_at and timezone.localdate(submission.reminded_at) == timezone.localdate(now):
        raise Conflict(_("This unit has already been reminded today."), field="period")
    if not _notify(submission):
        raise Conflict(nobody_to_remind(unit.name), field="unit")
    submission.reminded_at = now
    submission.save(update_fields=["reminded_at"])
    audit_record(
        actor=actor,
        action="indicator.submission_remind",
        object_type="indicators.submission",
        object_id=submission.pk,
        after={"period": period_text(period_type, day), "unit": unit.code},
    )
    return submission
