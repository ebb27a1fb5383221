"""Moving a dossier through its process: one service for every row of the workflow table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import Conflict, DomainError, DomainErrors
from citydesk.core.history_notes import local_datetime, register
from citydesk.core.models import User
from citydesk.dossiers import workflow
from citydesk.dossiers.models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierStep,
    ProcedureDocument,
    Punctuality,
    ResultMethod,
    Shipment,
    Status,
    TimeUnit,
    in_active_language,
)
from citydesk.dossiers.services import acting, alerts, common
from citydesk.dossiers.services.intake import Upload, _read_upload, applicant_language, notify_applicant
from citydesk.lib.workdays import WorkCalendar

EVENT_OF = {
    "forward": DossierEvent.Kind.STEP_DONE,
    "finish": DossierEvent.Kind.RESULT_READY,
    "request_supplement": DossierEvent.Kind.SUPPLEMENT_REQUESTED,
    "supplement_received": DossierEvent.Kind.SUPPLEMENT_RECEIVED,
    "refuse": DossierEvent.Kind.REFUSED,
    "return_result": DossierEvent.Kind.RETURNED,
    "withdraw": DossierEvent.Kind.WITHDRAWN,
}
# The history line of papers received: what the sender wrote (if anything), then the appointment the
# result is due at from now on (`_resume`), in the reader's language.
APPOINTMENT = gettext_lazy(
    "Appointment for the result: %(d)s (the time waiting for the papers is not counted)."
)
PAPERS_RECEIVED = register(
    "dossier.papers_received",
    "%(text)s%(due)s",
    lambda a: {
        "text": f"{a['text']}\n" if a.get("text") else "",
        "due": str(APPOINTMENT) % {"d": local_datetime(a["due"])},
    },
)
# The history line of a request for papers: the papers it names, each in the reader's language (stored by
# their names, official and English, as the catalog had them), then the officer's own words.
PAPERS_ASKED = register(
    "dossier.papers_asked",
    "%(papers)s%(text)s",
    lambda a: {
        "papers": "; ".join(in_active_language(name, english or "") for name, english in a["papers"]),
        "text": f". {a['text']}" if a.get("text") and a.get("papers") else a.get("text") or "",
    },
)
# What the free-text inputs of a move may hold: a note is stored as the step's note, the result or the
# reasons for refusal (unbounded columns); the shipment's fields have their columns' lengths.
TRACKING_LIMIT = common.column_limit(Shipment, "tracking_number")
DELIVERY_ADDRESS_LIMIT = common.column_limit(Shipment, "address")


def _complete_step(dossier: Dossier, user: User | None, now: dt.datetime, note: str) -> DossierStep | None:
    """Close the current step; start and return the next one (None after the last)."""
    step = dossier.current_step
    if step is None:
        return None
    step.completed_at = now
    step.completed_by = user if user is not None and user.is_authenticated else None
    step.note = note
    step.punctuality = common.punctuality(now, step.due_at) if step.due_at else ""
    step.save(update_fields=["completed_at", "completed_by", "note", "punctuality"])
    following = (
        DossierStep.objects.filter(dossier=dossier, position__gt=step.position).order_by("position").first()
    )
    if following is None:
        return None
    following.started_at = now
    following.due_at = _step_due(dossier, following, now)
    following.save(update_fields=["started_at", "due_at"])
    return following


def _step_due(dossier: Dossier, step: DossierStep, start: dt.datetime) -> dt.datetime:
    """When a step started at `start` is due.

    While the dossier is on time no step is due after it: the citizen was given the dossier's due time,
    so a step's share of the processing time ends at the latest then, and the last step is due with the
    dossier (it may use what the earlier ones left). A step started late (the dossier already overdue)
    has its whole share from its start: it is not late itself before its share is used up."""
    share = common.add_office_time(start, dt.timedelta(seconds=step.allotted_seconds))
    if dossier.due_at <= start:
        return share
    last = not DossierStep.objects.filter(dossier=dossier, position__gt=step.position).exists()
    return dossier.due_at if last else min(share, dossier.due_at)


@transaction.atomic
def dossier_transition(
    *,
    user: User | None,
    code: str,
    action: str,
    version: int | None = None,
    note: str = "",
    token: str = "",
    result_method: str = "",
    tracking_number: str = "",
    delivery_address: str = "",
    uploads: list[Upload] | None = None,
    papers: list[int] | None = None,
) -> Dossier:
    """Make one move of the workflow table on dossier `code`.

    A request for additional papers names them: `papers`, ids of the procedure's papers (its upload then
    offers those first), and/or the note (anything else, or what to correct).

    Additional papers sent by the applicant come with their files (`uploads`: 400, field `files`,
    without any); an officer records papers handed in at the desk without them.

    `version` (the one the officer saw) guards against two people acting at once: the second gets a
    409 conflict. A move the dossier's status does not allow is a 409 too, `workflow.NotNow`, naming the
    move by its label and the status. Moves that wait on the applicant stop the clock; resuming moves the due
    times on by the time the dossier waited (`due_after_wait`: in working days for an appointment that is
    a day). The officers who must act next are told (`_tell_officers`).
    """
    move = workflow.move_for(action)
    if move is None:
        raise DomainError(_("Unknown action “%(a)s”.") % {"a": action}, field="action")
    dossier = common.locked(code)
    common.check_version(dossier, version)
    if dossier.status not in move.sources:
        raise workflow.NotNow(
            _("Dossier %(code)s is “%(status)s”: “%(action)s” is not possible now.")
            % {
                "code": dossier.code,
                "status": Status(dossier.status).label,
                "action": workflow.action_label(action),
            },
            field="action",
        )
    actor, right = acting.acting_as(move, dossier, user, token)
    note = common.bounded(note, common.NOTE_LIMIT, "note")
    words = note  # the officer's or applicant's own words, before any paper is named in the note
    asked = _papers_asked(dossier, action, papers or [])
    now = timezone.now()
    before = common.snapshot(dossier)
    status_from = dossier.status
    step = dossier.current_step
    is_last = (
        step is not None
        and not DossierStep.objects.filter(dossier=dossier, position__gt=step.position).exists()
    )
    fields = ["status", "version", "updated_at"]
    shipment: Shipment | None = None

    if action == "forward":
        if is_last:
            raise workflow.NotNow(
                _("This is the last step: finish the dossier with its result."), field="action"
            )
        dossier.current_step = _complete_step(dossier, user, now, note)
        fields.append("current_step")
    elif action == "finish":
        if not is_last:
            raise workflow.NotNow(
                _("Step %(n)s is not the last one: forward the dossier to the next step.")
                % {"n": step.position if step else "?"},
                field="action",
            )
        if not note:
            raise DomainError(_("Say what the result is."), field="note")
        _complete_step(dossier, user, now, note)
        dossier.current_step = None
        dossier.resolved_at = now
        dossier.punctuality = common.punctuality(now, dossier.due_at)
        dossier.result_note = note
        fields += ["current_step", "resolved_at", "punctuality", "result_note"]
    elif action == "request_supplement":
        if not note and not asked:
            raise DomainError(_("List the papers the applicant must add or correct."), field="note")
        # The papers' names (in the platform's language) lead the note the applicant reads.
        named = "; ".join(p.name for p in asked)
        note = common.bounded(
            f"{named}. {note}" if named and note else named or note, common.NOTE_LIMIT, "note"
        )
        dossier.paused_at = now
        fields.append("paused_at")
    elif action == "supplement_received":
        if right == workflow.APPLICANT and not uploads:
            # The applicant answers a request with the papers themselves: without them nothing was
            # supplemented, and the clock must not run again (an officer records papers handed in at the
            # desk, which the dossier's paper file may not hold).
            raise DomainError(_("Choose the files of the additional papers."), field="files")
        if right == workflow.APPLICANT:
            # Every paper the request names comes with the answer (others may come beside them): else the
            # clock would run again on a dossier still missing them.
            missing = papers_still_missing(dossier, uploads or [])
            if missing:
                raise papers_missing_error(missing)
        for item in uploads or []:
            requirement = dossier.procedure.documents.filter(pk=item.document_id).first()
            if requirement is not None:
                name, name_en, label = requirement.name, requirement.name_en, requirement.label
            else:  # stored in the platform's language, and in English for English pages
                name, name_en = _additional_paper(settings.LANGUAGE_CODE), _additional_paper("en")
                label = _("Additional paper")
            data, content_type = _read_upload(item.file, label)
            paper = DossierDocument(
                dossier=dossier,
                requirement=requirement,
                name=name,
                name_en=name_en,
                is_supplement=True,
                content_type=content_type,
            )
            paper.file.save((item.file.name or "file")[-120:], ContentFile(data), save=False)
            paper.size = len(data)
            paper.save()
        _resume(dossier, now)
        fields += ["paused_at", "paused_seconds", "due_at"]
    elif action == "refuse":
        if not note:
            raise DomainError(_("Give the reasons for refusing the dossier."), field="note")
        if dossier.paused_at is not None:
            _resume(dossier, now)
            fields += ["paused_at", "paused_seconds", "due_at"]
        if step is not None:
            step.completed_at = now
            step.completed_by = user if user is not None and user.is_authenticated else None
            step.note = note
            step.save(update_fields=["completed_at", "completed_by", "note"])
        dossier.current_step = None
        dossier.refusal_reason = note
        dossier.resolved_at = now
        fields += ["current_step", "refusal_reason", "resolved_at"]
    elif action == "return_result":
        if common.fee_unpaid(dossier):
            raise Conflict(
                _(
                    "The fee of dossier %(code)s (%(fee)s) is not paid: record the payment before "
                    "handing over the result."
                )
                % {"code": dossier.code, "fee": common.vnd(dossier.fee)},
                field="payment",
            )
        method = result_method or dossier.result_method
        number = address = ""
        if method == ResultMethod.POST:
            number = common.bounded(tracking_number, TRACKING_LIMIT, "tracking_number")
            address = (
                common.bounded(delivery_address, DELIVERY_ADDRESS_LIMIT, "delivery_address")
                or dossier.applicant_address
            )
        problems = workflow.handover_problems(dossier, method, tracking_number=number, address=address)
        if problems:  # all at once; online needs the signed result's file (field "file")
            raise problems[0] if len(problems) == 1 else DomainErrors(problems)
        if method == ResultMethod.POST:
            shipment = Shipment.objects.create(
                dossier=dossier, tracking_number=number, address=address, sent_at=now
            )
        dossier.result_method = method
        dossier.returned_at = now
        fields += ["result_method", "returned_at"]
    elif action == "withdraw":
        if dossier.paused_at is not None:
            _resume(dossier, now)
            fields += ["paused_at", "paused_seconds", "due_at"]
        if step is not None:
            step.completed_at = now
            step.note = note
            step.save(update_fields=["completed_at", "note"])
        dossier.current_step = None
        fields.append("current_step")

    dossier.status = move.target
    dossier.version += 1
    dossier.updated_at = now
    dossier.save(update_fields=sorted(set(fields)))
    public_note = note if action != "forward" else ""
    with translation.override(settings.LANGUAGE_CODE):  # stored in the platform's language
        _record(dossier, actor, action, step, status_from, public_note, before, note, now, asked, words)
    with translation.override(applicant_language(dossier)):  # the applicant's message: in their language
        _tell_applicant(dossier, action, note, shipment, asked=asked, words=words)
    _tell_officers(dossier, action, step, user)
    return dossier


def _tell_officers(dossier: Dossier, action: str, step: DossierStep | None, user: User | None) -> None:
    """The officers who must act now learn it in their inbox (`services.alerts`): those of the next
    step when the dossier changes hands, the handling officers when the papers asked for arrive."""
    if action == "forward" and dossier.current_step is not None:
        alerts.step_arrived(dossier, dossier.current_step, previous=step, by=user)
    elif action == "supplement_received":
        alerts.papers_arrived(dossier, by=user)


def _papers_asked(dossier: Dossier, action: str, ids: list[int]) -> list[ProcedureDocument]:
    """The procedure's papers a request for additional papers names, in the catalog's order; any other
    move names none."""
    if not ids:
        return []
    if action != "request_supplement":
        raise DomainError(_("Only a request for additional papers names papers."), field="papers")
    known = {p.pk: p for p in dossier.procedure.documents.all()}
    unknown = [str(i) for i in ids if i not in known]
    if unknown:
        raise DomainError(
            _("Not a paper of procedure %(procedure)s: %(ids)s (see its papers in the catalog).")
            % {"procedure": dossier.procedure.code, "ids": ", ".join(unknown)},
            field="papers",
        )
    wanted = set(ids)
    return [p for p in known.values() if p.pk in wanted]


def asked_paper_ids(dossier: Dossier) -> set[int]:
    """While the dossier waits for additional papers, the ids of the procedure's papers its latest request
    names (`selectors.papers_asked`, read from the database)."""
    if dossier.status != Status.SUPPLEMENT:
        return set()
    request = (
        DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.SUPPLEMENT_REQUESTED)
        .order_by("-at", "-id")
        .only("papers")
        .first()
    )
    return {int(i) for i in (request.papers or [])} if request is not None else set()


def papers_still_missing(dossier: Dossier, uploads: list[Upload]) -> list[ProcedureDocument]:
    """The papers the request being answered names that `uploads` bring no file for, in the catalog's
    order: the applicant's answer must bring each of them (other papers may come beside them)."""
    wanted = asked_paper_ids(dossier) - {item.document_id for item in uploads}
    if not wanted:
        return []
    return [p for p in dossier.procedure.documents.all() if p.pk in wanted]


def papers_missing_error(missing: list[ProcedureDocument]) -> DomainError:
    """The refusal of an answer to a request for papers without all of them: names those missing, in the
    reader's language (400, field `documents`)."""
    return DomainError(
        _(
            "The request asks for these papers, which are not among the files sent: %(list)s. Send a file "
            "for each of them (other papers may come with them)."
        )
        % {"list": "; ".join(p.label for p in missing)},
        field="documents",
    )


def _additional_paper(language: str) -> str:
    """The name of a paper sent with no requirement of the procedure, in `language`."""
    with translation.override(language):
        return _("Additional paper")


def _record(
    dossier: Dossier,
    actor: Actor,
    action: str,
    step: DossierStep | None,
    status_from: str,
    public_note: str,
    before: dict[str, Any],
    note: str,
    now: dt.datetime,
    asked: list[ProcedureDocument],
    words: str = "",
) -> None:
    """The history line, the audit row and the counters of one move. A forward without a note names the
    step it completed, in the reader's language; a request for papers keeps the ids of those it names,
    and is read with their names in the reader's language (`PAPERS_ASKED`; the note stored beside it, in
    the platform's language, is what older readers and the printed slip use)."""
    written: dict[str, Any] = {"note": public_note}
    if asked:
        written["papers"] = [p.pk for p in asked]
        written.update(
            common.system_note(PAPERS_ASKED, papers=[[p.name, p.name_en] for p in asked], text=words)
        )
    if action == "forward" and step is not None and not public_note:
        written = common.system_note("dossier.step_done", name=step.name, name_en=step.name_en)
    if action == "supplement_received":  # the new appointment, with what the sender wrote
        written = {
            "note": public_note,
            **common.system_note(PAPERS_RECEIVED, text=public_note, due=dossier.due_at),
        }
    common.event(
        dossier, actor, EVENT_OF[action], status_from=status_from, status_to=dossier.status, **written
    )
    audit_record(
        actor=actor,
        action=f"dossier.{action}",
        object_type="dossier",
        object_id=dossier.code,
        before=before,
        after={
            **common.snapshot(dossier),
            "note": note[:500],
            **({"papers": written["papers"]} if asked else {}),
        },
    )
    _count(dossier, action, now)


def _resume(dossier: Dossier, now: dt.datetime) -> None:
    """The applicant answered: the time they took is not counted, so the dossier and its current step
    keep the time each had left when the clock stopped, from now on (`due_after_wait`). A dossier or step
    overdue before the pause gains nothing: it stays overdue by as much as it was (the applicant's wait is
    counted against nobody). The current step due with the dossier (the last one, or one its appointment
    caps) stays due with it; an earlier step is never moved past the dossier's new appointment."""
    if dossier.paused_at is None:
        return
    calendar = current_calendar()
    paused = dossier.paused_at
    before = dossier.due_at
    by_days = counted_in_days(dossier, before, calendar)
    dossier.due_at = due_after_wait(before, paused, now, by_days=by_days, calendar=calendar)
    step = dossier.current_step
    if step is not None and step.due_at is not None:
        if step.due_at == before:
            step_due = dossier.due_at
        else:
            step_due = due_after_wait(step.due_at, paused, now, by_days=False, calendar=calendar)
            if step.due_at < before:
                step_due = min(step_due, dossier.due_at)
        if step_due != step.due_at:
            step.due_at = step_due
            step.save(update_fields=["due_at"])
    dossier.paused_seconds += int((now - dossier.paused_at).total_seconds())
    dossier.paused_at = None


def counted_in_days(dossier: Dossier, due: dt.datetime, calendar: WorkCalendar) -> bool:
    """Is the appointment `due` a day rather than a time: a limit in working days (or a same-day
    campaign's), due at the close of office of a working day, as the receipt writes it?"""
    if dossier.procedure.time_unit != TimeUnit.WORKING_DAYS and not dossier.same_day:
        return False
    local = timezone.localtime(due, calendar.tz)
    return calendar.is_working_day(local.date()) and local == calendar.close_of(local.date())


def due_after_wait(
    due: dt.datetime,
    paused: dt.datetime,
    resumed: dt.datetime,
    *,
    by_days: bool,
    calendar: WorkCalendar | None = None,
) -> dt.datetime:
    """Where an appointment `due` goes once the clock, stopped at `paused` for the applicant's papers,
    runs again at `resumed` (Decrees 61/2018 and 107/2021: the time the applicant takes is not counted).

    A wait of less than a working minute moves nothing. Otherwise:

    - An appointment that is a day (`by_days`: a limit in working days, due at the close of office) is
      moved in working days, as the limit itself is counted and as the one-stop desk writes a new
      appointment: by the working days from the day the clock stopped to the day it runs again, each
      taken as a receipt is (a moment after the close of office, or on a day off, counts as the next
      working day). Papers that arrive on the working day they were asked for, before the close, move
      nothing — “30/11 17:00” never becomes “01/12 07:31” for a minute's wait; papers asked for on
      Monday and brought on Wednesday move it two working days, to the close of office.
    - An appointment that is a time (a limit in working hours, or a due time already moved to the hour)
      moves by the office time waited, in whole minutes (`WorkCalendar.add_working_hours`).

    The result is never earlier than `due`.
    """
    calendar = calendar or current_calendar()
    waited = calendar.working_time_between(paused, resumed)
    minutes = int(waited // dt.timedelta(minutes=1))
    if minutes <= 0:
        return due
    if not by_days:
        return calendar.add_working_hours(due, dt.timedelta(minutes=minutes)).astimezone(dt.UTC)
    day, back = _office_day(paused, calendar), _office_day(resumed, calendar)
    moved = timezone.localtime(due, calendar.tz).date()
    while day < back:
        day = calendar.next_working_day(day)
        moved = calendar.next_working_day(moved)
    return calendar.close_of(moved).astimezone(dt.UTC)


def _office_day(moment: dt.datetime, calendar: WorkCalendar) -> dt.date:
    """The working day a moment counts in, as a receipt's: its own before the close of office on a
    working day, else the next working day."""
    local = timezone.localtime(moment, calendar.tz)
    day = local.date()
    if calendar.is_working_day(day) and local < calendar.close_of(day):
        return day
    return calendar.next_working_day(day)


def _count(dossier: Dossier, action: str, now: dt.datetime) -> None:
    if action == "finish":
        column = {
            Punctuality.EARLY: "finished_early",
            Punctuality.ON_TIME: "finished_on_time",
            Punctuality.LATE: "finished_late",
        }[dossier.punctuality]
        common.count_month(dossier, now, finished=1, **{column: 1})
        if dossier.same_day and dossier.punctuality != Punctuality.LATE:
            common.count_campaign(dossier, resolved_same_day=1)
        else:
            common.count_campaign(dossier, resolved_later=1)
    elif action == "refuse":
        common.count_month(dossier, now, refused=1)
        common.count_campaign(dossier, refused=1)


def _result_ready_text(dossier: Dossier) -> str:
    """Where the applicant gets the result, by how it is delivered."""
    if dossier.result_method == ResultMethod.POST:
        return _(
            "The result of your dossier %(code)s is ready; it will be sent to you by public postal service."
        )
    if dossier.result_method == ResultMethod.ONLINE:
        return _("The result of your dossier %(code)s is ready; it is delivered to you online.")
    return _("The result of your dossier %(code)s is ready at %(unit)s.")


def _returned_text(dossier: Dossier, shipment: Shipment | None) -> str:
    if shipment is not None:
        return _(
            "The result of your dossier %(code)s was sent by %(carrier)s; postal tracking number "
            "%(tracking)s."
        )
    return _("The result of your dossier %(code)s has been handed over.")


def _tell_applicant(
    dossier: Dossier,
    action: str,
    note: str,
    shipment: Shipment | None = None,
    *,
    asked: list[ProcedureDocument] | None = None,
    words: str = "",
) -> None:
    """Tell the applicant what matters to them: the moves of their dossier's status they follow (papers
    asked for or received, the result ready or handed over, a refusal, a withdrawal). An internal step
    completed is not one: the tracking page shows it. A finished dossier's messages carry the result and
    the link to rate the service; a request for papers, a link whose key opens only their upload.

    Composed in the active language (the caller's `applicant_language`): the papers a request names by
    their names in it, then the officer's `words`; the default carrier by its name in it."""
    if action not in APPLICANT_MESSAGES:
        return
    if asked:
        named = "; ".join(p.label for p in asked)
        note = f"{named}. {words}" if words else named
    values = {
        "code": dossier.code,
        "note": note,
        "unit": dossier.unit.name,
        "carrier": shipment.carrier_label if shipment else "",
        "tracking": shipment.tracking_number if shipment else "",
        "due": common.local_text(dossier.due_at),
    }
    subject = str(APPLICANT_MESSAGES[action]) % values
    lines = [_body(dossier, action, shipment) % values]
    if action == "finish":
        lines.append(_("Result: %(note)s") % values)
        if common.fee_unpaid(dossier):  # the result is handed over only once it is paid: say so first
            lines.append(
                _("The fee of %(fee)s is not paid yet: the result is handed over once it is paid.")
                % {"fee": common.vnd(dossier.fee)}
            )
    if action in RATE_AFTER:
        link = common.rating_link(dossier)
        if link:
            lines.append(
                _("How satisfied are you with the handling of your dossier? Rate it here: %(link)s")
                % {"link": link}
            )
    page = ""  # the dossier's lookup page
    if action == "request_supplement":  # a link that opens the upload of the papers asked for, no more
        page = common.supplement_link(dossier)
        lines.append(_("Send the papers on this page (the link works for this request only):"))
    notify_applicant(dossier, subject, "\n".join(lines), link=page)


# The subjects of the messages to the applicant, by move; a move not listed tells them nothing.
APPLICANT_MESSAGES = {
    "request_supplement": gettext_lazy("Dossier %(code)s: papers needed"),
    "supplement_received": gettext_lazy("Dossier %(code)s: papers received"),
    "finish": gettext_lazy("Dossier %(code)s: result ready"),
    "return_result": gettext_lazy("Dossier %(code)s: result handed over"),
    "refuse": gettext_lazy("Dossier %(code)s refused"),
    "withdraw": gettext_lazy("Dossier %(code)s withdrawn"),
}
# The moves after which the dossier can be rated (its messages carry the rating link).
RATE_AFTER = frozenset({"finish", "return_result", "refuse"})


def _body(dossier: Dossier, action: str, shipment: Shipment | None) -> str:
    if action == "finish":
        return _result_ready_text(dossier)
    if action == "return_result":
        return _returned_text(dossier, shipment)
    return {
        "request_supplement": _("Your dossier %(code)s needs more papers before it can go on: %(note)s"),
        "supplement_received": _(
            "The papers for your dossier %(code)s were received; handling goes on. The result is due %(due)s."
        ),
        "refuse": _("Your dossier %(code)s was refused. Reasons: %(note)s"),
        "withdraw": _("Your dossier %(code)s was withdrawn."),
    }[action]
