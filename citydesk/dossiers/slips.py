"""The one-stop desk's standard slips, and the two records behind the late and the online results.

The slips are the forms of Circular 01/2018/TT-VPCP (under Decree 61/2018/NĐ-CP, amended by Decree
107/2021/NĐ-CP) the desk hands or sends to the applicant, as A4 PDFs made like the receipt (`receipt`:
WeasyPrint, its fonts and its fetcher that refuses every URL but CityDesk's static files):

- the request for additional papers (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ), from the dossier's latest
  request: the papers it names and the officer's words;
- the refusal (phiếu từ chối tiếp nhận giải quyết hồ sơ), with the reasons given when it was refused;
- the apology and new appointment (phiếu xin lỗi và hẹn lại ngày trả kết quả), from the latest apology.

An apology (`dossier_apologise`) is recorded for a dossier past its due time, or whose result was ready
late: a public history line with the officer's reason and the new appointment (`appointment_at`), and a
message to the applicant. It leaves `due_at` alone: the due time is the legal one, the one timeliness is
measured against, so the dossier stays overdue in the queue and is counted late when it finishes; the
pages show the new appointment beside it (`Dossier.new_appointment`).

The signed result's file (`dossier_attach_result`) is attached by a handling officer once the result is
ready, checked like the dossier's papers (`services.intake.read_upload`: its type by its first bytes, its
size); the applicant downloads it once the result is handed over online (`Dossier.delivered_result_file`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError, DomainErrors, NotAllowed, NotFound
from citydesk.core.models import User
from citydesk.dossiers import selectors, workflow
from citydesk.dossiers.models import (
    OPEN_STATUSES,
    Dossier,
    DossierEvent,
    DossierStep,
    Punctuality,
    ResultFile,
    Status,
)
from citydesk.dossiers.receipt import PdfUnavailable, lookup_url, qr_svg
from citydesk.dossiers.services import common
from citydesk.dossiers.services.intake import applicant_language, notify_applicant, read_upload
from citydesk.ioc.exports import load_weasyprint, url_fetcher
from citydesk.lib.workdays import WorkCalendar

__all__ = [
    "APOLOGY",
    "REFUSAL",
    "SUPPLEMENT",
    "PdfUnavailable",
    "apology_problem",
    "available_slips",
    "dossier_apologise",
    "dossier_attach_result",
    "slip_html",
    "slip_pdf",
]

SUPPLEMENT, REFUSAL, APOLOGY = "supplement", "refusal", "apology"


@dataclass(frozen=True)
class SlipKind:
    event_kind: str  # the history line the slip is printed from (the latest one)
    title: Any  # the form's title, as printed
    link: Any  # the link on the officer's page
    url_name: str
    file_name: str  # the PDF's name, before the dossier's code


SLIPS: dict[str, SlipKind] = {
    SUPPLEMENT: SlipKind(
        DossierEvent.Kind.SUPPLEMENT_REQUESTED,
        gettext_lazy("REQUEST FOR ADDITIONAL PAPERS TO COMPLETE THE DOSSIER"),
        gettext_lazy("Print the request for additional papers"),
        "dossiers:slip_supplement",
        "phieu-bo-sung",
    ),
    REFUSAL: SlipKind(
        DossierEvent.Kind.REFUSED,
        gettext_lazy("NOTICE OF REFUSAL TO HANDLE THE DOSSIER"),
        gettext_lazy("Print the refusal slip"),
        "dossiers:slip_refusal",
        "phieu-tu-choi",
    ),
    APOLOGY: SlipKind(
        DossierEvent.Kind.APOLOGY,
        gettext_lazy("APOLOGY AND NEW APPOINTMENT FOR THE RESULT"),
        gettext_lazy("Print the apology and new appointment"),
        "dossiers:slip_apology",
        "phieu-xin-loi",
    ),
}

# How far ahead a new appointment may be set: a typing slip (2062 for 2026) is refused, not promised.
APPOINTMENT_HORIZON = dt.timedelta(days=366)


def slip_event(dossier: Dossier, kind: str, events: list[DossierEvent] | None = None) -> DossierEvent | None:
    """The history line slip `kind` is printed from: the latest of its kind; a refusal slip only for a
    dossier that stands refused."""
    slip = SLIPS[kind]
    if kind == REFUSAL and dossier.status != Status.REFUSED:
        return None
    rows = events if events is not None else list(dossier.events.all())
    found = [e for e in rows if e.kind == slip.event_kind]
    return found[-1] if found else None


def available_slips(dossier: Dossier, events: list[DossierEvent]) -> list[dict[str, str]]:
    """The slips the officer's page offers for the dossier: kind, link text and address."""
    return [
        {"kind": kind, "label": str(slip.link), "url": reverse(slip.url_name, args=[dossier.code])}
        for kind, slip in SLIPS.items()
        if slip_event(dossier, kind, events) is not None
    ]


def _asked(dossier: Dossier, event: DossierEvent) -> tuple[list[Any], str]:
    """A request's papers (the procedure's, in the checklist's order) and the officer's own words: the
    request's note begins with the papers' names (`services.moves`), which the slip lists apart."""
    wanted = set(event.papers or [])
    papers = [d for d in dossier.procedure.documents.all() if d.pk in wanted]
    note = event.note or ""
    named = "; ".join(p.name for p in papers)
    if named and note == named:
        note = ""
    elif named and note.startswith(f"{named}. "):
        note = note[len(named) + 2 :]
    return papers, note


def _step_of(dossier: Dossier, event: DossierEvent, position: int | None) -> DossierStep | None:
    """The step the move behind `event` was made at: the one its audit entry names, else the one running
    at the event's moment."""
    steps = list(dossier.steps.all())
    if position is not None:
        found = next((s for s in steps if s.position == position), None)
        if found is not None:
            return found
    running = [
        s
        for s in steps
        if s.started_at is not None
        and s.started_at <= event.at
        and (s.completed_at is None or s.completed_at >= event.at)
    ]
    return running[-1] if running else None


def slip_context(dossier: Dossier, kind: str, event: DossierEvent) -> dict[str, Any]:
    """What a slip prints. A request for papers or a refusal is the act of the unit whose step made it
    (`issuer`: a department asking for papers at its step is named, not the receiving ward), signed under
    the signer's title in that unit, with the delegation they acted under; the receiving unit's one-stop
    desk stays named as where the papers are handed in. The apology is the receiving unit's."""
    url = lookup_url(dossier)
    papers, words = _asked(dossier, event) if kind == SUPPLEMENT else ([], event.note)
    acted = selectors.acts_of(dossier, list(dossier.events.all())).events.get(event.pk)
    issuer = dossier.unit
    title = ""
    if kind in (SUPPLEMENT, REFUSAL):
        step = _step_of(dossier, event, acted.step if acted is not None else None)
        if step is not None:
            issuer = step.unit
        title = selectors.signer_title(acted.user_id, issuer) if acted is not None else ""
    return {
        "kind": kind,
        "title": SLIPS[kind].title,
        "dossier": dossier,
        "event": event,
        "papers": papers,
        "words": words,
        "issuer": issuer,
        # The receiving unit's slips are its one-stop desk's; another unit's is headed by its parent.
        "issuer_is_desk": issuer.pk == dossier.unit_id,
        "issuer_parent": issuer.parent if issuer.pk != dossier.unit_id else None,
        "officer_name": event.display_actor,
        "signer_title": title,
        "on_behalf_of": acted.on_behalf_of if acted is not None else "",
        "lookup_url": url,
        "qr_svg": qr_svg(url),
        "printed_at": timezone.now(),
    }


def _slip_event_or_404(dossier: Dossier, kind: str) -> DossierEvent:
    event = slip_event(dossier, kind)
    if event is None:
        missing = {
            SUPPLEMENT: _(
                "Dossier %(code)s has no request for additional papers: there is no slip to print."
            ),
            REFUSAL: _("Dossier %(code)s is not refused: there is no refusal slip to print."),
            APOLOGY: _("Dossier %(code)s has no apology recorded: there is no slip to print."),
        }[kind]
        raise NotFound(missing % {"code": dossier.code}, field="kind")
    return event


def slip_html(dossier: Dossier, kind: str, request: HttpRequest | None = None) -> str:
    """Slip `kind` as HTML; NotFound (404) when the dossier has nothing to print it from."""
    event = _slip_event_or_404(dossier, kind)
    return render_to_string("dossiers/slip.html", slip_context(dossier, kind, event), request=request)


def slip_pdf(dossier: Dossier, kind: str, request: HttpRequest | None = None) -> bytes:
    """Slip `kind` as an A4 PDF. Raises NotFound as `slip_html`, PdfUnavailable without WeasyPrint."""
    html = slip_html(dossier, kind, request)  # before WeasyPrint: a 404 stays a 404 without it
    weasyprint = load_weasyprint()
    return weasyprint.HTML(string=html, url_fetcher=url_fetcher(weasyprint)).write_pdf()


def slip_file_name(dossier: Dossier, kind: str) -> str:
    return f"{SLIPS[kind].file_name}-{dossier.code}.pdf"


# --- The apology for a late dossier ---------------------------------------------------------------


def apology_problem(dossier: Dossier, now: dt.datetime | None = None) -> DomainError | None:
    """Why no apology can be made for the dossier now (a 409), or None: it must be late, that is still
    open past its due time, or its result ready (not handed over yet) late. While the clock is stopped
    for the applicant's papers the due time is compared with when it stopped: the wait is not counted
    (the due time moves on by it when the papers come)."""
    now = now or timezone.now()
    if dossier.status in OPEN_STATUSES and dossier.due_at < (dossier.paused_at or now):
        return None
    if dossier.status == Status.RESULT_READY and dossier.punctuality == Punctuality.LATE:
        return None
    if dossier.status in OPEN_STATUSES or dossier.status == Status.RESULT_READY:
        message = _(
            "Dossier %(code)s is not late (due %(due)s): an apology and a new appointment are made only "
            "for a dossier past its due time."
        )
    else:
        message = _("Dossier %(code)s is “%(status)s”: there is no result left to appoint.")
    return workflow.NotNow(
        message
        % {
            "code": dossier.code,
            "due": common.local_text(dossier.due_at),
            "status": Status(dossier.status).label,
        },
        field="action",
    )


def parse_appointment(text: str | dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The new appointment typed on the page (`<input type="datetime-local">`: 2026-12-21T09:00, or day
    first: 21/12/2026 09:00), in the platform's time zone; refused (400, field `appointment`) when
    missing, impossible, not later than now, or more than a year ahead."""
    if isinstance(text, dt.datetime):
        moment: dt.datetime | None = text
    else:
        typed = " ".join((text or "").replace("\x00", "").split())[:40]
        if not typed:
            raise DomainError(_("Enter the new appointment for the result."), field="appointment")
        moment = None
        try:
            moment = parse_datetime(typed)
        except ValueError:  # well formed, impossible (month 13)
            moment = None
        if moment is None:
            for shape in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"):
                try:
                    moment = dt.datetime.strptime(typed, shape)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise DomainError(
                _("“%(text)s” is not a date and time: write it as 21/12/2026 09:00.") % {"text": typed},
                field="appointment",
            )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment <= now:
        raise DomainError(_("The new appointment must be later than now."), field="appointment")
    if moment > now + APPOINTMENT_HORIZON:
        raise DomainError(_("The new appointment must be within a year."), field="appointment")
    if (problem := _outside_office(moment)) is not None:
        raise problem
    return moment


def _within_office(local: dt.datetime, calendar: WorkCalendar) -> bool:
    """On a working day, within an office period, its end included (a result is due at 17:00)."""
    if not calendar.is_working_day(local.date()):
        return False
    clock = local.time()
    return any(start <= clock <= end for start, end in calendar.periods)


def next_working_time(moment: dt.datetime, calendar: WorkCalendar | None = None) -> dt.datetime:
    """The first moment at or after `moment` within office hours on a working day (the work calendar:
    its days off, swapped working Saturdays and office periods), in the calendar's time zone."""
    calendar = calendar or current_calendar()
    local = timezone.localtime(moment, calendar.tz)
    if _within_office(local, calendar):
        return local
    day = local.date()
    if calendar.is_working_day(day):
        for start, _end in calendar.periods:
            if local.time() < start:
                return dt.datetime.combine(day, start, tzinfo=calendar.tz)
    return dt.datetime.combine(calendar.next_working_day(day), calendar.periods[0][0], tzinfo=calendar.tz)


def _outside_office(moment: dt.datetime) -> DomainError | None:
    """A new appointment outside the working time of the work calendar (a Sunday night, a holiday, the
    lunch break) is refused, naming the next working time: a promise to the applicant the desk cannot
    keep."""
    calendar = current_calendar()
    local = timezone.localtime(moment, calendar.tz)
    if _within_office(local, calendar):
        return None
    suggested = next_working_time(moment, calendar)
    return DomainError(
        _(
            "The new appointment must be within office hours on a working day; %(at)s (%(weekday)s) is "
            "not. The next working time is %(next)s."
        )
        % {
            "at": f"{local:%d/%m/%Y %H:%M}",
            "weekday": dateformat.format(local, "l"),
            "next": f"{suggested:%d/%m/%Y %H:%M}",
        },
        field="appointment",
    )


def _officer(user: User, dossier: Dossier) -> Actor:
    if not selectors.may_handle(user, dossier, list(dossier.steps.all())):
        raise NotAllowed(_("You cannot act on dossier %(code)s.") % {"code": dossier.code})
    return Actor(user_id=user.pk, label=user.full_name or user.username)


@transaction.atomic
def dossier_apologise(
    *,
    user: User,
    code: str,
    appointment: str | dt.datetime | None,
    reason: str,
    version: int | None = None,
) -> DossierEvent:
    """Record the apology for a late dossier with its new appointment, by one of its handling officers,
    and tell the applicant. The due time and the timeliness stay as they were (the module's docstring)."""
    dossier = common.locked(code)
    actor = _officer(user, dossier)
    common.check_version(dossier, version)
    now = timezone.now()
    problem = apology_problem(dossier, now)
    if problem is not None:
        raise problem
    problems: list[DomainError] = []  # the reason and the appointment, both at once
    try:
        reason = common.bounded(reason, common.NOTE_LIMIT, "reason")
    except DomainError as exc:
        problems.append(exc)
    else:
        if not reason:
            problems.append(
                DomainError(_("Give the reason for the delay (told to the applicant)."), field="reason")
            )
    try:
        moment = parse_appointment(appointment, now)
    except DomainError as exc:
        problems.append(exc)
    if problems:
        raise problems[0] if len(problems) == 1 else DomainErrors(problems)
    before = common.snapshot(dossier)
    dossier.version += 1
    dossier.updated_at = now
    dossier.save(update_fields=["version", "updated_at"])
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=now,
        kind=DossierEvent.Kind.APOLOGY,
        actor_label=actor.label,
        status_from=dossier.status,
        status_to=dossier.status,
        note=reason,
        appointment_at=moment,
        public=True,
    )
    audit_record(
        actor=actor,
        action="dossier.apology",
        object_type="dossier",
        object_id=dossier.code,
        before=before,
        after={**common.snapshot(dossier), "appointment": moment.isoformat(), "reason": reason[:500]},
    )
    with translation.override(applicant_language(dossier)):  # in the applicant's language
        values = {
            "code": dossier.code,
            "unit": dossier.unit.name,
            "due": common.local_text(dossier.due_at),
            "at": common.local_text(moment),
            "reason": reason,
        }
        notify_applicant(
            dossier,
            _("Dossier %(code)s: apology and new appointment") % values,
            _(
                "%(unit)s apologises: the result of your dossier %(code)s, due %(due)s, is late. "
                "Reason: %(reason)s\nThe new appointment for the result is %(at)s."
            )
            % values,
        )
    return event


# --- The signed result's file ---------------------------------------------------------------------


@transaction.atomic
def dossier_attach_result(
    *, user: User, code: str, upload: UploadedFile | None, version: int | None = None
) -> ResultFile:
    """Attach (or replace) the signed result's file of a dossier whose result is ready, by one of its
    handling officers: a PDF, JPEG or PNG file within the papers' size limit, recognised by its content.
    An internal history line records it; the applicant reads the result once it is handed over."""
    dossier = common.locked(code)
    actor = _officer(user, dossier)
    common.check_version(dossier, version)
    if dossier.status != Status.RESULT_READY:
        raise workflow.NotNow(
            _(
                "Dossier %(code)s is “%(status)s”: the signed result is attached while the result is ready, "
                "before it is handed over."
            )
            % {"code": dossier.code, "status": Status(dossier.status).label},
            field="action",
        )
    if upload is None:
        raise DomainError(_("Choose the file of the signed result."), field="file")
    try:
        data, content_type = read_upload(upload, _("Signed result"))
    except DomainError as exc:
        raise DomainError(exc.message, field="file") from None
    now = timezone.now()
    name = (upload.name or "ket-qua").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][-120:] or "ket-qua"
    current = ResultFile.objects.filter(dossier=dossier).first()
    replaced = current.file.name if current is not None and current.file else ""
    result = current or ResultFile(dossier=dossier)
    result.file.save(name, ContentFile(data), save=False)
    result.content_type = content_type
    result.size = len(data)
    result.added_at = now
    result.added_by = user
    result.save()
    if replaced and replaced != result.file.name:  # the old file goes once the new one is stored
        storage = result.file.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    before = common.snapshot(dossier)
    dossier.version += 1
    dossier.updated_at = now
    dossier.save(update_fields=["version", "updated_at"])
    DossierEvent.objects.create(
        dossier=dossier,
        at=now,
        kind=DossierEvent.Kind.RESULT_FILE,
        actor_label=actor.label,
        note=str(result),
        public=False,  # the applicant is told when the result is handed over, and downloads it then
    )
    audit_record(
        actor=actor,
        action="dossier.result_file",
        object_type="dossier",
        object_id=dossier.code,
        before=before,
        after={
            **common.snapshot(dossier),
            "file": str(result),
            "content_type": content_type,
            "size": len(data),
            "replaced": bool(replaced),
        },
    )
    return result
