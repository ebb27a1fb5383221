"""What the citizen does: rate (and reopen), follow, stop following."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.history_notes import role
from citydesk.core.models import User
from citydesk.core.powers import Role
from citydesk.notifications.services import message_language, notification_queue
from citydesk.reports.models import (
    Follower,
    Rating,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.services.common import (
    AUDIENCE_OTHERS,
    UPDATE_STATUS,
    _bounded,
    _due_times,
    _event,
    _locked,
    _notify_followers,
    _status_subject,
    local_time,
    normalize_phone,
    read_unfollow_key,
    reopen_until,
)
from citydesk.reports.system_notes import RATED, RATED_EARLIER, RATING_COMMENT, system_note

MAX_RATING_COMMENT = 2000
_REPORTER = role("reporter")  # the reporter acting through their link, shown in the reader's language


def _citizen_may_act(report: Report, user: User | None, token: str) -> bool:
    if user is not None and user.is_authenticated and report.reporter_id == user.pk:
        return True
    return bool(token) and bool(report.citizen_token) and secrets.compare_digest(token, report.citizen_token)


# --- Rating ---------------------------------------------------------------------------------------


def rating_superseded(report: Report, rating: Rating | None) -> bool:
    """Was the report resolved again after this rating (it was reopened)? That resolution is unrated."""
    return rating is not None and report.resolved_at is not None and rating.created_at < report.resolved_at


def rating_open(report: Report, rating: Rating | None) -> bool:
    """May the reporter rate now? One rating per resolution: the first, or again after a new one."""
    if report.status not in (Status.RESOLVED, Status.CLOSED):
        return False
    return rating is None or rating_superseded(report, rating)


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
    """The reporter rates the result; unsatisfied may reopen within the window; otherwise it closes.

    One rating per resolution: after a reopening and a new resolution the reporter rates again, which
    replaces the rating row (the operations center counts a report's latest rating) and keeps the earlier
    one in the report's history. The comment is for the handling unit: the public sees the level only.
    """
    report = _locked(code)
    if not _citizen_may_act(report, user, token):
        raise NotAllowed(_("Only the person who reported it can rate this report."))
    if level not in Rating.Level.values:
        raise DomainError(_("Choose satisfied, normal or unsatisfied."), field="level")
    if report.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(_("The report can be rated once it is resolved."), field="level")
    rating = Rating.objects.filter(report=report).first()
    if not rating_open(report, rating):
        raise Conflict(_("This report was already rated."), field="level")
    comment = _bounded(comment, "comment", MAX_RATING_COMMENT)
    now = timezone.now()
    if reopen and level != Rating.Level.UNSATISFIED:
        # Ticked without "unsatisfied" (a browser without the script that hides the box): ask, do not
        # close a report its reporter wanted reopened.
        raise DomainError(
            _("Only an unsatisfied rating reopens the report: choose “unsatisfied”, or untick reopening."),
            field="reopen",
        )
    reopening = level == Rating.Level.UNSATISFIED and reopen
    until = reopen_until(report)
    if reopening and (until is None or now > until):
        raise Conflict(_("The time to reopen this report has passed."), field="reopen")
    actor = Actor(user_id=user.pk if user and user.is_authenticated else None, label=_REPORTER, right="own")
    earlier = None
    # The history stores codes and the reporter's words; each reader reads it in their own language.
    if rating is None:
        rating = Rating.objects.create(report=report, level=level, comment=comment, created_at=now)
    else:
        earlier = {"level": rating.level, "at": rating.created_at.isoformat()}
        before = system_note(RATED_EARLIER, at=rating.created_at, level=rating.level, comment=rating.comment)
        _event(report, actor, ReportEvent.Kind.RATING, **before, public=False)
        rating.level, rating.comment, rating.created_at = level, comment, now
        rating.save(update_fields=["level", "comment", "created_at"])  # the roll-up triggers follow
    _event(report, actor, ReportEvent.Kind.RATING, **system_note(RATED, level=level))
    if comment:  # for the handling unit: the public history shows the level only
        _event(
            report, actor, ReportEvent.Kind.RATING, **system_note(RATING_COMMENT, text=comment), public=False
        )
    old = report.status
    if reopening:
        report.status = Status.REOPENED
        report.reopen_count += 1
        report.resolved_at = None
        report.closed_at = None
        report.triage_due_at, report.due_at = _due_times(report.category, now)
        report.warned_at = report.escalated_at = None
    elif report.status == Status.RESOLVED:
        report.status = Status.CLOSED
        report.closed_at = now
    report.version += 1
    report.updated_at = now
    report.save()
    if report.status != old:
        _event(report, actor, ReportEvent.Kind.STATUS, from_status=old, to_status=report.status)
    audit_record(
        actor=actor,
        action="report.rate",
        object_type="report",
        object_id=report.code,
        before={"status": old, "rating": earlier},
        after={"status": report.status, "rating": level},
    )
    if reopening:
        _tell_the_unit(report, comment)
        _notify_followers(
            report,
            lambda: _status_subject(report),
            lambda: (
                _("The reporter is not satisfied with the result: the report goes back to %(org)s.")
                % {"org": report.unit.name}
            ),
            kind=UPDATE_STATUS,
            audience=AUDIENCE_OTHERS,
        )
    return report


def _tell_the_unit(report: Report, comment: str) -> None:
    """A reopened report goes back to its officer (or, without one, to the unit's heads), in-app."""
    if report.assignee_id and report.assignee.is_active:
        people = [report.assignee]
    else:
        people = list(
            User.objects.filter(
                is_active=True,
                memberships__organisation=report.unit,
                memberships__role=Role.HEAD,
                memberships__is_active=True,
            )
            .distinct()
            .order_by("pk")
        )
    link = f"{settings.CITYDESK_PUBLIC_URL}{reverse('reports:officer', args=[report.code])}"
    for person in people:
        with translation.override(message_language(person)):
            subject = _("Report %(code)s was reopened by the reporter") % {"code": report.code}
            lines = [
                _(
                    "The reporter is not satisfied with the result and reopened the report. New due time: %(due)s."
                )
                % {"due": local_time(report.due_at) if report.due_at else "—"}
            ]
            if comment:
                lines.append(_("Reporter's comment: %(c)s") % {"c": comment})
            lines.append(link)
        notification_queue(channel="in_app", recipient=person, subject=subject, body="\n".join(lines))


# --- Following ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowOutcome:
    follower: Follower
    created: bool  # False: the same person (account, e-mail or phone) already followed the report


def _normal_email(email: str) -> str:
    """E-mail addresses are compared and stored lower-cased: BINH.LE@… and binh.le@… are one mailbox."""
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("“%(e)s” is not an e-mail address.") % {"e": email}, field="email") from None
    return email.lower()


def follow_refusal(report: Report) -> str:
    """Why following this report would bring nothing ('' when it would): a merged duplicate's updates come
    from the report it was merged into; a closed or rejected report has none to come."""
    if report.duplicate_of_id:
        return _(
            "Report %(code)s was merged into %(master)s, which handles the same problem: follow %(master)s."
        ) % {"code": report.code, "master": report.duplicate_of.code}
    if report.status == Status.CLOSED:
        return _(
            "Report %(code)s is closed: it will have no more updates. If the problem is back, send a new report."
        ) % {"code": report.code}
    if report.status == Status.REJECTED:
        return _("Report %(code)s was not accepted for handling: it will have no updates.") % {
            "code": report.code
        }
    return ""


@transaction.atomic
def report_follow_outcome(
    *, code: str, user: User | None = None, email: str = "", phone: str = ""
) -> FollowOutcome:
    """Follow a report; following it again (same account, e-mail in any case, or phone) changes nothing.
    A closed or rejected report is not followed (`follow_refusal`: nothing more will come)."""
    report = Report.objects.select_related("duplicate_of").filter(code=code).first()
    signed_in = user is not None and user.is_authenticated
    if report is None or (not report.is_public and not (signed_in and report.reporter_id == user.pk)):
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    refusal = follow_refusal(report)
    if refusal:
        raise Conflict(refusal, field="code")
    if signed_in:
        existing = Follower.objects.filter(report=report, user=user).first()
        if existing is not None:
            return FollowOutcome(existing, False)
        if user.email:  # followed by e-mail before signing in: that follow becomes the account's
            by_email = Follower.objects.filter(
                report=report, user__isnull=True, email__iexact=user.email
            ).first()
            if by_email is not None:
                by_email.user, by_email.email = user, ""
                by_email.save(update_fields=["user", "email"])
                return FollowOutcome(by_email, False)
        return _create_follower(report, Q(user=user), user=user)
    email = _normal_email(email)
    if email:
        return _create_follower(report, Q(email__iexact=email) | Q(user__email__iexact=email), email=email)
    phone = normalize_phone(phone, field="phone")
    if not phone:
        raise DomainError(_("Log in, or give an e-mail address or a phone number."), field="email")
    return _create_follower(report, Q(phone=phone), phone=phone)


def _create_follower(
    report: Report, same: Q, *, user: User | None = None, email: str = "", phone: str = ""
) -> FollowOutcome:
    existing = Follower.objects.filter(same, report=report).order_by("pk").first()
    if existing is not None:
        return FollowOutcome(existing, False)
    try:
        with transaction.atomic():  # a concurrent identical follow loses on the unique constraint
            return FollowOutcome(
                Follower.objects.create(report=report, user=user, email=email, phone=phone), True
            )
    except IntegrityError:
        existing = Follower.objects.filter(same, report=report).order_by("pk").first()
        if existing is None:
            raise
        return FollowOutcome(existing, False)


def report_follow(*, code: str, user: User | None = None, email: str = "", phone: str = "") -> Follower:
    """Follow a report (idempotent): the follower, new or the one that was there."""
    return report_follow_outcome(code=code, user=user, email=email, phone=phone).follower


def follower_for_key(key: str) -> Follower | None:
    """The follower a signed "stop following" link names, if it still follows."""
    parsed = read_unfollow_key(key)
    if parsed is None:
        return None
    code, follower_id = parsed
    return Follower.objects.select_related("report", "user").filter(pk=follower_id, report__code=code).first()


@transaction.atomic
def report_unfollow(*, key: str) -> str:
    """Stop following, from the signed link of an update (no login). Returns the report's code; a link
    used twice changes nothing the second time."""
    parsed = read_unfollow_key(key)
    if parsed is None:
        raise NotFound(_("This link is not valid."), field="key")
    code, follower_id = parsed
    deleted, _counts = Follower.objects.filter(pk=follower_id, report__code=code).delete()
    if deleted:
        audit_record(
            actor=Actor(user_id=None, label=_("follower"), right="own"),
            action="report.unfollow",
            object_type="report",
            object_id=code,
            before={"follower": follower_id},
        )
    return code
