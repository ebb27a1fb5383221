"""Receiving a dossier: at the one-stop desk, online, or by post."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.core import configcache
from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import Organisation, User
from citydesk.core.powers import Power
from citydesk.core.rows import RowWriter
from citydesk.core.services import authorize
from citydesk.dossiers.models import (
    Authority,
    Channel,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierStep,
    Procedure,
    ProcedureDocument,
    ResultMethod,
    ServiceLevel,
    Status,
    TimeUnit,
)
from citydesk.dossiers.services import alerts, campaigns, common, reference
from citydesk.dossiers.services.applicants import (
    Applicant,
    applicant_problems,
    clean_applicant,  # noqa: F401  (imported from here by services/replays.py)
)
from citydesk.lib.workdays import OutOfRange
from citydesk.notifications.services import message_language, notification_queue

logger = logging.getLogger(__name__)

# Papers accepted online: PDF and the usual photo formats, recognised by their first bytes.
FILE_SIGNATURES: dict[bytes, str] = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


@dataclass
class Upload:
    """A file given for one required paper (`document_id` is a ProcedureDocument id)."""

    document_id: int
    file: UploadedFile


@dataclass
class Received:
    dossier: Dossier
    missing_optional: list[str] = field(default_factory=list)  # their official (Vietnamese) names
    steps: list[DossierStep] = field(default_factory=list)  # the planned steps, stored, in order
    # The optional papers not given, to name them in the reader's language (`ProcedureDocument.label`).
    missing_optional_papers: list[ProcedureDocument] = field(default_factory=list)


_DOSSIERS = RowWriter(Dossier)
_STEPS = RowWriter(DossierStep)
_PAPERS = RowWriter(DossierDocument)


@dataclass
class IntakeCheck:
    """What `intake_check` read from an intake's input, and the problems it found."""

    problems: list[DomainError] = field(default_factory=list)
    entry: reference.CatalogEntry | None = None
    orgs: reference.Organisations | None = None
    unit: Organisation | None = None
    actor: Actor | None = None
    person: Applicant | None = None
    files: dict[int, tuple[str, bytes, str]] = field(default_factory=dict)  # id → (name, data, type)
    given: set[int] = field(default_factory=set)  # the procedure's documents given (ids)


def intake_check(
    *,
    procedure_code: str,
    unit_code: str | None,
    channel: str,
    applicant: Applicant,
    provided: Iterable[int] = (),
    uploads: Iterable[Upload] = (),
    gen: int | None,
    enforce: bool,
    user: User | None = None,
) -> IntakeCheck:
    """The one checker of an intake's input: the channel, the procedure, the unit, the online service
    level, the applicant's fields, each file (read, then rewound), the papers given and missing.

    `enforce=True` is `dossier_receive`'s enforcement: the first problem is raised, in that order, and
    once the unit is known the caller's power there is checked (`user`), before the applicant's fields.
    `enforce=False` lists every problem for the forms (`intake_problems`); the power is left to the
    service, and `unit_code=None` means the caller already refused the unit (not checked again)."""
    check = IntakeCheck()

    def refuse(exc: DomainError) -> None:
        if enforce:
            raise exc
        check.problems.append(exc)

    if channel not in Channel.values:
        refuse(DomainError(_("Unknown channel “%(c)s”.") % {"c": channel}, field="channel"))
    try:
        check.entry = _procedure(procedure_code, gen)
    except DomainError as exc:
        refuse(exc)
        check.problems += applicant_problems(applicant, channel)[1]  # said too; nothing else is known
        return check
    procedure = check.entry.procedure
    if unit_code is not None:
        check.orgs = reference.organisations(gen=gen)
        try:
            check.unit = _receiving_unit(unit_code, procedure, check.orgs)
        except DomainError as exc:
            refuse(exc)
    if channel == Channel.ONLINE and procedure.service_level < ServiceLevel.LEVEL_3:
        refuse(
            DomainError(
                _("%(p)s cannot be filed online (online service level %(l)s).")
                % {"p": procedure.label, "l": procedure.service_level},
                field="procedure",
            )
        )
    if enforce:
        if channel == Channel.ONLINE:
            check.actor = common.actor_for(user, _("Online applicant"))
        elif user is None or not user.is_authenticated:
            raise NotAllowed(_("You must log in to do this."))
        else:
            assert check.unit is not None  # enforced: a unit was given, or its refusal was raised
            try:
                check.actor = authorize(user, Power.DOSSIER_RECEIVE, check.unit)
            except NotAllowed as exc:  # not the officer's unit: the refusal names the field, as a 400 does
                raise NotAllowed(exc.message, field="unit") from None
    check.person, found = applicant_problems(applicant, channel)
    for exc in found:
        refuse(exc)

    by_id = {d.pk: d for d in check.entry.documents}
    if channel == Channel.ONLINE:
        for item in uploads:
            requirement = by_id.get(item.document_id)
            if requirement is None:
                refuse(
                    DomainError(
                        _("Document %(id)s is not a paper of this procedure.") % {"id": item.document_id},
                        field="documents",
                    )
                )
                continue
            check.given.add(requirement.pk)  # a bad file is said as such, not also as a paper missing
            try:
                data, content_type = read_upload(item.file, requirement.label)
            except DomainError as exc:
                refuse(exc)
            else:
                name = PurePath(item.file.name or "file").name[:120]
                check.files[requirement.pk] = (name, data, content_type)
            finally:
                item.file.seek(0)
    else:
        check.given = {int(i) for i in provided}
        unknown = check.given - set(by_id)
        if unknown:
            refuse(
                DomainError(
                    _("Document %(id)s is not a paper of this procedure.") % {"id": min(unknown)},
                    field="documents",
                )
            )
    missing = [d.label for d in check.entry.documents if d.required and d.pk not in check.given]
    if missing:
        refuse(
            DomainError(
                _("Papers missing: %(list)s. A dossier is received only when complete.")
                % {"list": "; ".join(missing)},
                field="documents",
            )
        )
    return check


def intake_problems(
    *,
    procedure_code: str,
    unit_code: str | None,
    channel: str,
    applicant: Applicant,
    provided: Iterable[int] = (),
    uploads: Iterable[Upload] = (),
) -> list[DomainError]:
    """Every problem `dossier_receive` would refuse the input for, all at once (the service stops at
    the first): the same checker (`intake_check`), listing. The unit None: already refused by the
    caller, not checked again. Reads the files and rewinds them. The caller's power at the unit is the
    service's to check."""
    return intake_check(
        procedure_code=procedure_code,
        unit_code=unit_code,
        channel=channel,
        applicant=applicant,
        provided=provided,
        uploads=uploads,
        gen=configcache.generation(),
        enforce=False,
    ).problems


def _procedure(code: str, gen: int | None) -> reference.CatalogEntry:
    if not (code or "").strip():
        raise DomainError(_("Choose the procedure."), field="procedure")
    entry = reference.catalog_entry((code or "").strip(), gen=gen)
    if entry is None:
        raise NotFound(_("No procedure %(code)s in the catalog.") % {"code": code}, field="procedure")
    return entry


def _receiving_unit(code: str, procedure: Procedure, orgs: reference.Organisations) -> Organisation:
    if not (code or "").strip():
        raise DomainError(_("Choose the receiving unit."), field="unit")
    unit = orgs.by_code.get((code or "").strip())
    if unit is None:
        raise NotFound(_("No unit %(code)s.") % {"code": code}, field="unit")
    commune = common.is_commune_unit(unit)
    if procedure.authority == Authority.WARD and not commune:
        raise DomainError(
            _("%(p)s is handled by a commune-level People's Committee, not by %(u)s.")
            % {"p": procedure.label, "u": unit.name},
            field="unit",
        )
    if procedure.authority == Authority.DEPARTMENT and not commune:
        expected = f".{procedure.department_code}"
        if not unit.code.endswith(expected):
            raise DomainError(
                _(
                    "%(p)s is received by the competent department or a commune-level one-stop desk, not by %(u)s."
                )
                % {"p": procedure.label, "u": unit.name},
                field="unit",
            )
    return unit


def empty_file(name: str, upload: UploadedFile) -> DomainError:
    """The refusal of a 0-byte file given for the paper `name`."""
    return DomainError(
        _("“%(doc)s”: the file “%(file)s” is empty (0 bytes): choose the scanned paper again.")
        % {"doc": name, "file": PurePath(upload.name or "").name[:120]},
        field="documents",
    )


def read_upload(upload: UploadedFile, name: str) -> tuple[bytes, str]:
    """A paper's file checked on its own (its size, not empty, its type by its first bytes): its bytes
    and content type, or the refusal naming the paper `name`."""
    limit_mb = getattr(settings, "CITYDESK_MAX_DOSSIER_FILE_MB", 10)
    if upload.size is None or upload.size > limit_mb * 1024 * 1024:
        raise DomainError(
            _("“%(doc)s”: the file is larger than %(n)s MB.") % {"doc": name, "n": limit_mb},
            field="documents",
        )
    data = upload.read() if upload.size else b""
    if not data:  # said as it is: an empty file is not a file of the wrong type
        raise empty_file(name, upload)
    for signature, content_type in FILE_SIGNATURES.items():
        if data.startswith(signature):
            return data, content_type
    raise DomainError(
        _("“%(doc)s”: only PDF, JPEG or PNG files are accepted.") % {"doc": name}, field="documents"
    )


_read_upload = read_upload  # the name services/moves.py imports


def dossier_receive(
    *,
    user: User | None,
    procedure_code: str,
    unit_code: str,
    channel: str,
    applicant: Applicant,
    provided: Iterable[int] = (),
    uploads: Iterable[Upload] = (),
    received_at: dt.datetime | None = None,
    via_one_stop: bool = True,
) -> Received:
    """Receive a complete dossier: due time from the calendar (same day in a campaign), steps planned.

    At the desk and by post an officer of the receiving unit checks the papers off (`provided`: ids
    of the procedure's documents); online the applicant uploads them (`uploads`). A dossier missing a
    required paper is not received: the applicant is told which.

    Everything is read and checked first, from the per-process caches of the catalog, the campaigns and
    the organisations; the write transaction then only stores rows (on SQLite it holds the one lock).
    """
    gen = configcache.generation()
    check = intake_check(
        procedure_code=procedure_code,
        unit_code=unit_code,
        channel=channel,
        applicant=applicant,
        provided=provided,
        uploads=uploads,
        gen=gen,
        enforce=True,
        user=user,
    )  # raises the first problem
    entry, orgs, unit, actor, person = check.entry, check.orgs, check.unit, check.actor, check.person
    assert entry is not None and orgs is not None and unit is not None  # enforced: all were found
    assert actor is not None and person is not None
    procedure, documents, files, given = entry.procedure, entry.documents, check.files, check.given

    steps = entry.steps
    if not steps:
        raise DomainError(_("%(p)s has no process defined yet.") % {"p": procedure.label}, field="procedure")
    now = received_at or timezone.now()
    calendar = current_calendar(gen=gen)
    city = orgs.city_of(unit)
    step_units = common.step_units(procedure, steps, unit, city, orgs.by_code)
    campaign_id = reference.campaign_for(procedure.pk, unit.pk, timezone.localtime(now).date(), gen=gen)
    if campaign_id is not None and not campaigns.same_day_applies(step_units, unit):
        campaign_id = None  # the process now passes to another agency: no same-day promise it cannot keep
    try:
        if procedure.time_unit == TimeUnit.WORKING_HOURS:
            due = calendar.add_working_hours(now, procedure.processing_time)
        else:
            due = calendar.due(now, procedure.processing_time)
    except OutOfRange:  # a time stored before the back office bounded it
        logger.error(
            "procedure %s: its processing time (%s %s) falls after the working-day calendar",
            procedure.code,
            procedure.processing_time,
            procedure.time_unit,
        )
        raise DomainError(
            _(
                "%(p)s cannot be received now: its processing time, set in the procedure catalog, falls "
                "beyond the working-day calendar. The catalog must be corrected first."
            )
            % {"p": procedure.label},
            field="procedure",
        ) from None
    if campaign_id is not None:  # a campaign brings the legal due time forward, never later
        due = min(due, calendar.same_day_due(now))
    due = due.astimezone(dt.UTC)  # the calendar answers in local time; stored and shown as read back
    allotted = common.step_shares(list(steps), now, due, calendar=calendar)

    dossier = Dossier(
        procedure=procedure,
        unit=unit,
        province_code=city.code[:2],
        channel=channel,
        status=Status.RECEIVED,
        applicant=user if channel == Channel.ONLINE and user is not None and user.is_authenticated else None,
        applicant_name=person.name,
        applicant_id_number=person.id_number,
        applicant_phone=person.phone,
        applicant_email=person.email,
        applicant_address=person.address,
        received_by=user if channel != Channel.ONLINE else None,
        received_at=now,
        due_at=due,
        same_day=campaign_id is not None,
        campaign_id=campaign_id,
        via_one_stop=via_one_stop,
        fee=procedure.fee,
        # How the result is handed over, as the receipt and every message say it; the desk may change it
        # when handing over.
        result_method=expected_result_method(
            channel,
            procedure.service_level,
            reachable_online=bool(person.email) or (user is not None and user.is_authenticated),
        ),
        citizen_token=secrets.token_urlsafe(16)[:22],
        updated_at=now,
    )
    planned = [
        DossierStep(
            dossier=dossier,
            position=step.position,
            name=step.name,
            name_en=step.name_en,
            unit=step_org,
            role=step.role,
            allotted_seconds=int(amount.total_seconds()),
        )
        for step, step_org, amount in zip(steps, step_units, allotted, strict=True)
    ]
    planned[0].started_at = now
    # No step is due after the dossier, the time the citizen is given (the shares add up to its office
    # time; the cap only guards rounding and a receipt with no office time left before the due time).
    planned[0].due_at = (
        min(calendar.add_working_hours(now, allotted[0]).astimezone(dt.UTC), due) if len(planned) > 1 else due
    )
    papers = []
    for requirement in documents:
        if requirement.pk not in given:
            continue
        paper = DossierDocument(
            dossier=dossier,
            requirement=requirement,
            name=requirement.name,
            name_en=requirement.name_en,
            added_at=now,
        )
        if requirement.pk in files:
            filename, data, content_type = files[requirement.pk]
            paper.file = ContentFile(data, name=filename)  # type: ignore[assignment]  # stored on INSERT
            paper.content_type = content_type
            paper.size = len(data)
        papers.append(paper)

    # Stored notes are in the platform's language, whoever asks; the applicant's message in theirs.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        dossier.code = common.next_code(now)
        _DOSSIERS.insert([dossier])
        for step in planned:
            step.dossier_id = dossier.pk
        _STEPS.insert(planned)
        dossier.current_step = planned[0]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE dossiers_dossier SET current_step_id = %s WHERE id = %s", [planned[0].pk, dossier.pk]
            )
        for paper in papers:
            paper.dossier_id = dossier.pk
        _PAPERS.insert(papers)
        common.event(
            dossier,
            actor,
            DossierEvent.Kind.RECEIVED,
            status_to=Status.RECEIVED,
            **common.system_note("dossier.received", channel=channel, due=due),
        )
        audit_record(
            actor=actor,
            action="dossier.receive",
            object_type="dossier",
            object_id=dossier.code,
            after={
                "procedure": procedure.code,
                "unit": unit.code,
                "channel": channel,
                "due_at": due.isoformat(),
                "campaign": campaign_id,
            },
        )
        common.count_month(dossier, now, received=1, received_via_one_stop=1 if via_one_stop else 0)
        common.count_campaign(dossier, received=1)
        _acknowledge(dossier)
        alerts.dossier_arrived(dossier, by=user)  # online or by post: the unit's desk officers are told
    optional_missing = [d for d in documents if not d.required and d.pk not in given]
    return Received(
        dossier=dossier,
        missing_optional=[d.name for d in optional_missing],
        steps=planned,
        missing_optional_papers=optional_missing,
    )


def expected_result_method(channel: str, service_level: int, *, reachable_online: bool = True) -> str:
    """How the result of a new dossier is to be handed over: by post for a dossier that came by post,
    online for one filed online at level 4 (“submit and pay online, result online or by post”) by an
    applicant it can reach there (an account or an e-mail address: an SMS carries no result), else at the
    desk (a level-3 filing's result is collected there)."""
    if channel == Channel.POST:
        return ResultMethod.POST
    if channel == Channel.ONLINE and service_level >= ServiceLevel.LEVEL_4 and reachable_online:
        return ResultMethod.ONLINE
    return ResultMethod.DESK


def applicant_language(dossier: Dossier) -> str:
    """The language the applicant's messages are written in (`message_language`): the one their account
    chose (in the app or on the site), whoever made the move that causes the message and in whatever
    language; an applicant without an account (at the desk, by post, online without signing in) has no
    language recorded: the platform's. Compose with `translation.override(applicant_language(d))`."""
    return message_language(dossier.applicant if dossier.applicant_id else None)


def notify_applicant(dossier: Dossier, subject: str, body: str, *, link: str = "") -> None:
    """Tell the applicant by every way they gave: in the app, by e-mail, else by SMS. The message ends
    with `link`, the page where they do what it asks (by default the dossier's lookup page)."""
    link = link or f"{settings.CITYDESK_PUBLIC_URL}/ho-so/tra-cuu/{dossier.code}/"
    text = f"{body}\n{link}"
    if dossier.applicant_id:
        notification_queue(channel="in_app", recipient=dossier.applicant, subject=subject, body=text)
    if dossier.applicant_email:
        notification_queue(channel="email", address=dossier.applicant_email, subject=subject, body=text)
    elif dossier.applicant_phone:
        notification_queue(channel="sms", address=dossier.applicant_phone, subject=subject, body=text)


def _acknowledge(dossier: Dossier) -> None:
    """The receipt's message, with the applicant's own link: it opens the details, the papers and the
    applicant's moves without the phone check (an applicant who gave only an e-mail address has no other
    way in without an account). Written in the applicant's language (`applicant_language`), the procedure
    by its name in that language."""
    with translation.override(applicant_language(dossier)):
        body = _(
            "Your dossier %(code)s (%(procedure)s) was received by %(unit)s. The result is due by %(due)s."
        ) % {
            "code": dossier.code,
            "procedure": dossier.procedure.label,
            "unit": dossier.unit.name,
            "due": common.local_text(dossier.due_at),
        }
        link = ""
        if dossier.citizen_token:
            body += "\n" + _(
                "Your own link below opens the dossier's details and papers: keep it, do not share it."
            )
            link = f"{settings.CITYDESK_PUBLIC_URL}/ho-so/tra-cuu/{dossier.code}/?t={dossier.citizen_token}"
        subject = _("Dossier %(code)s received") % {"code": dossier.code}
    notify_applicant(dossier, subject, body, link=link)
