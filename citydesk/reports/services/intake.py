"""Intake: validate everything, then store the report, its first event, follower and audit row."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from citydesk.core import configcache
from citydesk.core.audit import audit_record
from citydesk.core.errors import DomainError, DomainErrors, KeyReused, NotAllowed, NotFound
from citydesk.core.history_notes import role
from citydesk.core.models import AdminUnit, DivisionLevel, Membership, User
from citydesk.core.powers import Power
from citydesk.core.rows import RowWriter
from citydesk.core.services import holds_anywhere
from citydesk.core.units import locate_point, normalize_code, typed_ward, ward_from_address
from citydesk.dossiers.services.phone_checks import network_of
from citydesk.lib.text import nfc, nfc_lines
from citydesk.notifications.models import Notification
from citydesk.notifications.services import message_language, notification_queue
from citydesk.reports import routing, selectors, system_notes
from citydesk.reports.models import (
    Channel,
    Follower,
    IdempotencyKey,
    Open311Client,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.places import address_province
from citydesk.reports.services.common import (
    MAX_DESCRIPTION,
    _actor_for,
    _bounded,
    _category,
    _check_answers,
    _due_times,
    _event,
    _next_code,
    _snapshot,
    local_time,
    normalize_phone,
    point_problems,
    reporter_addresses,
)

# --- Intake ---------------------------------------------------------------------------------------

_REPORTS = RowWriter(Report)
_REPORT_CODE = _REPORTS.index("code")
_EVENTS = RowWriter(ReportEvent)
_EVENT_REPORT = _EVENTS.index("report")
_FOLLOWERS = RowWriter(Follower)
_ROUTING = _actor_for(None, fallback="routing")
_CHANNELS = frozenset(Channel.values)  # `Channel.values` builds its list on every call
# The channels whose forms ask the category's questions; the others file reports without the answers.
_ASKING_CHANNELS = frozenset({Channel.WEB, Channel.APP, Channel.OPEN311})
_CITIZEN = role("citizen")  # a citizen without an account, shown in the reader's language


class WardMismatch(DomainError):
    """The point on the map lies in one commune/ward and the commune/ward given is another: the web form
    asks the citizen which is right (`ask_ward`), naming both; the answer comes back as `confirmed_ward`."""

    def __init__(self, message: str, *, at_point: AdminUnit, given: AdminUnit) -> None:
        super().__init__(message, field="ward_code")
        self.at_point = at_point
        self.given = given


@dataclass(frozen=True)
class Intake:
    report: Report
    created: bool
    events: list[ReportEvent] = field(default_factory=list)  # a new report's first events
    # The acknowledgement went to the reporter's address (or account), which receives the updates too;
    # False: no address, or one past its daily acknowledgements (`acknowledgements_per_contact`).
    acknowledged: bool = True


# --- Limits on what a caller without an office sets in motion ---------------------------------------
#
# A report costs a unit a deadline and sends its acknowledgement (with the private tracking link) to the
# e-mail address or phone number given, which nobody checked: without limits, anyone could flood a ward's
# queue, or a stranger's phone, in seconds. Two counts:
#
# - the reports filed from one network address (an IPv6 /64, as `phone_checks.network_of`) an hour by
#   callers who are not staff (anonymous, or a citizen's account): past it, 429 and nothing stored. Staff
#   (an operator or officer, entering a caller's report or their own) are not counted;
# - the acknowledgements sent to one e-mail address or phone number a day for reports sent without an
#   account (not entered by the hotline, whose operator has the caller on the line, nor sent by e-mail,
#   whose acknowledgement answers the address that wrote): past it the report is still stored and
#   handled, but that address is sent nothing and does not follow it (as a follow by e-mail or phone must
#   be confirmed first). A citizen who reports six potholes on one walk keeps every report; the stranger
#   whose number was typed 65 times gets 5 messages, not 65. Refusing the report instead would lose real
#   reports and tell anyone whether an address was sent acknowledgements today.
#
# Counted in the database, as the online dossiers' limits are (`dossiers.views.citizen`): one row of
# `IdempotencyKey` per report and count, its scope naming the count's window (the hour, the local day)
# and a keyed hash of the address (never the address itself), its key the report's code. Both counts are
# read in one SELECT before the intake's transaction and their rows written in one INSERT inside it:
# rolled back with a report that is not stored, shared by every process and machine, and a count reads
# no more rows than its window holds (at most the limit, for a caller held to it). Django's cache (a
# directory of files) was measured first and not kept: each write there lists the whole directory to
# cull it (3 ms at 1,000 entries, 69 ms at 20,000 on the development machine) and creates a file.

ADDRESS_LIMIT_PER_HOUR = 30
ACKNOWLEDGEMENTS_PER_CONTACT_PER_DAY = 5
_ADDRESS_WINDOW_S = 3600
_ADDRESS_SCOPE = "report-address:"
_CONTACT_SCOPE = "report-ack:"
_ADDRESS_SALT = "citydesk.reports.intake-address"
_CONTACT_SALT = "citydesk.reports.acknowledged-contact"
_DIGEST_CHARS = 48  # the scope column holds 80 characters


class ReportsLimited(DomainError):
    """Too many reports from one network address: HTTP 429, with the seconds to wait (`retry_after`)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


def address_limit_per_hour() -> int:
    return int(getattr(settings, "CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR", ADDRESS_LIMIT_PER_HOUR))


def acknowledgements_per_contact() -> int:
    return int(
        getattr(settings, "CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY", ACKNOWLEDGEMENTS_PER_CONTACT_PER_DAY)
    )


def address_scope(address: str, now: datetime) -> tuple[str, int]:
    """(the count's scope of `address` in the current hour, the seconds left in that hour)."""
    network = network_of(address) or "unknown"
    digest = salted_hmac(_ADDRESS_SALT, network, algorithm="sha256").hexdigest()[:_DIGEST_CHARS]
    stamp = int(now.timestamp())
    return (
        f"{_ADDRESS_SCOPE}{digest}:{stamp // _ADDRESS_WINDOW_S}",
        _ADDRESS_WINDOW_S - stamp % _ADDRESS_WINDOW_S,
    )


def purge_limit_counts(now: datetime | None = None) -> int:
    """Delete the limits' count rows older than two days (an hour's and a day's windows are long past):
    run with the deadline sweep. Returns how many went."""
    old = (now or timezone.now()) - timedelta(days=2)
    scopes = Q(scope__startswith=_ADDRESS_SCOPE) | Q(scope__startswith=_CONTACT_SCOPE)
    deleted, _rows = IdempotencyKey.objects.filter(scopes, created_at__lt=old).delete()
    return deleted


def contact_scope(address: str, now: datetime) -> str:
    """The count's scope of the acknowledgements to `address` (an e-mail in lower case, or a phone in its
    national form) on the local day of `now`."""
    digest = salted_hmac(_CONTACT_SALT, address, algorithm="sha256").hexdigest()[:_DIGEST_CHARS]
    return f"{_CONTACT_SCOPE}{digest}:{timezone.localdate(now).isoformat()}"


def _counts_for_address(reporter: User | None, entered_by: User | None) -> bool:
    """Is a report filed by this caller counted against its network address? Not staff's: a hotline entry,
    or an account holding a role (an officer reporting what they saw) or the back office."""
    if entered_by is not None:
        return False
    if reporter is None or not reporter.is_authenticated:
        return True
    if reporter.is_staff or reporter.is_superuser:
        return False
    return not Membership.objects.filter(user=reporter, is_active=True).exists()


def _unverified_address(
    email: str, phone: str, *, channel: str, reporter: User | None, entered_by: User | None
) -> str:
    """Where the acknowledgement of a report goes when nobody verified that address (the e-mail, else the
    phone: `_acknowledge`), as its count is kept; "" when nothing is counted: the hotline's (the caller is
    on the line), one sent by e-mail (the acknowledgement answers the address that wrote), an account's
    report to the account's own e-mail or phone, or no address. An account giving someone else's address
    is counted as an anonymous sender is: one account must not flood a stranger's mailbox."""
    if entered_by is not None or channel == Channel.EMAIL:
        return ""
    address = email.lower() if email else phone
    if reporter is not None and reporter.is_authenticated:
        own = {(reporter.email or "").lower(), reporter.phone or ""} - {""}
        if not address or address in own:
            return ""
    return address


def _counted(scopes: list[str]) -> dict[str, int]:
    """How many rows each scope holds (one query for both counts)."""
    if not scopes:
        return {}
    rows = (
        IdempotencyKey.objects.filter(scope__in=scopes)
        .order_by()
        .values_list("scope")
        .annotate(n=Count("pk"))
    )
    return {scope: n for scope, n in rows}


def limited_message(limit: int, seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return _(
        "Too many reports were sent from this network address: at most %(n)s an hour. Please try again in "
        "%(minutes)s minutes, or call the 1022 hotline."
    ) % {"n": limit, "minutes": minutes}


def acknowledged(report: Report) -> bool:
    """Did the report's acknowledgement go to its reporter (an account, or the address given, which then
    follows the report)? Read from the follow the intake stored with it (a replay's answer)."""
    if report.reporter_id:
        return True
    if report.contact_email:
        return report.followers.filter(user=None, email__iexact=report.contact_email).exists()
    if report.contact_phone:
        return report.followers.filter(user=None, email="", phone=report.contact_phone).exists()
    return False


def report_submit(**fields: Any) -> Intake:
    """Validate everything, then store the report (see `_submit`). A refused input is said with every other
    input at fault beside it (`DomainErrors`), so that a form or an app corrects them all at once; the
    checks for those run only once a first one has failed."""
    try:
        return _submit(**fields)
    except DomainError as first:
        if type(first) is not DomainError:  # refused for who asks, or a conflict: not an input's fault
            raise
        others = [p for p in input_problems(**fields) if p.field != first.field]
        if others:
            raise DomainErrors([first, *others]) from None
        raise


def input_problems(
    *,
    category: str | None = None,
    description: str = "",
    channel: str = "",
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    ward_code: str | None = None,
    contact_phone: str = "",
    contact_email: str = "",
    answers: dict[str, Any] | None = None,
    **_others: Any,
) -> list[DomainError]:
    """Every input of a report that is wrong on its own (each checked as the intake does)."""
    problems: list[DomainError] = []

    def check(test: Any) -> Any:
        try:
            return test()
        except DomainError as exc:
            problems.append(exc)
            return None

    cat = check(lambda: _category(category))
    check(lambda: _description(description))
    problems.extend(point_problems(lon, lat))  # each coordinate at fault, not only the first
    if lon is None and lat is None and not (ward_code or "").strip() and not (address or "").strip():
        problems.append(
            DomainError(_("Give the place: pick it on the map, or enter an address."), field="address")
        )
    check(lambda: normalize_phone(contact_phone))
    check(lambda: _email(contact_email))
    if cat is not None:
        check(lambda: _check_answers(cat, answers, require=channel in _ASKING_CHANNELS))
    return problems


def _description(description: str | None) -> str:
    description = nfc_lines(description or "")  # paragraphs kept
    if not description:
        raise DomainError(_("Describe the problem."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            _("The description is too long (at most %(n)s characters).")
            % {"n": number_format(MAX_DESCRIPTION, force_grouping=True)},
            field="description",
        )
    return description


def _point(lon: float | None, lat: float | None) -> None:
    problems = point_problems(lon, lat)
    if problems:
        raise problems[0]


# An e-mail address given with a report is stored with it (and with its follower) and is where its messages
# go: the shortest of those columns holds it. `validate_email` allows 320 characters, which PostgreSQL
# refuses to store in a 254-character column (SQLite stores anything).
EMAIL_LIMIT = min(
    int(Report._meta.get_field("contact_email").max_length),
    int(Follower._meta.get_field("email").max_length),
    int(Notification._meta.get_field("address").max_length),
)


def valid_email(email: str | None) -> str:
    """An e-mail address as a report stores it; DomainError (field `contact_email`) when it is not one."""
    return _email(email)


def _email(email: str | None) -> str:
    email = (email or "").strip()
    if len(email) > EMAIL_LIMIT:
        raise DomainError(
            _("Too long (at most %(n)s characters).") % {"n": EMAIL_LIMIT}, field="contact_email"
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                _("“%(e)s” is not an e-mail address.") % {"e": email}, field="contact_email"
            ) from None
    return email


def _submit(
    *,
    category: str | None,
    description: str,
    channel: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    ward_code: str | None = None,
    province_code: str | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    show_name_publicly: bool = False,
    is_public: bool = True,
    answers: dict[str, Any] | None = None,
    reporter: User | None = None,
    entered_by: User | None = None,
    open311_client: Open311Client | None = None,
    idempotency_scope: str = "",
    idempotency_key: str = "",
    when: datetime | None = None,
    ask_ward: bool = False,
    confirmed_ward: str = "",
    network_address: str = "",
) -> Intake:
    """Validate everything, then store the report, its first event, its follower and the audit row.

    The place: a point, a commune/ward (`ward_code`), and/or an address; `province_code` says the province
    of an address given without its commune/ward (the province's People's Committee triages it). A ward
    (from the point or the code) decides the province.

    A point in another commune/ward than `ward_code`: with `ask_ward` (the web form) the citizen is asked
    which is right (`WardMismatch`, 400 naming `ward_code`) unless `confirmed_ward` names one of the two;
    the point's ward confirmed, the report goes there. Otherwise (the app, Open311, e-mail, the hotline,
    or the given ward confirmed) the commune/ward given wins: the report keeps its point, is flagged for
    a check of the unit (`near_boundary`) and its internal history names the point's ward.

    `network_address`: the caller's (REMOTE_ADDR), whose new reports are limited when the caller is not
    staff (`address_limit_per_hour`: ReportsLimited, 429, nothing stored); a replay is not a new report.
    Without it (e-mail, the seeds) nothing is counted. The acknowledgements to an address given without
    an account are limited too (`acknowledgements_per_contact`): past it, the report is stored and
    nothing is sent there (`Intake.acknowledged` False)."""
    if channel not in _CHANNELS:
        raise DomainError(_("Unknown channel “%(c)s”.") % {"c": channel}, field="channel")
    # What was asked, as it was sent: a retry of the same key must have asked exactly this.
    asked = Asked(
        category=category,
        description=description,
        channel=channel,
        lon=lon,
        lat=lat,
        address=address,
        ward_code=ward_code,
        province_code=province_code,
        confirmed_ward=confirmed_ward,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        show_name_publicly=show_name_publicly,
        is_public=is_public,
        answers=answers,
        reporter=reporter,
        entered_by=entered_by,
        open311_client=open311_client,
    )
    if idempotency_key:
        existing = (
            IdempotencyKey.objects.filter(scope=idempotency_scope, key=idempotency_key)
            .select_related("report")
            .first()
        )
        if existing is not None:
            _same_request(existing.report, asked)
            return Intake(report=existing.report, created=False, acknowledged=acknowledged(existing.report))
    gen = configcache.generation()  # one check for every cached lookup below
    cat = _category(category, gen=gen)
    description = _description(description)
    _point(lon, lat)
    ward: AdminUnit | None = None
    at_point: AdminUnit | None = None  # the point's ward, when the ward given (which wins) is another
    if lon is not None and lat is not None:
        ward = _ward_at(lon, lat, gen=gen)
    if ward_code:
        picked = typed_ward(ward_code, gen=gen)
        if picked is None:
            raise DomainError(_("Unknown commune/ward code “%(c)s”.") % {"c": ward_code}, field="ward_code")
        if province_code and picked.province_id != _province_code(province_code):
            raise DomainError(
                _("%(ward)s is not in the chosen province.") % {"ward": picked.name}, field="ward_code"
            )
        if ward is not None and ward.code != picked.code:
            ward, at_point = _ward_given_or_at_point(picked, ward, ask=ask_ward, confirmed=confirmed_ward)
        else:
            ward = ward or picked
    if ward is not None and not selectors.serves(ward.province_id or "", gen=gen):
        raise DomainError(
            _(
                "No unit on this platform receives reports from %(province)s: please send this report "
                "through that province's own channels."
            )
            % {"province": ward.province.name if ward.province_id else ward.name},
            field="lon" if lon is not None and at_point is None and not ward_code else "ward_code",
        )
    province: AdminUnit | None = None
    if ward is None and province_code:
        province = _province(province_code, gen=gen)
        if not selectors.serves(province.code, gen=gen):
            raise DomainError(
                _(
                    "No unit on this platform receives reports from %(province)s: please send this report "
                    "through that province's own channels."
                )
                % {"province": province.name},
                field="province_code",
            )
    address = _bounded(address, "address", 300)
    if ward is None and province is None and address and lon is None:
        # An address alone ("20 Cầu Gỗ, quận Hoàn Kiếm") names its province more often than its ward: the
        # report then goes to that province's committee, never to the first city's, which could not pass
        # it on; a province nobody here serves is refused, as a point or a ward there is.
        named_province = address_province(address)
        if named_province:
            province = _province(named_province, gen=gen)
            if not selectors.serves(province.code, gen=gen):
                raise DomainError(
                    _(
                        "No unit on this platform receives reports from %(province)s: please send this "
                        "report through that province's own channels."
                    )
                    % {"province": province.name},
                    field="address",
                )
    if ward is None and address:
        # An address naming its commune-level unit, today's or (converted) one from before July 2025, goes
        # to that unit's committee rather than to the province's for triage.
        named = ward_from_address(address, province.code if province else None)
        if named is not None and selectors.serves(named.province_id or "", gen=gen):
            ward, province = named, None
    contact_name = _bounded(contact_name, "contact_name", 150)
    if ward is None and not address:
        raise DomainError(_("Give the place: pick it on the map, or enter an address."), field="address")
    phone = normalize_phone(contact_phone)
    email = _email(contact_email)
    clean_answers = _check_answers(cat, answers, require=channel in _ASKING_CHANNELS)
    if entered_by is not None and holds_anywhere(entered_by, Power.REPORT_RECEIVE) is None:
        raise NotAllowed(_("Only hotline operators and officers enter reports for callers."))
    # The limits (see above): the caller's network address, and where an acknowledgement goes that nobody
    # checked (a report without an account), read in one query.
    clock = timezone.now()
    by_address = (
        address_scope(network_address, clock)
        if network_address and _counts_for_address(reporter, entered_by)
        else None
    )
    unverified = _unverified_address(email, phone, channel=channel, reporter=reporter, entered_by=entered_by)
    by_contact = contact_scope(unverified, clock) if unverified else ""
    counted = _counted([s for s in (by_address[0] if by_address else "", by_contact) if s])
    if by_address is not None and counted.get(by_address[0], 0) >= address_limit_per_hour():
        raise ReportsLimited(
            limited_message(address_limit_per_hour(), by_address[1]), retry_after=by_address[1]
        )
    to_contact = not by_contact or counted.get(by_contact, 0) < acknowledgements_per_contact()
    now = when or clock
    route = routing.route(cat, ward, when=now, gen=gen, province_code=province.code if province else None)
    # A point in another ward than the one given: the unit is checked, as near a boundary.
    boundary = (
        ward is not None and lon is not None and (at_point is not None or routing.near_boundary(lon, lat))
    )
    triage_due, due = _due_times(cat, now, gen=gen)
    # Everything is built before the write transaction: on SQLite other workers wait for its lock.
    report = Report(
        code="",  # numbered inside the transaction
        category=cat,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        ward=ward,
        province_code=ward.province_id if ward else (province.code if province else ""),
        near_boundary=boundary,
        unit=route.unit,
        channel=channel,
        reporter=reporter if reporter and reporter.is_authenticated else None,
        entered_by=entered_by,
        open311_client=open311_client,
        contact_name=contact_name,
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
    report_row = _REPORTS.values(report)
    actor = _actor_for(entered_by or reporter, fallback=_CITIZEN)
    # System notes are stored as keys and codes, written out in each reader's language when read.
    first_events = [
        _event(
            report,
            actor,
            ReportEvent.Kind.STATUS,
            to_status=Status.RECEIVED,
            note_key=system_notes.RECEIVED,
            note_args={"channel": channel},
            save=False,
        ),
        _event(
            report,
            _ROUTING,  # the platform routed it, not the citizen
            ReportEvent.Kind.ROUTE,
            note_key=system_notes.ROUTED,
            note_args={"unit": route.unit.name, **system_notes.route_reason(route)},
            public=False,
            save=False,
        ),
    ]
    if at_point is not None and ward is not None:
        first_events.append(
            _event(
                report,
                _ROUTING,
                ReportEvent.Kind.ROUTE,
                note_key=system_notes.WARD_MISMATCH,
                note_args={"point": at_point.name, "given": ward.name},
                public=False,
                save=False,
            )
        )
    event_rows = [_EVENTS.values(e) for e in first_events]
    follower: Follower | None = None
    if report.reporter is not None:
        follower = Follower(user=report.reporter)
    elif email and to_contact:
        follower = Follower(email=email)
    elif phone and to_contact:
        follower = Follower(phone=phone)
    try:
        with transaction.atomic():
            report.code = _next_code(now)
            report_row[_REPORT_CODE] = report.code
            _REPORTS.insert([report], [report_row])
            keys = []
            if idempotency_key:
                keys.append(IdempotencyKey(scope=idempotency_scope, key=idempotency_key, report=report))
            if by_address is not None:  # counted: this report, this hour, from this network
                keys.append(IdempotencyKey(scope=by_address[0], key=report.code, report=report))
            if by_contact and to_contact:  # an acknowledgement sent to this address today
                keys.append(IdempotencyKey(scope=by_contact, key=report.code, report=report))
            if keys:
                IdempotencyKey.objects.bulk_create(keys)
            for event, row in zip(first_events, event_rows, strict=True):
                event.report = report
                row[_EVENT_REPORT] = report.pk
            _EVENTS.insert(first_events, event_rows)  # one INSERT for both
            if follower is not None:
                follower.report = report
                _FOLLOWERS.insert([follower])
            audit_record(
                actor=actor,
                action="report.submit",
                object_type="report",
                object_id=report.code,
                after=_snapshot(report),
            )
            _acknowledge(report, to_contact=to_contact)
    except IntegrityError:
        if not idempotency_key:
            raise
        existing = IdempotencyKey.objects.select_related("report").get(
            scope=idempotency_scope, key=idempotency_key
        )
        _same_request(existing.report, asked)
        return Intake(report=existing.report, created=False, acknowledged=acknowledged(existing.report))
    return Intake(
        report=report,
        created=True,
        events=first_events,
        acknowledged=report.reporter is not None or (to_contact and bool(email or phone)),
    )


def _ward_given_or_at_point(
    given: AdminUnit, at_point: AdminUnit, *, ask: bool, confirmed: str
) -> tuple[AdminUnit, AdminUnit | None]:
    """(the report's ward, the point's ward when it is another) for a point outside the ward given."""
    confirmed = (confirmed or "").strip()
    if confirmed == at_point.code:
        return at_point, None
    if confirmed == given.code or not ask:
        return given, at_point
    raise WardMismatch(
        _("The point on the map is in %(point)s but you wrote %(given)s: which is right?")
        % {"point": at_point.name, "given": given.name},
        at_point=at_point,
        given=given,
    )


def _load_provinces() -> dict[str, AdminUnit]:
    return {u.code: u for u in AdminUnit.objects.filter(level=DivisionLevel.PROVINCE)}


def _province_code(code: str) -> str:
    try:
        return normalize_code(code.strip(), level=DivisionLevel.PROVINCE)
    except DomainError:
        return code.strip()


def _province(code: str, *, gen: int | None) -> AdminUnit:
    """The province (or centrally-run city) of a code, from the per-process cache (no query)."""
    found = configcache.cached("reports:provinces", _load_provinces, gen=gen).get(_province_code(code))
    if found is None:
        raise DomainError(_("Unknown province code “%(c)s”.") % {"c": code}, field="province_code")
    return found


def _ward_at(lon: float, lat: float, *, gen: int | None) -> AdminUnit:
    """The commune or ward at the point. The locator names none for a point far from every ward (abroad,
    the open sea): for a report that is a bad input (400 naming `lon`), not a missing resource."""
    try:
        return locate_point(lon, lat, gen=gen).unit
    except NotFound as exc:
        raise DomainError(exc.message, field="lon") from None


@dataclass(frozen=True)
class Asked:
    """A report's submission as it was sent (before any cleaning), to compare a retry with."""

    category: str | None
    description: str
    channel: str
    lon: float | None
    lat: float | None
    address: str
    ward_code: str | None
    province_code: str | None
    confirmed_ward: str
    contact_name: str
    contact_phone: str
    contact_email: str
    show_name_publicly: bool
    is_public: bool
    answers: dict[str, Any] | None
    reporter: User | None
    entered_by: User | None
    open311_client: Open311Client | None


def _same_request(report: Report, asked: Asked) -> None:
    """A retry must be the same report: a key reused for another one (another client, or a bug) is refused,
    and the first report, its contact details and token, stay unseen. Every field counts, each compared
    as the intake stores it: what a stranger could not copy from the public view (the contact, the
    answers) and what changes the report (public or not, the name shown, the place, the channel)."""
    if not _is_same_request(report, asked):
        raise KeyReused(
            _(
                "This Idempotency-Key was already used for a different report: send a new key for a new report."
            ),
            field="Idempotency-Key",
        )


def _is_same_request(report: Report, asked: Asked) -> bool:
    def user_id(user: User | None) -> int | None:
        return user.pk if user is not None and user.is_authenticated else None

    try:
        same_phone = normalize_phone(asked.contact_phone) == report.contact_phone
        same_answers = _check_answers(report.category, asked.answers, require=False) == report.answers
    except DomainError:
        return False
    if not (
        same_phone
        and same_answers
        and report.category.code == (asked.category or "")
        and report.description == nfc_lines(asked.description or "")
        and report.channel == asked.channel
        and (report.lon, report.lat) == (asked.lon, asked.lat)
        and report.address == nfc(asked.address or "")
        and report.contact_name == nfc(asked.contact_name or "")
        and report.contact_email == (asked.contact_email or "").strip()
        and report.show_name_publicly == bool(asked.show_name_publicly)
        and report.is_public == bool(asked.is_public)
        and report.reporter_id == user_id(asked.reporter)
        and report.entered_by_id == user_id(asked.entered_by)
        and report.open311_client_id == (asked.open311_client.pk if asked.open311_client else None)
    ):
        return False
    if asked.province_code and _province_code(asked.province_code) != report.province_code:
        return False
    if (
        not asked.province_code
        and report.ward_id is None
        and report.province_code != (address_province(nfc(asked.address or "")) or "")
    ):
        return False  # the first one was sent to another province than this one's address names
    if asked.ward_code:
        given = typed_ward(asked.ward_code)
        confirmed = (asked.confirmed_ward or "").strip()
        return report.ward_id in {given.code if given else None, confirmed or None} - {None}
    if asked.lon is not None and asked.lat is not None and report.ward_id is not None:
        # Without a ward given, the point's ward is the report's: a first request that named another ward
        # (which won) was another request.
        try:
            return _ward_at(asked.lon, asked.lat, gen=None).code == report.ward_id
        except DomainError:
            return False
    return True


def _acknowledge(report: Report, *, to_contact: bool = True) -> None:
    """The acknowledgement with the private tracking link: to the account (in-app) and to the e-mail, else
    the phone, of `reporter_addresses`; not to that address when `to_contact` is false (it had its
    acknowledgements for the day)."""
    # Written for the citizen, in the platform's message language, whatever the language of the
    # request that filed it (an operator on the English screen, an English page).
    with translation.override(message_language(report.reporter)):
        subject = _("Report %(code)s received") % {"code": report.code}
        body = _(
            "Thank you. Your report %(code)s was received and sent to %(unit)s; it is due by %(due)s. "
            "Follow it at %(link)s"
        ) % {
            "code": report.code,
            "unit": report.unit.name,
            "due": local_time(report.due_at),
            "link": f"{settings.CITYDESK_PUBLIC_URL}/tra-cuu/{report.code}/?t={report.citizen_token}",
        }
    # Where every later message to the reporter goes too: the contact details given for this report.
    email, phone = reporter_addresses(report) if to_contact else ("", "")
    if email:  # the e-mail, else an SMS: one message per reporter
        notification_queue(channel="email", address=email, subject=subject, body=body)
    elif phone:
        notification_queue(channel="sms", address=phone, subject=subject, body=body)
    if report.reporter_id:
        notification_queue(channel="in_app", recipient=report.reporter, subject=subject, body=body)
