"""Case handling: merge and unmerge duplicates, pause and resume the deadline clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import Conflict, DomainError, DomainErrors, NotFound
from citydesk.core.models import User
from citydesk.core.powers import Power, Role
from citydesk.core.services import authorize
from citydesk.notifications.services import message_language, notification_queue
from citydesk.reports import selectors
from citydesk.reports.duplicates import distance_m
from citydesk.reports.models import (
    Follower,
    RejectReason,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.services.common import (
    UPDATE_STATUS,
    _bounded,
    _check_version,
    _due_times,
    _event,
    _is_reporters,
    _locked,
    _notify_followers,
    _status_subject,
    local_time,
    no_way_to_reach_reporter,
    reopen_until,
    reporter_reachable,
)
from citydesk.reports.services.deadlines import clear_outdated_marks
from citydesk.reports.system_notes import (
    MERGED_HERE,
    MERGED_INTO,
    RESUMED,
    RESUMED_DUE_NEW,
    RESUMED_DUE_SAME,
    UNMERGED,
    WAITING,
    system_note,
)
from citydesk.reports.workflow import MOVES


@transaction.atomic
def report_merge(
    *, user: User, code: str, into: str, version: int | None = None, confirmed: bool | None = None
) -> Report:
    """Make `code` a duplicate of `into`: it is rejected as duplicate and its followers follow `into`.
    `version`: the one of `code` the officer saw (a report changed since is refused, 409).
    `confirmed=False`: the page's confirmation box was left unticked (its people are told at once; the
    API does not ask, None): refused, with any problem of `into`, nothing done.

    A report that came in after `into` was resolved says the problem is back: the merge reopens `into`
    (closed too) within its reopening window, and is refused past it (the report is then handled on its
    own): merged into a report nobody handles again, the complaint would vanish."""
    duplicate = _locked(code)
    actor = authorize(user, Power.REPORT_ASSIGN, duplicate.unit)
    _check_version(duplicate, version)
    if not duplicate.is_open:
        raise Conflict(_("Only open reports can be merged."), field="code")
    problems: list[DomainError] = []
    master: Report | None = None
    try:
        master = _merge_target(user, duplicate, into)
    except DomainError as exc:
        if type(exc) is not DomainError:
            raise
        problems.append(exc)
    if confirmed is False:
        problems.append(
            DomainError(
                _(
                    "Tick the box to confirm the merge: the reporter and the followers of this report are "
                    "told at once."
                ),
                field="confirm",
            )
        )
    if problems:
        raise problems[0] if len(problems) == 1 else DomainErrors(problems)
    assert master is not None
    old = duplicate.status
    duplicate.duplicate_of = master
    duplicate.status = Status.REJECTED
    duplicate.reject_reason = RejectReason.DUPLICATE
    duplicate.version += 1
    duplicate.updated_at = timezone.now()
    duplicate.save()
    if _problem_back(duplicate, master):
        # Before the duplicate's followers join: the master's people are told it is reopened, the
        # duplicate's that it was merged (and they follow the reopened report from now on).
        _reopen_by_merge(master, duplicate, actor)
    for follower in duplicate.followers.select_related("user"):
        email, phone = follower.email, follower.phone
        if follower.user_id and _is_reporters(duplicate, follower):
            # The duplicate's reporter keeps hearing where they asked to for that report (the contact they
            # typed), not at their account's address.
            typed_email, typed_phone = duplicate.contact_email, duplicate.contact_phone
            email = typed_email if typed_email.lower() != (follower.user.email or "").lower() else ""
            phone = typed_phone if not (typed_email or follower.user.email) else ""
        if follower.user_id:
            exists = Follower.objects.filter(report=master, user_id=follower.user_id).exists() or bool(
                email and Follower.objects.filter(report=master, email__iexact=email).exists()
            )  # already reached there (one follow per address)
        elif email:
            exists = Follower.objects.filter(report=master, email__iexact=email).exists()
        else:
            exists = Follower.objects.filter(report=master, user=None, email="", phone=phone).exists()
        if not exists:
            Follower.objects.create(
                report=master, user_id=follower.user_id, email=email, phone=phone, via=duplicate
            )
    told = system_note(MERGED_INTO, code=master.code)
    _event(duplicate, actor, ReportEvent.Kind.MERGE, from_status=old, to_status=Status.REJECTED, **told)
    link = f"{settings.CITYDESK_PUBLIC_URL}/tra-cuu/{master.code}/" if master.is_public else ""

    def merged_body() -> str:  # composed per recipient, in the message language
        # It names both codes, as the subject does: an SMS (no subject line) is then this text alone, not
        # the subject followed by the same words again.
        text = _(
            "Report %(code)s was merged into %(into)s, a report of the same problem: you will receive the "
            "updates of %(into)s from now on."
        ) % {"code": duplicate.code, "into": master.code}
        return f"{text}\n{link}" if link else text

    _notify_followers(
        duplicate,
        lambda: _("Report %(code)s: merged into %(into)s") % {"code": duplicate.code, "into": master.code},
        merged_body,
    )
    _event(
        master,
        actor,
        ReportEvent.Kind.MERGE,
        **system_note(MERGED_HERE, code=duplicate.code),
        public=False,
    )
    audit_record(
        actor=actor,
        action="report.merge",
        object_type="report",
        object_id=duplicate.code,
        before={"status": old},
        after={"status": Status.REJECTED, "duplicate_of": master.code},
    )
    return duplicate


@transaction.atomic
def report_unmerge(*, user: User, code: str, version: int | None = None) -> Report:
    duplicate = _locked(code)
    # Who may act first: a stranger learns nothing of the report's state from the refusal.
    actor = authorize(user, Power.REPORT_ASSIGN, duplicate.unit)
    _check_version(duplicate, version)
    if duplicate.duplicate_of_id is None:
        raise Conflict(_("%(code)s is not merged.") % {"code": code}, field="code")
    merge = duplicate.events.filter(kind=ReportEvent.Kind.MERGE).order_by("-at", "-pk").first()
    previous = merge.from_status if merge and merge.from_status else Status.RECEIVED
    master = duplicate.duplicate_of
    Follower.objects.filter(report=master, via=duplicate).delete()
    duplicate.duplicate_of = None
    duplicate.status = previous
    duplicate.reject_reason = ""
    duplicate.version += 1
    duplicate.updated_at = timezone.now()
    duplicate.save()
    told = system_note(UNMERGED, code=master.code)
    _event(duplicate, actor, ReportEvent.Kind.MERGE, from_status=Status.REJECTED, to_status=previous, **told)
    _notify_followers(
        duplicate,
        lambda: _("Report %(code)s: handled separately again") % {"code": duplicate.code},
        lambda: (
            _("Report %(code)s is handled separately again: it is no longer merged into %(into)s.")
            % {"code": duplicate.code, "into": master.code}
        ),
    )
    audit_record(
        actor=actor,
        action="report.unmerge",
        object_type="report",
        object_id=duplicate.code,
        before={"duplicate_of": master.code},
        after={"status": previous},
    )
    return duplicate


@transaction.atomic
def report_pause(*, user: User, code: str, note: str, version: int | None = None) -> Report:
    """Waiting for the citizen (e.g. more information): the deadline clock stops."""
    report = _locked(code)
    actor = authorize(user, Power.REPORT_RESOLVE, report.unit)
    _check_version(report, version)
    if not report.is_open:
        raise Conflict(_("Only open reports can be paused."), field="code")
    if report.paused_at is not None:
        raise Conflict(_("The report is already waiting for the citizen."), field="code")
    if not reporter_reachable(report):  # nothing would be sent, and the clock would never run again
        raise Conflict(no_way_to_reach_reporter(), field="code")
    note = _bounded(note, "note")
    if not note:
        raise DomainError(_("Say what the citizen must provide."), field="note")
    report.paused_at = timezone.now()
    report.version += 1
    report.save(update_fields=["paused_at", "version"])
    _event(report, actor, ReportEvent.Kind.SLA, **system_note(WAITING, text=note))
    _notify_followers(report, _("Report %(code)s: information needed") % {"code": report.code}, note)
    audit_record(
        actor=actor,
        action="report.pause",
        object_type="report",
        object_id=report.code,
        after={"paused_at": report.paused_at.isoformat()},
    )
    return report


@transaction.atomic
def report_resume(*, user: User, code: str, version: int | None = None) -> Report:
    """The clock restarts; the due times move by the working time spent waiting."""
    report = _locked(code)
    actor = authorize(user, Power.REPORT_RESOLVE, report.unit)
    _check_version(report, version)
    if report.paused_at is None:
        raise Conflict(_("The report is not paused."), field="code")
    resume_clock(report, actor, notify=True)
    return report


def resumed_text(before: datetime | None, after: datetime | None) -> str:
    """What resuming did to the due time, in words (the followers' message, the officer's confirmation)."""
    if after is None:
        return _("Handling resumed.")
    if after == before:
        return _("Handling resumed; the due time stays %(d)s.") % {"d": local_time(after)}
    return _("Handling resumed; new due time %(d)s.") % {"d": local_time(after)}


def resume_clock(report: Report, actor: Actor, *, notify: bool, reason: str = "") -> None:
    """Restart a paused report's clock: the due time moves by the office time spent waiting; the history,
    the audit trail and (with `notify`) the followers say so. Officers (`report_resume`) and the
    citizen's answer (`replies`) both come through here; the caller has checked who may."""
    before = report.due_at
    now = timezone.now()
    report.due_at = moved_due(report.due_at, report.paused_at, now)
    report.paused_at = None
    report.version += 1
    report.updated_at = now
    # A due time back in the future is no longer overdue: its escalation and warning marks go (the
    # operations center counts overdue by them).
    marks = clear_outdated_marks(report, now)
    report.save(update_fields=["paused_at", "due_at", "version", "updated_at", *marks])

    def resumed() -> str:
        return resumed_text(before, report.due_at)

    if report.due_at is None:
        stored = system_note(RESUMED)
    elif report.due_at == before:
        stored = system_note(RESUMED_DUE_SAME, due=report.due_at)
    else:
        stored = system_note(RESUMED_DUE_NEW, due=report.due_at)
    _event(report, actor, ReportEvent.Kind.SLA, **stored)
    if notify:
        _notify_followers(
            report, lambda: _("Report %(code)s: handling resumed") % {"code": report.code}, resumed
        )
    after = {"due_at": report.due_at.isoformat() if report.due_at else None}
    audit_record(
        actor=actor,
        action="report.resume",
        object_type="report",
        object_id=report.code,
        before={"due_at": before.isoformat() if before else None},
        after={**after, "by": reason} if reason else after,
    )


def moved_due(due: datetime | None, paused_at: datetime, resumed_at: datetime) -> datetime | None:
    """The due time after a pause: later by the office time that passed while paused, to the minute
    (`WorkCalendar.due_after_pause`), so the report keeps the office time it had left when it was paused
    (a wait of a few seconds leaves it where it was; a pause after the due time gains nothing)."""
    if due is None:
        return None
    return current_calendar().due_after_pause(due, paused_at, resumed_at)


def _merge_target(user: User, duplicate: Report, into: str) -> Report:
    """The report `duplicate` may be merged into (locked), or the refusal naming `into`.

    A merge takes the duplicate away from its reporter's eyes (rejected, followed through the other
    report), so the other report must be the same problem in the same hands: a report the user may see,
    of the same category, handled by the same unit (another unit's report: 409, transfer the report to
    that unit, which merges it if it agrees), and, both reports having a point on the map, within
    `MERGE_RADII` times the category's duplicate radius of it, at least `MERGE_MIN_M` metres (farther: a
    mistyped code, not the same pothole)."""
    into = selectors.normalise_code(into)
    if not into:
        raise DomainError(_("Enter the code of the report it duplicates."), field="into")
    master = _locked_or_none(into)
    # Unknown, or another unit's private report (the citizen could not follow it, and its existence is
    # not ours to tell): the same refusal of the field.
    if master is None or not (master.is_public or selectors.handles(user, master)):
        raise DomainError(_("No report %(code)s.") % {"code": into}, field="into")
    if duplicate.pk == master.pk:
        raise DomainError(_("A report cannot duplicate itself."), field="into")
    if master.duplicate_of_id:
        raise DomainError(
            _("%(code)s is itself a duplicate; merge into %(root)s.")
            % {"code": master.code, "root": master.duplicate_of.code},
            field="into",
        )
    if master.unit_id != duplicate.unit_id:
        # The other unit handles its own report: it was not told of the merge, could not undo it, and would
        # answer to the duplicate's reporter for a problem its officer never saw. Transfer first, then merge.
        raise Conflict(
            _(
                "%(code)s is handled by %(unit)s, not by the unit handling this report: only reports of the "
                "same unit can be merged. Transfer this report to %(unit)s instead; it can merge it there."
            )
            % {"code": master.code, "unit": master.unit.name},
            field="into",
        )
    back = _problem_back(duplicate, master)
    if not (master.is_open or master.status == Status.RESOLVED or back):
        # Its followers would wait for updates that never come: a closed problem seen again is a new report.
        raise DomainError(
            _("%(code)s is already %(status)s: only a report still being handled can take duplicates.")
            % {"code": master.code, "status": Status(master.status).label.lower()},
            field="into",
        )
    if back and not selectors.handles(user, master):
        # Reopening is the handling unit's: an officer elsewhere cannot send it work back by merging.
        raise DomainError(
            _(
                "%(code)s was resolved by %(unit)s and this report came in after that: the problem is back. "
                "Merging would reopen it, which only %(unit)s may do: transfer this report to %(unit)s, or "
                "handle it on its own."
            )
            % {"code": master.code, "unit": master.unit.name if master.unit_id else "—"},
            field="into",
        )
    until = reopen_until(master)
    if back and (until is None or timezone.now() > until):
        # Merged, the complaint would vanish: rejected as a duplicate of a report nobody handles again.
        raise DomainError(
            _(
                "%(code)s was resolved on %(resolved)s and this report came in after that: the problem is "
                "back. The time to reopen %(code)s ended on %(until)s, so handle this report on its own "
                "instead of merging it."
            )
            % {
                "code": master.code,
                "resolved": local_time(master.resolved_at),
                "until": local_time(until) if until else "—",
            },
            field="into",
        )
    if master.category_id != duplicate.category_id:
        raise DomainError(
            _(
                "%(code)s is about “%(other)s”, not “%(this)s”: change the category first if it is the same problem."
            )
            % {"code": master.code, "other": master.category.name, "this": duplicate.category.name},
            field="into",
        )
    distance, limit = _merge_distance(duplicate, master)
    if distance is not None and distance > limit:
        raise DomainError(
            _(
                "%(code)s is %(distance)s m from this report, farther than the %(limit)s m within which two "
                "reports of “%(category)s” can be the same problem: check the code, or handle this report on "
                "its own."
            )
            % {
                "code": master.code,
                "distance": number_format(round(distance), force_grouping=True),
                "limit": number_format(limit, force_grouping=True),
                "category": master.category.name,
            },
            field="into",
        )
    return master


# How far apart two reports with points may be merged: a few times the category's duplicate radius (the
# duplicate search's, `duplicates.find_candidates`: two reporters place one pothole a little apart, a
# long problem — a flooded street, a dark stretch of lights — spans more), never less than this.
MERGE_RADII = 5
MERGE_MIN_M = 500


def _merge_distance(duplicate: Report, master: Report) -> tuple[float | None, int]:
    """(metres between the two reports' points, the farthest a merge may reach): None for the distance
    when either has no point (given by its commune/ward and address: the same handling unit is then the
    check)."""
    limit = max(MERGE_RADII * master.category.duplicate_radius_m, MERGE_MIN_M)
    if None in (duplicate.lon, duplicate.lat, master.lon, master.lat):
        return None, limit
    return distance_m(duplicate.lon, duplicate.lat, master.lon, master.lat), limit


def _problem_back(duplicate: Report, master: Report) -> bool:
    """Is `duplicate` a complaint that `master`'s problem is back: it came in after `master` was resolved
    (and `master` is still resolved or closed)? Merged, it reopens `master` (`_reopen_by_merge`); one
    that came in while `master` was being handled was answered by its resolution and merges as any other."""
    return (
        master.status in MOVES["reopen"].sources
        and master.resolved_at is not None
        and duplicate.created_at > master.resolved_at
    )


def _reopen_by_merge(master: Report, duplicate: Report, actor: Actor) -> None:
    """A new report of a resolved problem merged into it: `master` is reopened (within its window, checked
    by `_merge_target`), as the reporter's own reopening does, the merging officer the actor."""
    old = reopen(master, actor, now=timezone.now())
    audit_record(
        actor=actor,
        action="report.reopen",
        object_type="report",
        object_id=master.code,
        before={"status": old},
        after={"status": master.status, "reported_again": duplicate.code},
    )
    name = actor.label
    tell_the_unit_reopened(
        master,
        lambda: _("Report %(code)s was reopened: the problem was reported again") % {"code": master.code},
        lambda: [
            _(
                "%(other)s reports the same problem after it was resolved; %(name)s merged it into this "
                "report, which is reopened. New due time: %(due)s."
            )
            % {
                "other": duplicate.code,
                "name": name,
                "due": local_time(master.due_at) if master.due_at else "—",
            }
        ],
    )
    _notify_followers(
        master,
        lambda: _status_subject(master),
        lambda: (
            _("The problem was reported again (%(other)s): the report is reopened and goes back to %(org)s.")
            % {"other": duplicate.code, "org": master.unit.name}
        ),
        kind=UPDATE_STATUS,
    )


# --- Reopening ------------------------------------------------------------------------------------


def reopen(report: Report, actor: Actor, *, now: datetime) -> str:
    """The workflow's "reopen" move on a resolved (or closed) report, locked: back to its unit, the
    category's times counted again from `now`, the deadline marks gone; the history says who. Returns the
    status it had.

    One reopening for every way in (the reporter's unsatisfied rating, the hotline on the reporter's
    behalf, a new report of the problem merged into it); each checks who may and the window
    (`reopen_until`), records its audit entry and tells whom it should (`tell_the_unit_reopened`)."""
    move = MOVES["reopen"]
    if report.status not in move.sources:
        raise Conflict(
            _("Report %(code)s is not resolved: there is nothing to reopen.") % {"code": report.code},
            field="reopen",
        )
    old = report.status
    report.status = move.target
    report.reopen_count += 1
    report.resolved_at = None
    report.closed_at = None
    report.triage_due_at, report.due_at = _due_times(report.category, now)
    report.warned_at = report.escalated_at = None
    report.version += 1
    report.updated_at = now
    report.save()
    _event(report, actor, ReportEvent.Kind.STATUS, from_status=old, to_status=report.status)
    return old


def tell_the_unit_reopened(
    report: Report, subject: Callable[[], str], lines: Callable[[], list[str]]
) -> None:
    """A reopened report goes back to its officer (or, without one, to the unit's heads), in-app, composed
    in each one's language."""
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
            text_subject, body = subject(), "\n".join([*lines(), link])
        notification_queue(channel="in_app", recipient=person, subject=text_subject, body=body)


def _locked_or_none(code: str) -> Report | None:
    try:
        return _locked(code)
    except NotFound:
        return None
