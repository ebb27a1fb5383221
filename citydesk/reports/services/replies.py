"""The citizen answers: a reply (text and photos) to their own report, from the tracking page or by e-mail.

Who may reply: the reporter only (logged in, holding the tracking link's token, or writing from the
report's contact e-mail or their account's address): the unit's questions are for them. A follower gets
the updates but does not answer for the reporter. The reply is an internal event the handling unit sees;
the assignee (or, while nobody is assigned, the unit's handlers) gets an in-app notice; a report waiting
for the citizen (paused) starts its clock again. A reporter who calls the 1022 hotline back has their
answer recorded by the operator, on their behalf (`report_reply_by_phone`).
"""

from __future__ import annotations

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
from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.history_notes import actor_text, role
from citydesk.core.models import Membership, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.lib.text import nfc
from citydesk.notifications.services import notification_queue
from citydesk.reports import selectors
from citydesk.reports.attachments import attachment_add, check_upload
from citydesk.reports.models import Channel, Follower, IdempotencyKey, Report, ReportEvent, Status
from citydesk.reports.services.cases import resume_clock
from citydesk.reports.services.common import _event, _locked, mask_phone, normalize_phone
from citydesk.reports.system_notes import REPLY_FILES, system_note

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
) -> Reply:
    """Add the citizen's answer to their report.

    `files` are checked as at intake (photos and PDFs within the size limit). A refused file refuses the
    whole reply (field "files"), unless `skip_bad_files` (e-mail: the message cannot be sent back), when
    the reply is stored without it and `Reply.refused` says which and why.
    """
    report = _locked(code)
    if not may_reply(report, user=user, token=token, email=email):
        raise NotAllowed(_("Only the person who sent this report can answer the unit's questions about it."))
    refusal = reply_refusal(report)
    if refusal:
        raise Conflict(refusal, field="text")
    if idempotency_key:
        scope = f"reply:{channel}"
        if IdempotencyKey.objects.filter(scope=scope, key=idempotency_key).exists():
            return Reply(report=report, created=False)
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
            report=report, upload=upload, actor=actor, user=user if signed_in else None, public=False
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


def _check_files(
    report: Report, files: list[UploadedFile], *, strict: bool
) -> tuple[list[UploadedFile], list[tuple[str, str]]]:
    room = settings.CITYDESK_MAX_ATTACHMENTS - report.attachments.count()
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
            refused.append(
                (name, _("At most %(n)s files per report.") % {"n": settings.CITYDESK_MAX_ATTACHMENTS})
            )
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
