"""Shared pieces of the dossier services: codes, units of a process, deadlines, counters, events."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import Conflict, DomainError, NotFound
from citydesk.core.history_notes import ROLES, role
from citydesk.core.models import DivisionLevel, Organisation, OrgKind, User
from citydesk.core.rows import RowWriter
from citydesk.dossiers.models import (
    Authority,
    Dossier,
    DossierCodeCounter,
    DossierEvent,
    Performer,
    Procedure,
    ProcedureStep,
    Punctuality,
)
from citydesk.dossiers.system_notes import system_note
from citydesk.lib.workdays import WorkCalendar

__all__ = ["system_note"]  # `event(..., **common.system_note("dossier.received", ...))`

# Free text stored in an unbounded column (notes, results, reasons for refusal) is held to this length.
NOTE_LIMIT = 4000


def column_limit(model: type, name: str) -> int:
    """The length of a text column (a model field's max_length), the limit of what may be stored in it."""
    return int(model._meta.get_field(name).max_length)  # type: ignore[attr-defined]


def bounded(value: str | None, limit: int, field: str) -> str:
    """Typed text as stored (trimmed, NFC) when it fits `limit`: longer text is refused, never cut.

    A NUL character is refused too: PostgreSQL cannot store it in a text column."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if "\x00" in text:
        raise DomainError(_("Null characters are not allowed."), field=field)
    if len(text) > limit:
        raise DomainError(_("Too long (at most %(n)s characters).") % {"n": grouped(limit)}, field=field)
    return text


def grouped(number: int) -> str:
    """A whole number grouped the page language's way: 4.000 in Vietnamese, 4,000 in English."""
    return number_format(number, force_grouping=True)


def next_code(now: dt.datetime) -> str:
    """HS-26-000123: the prefix, the year of receipt, a number counted per year."""
    year = timezone.localtime(now).year
    sql = "UPDATE dossiers_dossiercodecounter SET last = last + 1 WHERE year = %s RETURNING last"
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
        if row is None:
            DossierCodeCounter.objects.get_or_create(year=year)
            cursor.execute(sql, [year])
            row = cursor.fetchone()
    prefix = getattr(settings, "CITYDESK_DOSSIER_CODE_PREFIX", "HS")
    return f"{prefix}-{year % 100:02d}-{row[0]:06d}"


def city_of(unit: Organisation) -> Organisation:
    """The top of a unit's tree (the provincial-level People's Committee)."""
    top = unit
    seen = 0
    while top.parent_id is not None and seen < 10:
        top = top.parent  # type: ignore[assignment]
        seen += 1
    return top


def is_commune_unit(unit: Organisation) -> bool:
    admin_unit = unit.admin_unit
    return (
        unit.kind == OrgKind.PEOPLES_COMMITTEE
        and admin_unit is not None
        and admin_unit.level == DivisionLevel.WARD
    )


def department_of(city: Organisation, department_code: str) -> Organisation | None:
    return Organisation.objects.filter(code=f"{city.code}.{department_code}", is_active=True).first()


def step_unit(
    step: ProcedureStep,
    receiving: Organisation,
    city: Organisation,
    by_code: Mapping[str, Organisation] | None = None,
) -> Organisation:
    """The organisation that performs `step` for a dossier received at `receiving` (departments are
    looked up in `by_code` when given, the per-process cache of intake, else in the database)."""
    if step.performer in (Performer.RECEIVING_UNIT, Performer.DESK):
        return receiving
    if step.performer == Performer.CITY:
        return city
    if by_code is not None:
        department = by_code.get(f"{city.code}.{step.department_code}")
    else:
        department = department_of(city, step.department_code)
    if department is None:
        raise DomainError(
            _(
                "Step %(n)s of this procedure is performed by department “%(d)s”, which %(city)s does not have."
            )
            % {"n": step.position, "d": step.department_code, "city": city.name},
            field="procedure",
        )
    return department


def step_units(
    procedure: Procedure,
    steps: Sequence[ProcedureStep],
    receiving: Organisation,
    city: Organisation,
    by_code: Mapping[str, Organisation] | None = None,
) -> list[Organisation]:
    """The organisation performing each of `steps` for a dossier of `procedure` received at `receiving`.

    A department's procedure may be received at a commune's one-stop desk (inter-level one-stop). When
    its process is the department's own (every step is “the receiving unit's”), only the reception — the
    first step — and the steps of the one-stop desk (performer “desk”: handing the result back) stay at the
    commune: the other steps are the competent department's, found by the procedure's department code in
    the receiving unit's city. A process that names its department steps itself (performer “department”)
    already says which steps are the commune's, and is followed as it is.
    """
    units = [step_unit(step, receiving, city, by_code) for step in steps]
    inter_level = (
        procedure.authority == Authority.DEPARTMENT
        and is_commune_unit(receiving)
        and not any(step.performer == Performer.DEPARTMENT for step in steps)
    )
    if not inter_level:
        return units
    key = f"{city.code}.{procedure.department_code}"
    department = (
        (by_code.get(key) if by_code is not None else department_of(city, procedure.department_code))
        if procedure.department_code
        else None
    )
    if department is None:
        raise DomainError(
            _(
                "%(p)s is decided by department “%(d)s”, which %(city)s does not have: "
                "it cannot be received at %(u)s."
            )
            % {
                "p": procedure.label,
                "d": procedure.department_code or "?",
                "city": city.name,
                "u": receiving.name,
            },
            field="procedure",
        )
    return [
        department if index > 0 and step.performer == Performer.RECEIVING_UNIT else unit
        for index, (step, unit) in enumerate(zip(steps, units, strict=True))
    ]


def step_shares(
    steps: list[ProcedureStep],
    received: dt.datetime,
    due: dt.datetime,
    *,
    calendar: WorkCalendar | None = None,
) -> list[dt.timedelta]:
    """Each step's office time: its share of the office time between receipt and the dossier's due time."""
    calendar = calendar or current_calendar()
    total = calendar.working_time_between(received, due)
    if total <= dt.timedelta():
        total = dt.timedelta(minutes=len(steps) or 1)
    shares = [Decimal(step.share) for step in steps]
    whole = sum(shares) or Decimal(1)
    out = [dt.timedelta(seconds=int(total.total_seconds() * float(s / whole))) for s in shares]
    if out:  # rounding: the last step ends exactly at the dossier's due time
        out[-1] = total - sum(out[:-1], dt.timedelta())
    return out


def add_office_time(start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    return current_calendar().add_working_hours(start, amount)


def office_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    return current_calendar().working_time_between(start, end)


def punctuality(finished: dt.datetime, due: dt.datetime) -> str:
    """Early: finished on an earlier day than the due day; on time: by the due time; late: after it."""
    if finished > due:
        return Punctuality.LATE
    if timezone.localtime(finished).date() < timezone.localtime(due).date():
        return Punctuality.EARLY
    return Punctuality.ON_TIME


def actor_for(user: User | None, fallback: str) -> Actor:
    """The user, else `fallback`: a person's name, or a role (`role("applicant")`). A role's name just
    translated in the active language (`_("Online applicant")`) is stored as the role, so the history
    shows it in each reader's language."""
    if user is not None and user.is_authenticated:
        return Actor(user_id=user.pk, label=user.full_name or user.username)
    return Actor(user_id=None, label=_role_names().get(fallback, fallback), right="system")


_ROLE_NAMES: dict[str, dict[str, str]] = {}  # language -> a role's name in it -> the stored role


def _role_names() -> dict[str, str]:
    language = translation.get_language() or ""
    names = _ROLE_NAMES.get(language)
    if names is None:
        names = _ROLE_NAMES[language] = {str(text): role(name) for name, text in ROLES.items()}
    return names


def event(
    dossier: Dossier,
    actor: Actor,
    kind: str,
    *,
    status_from: str = "",
    status_to: str = "",
    note: str = "",
    note_key: str = "",
    note_args: dict[str, Any] | None = None,
    public: bool = True,
    papers: list[int] | None = None,
) -> DossierEvent:
    """One history line. A person's words go in `note`; a note the platform words goes in as
    `**system_note(KEY, **args)` (`note_key`, `note_args`) and is written out in each reader's language."""
    row = DossierEvent(
        dossier=dossier,
        kind=kind,
        actor_label=actor.label,
        status_from=status_from,
        status_to=status_to,
        note=note,
        note_key=note_key,
        note_args=note_args if note_args is not None else {},
        public=public,
        papers=papers or [],
    )
    _EVENTS.insert([row])
    return row


_EVENTS = RowWriter(DossierEvent)


def snapshot(dossier: Dossier) -> dict[str, Any]:
    return {
        "status": dossier.status,
        "step": dossier.current_step.position if dossier.current_step_id else None,  # type: ignore[union-attr]
        "due_at": dossier.due_at.isoformat() if dossier.due_at else None,
        "version": dossier.version,
    }


def locked(code: str) -> Dossier:
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "unit", "current_step", "current_step__unit", "applicant")
        .filter(code=(code or "").replace("\x00", "").strip().upper())
        .first()
    )
    if dossier is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": code}, field="code")
    return dossier


def check_version(dossier: Dossier, version: int | None) -> None:
    if version is not None and not 1 <= version <= dossier.version:
        # Not a race: no such version was ever read (the API's clients send what they read).
        raise DomainError(
            _("Dossier %(code)s has no version %(had)s: it is at version %(now)s.")
            % {"code": dossier.code, "now": dossier.version, "had": version},
            field="version",
        )
    if version is not None and version != dossier.version:
        raise Conflict(
            _(
                "Dossier %(code)s has changed since this page was opened (by a colleague, or in another tab). "
                "Reload it to see the change, then try again."
            )
            % {"code": dossier.code},
            field="version",
        )


def bump(table: str, key: Mapping[str, Any], increments: Mapping[str, int]) -> None:
    """Add `increments` to the counter row `key` of `table`, creating it at zero first (an upsert).

    `INSERT … ON CONFLICT … DO UPDATE` behaves the same on SQLite and PostgreSQL; the row is locked
    by the write, so two dossiers counted at once never lose an increment.
    """
    columns = [*key, *increments]
    placeholders = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in increments)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key.values(), *increments.values()])


MONTH_COUNTERS = (
    "received",
    "received_via_one_stop",
    "finished",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "refused",
)
TALLY_COUNTERS = ("received", "resolved_same_day", "resolved_later", "refused")


def count_month(dossier: Dossier, moment: dt.datetime, **increments: int) -> None:
    month = timezone.localtime(moment).date().replace(day=1)
    full = {c: increments.get(c, 0) for c in MONTH_COUNTERS}
    bump(
        "dossiers_dossiermonth",
        {
            "month": month,
            "unit_id": dossier.unit_id,
            "procedure_id": dossier.procedure_id,
            "channel": dossier.channel,
        },
        full,
    )


def count_campaign(dossier: Dossier, **increments: int) -> None:
    if dossier.campaign_id is None:
        return
    full = {c: increments.get(c, 0) for c in TALLY_COUNTERS}
    bump(
        "dossiers_campaigntally",
        {
            "campaign_id": dossier.campaign_id,
            "unit_id": dossier.unit_id,
            "procedure_id": dossier.procedure_id,
        },
        full,
    )


def local_text(moment: dt.datetime | None) -> str:
    """A moment as the messages write it, day first like every page and message of the platform:
    “23/11/2026 17:00”."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else "—"


RATING_TOKEN_SALT = "citydesk.dossiers.rating-link"
RATING_LINK_DAYS = 180


def rating_token(dossier: Dossier) -> str:
    """A signed key that opens only the rating of this dossier (not its lookup, papers or withdrawal):
    what messages carry, since their bodies are kept and links land in access logs."""
    return signing.dumps(dossier.code, salt=RATING_TOKEN_SALT)


def rating_token_valid(dossier: Dossier, token: str) -> bool:
    try:
        code = signing.loads(token, salt=RATING_TOKEN_SALT, max_age=RATING_LINK_DAYS * 86400)
    except signing.BadSignature:  # also SignatureExpired
        return False
    return code == dossier.code


def rating_link(dossier: Dossier, *, absolute: bool = True) -> str:
    """The applicant's own link to rate the service of their finished dossier, carrying a key that opens
    only its rating (`rating_token`); "" once it is rated. `absolute`: with the platform's public
    address (for messages), else the path (for pages)."""
    try:
        path = reverse("ratings:dossier", args=[dossier.code])
    except NoReverseMatch:  # the ratings app is not installed
        return ""
    ratings = getattr(dossier, "ratings", None)
    if ratings is not None and ratings.filter(channel="web").exists():
        return ""
    link = f"{path}?{urlencode({'t': rating_token(dossier)})}"
    return f"{settings.CITYDESK_PUBLIC_URL}{link}" if absolute else link


SUPPLEMENT_TOKEN_SALT = "citydesk.dossiers.supplement-link"
SUPPLEMENT_LINK_DAYS = 60


def _pause_stamp(dossier: Dossier) -> int:
    """The request for papers a supplement key answers: the second the dossier's clock stopped."""
    return int(dossier.paused_at.timestamp()) if dossier.paused_at is not None else 0


def supplement_token(dossier: Dossier) -> str:
    """A signed key that opens only the upload of the papers this request asks for (and the dossier's
    status, public anyway): not its personal details, papers, withdrawal or rating. What the request's
    message carries instead of the receipt's key (`citizen_token`), since message bodies are kept and
    links land in access logs. It answers this request only (a later one sends a new key) and expires
    after `SUPPLEMENT_LINK_DAYS`."""
    return signing.dumps([dossier.code, _pause_stamp(dossier)], salt=SUPPLEMENT_TOKEN_SALT)


def supplement_token_valid(dossier: Dossier, token: str) -> bool:
    """Does `token` open the papers' upload of `dossier` now: its key, for the request still waiting?"""
    if not token or dossier.paused_at is None:
        return False
    try:
        value = signing.loads(token, salt=SUPPLEMENT_TOKEN_SALT, max_age=SUPPLEMENT_LINK_DAYS * 86400)
    except signing.BadSignature:  # also SignatureExpired
        return False
    return value == [dossier.code, _pause_stamp(dossier)]


def supplement_link(dossier: Dossier) -> str:
    """The applicant's link to send the papers asked for: the lookup page with a key that opens only
    their upload (`supplement_token`), with the platform's public address."""
    path = reverse("dossiers:track", args=[dossier.code])
    return f"{settings.CITYDESK_PUBLIC_URL}{path}?{urlencode({'k': supplement_token(dossier)})}"


def vnd(amount: int) -> str:
    """An amount in the active language: 100000 → “100.000 đ”, in English “100,000 VND”."""
    if (translation.get_language() or "").startswith("en"):
        return f"{amount:,} VND"
    return f"{amount:,}".replace(",", ".") + " đ"


def fee_unpaid(dossier: Dossier) -> bool:
    """A fee is due and not paid yet: the result is not handed over before it is."""
    return dossier.fee > 0 and dossier.paid_at is None
