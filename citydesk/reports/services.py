"""Writes of the 1022 system: intake, workflow moves, notes, following, merging, rating, deadlines."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import AdminUnit, DivisionLevel, Membership, Organisation, ServiceCategory, User
from citydesk.core.powers import Power
from citydesk.core.services import authorize, holds_anywhere
from citydesk.core.units import locate_point, normalize_code
from citydesk.lib.text import nfc
from citydesk.notifications.services import notification_queue
from citydesk.reports import routing
from citydesk.reports.models import (
    OPEN_STATUSES,
    Channel,
    CodeCounter,
    Follower,
    IdempotencyKey,
    Rating,
    RejectReason,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.workflow import MOVES

MAX_DESCRIPTION = 4000
# Mainland, coastal waters and the Hoàng Sa / Trường Sa archipelagos.
VIETNAM_LON = (102.0, 117.9)
VIETNAM_LAT = (6.0, 23.5)
_PHONE = re.compile(r"^0\d{9,10}$")


# --- Small helpers --------------------------------------------------------------------------------


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    if digits and not _PHONE.match(digits):
        raise DomainError(
            _("“%(p)s” is not a Vietnamese phone number.") % {"p": value}, field="contact_phone"
        )
    return digits


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-3:]}" if len(phone) >= 7 else ("*" * len(phone))


def _next_code(now: datetime) -> str:
    year = timezone.localtime(now).year
    CodeCounter.objects.get_or_create(year=year)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_codecounter SET last = last + 1 WHERE year = %s RETURNING last", [year]
        )
        number = cursor.fetchone()[0]
    return f"{settings.CITYDESK_REPORT_CODE_PREFIX}-{year % 100:02d}-{number:06d}"


def _category(code: str | None) -> ServiceCategory:
    if not code:
        raise DomainError(_("Choose a category."), field="category")
    category = ServiceCategory.objects.filter(code=code, domain=ServiceCategory.Domain.REPORT).first()
    if category is None:
        raise DomainError(_("Unknown category “%(c)s”.") % {"c": code}, field="category")
    return category


def _check_answers(category: ServiceCategory, answers: dict[str, Any] | None) -> dict[str, Any]:
    answers = dict(answers or {})
    clean: dict[str, Any] = {}
    for question in category.questions or []:
        code = question["code"]
        value = answers.pop(code, None)
        if value in (None, ""):
            if question.get("required"):
                raise DomainError(
                    _("Answer “%(q)s”.") % {"q": question.get("label", code)}, field=f"answers.{code}"
                )
            continue
        kind = question.get("type", "text")
        if kind == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise DomainError(
                    _("“%(q)s” must be a number.") % {"q": question.get("label", code)},
                    field=f"answers.{code}",
                ) from None
        elif kind == "choice":
            if value not in question.get("choices", []):
                raise DomainError(
                    _("“%(v)s” is not a choice of “%(q)s”.") % {"v": value, "q": question.get("label", code)},
                    field=f"answers.{code}",
                )
        else:
            value = nfc(str(value))[:500]
        clean[code] = value
    if answers:
        raise DomainError(_("Unknown question: %(q)s.") % {"q": ", ".join(sorted(answers))}, field="answers")
    return clean


def _actor_for(user: User | None, fallback: str) -> Actor:
    if user is not None and user.is_authenticated:
        return Actor(user_id=user.pk, label=user.full_name or user.username)
    return Actor(user_id=None, label=fallback, right="system")


def _event(
    report: Report,
    actor: Actor,
    kind: str,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    public: bool = True,
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        kind=kind,
        actor_id=actor.user_id,
        actor_label=actor.label,
        right=actor.right,
        on_behalf_of=actor.on_behalf_of,
        from_status=from_status,
        to_status=to_status,
        note=note,
        public=public,
    )


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "status": report.status,
        "unit": report.unit.code if report.unit_id else None,
        "assignee": report.assignee_id,
        "category": report.category.code if report.category_id else None,
        "due_at": report.due_at.isoformat() if report.due_at else None,
        "version": report.version,
    }


def _notify_followers(report: Report, subject: str, body: str) -> None:
    """Queue a public update for everyone following the report (deferred to commit by the outbox)."""
    link = f"{settings.CITYDESK_PUBLIC_URL}/tra-cuu/{report.code}/"
    text = f"{body}\n{link}"
    for follower in report.followers.select_related("user"):
        if follower.user_id:
            notification_queue(channel="in_app", recipient=follower.user, subject=subject, body=text)
            if follower.user.email:
                notification_queue(channel="email", recipient=follower.user, subject=subject, body=text)
        elif follower.email:
            notification_queue(channel="email", address=follower.email, subject=subject, body=text)
        elif follower.phone:
            notification_queue(channel="sms", address=follower.phone, subject=subject, body=text)


def _due_times(category: ServiceCategory, received: datetime) -> tuple[datetime, datetime]:
    calendar = current_calendar()
    return (
        calendar.add_working_hours(received, category.triage_hours),
        calendar.due(received, category.working_days),
    )


# --- Intake ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    report: Report
    created: bool


def report_submit(
    *,
    category: str | None,
    description: str,
    channel: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    ward_code: str | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    show_name_publicly: bool = False,
    is_public: bool = True,
    answers: dict[str, Any] | None = None,
    reporter: User | None = None,
    entered_by: User | None = None,
    idempotency_scope: str = "",
    idempotency_key: str = "",
    when: datetime | None = None,
) -> Intake:
    """Validate everything, then store the report, its first event, its follower and the audit row."""
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel “%(c)s”.") % {"c": channel}, field="channel")
    if idempotency_key:
        existing = (
            IdempotencyKey.objects.filter(scope=idempotency_scope, key=idempotency_key)
            .select_related("report")
            .first()
        )
        if existing is not None:
            return Intake(report=existing.report, created=False)
    cat = _category(category)
    description = nfc(description or "")
    if not description:
        raise DomainError(_("Describe the problem."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            _("The description is too long (at most %(n)s characters).") % {"n": MAX_DESCRIPTION},
            field="description",
        )
    if (lon is None) != (lat is None):
        raise DomainError(
            _("Give both longitude and latitude, or neither."), field="lat" if lat is None else "lon"
        )
    ward: AdminUnit | None = None
    if lon is not None and lat is not None:
        if not (VIETNAM_LON[0] <= lon <= VIETNAM_LON[1]):
            raise DomainError(_("The longitude is outside Vietnam."), field="lon")
        if not (VIETNAM_LAT[0] <= lat <= VIETNAM_LAT[1]):
            raise DomainError(_("The latitude is outside Vietnam."), field="lat")
        ward = locate_point(lon, lat).unit
    if ward_code:
        try:
            picked = AdminUnit.objects.filter(
                code=normalize_code(ward_code, level=DivisionLevel.WARD), level=DivisionLevel.WARD
            ).first()
        except DomainError:
            picked = None
        if picked is None:
            raise DomainError(_("Unknown commune/ward code “%(c)s”.") % {"c": ward_code}, field="ward_code")
        ward = ward or picked
    address = nfc(address or "")[:300]
    if ward is None and not address:
        raise DomainError(_("Give the place: pick it on the map, or enter an address."), field="address")
    phone = normalize_phone(contact_phone)
    email = (contact_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                _("“%(e)s” is not an e-mail address.") % {"e": email}, field="contact_email"
            ) from None
    clean_answers = _check_answers(cat, answers)
    if entered_by is not None and holds_anywhere(entered_by, Power.REPORT_RECEIVE) is None:
        raise NotAllowed(_("Only hotline operators and officers enter reports for callers."))
    now = when or timezone.now()
    route = routing.route(cat, ward, when=now)
    boundary = ward is not None and lon is not None and routing.near_boundary(lon, lat)
    triage_due, due = _due_times(cat, now)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                code=_next_code(now),
                category=cat,
                description=description,
                lon=lon,
                lat=lat,
                address=address,
                ward=ward,
                province_code=ward.province_id if ward else "",
                near_boundary=boundary,
                unit=route.unit,
                channel=channel,
                reporter=reporter if reporter and reporter.is_authenticated else None,
                entered_by=entered_by,
                contact_name=nfc(contact_name)[:150],
                contact_phone=phone,
                contact_email=email,
                show_name_publicly=show_name_publicly,
                is_public=is_public,
                answers=clean_answers,
                created_at=now,
                updated_at=now,
                triage_due_at=triage_due,
                due_at=due,
                citizen_token=secrets.token_urlsafe(16),
            )
            if idempotency_key:
                IdempotencyKey.objects.create(scope=idempotency_scope, key=idempotency_key, report=report)
            actor = _actor_for(entered_by or reporter, fallback=_("citizen"))
            _event(
                report,
                actor,
                ReportEvent.Kind.STATUS,
                to_status=Status.RECEIVED,
                note=_("Received via %(c)s.") % {"c": Channel(channel).label},
            )
            _event(
                report,
                actor,
                ReportEvent.Kind.ROUTE,
                note=f"{route.unit.name} ({route.reason})",
                public=False,
            )
            if reporter is not None and reporter.is_authenticated:
                Follower.objects.create(report=report, user=reporter)
            elif email:
                Follower.objects.create(report=report, email=email)
            elif phone:
                Follower.objects.create(report=report, phone=phone)
            audit_record(
                actor=actor,
                action="report.submit",
                object_type="report",
                object_id=report.code,
                after=_snapshot(report),
            )
            _acknowledge(report)
    except IntegrityError:
        if not idempotency_key:
            raise
        existing = IdempotencyKey.objects.select_related("report").get(
            scope=idempotency_scope, key=idempotency_key
        )
        return Intake(report=existing.report, created=False)
    return Intake(report=report, created=True)


def _acknowledge(report: Report) -> None:
    subject = _("Report %(code)s received") % {"code": report.code}
    body = _(
        "Thank you. Your report %(code)s was received and sent to %(unit)s; it is due by %(due)s. "
        "Follow it at %(link)s"
    ) % {
        "code": report.code,
        "unit": report.unit.name,
        "due": timezone.localtime(report.due_at).strftime("%d/%m/%Y %H:%M"),
        "link": f"{settings.CITYDESK_PUBLIC_URL}/tra-cuu/{report.code}/?t={report.citizen_token}",
    }
    if report.contact_email:
        notification_queue(channel="email", address=report.contact_email, subject=subject, body=body)
    elif report.contact_phone:
        notification_queue(channel="sms", address=report.contact_phone, subject=subject, body=body)
    if report.reporter_id:
        notification_queue(channel="in_app", recipient=report.reporter, subject=subject, body=body)


# --- Workflow -------------------------------------------------------------------------------------


def _locked(code: str) -> Report:
    report = (
        Report.objects.select_for_update()
        .select_related("category", "unit", "assignee", "reporter")
        .filter(code=code)
        .first()
    )
    if report is None:
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    return report


def _check_version(report: Report, version: int | None) -> None:
    if version is not None and version != report.version:
        raise Conflict(
            _(
                "Report %(code)s was changed by someone else (version %(now)s, you had %(had)s). Reload it and try again."
            )
            % {"code": report.code, "now": report.version, "had": version},
            field="version",
        )


def _org(code: str | None, field: str) -> Organisation:
    org = Organisation.objects.filter(code=(code or "").strip(), is_active=True).first()
    if org is None:
        raise DomainError(_("Unknown organisation code “%(c)s”.") % {"c": code}, field=field)
    return org


@transaction.atomic
def report_transition(
    *,
    user: User,
    code: str,
    action: str,
    version: int | None = None,
    note: str = "",
    assignee: str | None = None,
    target_unit: str | None = None,
    reason: str | None = None,
    resolution: str = "",
    category: str | None = None,
) -> Report:
    """One officer move from the workflow table. Refuses stale versions with a 409 conflict."""
    move = MOVES.get(action)
    if move is None or move.power is None:
        raise DomainError(_("Unknown action “%(a)s”.") % {"a": action}, field="action")
    report = _locked(code)
    _check_version(report, version)
    if report.status not in move.sources:
        raise Conflict(
            _("A report that is “%(s)s” cannot be “%(a)s”.")
            % {"s": Status(report.status).label, "a": action},
            field="action",
        )
    actor = authorize(user, move.power, report.unit)
    before = _snapshot(report)
    old_status = report.status
    note = nfc(note or "")
    public_note = ""
    if action == "classify" and category and category != report.category.code:
        new_category = _category(category)
        report.category = new_category
        route = routing.route(new_category, report.ward)
        if route.unit.pk != report.unit_id:
            _event(
                report,
                actor,
                ReportEvent.Kind.ROUTE,
                note=f"{report.unit.name} → {route.unit.name} ({route.reason})",
                public=False,
            )
            report.unit = route.unit
            report.assignee = None
        report.triage_due_at, report.due_at = _due_times(new_category, report.created_at)
    elif action == "assign":
        person = User.objects.filter(username=assignee or "", is_active=True).first()
        if person is None:
            raise DomainError(_("Unknown officer “%(u)s”.") % {"u": assignee}, field="assignee")
        if not Membership.objects.filter(user=person, organisation=report.unit, is_active=True).exists():
            raise DomainError(
                _("%(u)s does not work in %(org)s.") % {"u": person, "org": report.unit.name},
                field="assignee",
            )
        report.assignee = person
    elif action == "resolve":
        resolution = nfc(resolution or "")
        if not resolution:
            raise DomainError(_("Say what was done."), field="resolution")
        report.resolution = resolution
        report.resolved_at = timezone.now()
        public_note = resolution
    elif action == "reject":
        if reason not in RejectReason.values:
            raise DomainError(
                _("Choose a reason: %(r)s.") % {"r": ", ".join(RejectReason.values)}, field="reason"
            )
        report.reject_reason = reason
        report.reject_note = note
        public_note = f"{RejectReason(reason).label}. {note}".strip()
    elif action == "transfer":
        target = _org(target_unit, "target_unit")
        if target.pk == report.unit_id:
            raise DomainError(
                _("The report is already with %(org)s.") % {"org": target.name}, field="target_unit"
            )
        if not note:
            raise DomainError(_("Give the reason for the transfer."), field="note")
        _event(
            report,
            actor,
            ReportEvent.Kind.TRANSFER,
            note=f"{report.unit.name} → {target.name}: {note}",
            public=True,
        )
        report.unit = target
        report.assignee = None
        public_note = _("Transferred to %(org)s.") % {"org": target.name}
    report.status = move.target
    report.version = F("version") + 1
    report.updated_at = timezone.now()
    report.save()
    report.refresh_from_db(fields=["version"])
    _event(
        report,
        actor,
        ReportEvent.Kind.STATUS,
        from_status=old_status,
        to_status=report.status,
        note=public_note or note,
        public=action != "assign",
    )
    audit_record(
        actor=actor,
        action=f"report.{action}",
        object_type="report",
        object_id=report.code,
        before=before,
        after=_snapshot(report),
    )
    if action in ("resolve", "reject", "transfer"):
        subject = _("Report %(code)s: %(status)s") % {
            "code": report.code,
            "status": Status(report.status).label,
        }
        _notify_followers(report, subject, public_note)
    return report


@transaction.atomic
def report_note(*, user: User, code: str, text: str, public: bool = False) -> ReportEvent:
    report = _locked(code)
    actor = authorize(user, Power.REPORT_RECEIVE, report.unit)
    text = nfc(text or "")
    if not text:
        raise DomainError(_("Write the note."), field="text")
    event = _event(report, actor, ReportEvent.Kind.NOTE, note=text[:4000], public=public)
    if public:
        _notify_followers(report, _("Report %(code)s: update") % {"code": report.code}, text)
    return event


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
    phone = normalize_phone(phone)
    if not phone:
        raise DomainError(_("Log in, or give an e-mail address or a phone number."), field="email")
    follower = Follower.objects.filter(report=report, phone=phone).first()
    return follower or Follower.objects.create(report=report, phone=phone)


@transaction.atomic
def report_merge(*, user: User, code: str, into: str) -> Report:
    """Make `code` a duplicate of `into`: it is rejected as duplicate and its followers follow `into`."""
    duplicate = _locked(code)
    master = _locked(into)
    if duplicate.pk == master.pk:
        raise DomainError(_("A report cannot duplicate itself."), field="into")
    if master.duplicate_of_id:
        raise DomainError(
            _("%(code)s is itself a duplicate; merge into %(root)s.")
            % {"code": master.code, "root": master.duplicate_of.code},
            field="into",
        )
    if not duplicate.is_open:
        raise Conflict(_("Only open reports can be merged."), field="code")
    actor = authorize(user, Power.REPORT_ASSIGN, duplicate.unit)
    old = duplicate.status
    duplicate.duplicate_of = master
    duplicate.status = Status.REJECTED
    duplicate.reject_reason = RejectReason.DUPLICATE
    duplicate.version += 1
    duplicate.updated_at = timezone.now()
    duplicate.save()
    for follower in duplicate.followers.all():
        exists = Follower.objects.filter(
            report=master, user_id=follower.user_id, email=follower.email, phone=follower.phone
        ).exists()
        if not exists:
            Follower.objects.create(
                report=master,
                user_id=follower.user_id,
                email=follower.email,
                phone=follower.phone,
                via=duplicate,
            )
    _event(
        duplicate,
        actor,
        ReportEvent.Kind.MERGE,
        from_status=old,
        to_status=Status.REJECTED,
        note=_("Same problem as %(code)s: follow that report.") % {"code": master.code},
    )
    _event(
        master,
        actor,
        ReportEvent.Kind.MERGE,
        note=_("%(code)s merged into this report.") % {"code": duplicate.code},
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
def report_unmerge(*, user: User, code: str) -> Report:
    duplicate = _locked(code)
    if duplicate.duplicate_of_id is None:
        raise Conflict(_("%(code)s is not merged.") % {"code": code}, field="code")
    actor = authorize(user, Power.REPORT_ASSIGN, duplicate.unit)
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
    _event(
        duplicate,
        actor,
        ReportEvent.Kind.MERGE,
        from_status=Status.REJECTED,
        to_status=previous,
        note=_("Separated from %(code)s.") % {"code": master.code},
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
def report_pause(*, user: User, code: str, note: str) -> Report:
    """Waiting for the citizen (e.g. more information): the deadline clock stops."""
    report = _locked(code)
    actor = authorize(user, Power.REPORT_RESOLVE, report.unit)
    if not report.is_open:
        raise Conflict(_("Only open reports can be paused."), field="code")
    if report.paused_at is not None:
        raise Conflict(_("The report is already waiting for the citizen."), field="code")
    note = nfc(note or "")
    if not note:
        raise DomainError(_("Say what the citizen must provide."), field="note")
    report.paused_at = timezone.now()
    report.version += 1
    report.save(update_fields=["paused_at", "version"])
    _event(report, actor, ReportEvent.Kind.SLA, note=_("Waiting for the citizen: %(n)s") % {"n": note})
    _notify_followers(report, _("Report %(code)s: information needed") % {"code": report.code}, note)
    return report


@transaction.atomic
def report_resume(*, user: User, code: str) -> Report:
    """The clock restarts; the due times move by the working time spent waiting."""
    report = _locked(code)
    actor = authorize(user, Power.REPORT_RESOLVE, report.unit)
    if report.paused_at is None:
        raise Conflict(_("The report is not paused."), field="code")
    calendar = current_calendar()
    waited = _working_time_between(calendar, report.paused_at, timezone.now())
    if report.due_at:
        report.due_at = calendar.add_working_hours(report.due_at, waited)
    report.paused_at = None
    report.version += 1
    report.save(update_fields=["paused_at", "due_at", "version"])
    _event(
        report,
        actor,
        ReportEvent.Kind.SLA,
        note=_("Handling resumed; new due time %(d)s.")
        % {"d": timezone.localtime(report.due_at).strftime("%d/%m/%Y %H:%M") if report.due_at else "—"},
    )
    return report


def _working_time_between(calendar: Any, start: datetime, end: datetime) -> timedelta:
    """Office time between two moments, in whole minutes (for moving deadlines after a pause)."""
    total = timedelta()
    step = timedelta(minutes=15)
    moment = start
    while moment < end:
        if calendar.is_office_time(moment):
            total += min(step, end - moment)
        moment += step
    return total


# --- Deadlines ------------------------------------------------------------------------------------


def _unit_people(unit_ids: Iterable[int], roles: Iterable[str]) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation_id__in=list(unit_ids),
            memberships__role__in=list(roles),
            memberships__is_active=True,
            is_active=True,
        ).distinct()
    )


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Warn before the deadline, escalate to the unit head after it, close resolved reports on time-out.

    Run by the task worker periodically (`citydesk sla-sweep` does the same by hand); never on page load.
    """
    now = now or timezone.now()
    counts = {"warned": 0, "escalated": 0, "auto_closed": 0}
    warn_before = timedelta(hours=settings.CITYDESK_SLA_WARN_HOURS)
    open_reports = Report.objects.filter(status__in=OPEN_STATUSES, paused_at__isnull=True)
    system = Actor.system("sla-sweep")
    for report in open_reports.filter(
        warned_at__isnull=True, due_at__gt=now, due_at__lte=now + warn_before
    ).select_related("unit")[:1000]:
        with transaction.atomic():
            if Report.objects.filter(pk=report.pk, warned_at__isnull=True).update(warned_at=now) != 1:
                continue
            people = _unit_people([report.unit_id], ["officer", "deputy", "head"])
            if report.assignee_id:
                people = [p for p in people if p.pk == report.assignee_id] or people
            for person in people:
                notification_queue(
                    channel="in_app",
                    recipient=person,
                    subject=_("Report %(code)s is due soon") % {"code": report.code},
                    body=_("Due %(d)s.")
                    % {"d": timezone.localtime(report.due_at).strftime("%d/%m/%Y %H:%M")},
                )
            _event(report, system, ReportEvent.Kind.SLA, note=_("Deadline warning sent."), public=False)
            counts["warned"] += 1
    for report in open_reports.filter(escalated_at__isnull=True, due_at__lte=now).select_related("unit")[
        :1000
    ]:
        with transaction.atomic():
            if Report.objects.filter(pk=report.pk, escalated_at__isnull=True).update(escalated_at=now) != 1:
                continue
            for head in _unit_people([report.unit_id], ["head"]):
                notification_queue(
                    channel="in_app",
                    recipient=head,
                    subject=_("Report %(code)s is overdue") % {"code": report.code},
                    body=_("It was due %(d)s and is with %(org)s.")
                    % {
                        "d": timezone.localtime(report.due_at).strftime("%d/%m/%Y %H:%M"),
                        "org": report.unit.name,
                    },
                )
            _event(
                report,
                system,
                ReportEvent.Kind.SLA,
                note=_("Overdue: escalated to the head of the unit."),
                public=False,
            )
            audit_record(
                actor=system,
                action="report.escalate",
                object_type="report",
                object_id=report.code,
                after={"due_at": report.due_at.isoformat()},
            )
            counts["escalated"] += 1
    cutoff = now - timedelta(days=settings.CITYDESK_AUTO_CLOSE_DAYS)
    for report in Report.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff)[:1000]:
        with transaction.atomic():
            if (
                Report.objects.filter(pk=report.pk, status=Status.RESOLVED).update(
                    status=Status.CLOSED, closed_at=now, version=F("version") + 1
                )
                != 1
            ):
                continue
            _event(
                report,
                system,
                ReportEvent.Kind.STATUS,
                from_status=Status.RESOLVED,
                to_status=Status.CLOSED,
                note=_("Closed: no answer from the citizen within %(n)s days.")
                % {"n": settings.CITYDESK_AUTO_CLOSE_DAYS},
            )
            counts["auto_closed"] += 1
    return counts
