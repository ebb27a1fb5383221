"""REST endpoints of the platform core: calendar, units, identity, delegation, audit, inbox."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from citydesk.core import calendar_changes, services, units
from citydesk.core.access import PersonalDataAccessOut, audit_access_list
from citydesk.core.audit_labels import entry_action_label, object_type_label
from citydesk.core.audit_read import readable_audit
from citydesk.core.calendar import current_calendar, range_error
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.history_notes import actor_text
from citydesk.core.language import known_language, remember_language
from citydesk.core.models import AdminUnit, AuditEntry, Delegation, Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.lib.text import search_key
from citydesk.lib.workdays import OutOfRange

router = Router()


# --- Calendar -------------------------------------------------------------------------------------


class DueOut(Schema):
    received: datetime
    working_days: int
    due: datetime
    rule: str


def _parse_received(value: str) -> datetime:
    try:
        parsed = parse_datetime(value.strip().replace(" ", "+")) if value else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise DomainError(
            _("“received” must be an ISO 8601 date-time such as 2026-02-13T10:00:00+07:00 (got “%(v)s”).")
            % {"v": value},
            field="received",
        )
    return parsed


@router.get("/calendar/due", response=DueOut, auth=None, tags=["calendar"])
def calendar_due(request: HttpRequest, received: str, working_days: str) -> DueOut:
    """Due time for something received at `received` with a limit of N working days (0 = same day)."""
    moment = _parse_received(received)
    try:
        days = int(working_days)
    except ValueError:
        raise DomainError(_("“working_days” must be a whole number."), field="working_days") from None
    if days < 0:
        raise DomainError(_("“working_days” cannot be negative."), field="working_days")
    if days > 3650:
        raise DomainError(_("“working_days” is too large (at most 3650)."), field="working_days")
    calendar = current_calendar()
    try:
        due = calendar.due(moment, days)
    except OutOfRange as exc:  # the receipt outside the calendar's years, or a due date after them
        raise range_error(exc, "working_days" if exc.result else "received") from None
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=calendar.tz)  # a time without offset is the city's time
    return DueOut(
        received=moment, working_days=days, due=due, rule="same_day" if days == 0 else "working_days"
    )


class HolidayOut(Schema):
    date: date
    name: str
    name_en: str
    kind: str


@router.get("/calendar/holidays", response=list[HolidayOut], auth=None, tags=["calendar"])
def calendar_holidays(request: HttpRequest, year: int = Query(..., ge=1990, le=2100)) -> list[HolidayOut]:
    """Days off (public, compensatory, official) and swapped working days of a year."""
    return [
        HolidayOut(date=h.date, name=h.name_vi, name_en=h.name_en, kind=h.kind)
        for h in current_calendar().holidays(year)
    ]


class OverrideIn(Schema):
    date: date
    kind: str = Field(..., description="day_off | working_day")
    name: str
    name_en: str = Field("", description="the name on English pages (optional)")
    legal_basis: str = ""


@router.post("/calendar/overrides", response={201: HolidayOut}, tags=["calendar"])
def calendar_override(request: HttpRequest, payload: OverrideIn) -> Status:
    """Enter an official day off or a swapped working Saturday (admins)."""
    override = calendar_changes.calendar_override_set(
        user=request.user,
        day=payload.date,
        kind=payload.kind,
        name=payload.name,
        name_en=payload.name_en,
        legal_basis=payload.legal_basis,
    )
    entry = next(h for h in current_calendar().holidays(override.date.year) if h.date == override.date)
    return Status(
        201, HolidayOut(date=override.date, name=entry.name_vi, name_en=entry.name_en, kind=override.kind)
    )


# --- Units ----------------------------------------------------------------------------------------


class UnitOut(Schema):
    code: str
    name: str
    level: str
    division_type: str
    province_code: str | None = None
    centre_lon: float | None = None
    centre_lat: float | None = None
    area_km2: float | None = None
    boundary_kind: str


class UnitPage(Schema):
    count: int  # all the units matching, whatever the page
    limit: int
    offset: int
    items: list[UnitOut]


@router.get("/units", response=UnitPage, auth=None, tags=["units"])
def unit_list(
    request: HttpRequest,
    province: str | None = None,
    level: str | None = None,
    q: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> UnitPage:
    """Current administrative units; `q` searches names with or without accents. A page of `limit` units
    (100 unless asked, at most 1,000) from `offset`: `count` says how many match in all."""
    qs = AdminUnit.objects.all()
    if province:
        try:
            code = units.normalize_code(province, level="province")
        except DomainError as exc:
            raise DomainError(exc.message, field="province") from None
        if not AdminUnit.objects.filter(code=code, level="province").exists():
            raise NotFound(_("Unknown province code “%(c)s”.") % {"c": province}, field="province")
        qs = qs.filter(province_id=code)
    if level:
        if level not in ("province", "ward"):
            raise DomainError(_("“level” must be “province” or “ward”."), field="level")
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(search_name__contains=search_key(q))
    total = qs.count()
    items = list(qs.order_by("code")[offset : offset + limit])
    return UnitPage(count=total, limit=limit, offset=offset, items=items)


class LocateOut(Schema):
    code: str
    name: str
    province_code: str
    province_name: str
    method: str
    approximate: bool


@router.get("/units/locate", response=LocateOut, auth=None, tags=["units"])
def unit_locate(request: HttpRequest, lon: float, lat: float) -> LocateOut:
    """The commune-level unit at a point: official polygon when loaded, else nearest unit centre."""
    located = units.locate_point(lon, lat)
    unit = located.unit
    return LocateOut(
        code=unit.code,
        name=unit.name,
        province_code=unit.province_id or "",
        province_name=unit.province.name if unit.province else "",
        method=located.method,
        approximate=located.method != "polygon",
    )


class LegacyOut(Schema):
    legacy_code: str
    legacy_name: str
    street: str
    partial: bool
    units: list[UnitOut]


@router.get("/units/convert-legacy", response=LegacyOut, auth=None, tags=["units"])
def unit_convert_legacy(request: HttpRequest, address: str) -> LegacyOut:
    """Convert a pre-July-2025 address (ward, district, province) to the current unit(s)."""
    result = units.convert_legacy_address(address)
    return LegacyOut(
        legacy_code=result.legacy_ward.code,
        legacy_name=result.legacy_ward.name,
        street=result.street,
        partial=result.partial,
        units=result.units,
    )


class UnitDetail(UnitOut):
    legacy_sources: list[str]


@router.get("/units/{code}", response=UnitDetail, auth=None, tags=["units"])
def unit_detail(request: HttpRequest, code: str) -> UnitDetail:
    try:
        normalized = units.normalize_code(code)
    except DomainError:
        raise NotFound(_("Unknown unit code “%(c)s”.") % {"c": code}, field="code") from None
    unit = AdminUnit.objects.filter(code=normalized).first()
    if unit is None:
        raise NotFound(_("Unknown unit code “%(c)s”.") % {"c": code}, field="code")
    sources = [f"{u.code} {u.name}" for u in unit.legacy_sources.order_by("code")]
    data = UnitOut.from_orm(unit).dict()
    return UnitDetail(**data, legacy_sources=sources)


# --- Identity -------------------------------------------------------------------------------------


class MembershipOut(Schema):
    organisation_code: str
    organisation_name: str
    role: str
    powers: list[str]


class MeOut(Schema):
    username: str
    full_name: str
    language: str = Field(
        description="The language the platform writes to this person in (e-mail, SMS, in-app): the one "
        "they last chose, on the site or with `PATCH /me`, else the platform's (`vi`)."
    )
    memberships: list[MembershipOut]


class MeIn(Schema):
    language: str = Field(description="`vi` or `en`: the language of the messages sent to me from now on.")


@router.get("/me", response=MeOut, tags=["identity"])
def me(request: HttpRequest) -> MeOut:
    user: User = request.user
    memberships = [
        MembershipOut(
            organisation_code=m.organisation.code,
            organisation_name=m.organisation.name,
            role=m.role,
            powers=sorted(ROLE_POWERS[m.role]),
        )
        for m in user.memberships.filter(is_active=True).select_related("organisation")
    ]
    from citydesk.notifications.services import message_language

    return MeOut(
        username=user.username,
        full_name=user.full_name,
        language=message_language(user),
        memberships=memberships,
    )


@router.patch("/me", response=MeOut, tags=["identity"])
def me_update(request: HttpRequest, payload: MeIn) -> MeOut:
    """Choose the language the platform writes to me in (the citizen app sends the phone's language). An
    unknown language is 400 (`field: "language"`)."""
    code = known_language(payload.language.strip().lower())
    if not code:
        raise DomainError(
            _("Unknown language “%(v)s”: use one of %(known)s.")
            % {"v": payload.language, "known": ", ".join(c for c, _n in settings.LANGUAGES)},
            field="language",
        )
    remember_language(request.user, code)
    return me(request)


# --- Delegation -----------------------------------------------------------------------------------


class DelegationIn(Schema):
    organisation: str = Field(..., description="Code of the organisation in which you hold the powers")
    powers: list[str]
    delegate_username: str | None = None
    delegate_organisation: str | None = None
    start_date: date
    end_date: date
    reason: str = ""


class DelegationOut(Schema):
    id: int
    delegator: str
    organisation: str
    powers: list[str]
    delegate_username: str | None
    delegate_organisation: str | None
    start_date: date
    end_date: date
    reason: str
    revoked: bool

    @staticmethod
    def from_model(d: Delegation) -> DelegationOut:
        return DelegationOut(
            id=d.pk,
            delegator=d.delegator.username,
            organisation=d.organisation.code,
            powers=d.powers,
            delegate_username=d.delegate_user.username if d.delegate_user else None,
            delegate_organisation=d.delegate_organisation.code if d.delegate_organisation else None,
            start_date=d.start_date,
            end_date=d.end_date,
            reason=d.reason,
            revoked=d.revoked_at is not None,
        )


def _org(code: str, field: str) -> Organisation:
    org = Organisation.objects.filter(code=code.strip()).first()
    if org is None:
        raise NotFound(_("Unknown organisation code “%(c)s”.") % {"c": code}, field=field)
    return org


@router.post("/delegations", response={201: DelegationOut}, tags=["delegation"])
def delegation_create(request: HttpRequest, payload: DelegationIn) -> Status:
    delegate_user = None
    if payload.delegate_username:
        delegate_user = User.objects.filter(username=payload.delegate_username).first()
        if delegate_user is None:
            raise NotFound(
                _("Unknown user “%(u)s”.") % {"u": payload.delegate_username}, field="delegate_username"
            )
    delegate_org = (
        _org(payload.delegate_organisation, "delegate_organisation")
        if payload.delegate_organisation
        else None
    )
    delegation = services.delegation_grant(
        user=request.user,
        organisation=_org(payload.organisation, "organisation"),
        powers=payload.powers,
        start_date=payload.start_date,
        end_date=payload.end_date,
        delegate_user=delegate_user,
        delegate_organisation=delegate_org,
        reason=payload.reason,
    )
    return Status(201, DelegationOut.from_model(delegation))


@router.get("/delegations", response=list[DelegationOut], tags=["delegation"])
def delegation_list(request: HttpRequest) -> list[DelegationOut]:
    """Delegations you gave or received (directly or as head of the receiving unit)."""
    user = request.user
    heads_of = user.memberships.filter(is_active=True).values("organisation_id")
    qs = (
        Delegation.objects.filter(delegator=user)
        | Delegation.objects.filter(delegate_user=user)
        | Delegation.objects.filter(delegate_organisation_id__in=heads_of)
    )
    qs = qs.select_related("delegator", "organisation", "delegate_user", "delegate_organisation").order_by(
        "-pk"
    )
    return [DelegationOut.from_model(d) for d in qs[:200]]


@router.post("/delegations/{delegation_id}/revoke", response=DelegationOut, tags=["delegation"])
def delegation_revoke(request: HttpRequest, delegation_id: int) -> DelegationOut:
    delegation = services.delegation_revoke(user=request.user, delegation_id=delegation_id)
    return DelegationOut.from_model(delegation)


class PowerCheckOut(Schema):
    allowed: bool
    right: str | None = None
    on_behalf_of: str | None = None
    delegation_id: int | None = None
    detail: str = ""


@router.get("/authority", response=PowerCheckOut, tags=["delegation"])
def authority_check(request: HttpRequest, power: str, organisation: str) -> PowerCheckOut:
    """May I exercise `power` over `organisation` today, and in what right?"""
    if power not in Power.values:
        raise DomainError(_("Unknown power “%(p)s”.") % {"p": power}, field="power")
    org = _org(organisation, "organisation")
    try:
        actor = services.authorize(request.user, power, org)
    except NotAllowed as exc:
        return PowerCheckOut(allowed=False, detail=exc.message)
    return PowerCheckOut(
        allowed=True,
        right=actor.right,
        on_behalf_of=actor.on_behalf_of or None,
        delegation_id=actor.delegation_id,
    )


# --- Audit ----------------------------------------------------------------------------------------


class AuditOut(Schema):
    id: int
    at: datetime
    actor_label: str  # a person's name, or a role (citizen, reporter…) in the language asked
    right: str
    on_behalf_of: str
    action: str
    action_label: str  # the action's name in the language asked ("Phản ánh: đã giải quyết")
    object_type: str
    object_type_label: str
    object_id: str
    before: dict | None
    after: dict | None
    hash: str

    @staticmethod
    def resolve_actor_label(entry: AuditEntry) -> str:
        return actor_text(entry.actor_label)

    @staticmethod
    def resolve_action_label(entry: AuditEntry) -> str:
        return entry_action_label(entry)  # a revocation stored as a change reads as one

    @staticmethod
    def resolve_object_type_label(entry: AuditEntry) -> str:
        return object_type_label(entry.object_type)


# Who among the staff opened a case's personal data (core.access), in the audit trail's scope.
router.get("/audit/access", response=list[PersonalDataAccessOut], tags=["audit"])(audit_access_list)


@router.get("/audit", response=list[AuditOut], tags=["audit"])
def audit_list(
    request: HttpRequest,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[AuditEntry]:
    """The audit trail, newest first. Inspectors, administrators and the city's leaders read all of it;
    a unit's head reads what happened to the reports and dossiers of their unit and the units below."""
    qs = readable_audit(request.user)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return list(qs.order_by("-id")[:limit])


# --- Inbox ----------------------------------------------------------------------------------------


class NotificationObjectOut(Schema):
    type: str = Field(description="`report` or `dossier`")
    code: str = Field(description="its code, for `GET /reports/{code}` or `GET /dossiers/{code}`")


def _message_objects(subject: str, body: str) -> list[dict[str, str]]:
    """The reports and dossiers a message names (its subject first), each once: what an app links to."""
    prefix = re.escape(getattr(settings, "CITYDESK_REPORT_CODE_PREFIX", "PA"))
    found: dict[str, str] = {}
    for match in re.finditer(
        rf"\b(?:(?P<report>{prefix})|(?P<dossier>HS))-\d{{2}}-\d{{6,}}\b", f"{subject}\n{body}"
    ):
        found.setdefault(match.group(0), "report" if match.group("report") else "dossier")
    return [{"type": kind, "code": code} for code, kind in found.items()]


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    created_at: datetime
    read: bool
    objects: list[NotificationObjectOut] = Field(
        description="the reports and dossiers the message is about, to open them in the app"
    )

    @staticmethod
    def resolve_read(obj) -> bool:  # type: ignore[no-untyped-def]
        return obj.read_at is not None

    @staticmethod
    def resolve_objects(obj) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
        return _message_objects(obj.subject, obj.body)


@router.get("/notifications", response=list[NotificationOut], tags=["notifications"])
def notification_inbox(
    request: HttpRequest,
    response: HttpResponse,
    unread: bool = False,
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=200),
) -> list:
    """My in-app messages, newest first, `page_size` a page (50; at most 200). The answer stays a list; the
    `X-Total-Count` header gives how many there are in all, and a page past the last one is 404 naming
    `page` (page 1 of an empty inbox is an empty list)."""
    from citydesk.notifications.services import inbox_page

    messages, total = inbox_page(request.user, unread_only=unread, page=page, page_size=page_size)
    response["X-Total-Count"] = str(total)
    return messages


class MarkedOut(Schema):
    marked: int  # messages that were unread and are now read


@router.post("/notifications/read", response=MarkedOut, tags=["notifications"])
def notification_read_all(request: HttpRequest) -> dict:
    """Mark every message of the caller's inbox read."""
    from citydesk.notifications.services import inbox_mark_read

    return {"marked": inbox_mark_read(request.user)}


@router.post("/notifications/{notification_id}/read", response=MarkedOut, tags=["notifications"])
def notification_read(request: HttpRequest, notification_id: int) -> dict:
    """Mark one message of the caller's inbox read (404 for another's or an unknown one)."""
    from citydesk.notifications.services import inbox_mark_read, inbox_message

    if inbox_message(request.user, notification_id) is None:
        raise NotFound(
            _("No notification %(id)s in your inbox.") % {"id": notification_id}, field="notification_id"
        )
    return {"marked": inbox_mark_read(request.user, [notification_id])}
