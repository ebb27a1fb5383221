"""Shared pieces of the report services: validation, codes, events, notifications, locking."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core import configcache, units
from citydesk.core import validators as core_validators
from citydesk.core.audit import Actor
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import Conflict, DomainError, NotFound
from citydesk.core.models import Organisation, ServiceCategory, User
from citydesk.core.numbers import parse_number
from citydesk.core.rows import RowWriter
from citydesk.core.validators import usable_questions
from citydesk.lib.privacy import hide_contacts
from citydesk.lib.text import nfc, nfc_lines, search_key
from citydesk.lib.workdays import OutOfRange
from citydesk.notifications.models import Channel
from citydesk.notifications.services import message_language, notification_queue
from citydesk.reports.models import (
    CodeCounter,
    Follower,
    RejectReason,
    Report,
    ReportEvent,
    Status,
)

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000
VIETNAM_LON, VIETNAM_LAT = units.VIETNAM_LON, units.VIETNAM_LAT  # where a report's point may be


# --- Small helpers --------------------------------------------------------------------------------


def normalize_phone(value: str, *, field: str = "contact_phone") -> str:
    """A Vietnamese phone number in its national form (the platform's one rule), naming a report's field."""
    return core_validators.normalize_phone(value, field=field)


def point_problems(lon: float | None, lat: float | None) -> list[DomainError]:
    """Every fault of a report's point, one per coordinate at fault (field `lat` or `lon`), the latitude
    first: a point outside Vietnam names each coordinate outside its range, so that a client sees both
    when both are wrong, and a latitude beyond ±90° (a longitude given as the latitude: "lat=106.69&
    long=10.77") is said to be one. Empty for a good point or no point."""
    if (lon is None) != (lat is None):
        return [
            DomainError(
                _("Give both longitude and latitude, or neither."), field="lat" if lat is None else "lon"
            )
        ]
    if lon is None or lat is None:
        return []
    problems = []
    if not VIETNAM_LAT[0] <= lat <= VIETNAM_LAT[1]:
        if abs(lat) > 90:  # no latitude at all: a longitude (Vietnam's are 102 to 118) given as one
            message = _(
                "The latitude is outside Vietnam (a latitude is between -90 and 90): are the latitude "
                "and the longitude swapped?"
            )
        else:
            message = _("The latitude is outside Vietnam.")
        problems.append(DomainError(message, field="lat"))
    if not VIETNAM_LON[0] <= lon <= VIETNAM_LON[1]:
        problems.append(DomainError(_("The longitude is outside Vietnam."), field="lon"))
    return problems


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-3:]}" if len(phone) >= 7 else ("*" * len(phone))


# How a bounded text field is named in a refusal (an error summary lists them without their labels).
_FIELD_NAMES = {
    "address": gettext_lazy("The address"),
    "contact_name": gettext_lazy("The name"),
    "note": gettext_lazy("The note"),
    "resolution": gettext_lazy("What was done"),
    "text": gettext_lazy("The note"),
    "comment": gettext_lazy("The comment"),
}


# Texts people write in paragraphs: their line breaks are kept (the pages show them).
_PARAGRAPHS = {"description", "note", "resolution", "text", "comment"}


def _bounded(value: str | None, field: str, limit: int = MAX_DESCRIPTION) -> str:
    """Stored text (NFC) that fits its column: longer is refused, never cut without a word."""
    value = nfc_lines(value or "") if field in _PARAGRAPHS else nfc(value or "")
    if len(value) > limit:
        name = _FIELD_NAMES.get(field)
        n = number_format(limit, force_grouping=True)  # 4.000, as the hints write it
        message = (
            _("%(field)s is too long (at most %(n)s characters).") % {"field": name, "n": n}
            if name
            else _("Too long (at most %(n)s characters).") % {"n": n}
        )
        raise DomainError(message, field=field)
    return value


def _next_code(now: datetime) -> str:
    year = timezone.localtime(now).year
    sql = "UPDATE reports_codecounter SET last = last + 1 WHERE year = %s RETURNING last"
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
        if row is None:  # first report of the year
            CodeCounter.objects.get_or_create(year=year)
            cursor.execute(sql, [year])
            row = cursor.fetchone()
    number = row[0]
    return f"{settings.CITYDESK_REPORT_CODE_PREFIX}-{year % 100:02d}-{number:06d}"


def _load_categories() -> dict[str, ServiceCategory]:
    return {c.code: c for c in ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT)}


def _category(code: str | None, *, gen: int | None = None) -> ServiceCategory:
    if not code:
        raise DomainError(_("Choose a category."), field="category")
    category = configcache.cached("report_categories", _load_categories, gen=gen).get(code)
    if category is None:
        raise DomainError(_("Unknown category “%(c)s”.") % {"c": code}, field="category")
    if not category.is_active:
        raise DomainError(
            _("The category “%(name)s” is no longer in use: choose another.") % {"name": category.name},
            field="category",
        )
    return category


# A question's answers: a number question asks a quantity (a depth, a water level, a count), from 0 to a
# bound no real answer reaches (1e300 or -5 cm is no answer); a free-text answer fits its 500 characters.
# Every channel (the web form, the hotline, the REST API, Open311, e-mail) is held to the same bounds.
MAX_ANSWER_NUMBER = 1_000_000
MAX_ANSWER_TEXT = 500
# The question types whose answer is a list of values; none yet (a multi-choice question would be one).
LIST_ANSWER_TYPES: frozenset[str] = frozenset()


def grouped(number: int | float) -> str:
    """A limit as the messages write it: "4.000" in Vietnamese, "4,000" in English."""
    return number_format(number, force_grouping=True)


def question_label(question: dict[str, Any]) -> str:
    """The question as the reader asks it: its English label on an English page, when it has one."""
    english = (translation.get_language() or "").startswith("en")
    return str((question.get("label_en") if english else None) or question.get("label") or question["code"])


def _check_answers(
    category: ServiceCategory, answers: dict[str, Any] | None, *, require: bool = True
) -> dict[str, Any]:
    """The answers checked against the category's questions, as every channel stores them. `require=False`
    for the channels that do not ask them (the hotline, e-mail, chat): a required question then never
    blocks a caller's report.

    A number is a number from 0 to MAX_ANSWER_NUMBER; a text at most MAX_ANSWER_TEXT characters (longer is
    refused, never cut); a choice one of the listed values. An object or a list is no answer (its Python
    spelling, "{'a': [1, 2]}", would be stored as the citizen's words). Each refusal names `answers.<code>`.
    """
    if answers is not None and not isinstance(answers, dict):
        raise DomainError(_("Give the answers as an object."), field="answers")
    answers = dict(answers or {})
    clean: dict[str, Any] = {}
    for question in usable_questions(category.questions):
        code = question["code"]
        field = f"answers.{code}"
        label = question_label(question)
        value = answers.pop(code, None)
        if value in (None, ""):
            if require and question.get("required"):
                raise DomainError(_("Answer “%(q)s”.") % {"q": label}, field=field)
            continue
        kind = question.get("type", "text")
        if isinstance(value, dict | list | tuple | set) and kind not in LIST_ANSWER_TYPES:
            raise DomainError(_("Give one value (a text or a number), not a list or an object."), field=field)
        if kind == "number":
            try:
                value = parse_number(value)  # "40,5" as Vietnamese writes it; never NaN or infinity
            except ValueError:
                raise DomainError(_("“%(q)s” must be a number.") % {"q": label}, field=field) from None
            if not 0 <= value <= MAX_ANSWER_NUMBER:
                raise DomainError(
                    _("“%(q)s” must be a number from 0 to %(max)s.")
                    % {"q": label, "max": grouped(MAX_ANSWER_NUMBER)},
                    field=field,
                )
        elif kind == "choice":
            if value not in question.get("choices", []):
                raise DomainError(
                    _("“%(v)s” is not a choice of “%(q)s”.") % {"v": value, "q": label}, field=field
                )
        else:
            value = nfc(str(value))
            if len(value) > MAX_ANSWER_TEXT:
                raise DomainError(
                    _("Too long (at most %(n)s characters).") % {"n": grouped(MAX_ANSWER_TEXT)}, field=field
                )
        clean[code] = value
    if answers:
        raise DomainError(_("Unknown question: %(q)s.") % {"q": ", ".join(sorted(answers))}, field="answers")
    return clean


def _actor_for(user: User | None, fallback: str) -> Actor:
    if user is not None and user.is_authenticated:
        return Actor(user_id=user.pk, label=user.full_name or user.username)
    return Actor(user_id=None, label=fallback, right="system")


_EVENTS = RowWriter(ReportEvent)


def _event(
    report: Report,
    actor: Actor,
    kind: str,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    note_key: str = "",
    note_args: dict[str, Any] | None = None,
    public: bool = True,
    save: bool = True,
) -> ReportEvent:
    """One history line. A person's words go in `note`; a note the platform words goes in as
    `**system_note(KEY, **args)` (`note_key`, `note_args`) and is written out in each reader's language."""
    event = ReportEvent(
        report=report,
        kind=kind,
        actor_id=actor.user_id,
        actor_label=actor.label,
        right=actor.right,
        on_behalf_of=actor.on_behalf_of,
        from_status=from_status,
        to_status=to_status,
        note=note,
        note_key=note_key,
        note_args=note_args if note_args is not None else {},
        public=public,
    )
    if save:
        _EVENTS.insert([event])
    return event


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "status": report.status,
        "unit": report.unit.code if report.unit_id else None,
        "assignee": report.assignee_id,
        "category": report.category.code if report.category_id else None,
        "due_at": report.due_at.isoformat() if report.due_at else None,
        "version": report.version,
    }


# --- Messages to the reporter and the followers ---------------------------------------------------
#
# Every message to a citizen is composed in the recipient's language (`message_language`), whatever the
# language of the officer whose action caused it. Callers give the subject and body either as composers
# (callables, run once per recipient under that language) or, as older callers do, as strings in their
# own language: a string that is one of the standard texts below in any of the site's languages is
# composed anew for each recipient; any other string (an officer's own words) is sent as written.

Text = str | Callable[[], str]

UPDATE_STATUS = "status"  # the report moved: the subject names its new status
UPDATE_NOTE = "note"  # a public note of the handling unit
UPDATE_INFO_NEEDED = "info_needed"  # the unit asks the reporter for more information
AUDIENCE_ALL = "all"  # the reporter (with their private link) and the followers (with the public one)
AUDIENCE_REPORTER = "reporter"
AUDIENCE_OTHERS = "others"  # the followers but not the reporter (who did what the message tells)
UNFOLLOW_SALT = "citydesk.reports.unfollow"


# A status said in a message's subject where its label alone reads curtly ("Phản ánh …: Từ chối").
_SUBJECT_STATUS = {Status.REJECTED: gettext_lazy("not accepted for handling")}


def _status_subject(report: Report) -> str:
    """ "Phản ánh PA-26-000015: đã xử lý xong": the status after the colon in lower case, as the other
    subjects write it (": thông tin cập nhật"), the rejection in words."""
    label = str(_SUBJECT_STATUS.get(report.status) or Status(report.status).label)
    return _("Report %(code)s: %(status)s") % {"code": report.code, "status": label[:1].lower() + label[1:]}


def _note_subject(report: Report) -> str:
    return _("Report %(code)s: update") % {"code": report.code}


def _info_subject(report: Report) -> str:
    return _("Report %(code)s: information needed") % {"code": report.code}


_SUBJECTS: dict[str, Callable[[Report], str]] = {
    UPDATE_STATUS: _status_subject,
    UPDATE_NOTE: _note_subject,
    UPDATE_INFO_NEEDED: _info_subject,
}


def _status_bodies(report: Report) -> list[Callable[[], str]]:
    """The standard bodies of a status update (the officer's own words are sent as written)."""
    if report.status == Status.REJECTED and report.reject_reason in RejectReason.values:
        return [lambda: f"{RejectReason(report.reject_reason).label}. {report.reject_note}".strip()]
    if report.status == Status.TRANSFERRED and report.unit_id:
        return [lambda: _("Transferred to %(org)s.") % {"org": report.unit.name}]
    return []


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _composer(text: Text, standard: list[Callable[[], str]]) -> Callable[[], str]:
    """`text` as a composer: a standard text (in any language) is composed again in the recipient's."""
    if callable(text):
        return text
    for language in _languages():
        with translation.override(language):
            for make in standard:
                if make() == text:
                    return make
    return lambda: text


def _kind_of(report: Report, subject: Text) -> str:
    if callable(subject):
        return ""
    for language in _languages():
        with translation.override(language):
            for kind, make in _SUBJECTS.items():
                if make(report) == subject:
                    return kind
    return ""


def track_link(report: Report, *, reporter: bool) -> str:
    """The tracking page: the reporter's own link carries their token (rating, reopening, replying)."""
    path = reverse("reports:track", args=[report.code])
    query = f"?{urlencode({'t': report.citizen_token})}" if reporter and report.citizen_token else ""
    return f"{settings.CITYDESK_PUBLIC_URL}{path}{query}"


def unfollow_key(follower_id: int, code: str) -> str:
    """The signed key of a follower's "stop following" link (no login needed, not guessable)."""
    return signing.Signer(salt=UNFOLLOW_SALT).sign(f"{code}.{follower_id}")


def read_unfollow_key(key: str) -> tuple[str, int] | None:
    """(report code, follower id) of a signed key, or None when it was not made by us."""
    try:
        value = signing.Signer(salt=UNFOLLOW_SALT).unsign(key)
    except signing.BadSignature:
        return None
    code, _dot, follower_id = value.rpartition(".")
    return (code, int(follower_id)) if code and follower_id.isdigit() else None


def unfollow_link(follower_id: int, code: str) -> str:
    path = reverse("reports:unfollow", args=[unfollow_key(follower_id, code)])
    return f"{settings.CITYDESK_PUBLIC_URL}{path}"


def reopen_until(report: Report) -> datetime | None:
    """Until when the reporter may reopen a resolved report (CITYDESK_REOPEN_DAYS after the resolution)."""
    if report.resolved_at is None:
        return None
    return report.resolved_at + timedelta(days=settings.CITYDESK_REOPEN_DAYS)


def local_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


@dataclass(frozen=True)
class _Recipient:
    channel: str
    user: User | None = None
    address: str = ""
    reporter: bool = False
    follower_id: int | None = None

    def key(self) -> tuple[str, str]:
        """One message per channel and address (or account), however many follows lead there."""
        if self.channel == Channel.IN_APP:
            return (self.channel, f"user:{self.user.pk if self.user else ''}")
        if self.channel == Channel.SMS:
            return (self.channel, re.sub(r"\D", "", self.address))
        return (self.channel, self.address.strip().lower())


def _is_reporters(report: Report, follower: Follower) -> bool:
    if follower.user_id:
        return follower.user_id == report.reporter_id
    if follower.via_id:  # came with a merged duplicate: that report's reporter
        return False
    if follower.email:
        return follower.email.strip().lower() == (report.contact_email or "").strip().lower()
    return bool(follower.phone) and follower.phone == report.contact_phone


def _follower_channels(follower: Follower, *, reporter: bool) -> list[_Recipient]:
    if follower.user_id:
        user = follower.user
        found = [_Recipient(Channel.IN_APP, user=user, reporter=reporter, follower_id=follower.pk)]
        # An address kept on the follow (a merged duplicate's reporter's own contact) wins over the account's.
        address = follower.email or user.email
        if address:
            found.append(
                _Recipient(
                    Channel.EMAIL, user=user, address=address, reporter=reporter, follower_id=follower.pk
                )
            )
        elif follower.phone:
            found.append(
                _Recipient(
                    Channel.SMS, user=user, address=follower.phone, reporter=reporter, follower_id=follower.pk
                )
            )
        return found
    if follower.email:
        return [_Recipient(Channel.EMAIL, address=follower.email, reporter=reporter, follower_id=follower.pk)]
    if follower.phone:
        return [_Recipient(Channel.SMS, address=follower.phone, reporter=reporter, follower_id=follower.pk)]
    return []


def reporter_addresses(report: Report) -> tuple[str, str]:
    """(e-mail, phone) where the reporter's messages go: the contact details given for this report (a
    logged-in reporter may give others than their account's), else their account's e-mail."""
    email = report.contact_email or (report.reporter.email if report.reporter_id else "")
    return email, report.contact_phone


def _contact_channels(report: Report, follower_id: int | None = None) -> list[_Recipient]:
    """The reporter: in-app for an account, and the e-mail of `reporter_addresses`, else its phone (an
    SMS costs the city money, and the e-mail already carries everything)."""
    user = report.reporter if report.reporter_id else None
    email, phone = reporter_addresses(report)
    found = []
    if user is not None:
        found.append(_Recipient(Channel.IN_APP, user=user, reporter=True, follower_id=follower_id))
    if email:
        found.append(
            _Recipient(Channel.EMAIL, user=user, address=email, reporter=True, follower_id=follower_id)
        )
    elif phone:
        found.append(
            _Recipient(Channel.SMS, user=user, address=phone, reporter=True, follower_id=follower_id)
        )
    return found


def reporter_reachable(report: Report) -> bool:
    """Can a message reach the reporter: an account, an e-mail address or a phone number? (Reads the
    reporter's account: select it with the report.)"""
    return bool(_contact_channels(report))


def no_way_to_reach_reporter() -> str:
    return _(
        "The reporter cannot be asked: they left no phone number, no e-mail address and no account, so the "
        "request would reach nobody and the deadline clock would stay stopped. Handle the report with what "
        "it says."
    )


def _recipients(report: Report, audience: str) -> list[_Recipient]:
    followers = list(report.followers.select_related("user").order_by("pk"))
    mine = [f for f in followers if _is_reporters(report, f)]
    # The reporter is reached where they asked for this report, whichever follow row says they follow it.
    reporter = _contact_channels(report, mine[0].pk) if mine else []
    if not mine and audience == AUDIENCE_REPORTER:  # a request to the reporter reaches them anyway
        reporter = _contact_channels(report)
    others = [r for f in followers if f not in mine for r in _follower_channels(f, reporter=False)]
    chosen = {AUDIENCE_ALL: reporter + others, AUDIENCE_REPORTER: reporter, AUDIENCE_OTHERS: others}[audience]
    seen = {r.key() for r in reporter} if audience == AUDIENCE_OTHERS else set()
    found = []
    for recipient in chosen:  # the reporter's messages first: their private link wins over the public one
        if recipient.key() not in seen:
            seen.add(recipient.key())
            found.append(recipient)
    return found


def _reporter_lines(report: Report, kind: str) -> list[str]:
    """What only the reporter is told: what they can do next on their page."""
    if kind == UPDATE_STATUS and report.status == Status.RESOLVED:
        lines = [_("Are you satisfied with the result? Rate the handling on your report's page.")]
        until = reopen_until(report)
        if until is not None:
            lines.append(
                _("If the problem is not solved, you can ask there to reopen the report until %(date)s.")
                % {"date": local_time(until)}
            )
        return lines
    if kind == UPDATE_INFO_NEEDED:
        return [_("Send the information on your report's page:")]
    return []


def _compose(
    report: Report,
    kind: str,
    subject: Callable[[], str],
    body: Callable[[], str],
    recipient: _Recipient,
) -> tuple[str, str]:
    with translation.override(message_language(recipient.user)):
        text = str(body())
        if not recipient.reporter:
            # A follower is the public: the resolution or a note quoted in the message hides contact details
            # as the public page does (the reporter reads them whole, as on their own page).
            text = hide_contacts(text)
        lines = [text] if text else []
        if recipient.reporter:
            lines += _reporter_lines(report, kind)
        lines.append(track_link(report, reporter=recipient.reporter))
        if (
            recipient.reporter
            and kind == UPDATE_INFO_NEEDED
            and recipient.channel == Channel.EMAIL
            and settings.CITYDESK_REPLY_TO
        ):
            # The e-mail intake (wired to the Reply-To mailbox) adds a reply from the reporter's address
            # to the report its subject names; without that mailbox a reply would go nowhere.
            lines.append(
                _(
                    "Or simply reply to this e-mail (photos can be attached); keep %(code)s in the subject "
                    "so that your answer reaches the report."
                )
                % {"code": report.code}
            )
        if recipient.reporter and kind == UPDATE_INFO_NEEDED and recipient.channel == Channel.SMS:
            # A reporter reached by SMS may have no Internet: the hotline operator takes the answer too.
            lines.append(
                _("Or call the 1022 hotline back and give the code %(code)s.") % {"code": report.code}
            )
        if (
            recipient.reporter
            and kind == UPDATE_STATUS
            and report.status == Status.RESOLVED
            and recipient.channel == Channel.SMS
            and reopen_until(report) is not None
        ):
            # A phone-only reporter cannot open the page: the hotline operator reopens it for them.
            lines.append(
                _("Or call the 1022 hotline and give the code %(code)s to have the report reopened.")
                % {"code": report.code}
            )
        if recipient.channel == Channel.EMAIL and recipient.follower_id:
            lines += [
                "",
                _("To stop receiving updates on %(code)s: %(link)s")
                % {"code": report.code, "link": unfollow_link(recipient.follower_id, report.code)},
            ]
        elif recipient.channel == Channel.SMS and recipient.follower_id and not recipient.reporter:
            # Short, as an SMS must be; without it a number that followed could never stop the messages.
            # (The reporter's own messages keep the tracking link last: a long SMS keeps its last link.)
            lines.append(
                _("Stop these messages: %(link)s")
                % {"link": unfollow_link(recipient.follower_id, report.code)}
            )
        return str(subject()), "\n".join(lines)


def _notify_followers(
    report: Report, subject: Text, body: Text, *, kind: str = "", audience: str = ""
) -> None:
    """Queue an update for the reporter and the followers (deferred to commit by the outbox).

    Each recipient gets one message per channel and address, in their own language: the reporter with
    their private link (and what they can do next), the followers with the public link and a way to stop
    following. `kind` (UPDATE_*) is recognised from a standard subject when not given; a request for
    information (UPDATE_INFO_NEEDED) goes to the reporter only unless `audience` says otherwise.
    """
    kind = kind or _kind_of(report, subject)
    audience = audience or (AUDIENCE_REPORTER if kind == UPDATE_INFO_NEEDED else AUDIENCE_ALL)
    make_subject = _composer(subject, [lambda: _SUBJECTS[kind](report)] if kind else [])
    make_body = _composer(body, _status_bodies(report) if kind == UPDATE_STATUS else [])
    for recipient in _recipients(report, audience):
        text_subject, text_body = _compose(report, kind, make_subject, make_body, recipient)
        notification_queue(
            channel=recipient.channel,
            recipient=recipient.user,
            address=recipient.address,
            subject=text_subject,
            body=text_body,
        )


def _due_times(
    category: ServiceCategory, received: datetime, *, gen: int | None = None
) -> tuple[datetime, datetime]:
    """The category's times to assign and to handle, counted from `received`. A time the calendar cannot
    count (stored before the back office bounded it) refuses the report naming the category: a 400 for the
    citizen and an error in the log for the administrators, never a server error."""
    calendar = current_calendar(gen=gen)
    try:
        return (
            calendar.add_working_hours(received, category.triage_hours),
            calendar.due(received, category.working_days),
        )
    except OutOfRange:
        logger.error(
            "category %s: its times (%s working days, %s triage hours) fall after the working-day calendar",
            category.code,
            category.working_days,
            category.triage_hours,
        )
        raise DomainError(
            _(
                "The category “%(name)s” cannot take reports now: its handling time, set in the back "
                "office, falls beyond the working-day calendar. Choose another category or call the hotline."
            )
            % {"name": category.name},
            field="category",
        ) from None


def _locked(code: str) -> Report:
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("category", "unit", "assignee", "reporter")
        .filter(code=code)
        .first()
    )
    if report is None:
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    return report


def _check_version(report: Report, version: int | None) -> None:
    if version is not None and not 1 <= version <= report.version:
        # Not a race: no such version was ever read (the API's clients send what they read).
        raise DomainError(
            _("Report %(code)s has no version %(had)s: it is at version %(now)s.")
            % {"code": report.code, "now": report.version, "had": version},
            field="version",
        )
    if version is not None and version != report.version:
        raise Conflict(
            _(
                "Report %(code)s has changed since this page was opened (by a colleague, or in another tab). "
                "Reload it to see the change, then try again."
            )
            % {"code": report.code},
            field="version",
        )


def _org(code: str | None, field: str, *, named_among: set[int] | None = None) -> Organisation:
    """An active organisation by its code, or by its name as typed (accents optional, "Name (code)" as the
    page's suggestions show it): an officer knows "Sở Xây dựng", not "79.SXD". `named_among`: the ids of
    the organisations a name is looked for in (a transfer: those of the report's city, where every city
    has its own "Sở Xây dựng"); a code is looked for everywhere."""
    text = nfc(code or "").strip()
    active = Organisation.objects.filter(is_active=True)
    org = active.filter(code=text).first()
    if org is None and (inside := re.fullmatch(r".*\(([^()]+)\)", text)):
        org = active.filter(code=inside.group(1).strip()).first()
    if org is None and text:
        key = search_key(text)
        named = [
            o
            for o in active.only("code", "name")
            if search_key(o.name) == key and (named_among is None or o.pk in named_among)
        ]
        if len(named) > 1:
            listed = ", ".join(f"{o.name} ({o.code})" for o in named[:5])
            raise DomainError(
                _("Several units are named “%(n)s”: %(list)s. Enter the code.") % {"n": text, "list": listed},
                field=field,
            )
        org = named[0] if named else None
    if org is None:
        raise DomainError(_("Unknown unit “%(c)s”: enter its name or its code.") % {"c": text}, field=field)
    return org


def notify_followers_reporter_reopened(report: Report) -> None:
    """The followers but the reporter are told the reporter reopened the report (on its page, by rating it
    unsatisfied, or on the phone through the hotline)."""
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
