"""The citizen answers: a reply (text and photos) to their own report, from the tracking page or by e-mail.

Who may reply: the reporter only (logged in, holding the tracking link's token, or writing from the
report's contact e-mail or their account's address): the unit's questions are for them. A follower gets
the updates but does not answer for the reporter. The reply is an internal event the handling unit sees;
the assignee (or, while nobody is assigned, the unit's handlers) gets an in-app notice; a report waiting
for the citizen (paused) starts its clock again. A reporter who calls the 1022 hotline back has their
answer recorded by the operator, on their behalf (`report_reply_by_phone`).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, DomainErrors, KeyReused, NotAllowed, NotFound
from citydesk.core.history_notes import actor_text, role
from citydesk.core.models import Membership, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.validators import is_mobile_phone
from citydesk.lib.text import nfc
from citydesk.notifications.services import notification_queue
from citydesk.reports import selectors
from citydesk.reports.attachments import attachment_add, check_upload
from citydesk.reports.models import Channel, Follower, IdempotencyKey, Report, ReportEvent, Status
from citydesk.reports.services.cases import reopen, resume_clock, tell_the_unit_reopened
from citydesk.reports.services.citizen import FollowOutcome, report_follow_outcome
from citydesk.reports.services.common import (
    _bounded,
    _event,
    _locked,
    local_time,
    mask_phone,
    normalize_phone,
    notify_followers_reporter_reopened,
    reopen_until,
)
from citydesk.reports.system_notes import REPLY_FILES, system_note
from citydesk.reports.workflow import MOVES

MAX_REPLY = 4000
_REPORTER = role("reporter")  # a caller who gave no name, shown in the reader's language
# Roles that handle a unit's reports: told about a reply while nobody is assigned.
_HANDLER_ROLES = tuple(role for role, powers in ROLE_POWERS.items() if Power.REPORT_RESOLVE in powers)


@dataclass(frozen=True)
class Reply:
    report: Report
    created: bool  # False: the same message (idempotency key) was received before
    event: ReportEvent | None = None
    attached: list[str] = field(default_factory=list)  # file names stored
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, why), e-mail only
    resumed: bool = False


def may_reply(
    report: Report, *, user: User | None = None, token: str = "", email: str = "", phone: str = ""
) -> bool:
    """The reporter only: logged in, with the tracking token, or from the report's contact e-mail or phone
    (or their account's e-mail). Followers are not asked and cannot answer in the reporter's place."""
    if user is not None and user.is_authenticated and report.reporter_id == user.pk:
        return True
    if token and report.citizen_token and secrets.compare_digest(token, report.citizen_token):
        return True
    address = (email or "").strip().lower()
    if address:
        if address == (report.contact_email or "").strip().lower():
            return True
        return bool(report.reporter_id) and address == (report.reporter.email or "").strip().lower()
    if phone and report.contact_phone:
        try:
            return normalize_phone(phone) == report.contact_phone
        except DomainError:
            return False
    return False


def follows_only(report: Report, email: str) -> bool:
    """Is `email` the address of someone who follows the report without being its reporter?"""
    address = (email or "").strip().lower()
    if not address or may_reply(report, email=address):
        return False
    return (
        Follower.objects.filter(report=report)
        .filter(Q(email__iexact=address) | Q(user__email__iexact=address))
        .exists()
    )


def reply_refusal(report: Report) -> str:
    """Why this report takes no more replies ('' when it does)."""
    if report.duplicate_of_id:
        return _(
            "Report %(code)s was merged into %(master)s, which handles the same problem: "
            "send your answer about %(master)s."
        ) % {"code": report.code, "master": report.duplicate_of.code}
    if report.status == Status.CLOSED:
        return _(
            "Report %(code)s is closed and takes no more answers. If the problem is back, send a new report."
        ) % {"code": report.code}
    if report.status == Status.REJECTED:
        return _("Report %(code)s was not accepted for handling and takes no answers.") % {
            "code": report.code
        }
    return ""


@transaction.atomic
def report_reply(
    *,
    code: str,
    text: str,
    files: Sequence[UploadedFile] = (),
    channel: str,
    user: User | None = None,
    token: str = "",
    email: str = "",
    author: str = "",
    skip_bad_files: bool = False,
    idempotency_key: str = "",
    takes_files: bool = True,
) -> Reply:
    """Add the citizen's answer to their report.

    `files` are checked as at intake (photos and PDFs within the size limit). A refused file refuses the
    whole reply (field "files"), unless `skip_bad_files` (e-mail: the message cannot be sent back), when
    the reply is stored without it and `Reply.refused` says which and why. `takes_files`: the form the
    answer came from has a place for files (the REST API's answer has none: an empty one is asked for its
    text only).

    `idempotency_key`: an e-mail's Message-ID is taken once (`reply:email`). Any other channel's key is
    the caller's Idempotency-Key, kept per report with a digest of the answer (`_reply_scope`): the same
    key with the same answer is the first one again (`created` False, even once the report is closed),
    with another answer KeyReused (422), as for report creation.
    """
    report = _locked(code)
    if not may_reply(report, user=user, token=token, email=email):
        raise NotAllowed(_("Only the person who sent this report can answer the unit's questions about it."))
    scope = ""
    if idempotency_key and channel != Channel.EMAIL:
        prefix = f"reply:{channel}:{report.pk}:"
        scope = prefix + _reply_digest(text, files)
        earlier = IdempotencyKey.objects.filter(
            report=report, key=idempotency_key, scope__startswith=prefix
        ).first()
        if earlier is not None:
            if earlier.scope != scope:
                raise KeyReused(
                    _(
                        "This Idempotency-Key was already used for a different answer: send a new key for a "
                        "new answer."
                    ),
                    field="Idempotency-Key",
                )
            return Reply(report=report, created=False)
    refusal = reply_refusal(report)
    if refusal:
        raise Conflict(refusal, field="text")
    if idempotency_key and channel == Channel.EMAIL:
        scope = f"reply:{channel}"
        if IdempotencyKey.objects.filter(scope=scope, key=idempotency_key).exists():
            return Reply(report=report, created=False)
    if idempotency_key:  # rolled back with the answer when it is refused below
        IdempotencyKey.objects.create(scope=scope, key=idempotency_key[:120], report=report)
    text = _reply_text(text)
    accepted, refused = _check_files(report, list(files), strict=not skip_bad_files)
    if not text and not accepted:
        if refused:
            raise DomainError(
                _("None of the attached files could be accepted: %(list)s")
                % {"list": "; ".join(f"{name}: {why}" for name, why in refused)},
                field="files",
            )
        if not takes_files:
            raise DomainError(_("Write your answer."), field="text")
        raise DomainError(_("Write your answer or attach a photo."), field="text")
    signed_in = user is not None and user.is_authenticated
    label = (
        author or (user.full_name if signed_in else "") or report.contact_name or email or role("reporter")
    )
    actor = Actor(user_id=user.pk if signed_in else None, label=label[:200], right="own")
    attached = []
    for upload in accepted:
        # The answer is internal: so are its files (the unit may have asked for a document).
        attachment_add(
            report=report,
            upload=upload,
            actor=actor,
            user=user if signed_in else None,
            public=False,
            by_unit=False,  # the reporter's answer, whoever is signed in
        )
        attached.append(PurePath(upload.name or "file").name)
    # The reporter's words as written; the list of files is worded in each reader's language.
    stored = system_note(REPLY_FILES, text=text, files=attached) if attached else {"note": text}
    event = _event(report, actor, ReportEvent.Kind.REPLY, **stored, public=False)
    resumed = report.paused_at is not None and report.is_open
    if resumed:
        _resume(report, actor)
    else:
        report.updated_at = timezone.now()
        report.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="report.reply",
        object_type="report",
        object_id=report.code,
        after={"channel": channel, "files": len(attached), "resumed": resumed},
    )
    _notify_handlers(report, text, attached, label)  # named in the officers' language there
    return Reply(
        report=report, created=True, event=event, attached=attached, refused=refused, resumed=resumed
    )


def _reply_digest(text: str, files: Sequence[UploadedFile]) -> str:
    """What makes two sends of an answer the same one: its text as sent and its files (names and bytes)."""
    digest = hashlib.sha256((text or "").encode())
    for upload in files:
        digest.update(f"\0{PurePath(upload.name or 'file').name}\0".encode())
        upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
    return digest.hexdigest()[:32]


def _reply_text(text: str) -> str:
    """The answer as stored: NFC, its paragraphs kept, empty lines dropped; too long is refused."""
    text = "\n".join(line for line in map(nfc, (text or "").splitlines()) if line)
    if len(text) > MAX_REPLY:
        raise DomainError(_("Too long (at most %(n)s characters).") % {"n": MAX_REPLY}, field="text")
    return text


@transaction.atomic
def report_reply_by_phone(*, user: User, code: str, text: str, idempotency_key: str = "") -> Reply:
    """The reporter called the hotline back to answer the unit's request for information (a phone-only
    reporter's SMS says they can): the operator records the caller's answer as the reporter's reply, on
    their behalf. The operator is the actor, `on_behalf_of` the caller, in the history and the audit
    trail; the reply restarts the clock exactly as the reporter's own does.

    Only whoever takes calls about the report (`selectors.takes_calls_about`: the hotline operators of its
    province, the officers who receive its unit's reports), and only while it waits for the citizen.
    """
    report = _locked(code)
    if not selectors.takes_calls_about(user, report):
        raise NotAllowed(
            _(
                "Only the hotline operators of the report's city and its handling unit record a caller's answer."
            )
        )
    scope = f"reply:hotline:{user.pk}"
    key = idempotency_key[:120]
    if key and IdempotencyKey.objects.filter(scope=scope, key=key).exists():
        return Reply(report=report, created=False)  # a double click, or the page sent again: one answer
    refusal = reply_refusal(report)
    if refusal:
        raise Conflict(refusal, field="text")
    if report.paused_at is None or not report.is_open:
        raise Conflict(
            _(
                "Report %(code)s is not waiting for information from the citizen: there is no answer to record."
            )
            % {"code": report.code},
            field="text",
        )
    text = _reply_text(text)
    if not text:
        raise DomainError(_("Write the caller's answer."), field="text")
    if key:
        IdempotencyKey.objects.create(scope=scope, key=key, report=report)
    caller = report.contact_name or (mask_phone(report.contact_phone) if report.contact_phone else "")
    operator = user.full_name or user.username
    actor = Actor(
        user_id=user.pk, label=operator[:200], right="own", on_behalf_of=(caller or _REPORTER)[:200]
    )
    event = _event(report, actor, ReportEvent.Kind.REPLY, note=text, public=False)
    _resume(report, actor)
    audit_record(
        actor=actor,
        action="report.reply",
        object_type="report",
        object_id=report.code,
        after={"channel": Channel.HOTLINE, "files": 0, "resumed": True},
    )
    _notify_handlers(report, text, [], caller or _REPORTER, recorded_by=operator)
    return Reply(report=report, created=True, event=event, resumed=True)


# --- The reporter calls back: the problem is not solved ---------------------------------------------


def reporter_phones(report: Report) -> set[str]:
    """The numbers a caller is recognised as the reporter by: the report's contact phone, and the phone
    of the account it was sent from (select `reporter` with the report)."""
    phones = {report.contact_phone} if report.contact_phone else set()
    if report.reporter_id and report.reporter.phone:
        with contextlib.suppress(DomainError):  # an account's phone stored in an old form: not recognised
            phones.add(normalize_phone(report.reporter.phone))
    return phones


def hotline_reopen_refusal(report: Report) -> str:
    """Why the hotline cannot reopen this report for its reporter now ('' when it can): not resolved (or
    merged), or the reopening window is over (the caller's complaint is then a new report)."""
    if report.duplicate_of_id or report.status not in MOVES["reopen"].sources:
        return _("Report %(code)s is not resolved: there is nothing to reopen.") % {"code": report.code}
    until = reopen_until(report)
    if until is None or timezone.now() > until:
        return _(
            "The time to reopen %(code)s ended on %(date)s: enter the caller's complaint as a new report."
        ) % {"code": report.code, "date": local_time(until) if until else "—"}
    return ""


@transaction.atomic
def report_reopen_by_phone(
    *, user: User, code: str, phone: str, reason: str, idempotency_key: str = ""
) -> Reply:
    """The reporter calls the hotline: the problem of their resolved report is not solved. The operator
    reopens it on their behalf, as the reporter's own unsatisfied rating does (`cases.reopen`: status,
    times, the unit told): a reporter with a feature phone cannot open the tracking page.

    Only whoever takes calls about the report, only within the reopening window (`reopen_until`), and
    only for the reporter: the number the caller gives (typed by the operator) must be the report's (or
    its account's). `reason`, what is still wrong, is required; it goes to the unit, not published, as the
    rating's comment does. No rating is recorded: the operator does not rate for the caller, who rates
    the next resolution on their page. The operator is the actor, on behalf of the caller."""
    report = _locked(code)
    if not selectors.takes_calls_about(user, report):
        raise NotAllowed(
            _(
                "Only the hotline operators of the report's city and its handling unit reopen a report by phone."
            )
        )
    scope = f"reopen:hotline:{user.pk}"
    key = idempotency_key[:120]
    if key and IdempotencyKey.objects.filter(scope=scope, key=key).exists():
        return Reply(report=report, created=False)  # a double click, or the page sent again: one reopening
    refusal = hotline_reopen_refusal(report)
    if refusal:
        raise Conflict(refusal, field="reopen")
    problems: list[DomainError] = []
    try:
        given = normalize_phone(phone, field="caller_phone")
    except DomainError as exc:
        problems.append(exc)
    else:
        known = reporter_phones(report)
        if not given:
            problems.append(DomainError(_("Enter the number the caller gives."), field="caller_phone"))
        elif not known:
            problems.append(
                DomainError(
                    _(
                        "Report %(code)s was sent without a phone number: the caller cannot be recognised as "
                        "its reporter. The reporter reopens it from the link in their messages."
                    )
                    % {"code": report.code},
                    field="caller_phone",
                )
            )
        elif given not in known:
            problems.append(
                DomainError(
                    _(
                        "%(phone)s is not the number report %(code)s was sent with: only its reporter can "
                        "have it reopened. If the caller has the same problem, enter it as a new report."
                    )
                    % {"phone": given, "code": report.code},
                    field="caller_phone",
                )
            )
    try:
        reason = _bounded(reason, "comment")
    except DomainError as exc:
        exc.field = "reason"
        problems.append(exc)
        reason = ""
    else:
        if not reason:
            problems.append(DomainError(_("Say what is still wrong, in the caller's words."), field="reason"))
    if problems:
        raise problems[0] if len(problems) == 1 else DomainErrors(problems)
    if key:
        IdempotencyKey.objects.create(scope=scope, key=key, report=report)
    caller = report.contact_name or mask_phone(given)
    operator = user.full_name or user.username
    actor = Actor(
        user_id=user.pk, label=operator[:200], right="own", on_behalf_of=(caller or _REPORTER)[:200]
    )
    old = reopen(report, actor, now=timezone.now())
    # What is still wrong, for the unit (the rating's comment is internal too).
    event = _event(report, actor, ReportEvent.Kind.NOTE, note=reason, public=False)
    audit_record(
        actor=actor,
        action="report.reopen",
        object_type="report",
        object_id=report.code,
        before={"status": old},
        after={"status": report.status, "channel": Channel.HOTLINE},
    )
    tell_the_unit_reopened(
        report,
        lambda: _("Report %(code)s was reopened by the reporter") % {"code": report.code},
        lambda: [
            _("The reporter is not satisfied with the result and reopened the report. New due time: %(due)s.")
            % {"due": local_time(report.due_at) if report.due_at else "—"},
            _("Reporter's comment: %(c)s") % {"c": reason},
            _("Taken on the 1022 hotline and recorded by %(name)s.") % {"name": operator},
        ],
    )
    notify_followers_reporter_reopened(report)  # the reporter asked for it on the phone: the others are told
    return Reply(report=report, created=True, event=event)


# --- A caller follows a report by SMS ------------------------------------------------------------


@transaction.atomic
def report_follow_by_phone(*, user: User, code: str, phone: str) -> FollowOutcome:
    """The operator signs a caller up for a report's SMS updates: the caller is on the line and gives
    their mobile number, which therefore follows at once, without the confirmation code a number typed
    on the web must send back (`report_follow_request`). Only whoever takes calls about the report; a
    number no SMS reaches (a landline) is refused. The audit trail records the operator, on behalf of the
    number (masked)."""
    report = Report.objects.filter(code=code).select_related("unit", "ward").first()
    if report is None:
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    if not selectors.takes_calls_about(user, report):
        raise NotAllowed(
            _("Only the hotline operators of the report's city and its handling unit sign callers up.")
        )
    phone = normalize_phone(phone, field="follow_phone")
    if not phone:
        raise DomainError(_("Enter the caller's mobile number."), field="follow_phone")
    if not is_mobile_phone(phone):
        raise DomainError(
            _("%(phone)s is not a mobile number: it cannot receive SMS updates. Ask for a mobile number.")
            % {"phone": phone},
            field="follow_phone",
        )
    if not report.is_public:
        raise Conflict(
            _("Report %(code)s is not public: only its reporter receives its updates.")
            % {"code": report.code},
            field="follow_phone",
        )
    try:
        outcome = report_follow_outcome(code=report.code, phone=phone)
    except DomainError as exc:  # closed, rejected or merged: nothing more to come (`follow_refusal`)
        exc.field = "follow_phone"
        raise
    if outcome.created:
        operator = user.full_name or user.username
        audit_record(
            actor=Actor(user_id=user.pk, label=operator[:200], right="own", on_behalf_of=mask_phone(phone)),
            action="report.follow",
            object_type="report",
            object_id=report.code,
            after={"follower": outcome.follower.pk, "channel": Channel.HOTLINE},
        )
    return outcome


def _check_files(
    report: Report, files: list[UploadedFile], *, strict: bool
) -> tuple[list[UploadedFile], list[tuple[str, str]]]:
    from citydesk.reports.attachments import reporter_files_room, reporter_limit_message

    room = reporter_files_room(report)  # the unit's own files leave the reporter's room alone
    accepted: list[UploadedFile] = []
    refused: list[tuple[str, str]] = []
    for upload in files:
        name = PurePath(upload.name or "file").name
        try:
            check_upload(upload)
        except DomainError as exc:
            refused.append((name, exc.message))
            continue
        if len(accepted) >= room:
            refused.append((name, reporter_limit_message()))
            continue
        accepted.append(upload)
    if strict and refused:
        raise DomainError(
            " ".join(_("“%(name)s”: %(reason)s") % {"name": name, "reason": why} for name, why in refused),
            field="files",
        )
    return accepted, refused


def _resume(report: Report, actor: Actor) -> None:
    """The citizen answered: the clock restarts as when an officer resumes it (`report_resume`, which
    only an officer may call); here the citizen's answer is the reason, so the citizen is the actor."""
    assert report.paused_at is not None
    resume_clock(report, actor, notify=False, reason="citizen reply")


def _notify_handlers(
    report: Report, text: str, attached: list[str], author: str, *, recorded_by: str = ""
) -> None:
    """In-app notice to the assignee, or to the unit's handlers while nobody is assigned; `recorded_by`:
    the hotline operator who took the answer on the phone."""
    if report.assignee_id and report.assignee.is_active:
        recipients = [report.assignee]
    else:
        recipients = [
            m.user
            for m in Membership.objects.filter(
                organisation_id=report.unit_id, is_active=True, user__is_active=True, role__in=_HANDLER_ROLES
            ).select_related("user")
        ]
        recipients = list({u.pk: u for u in recipients}.values())
    # Officers read the site's language, whatever the language of the citizen's page.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Report %(code)s: the citizen answered") % {"code": report.code}
        name = actor_text(author)
        lines = [_("%(name)s wrote:") % {"name": name}, text[:500] + ("…" if len(text) > 500 else "")]
        if attached:
            lines.append(_("Attached: %(list)s") % {"list": ", ".join(attached)})
        if recorded_by:
            lines.append(
                _("Answer taken on the 1022 hotline and recorded by %(name)s.") % {"name": recorded_by}
            )
    lines.append(f"{settings.CITYDESK_PUBLIC_URL}/xu-ly/{report.code}/")
    body = "\n".join(line for line in lines if line)
    for recipient in recipients:
        notification_queue(channel="in_app", recipient=recipient, subject=subject, body=body)
