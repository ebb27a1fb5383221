"""What the citizen does: rate (and reopen), follow."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import User
from citydesk.lib.text import nfc
from citydesk.reports.models import (
    Follower,
    Rating,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.services.common import (
    _due_times,
    _event,
    _locked,
    normalize_phone,
)


def _citizen_may_act(report: Report, user: User | None, token: str) -> bool:
    if user is not None and user.is_authenticated and report.reporter_id == user.pk:
        return True
    return bool(token) and secrets.compare_digest(token, report.citizen_token)


@transaction.atomic
def report_rate(
    *,
    code: str,
    level: str,
    comment: str = "",
    reopen: bool = False,
    user: User | None = None,
    token: str = "",
) -> Report:
    """The reporter rates the result; unsatisfied may reopen within the window; otherwise it closes."""
    report = _locked(code)
    if not _citizen_may_act(report, user, token):
        raise NotAllowed(_("Only the person who reported it can rate this report."))
    if level not in Rating.Level.values:
        raise DomainError(_("Choose satisfied, normal or unsatisfied."), field="level")
    if report.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(_("The report can be rated once it is resolved."), field="level")
    if Rating.objects.filter(report=report).exists():
        raise Conflict(_("This report was already rated."), field="level")
    comment = nfc(comment or "")[:2000]
    Rating.objects.create(report=report, level=level, comment=comment)
    actor = Actor(
        user_id=user.pk if user and user.is_authenticated else None, label=_("reporter"), right="own"
    )
    _event(report, actor, ReportEvent.Kind.RATING, note=f"{Rating.Level(level).label}. {comment}".strip())
    old = report.status
    window_open = report.resolved_at and timezone.now() - report.resolved_at <= timedelta(
        days=settings.CITYDESK_REOPEN_DAYS
    )
    if level == Rating.Level.UNSATISFIED and reopen:
        if not window_open:
            raise Conflict(_("The time to reopen this report has passed."), field="reopen")
        report.status = Status.REOPENED
        report.reopen_count += 1
        report.resolved_at = None
        report.closed_at = None
        report.triage_due_at, report.due_at = _due_times(report.category, timezone.now())
        report.warned_at = report.escalated_at = None
    elif report.status == Status.RESOLVED:
        report.status = Status.CLOSED
        report.closed_at = timezone.now()
    report.version += 1
    report.updated_at = timezone.now()
    report.save()
    if report.status != old:
        _event(report, actor, ReportEvent.Kind.STATUS, from_status=old, to_status=report.status)
        audit_record(
            actor=actor,
            action="report.rate",
            object_type="report",
            object_id=report.code,
            before={"status": old},
            after={"status": report.status, "rating": level},
        )
    return report


@transaction.atomic
def report_follow(*, code: str, user: User | None = None, email: str = "", phone: str = "") -> Follower:
    report = Report.objects.filter(code=code).first()
    if report is None or (not report.is_public and not (user and report.reporter_id == user.pk)):
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    if user is not None and user.is_authenticated:
        follower, _created = Follower.objects.get_or_create(report=report, user=user)
        return follower
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(_("“%(e)s” is not an e-mail address.") % {"e": email}, field="email") from None
        follower, _created = Follower.objects.get_or_create(report=report, email=email)
        return follower
    phone = normalize_phone(phone, field="phone")
    if not phone:
        raise DomainError(_("Log in, or give an e-mail address or a phone number."), field="email")
    follower = Follower.objects.filter(report=report, phone=phone).first()
    return follower or Follower.objects.create(report=report, phone=phone)
