"""Writes of the working calendar: official days off and swapped working days entered by an administrator
(the API and the back office share these rules). Keyword-only, atomic, audited."""

from __future__ import annotations

from datetime import date
from functools import cache

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import build_calendar, check_in_range
from citydesk.core.deadline_follow import deadlines_follow
from citydesk.core.errors import Conflict, DomainError, NotFound
from citydesk.core.models import CalendarOverride, User
from citydesk.core.powers import Power
from citydesk.core.services import actor_for_system_power
from citydesk.lib.text import nfc
from citydesk.lib.workdays import WorkCalendar


@cache
def _base_calendar() -> WorkCalendar:
    """Weekends and the public holidays the `holidays` package knows, without any administrator's entry."""
    return WorkCalendar()


def _max_length(field: str) -> int:
    return int(CalendarOverride._meta.get_field(field).max_length or 0)


def _check_length(value: str, field: str) -> None:
    limit = _max_length(field)
    if len(value) > limit:
        raise DomainError(
            _("Too long: at most %(n)s characters (got %(got)s).") % {"n": limit, "got": len(value)},
            field=field,
        )


def _already_off(day: date) -> str | None:
    """Why `day` is a day off without any entry (its weekday, or the public holiday), or None."""
    base = _base_calendar()
    if base.is_working_day(day):
        return None
    for holiday in base.holidays(day.year):
        if holiday.date == day and holiday.kind != "working_day":
            return holiday.name_vi
    return date_format(day, "l")  # Saturday, Sunday in the page's language


def calendar_override_check(
    *, day: date, kind: str, name: str, legal_basis: str = "", name_en: str = ""
) -> None:
    """The rules of a calendar change, checked before anything is written (the API and the back office)."""
    check_in_range(day, "date")
    if kind not in CalendarOverride.Kind.values:
        raise DomainError(_("Unknown kind “%(k)s”.") % {"k": kind}, field="kind")
    name = nfc(name).strip()
    if not name:
        raise DomainError(_("A name is required."), field="name")
    _check_length(name, "name")
    _check_length(nfc(name_en).strip(), "name_en")
    _check_length(nfc(legal_basis).strip(), "legal_basis")
    if kind == CalendarOverride.Kind.WORKING_DAY and day.weekday() < 5:
        raise DomainError(_("A swapped working day must be a Saturday or a Sunday."), field="date")
    if kind == CalendarOverride.Kind.DAY_OFF:
        why = _already_off(day)
        if why is not None:
            raise DomainError(
                _("%(date)s is already a day off (%(why)s): an official day off on it changes nothing.")
                % {"date": day.strftime("%d/%m/%Y"), "why": why},
                field="date",
            )


def _deadlines_follow(actor: Actor, before: WorkCalendar, days: set[date], reason: str) -> dict[str, int]:
    """Open reports' and dossiers' due times follow the change (core.deadline_follow), in the same
    transaction; one audit row says how many moved."""
    moved = deadlines_follow(before, build_calendar(), days, reason=reason)
    if any(moved.values()):
        audit_record(
            actor=actor,
            action="calendar.deadlines_moved",
            object_type="calendar_override",
            object_id=min(days).isoformat(),
            after={"days": sorted(d.isoformat() for d in days), **moved},
        )
    return moved


def _entry_values(entry: CalendarOverride) -> dict[str, str]:
    """What the audit trail records of an entry."""
    return {
        "kind": entry.kind,
        "name": entry.name,
        "name_en": entry.name_en,
        "legal_basis": entry.legal_basis,
    }


def _locked_entry(day: date) -> CalendarOverride:
    entry = CalendarOverride.objects.select_for_update().filter(date=day).first()
    if entry is None:
        raise NotFound(_("No calendar change on %(d)s.") % {"d": f"{day:%d/%m/%Y}"}, field="date")
    return entry


def _remove(actor: Actor, entry: CalendarOverride, *, after: dict[str, str] | None = None) -> None:
    """Delete an entry with its audit row (withdrawn, or moved to another day: `after`)."""
    before = _entry_values(entry)
    entry.delete()
    audit_record(
        actor=actor,
        action="calendar.delete",
        object_type="calendar_override",
        object_id=entry.date.isoformat(),
        before=before,
        after=after,
    )


@transaction.atomic
def calendar_override_set(
    *,
    user: User,
    day: date,
    kind: str,
    name: str,
    legal_basis: str = "",
    name_en: str = "",
    follow: bool = True,
) -> CalendarOverride:
    """Enter (or change) the calendar change of `day`; the open deadlines it touches move with it
    (`follow=False`: the caller moves them, as `calendar_override_move` does for both of its days)."""
    actor = actor_for_system_power(user, Power.MANAGE_CALENDAR)
    calendar_override_check(day=day, kind=kind, name=name, legal_basis=legal_basis, name_en=name_en)
    before_calendar = build_calendar() if follow else None
    name = nfc(name).strip()
    name_en = nfc(name_en).strip()
    legal_basis = nfc(legal_basis).strip()
    existing = CalendarOverride.objects.select_for_update().filter(date=day).first()
    before = _entry_values(existing) if existing else None
    override, _created = CalendarOverride.objects.update_or_create(
        date=day, defaults={"kind": kind, "name": name, "name_en": name_en, "legal_basis": legal_basis}
    )
    audit_record(
        actor=actor,
        action="calendar.set",
        object_type="calendar_override",
        object_id=day.isoformat(),
        before=before,
        after={"kind": kind, "name": name, "name_en": name_en, "legal_basis": override.legal_basis},
    )
    if before_calendar is not None:
        _deadlines_follow(actor, before_calendar, {day}, name)
    return override


@transaction.atomic
def calendar_override_move(
    *, user: User, old_day: date, day: date, kind: str, name: str, legal_basis: str = "", name_en: str = ""
) -> CalendarOverride:
    """Change an entry's date (and content): the entry of `old_day` goes, the one of `day` takes its
    place; both steps audited, all or nothing."""
    actor = actor_for_system_power(user, Power.MANAGE_CALENDAR)
    calendar_override_check(day=day, kind=kind, name=name, legal_basis=legal_basis, name_en=name_en)
    before_calendar = build_calendar()
    old = _locked_entry(old_day)
    if day != old_day:
        if CalendarOverride.objects.filter(date=day).exists():
            raise Conflict(
                _("%(d)s already has a calendar change: edit that one instead.") % {"d": f"{day:%d/%m/%Y}"},
                field="date",
            )
        _remove(actor, old, after={"moved_to": day.isoformat()})
    override = calendar_override_set(
        user=user, day=day, kind=kind, name=name, legal_basis=legal_basis, name_en=name_en, follow=False
    )
    _deadlines_follow(actor, before_calendar, {old_day, day}, nfc(name).strip())
    return override


@transaction.atomic
def calendar_override_delete(*, user: User, day: date) -> None:
    """Withdraw the calendar change of `day` (audited); the open deadlines it touched move back."""
    actor = actor_for_system_power(user, Power.MANAGE_CALENDAR)
    before_calendar = build_calendar()
    old = _locked_entry(day)
    _remove(actor, old)
    _deadlines_follow(actor, before_calendar, {day}, old.name)
