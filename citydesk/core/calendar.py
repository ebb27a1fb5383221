"""The working-day calendar in force: the pure `lib.workdays` rules + settings + admin-entered changes."""

from __future__ import annotations

import threading
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from citydesk.core import configcache
from citydesk.core.errors import DomainError
from citydesk.core.models import CalendarOverride
from citydesk.env import parse_clock, parse_office_hours
from citydesk.lib.workdays import FIRST_DAY, LAST_DAY, OutOfRange, WorkCalendar, check_supported

_lock = threading.Lock()
_cached: tuple[object, WorkCalendar] | None = None


def _parse_time(value: str, name: str) -> time:
    return parse_clock(value, name)


def range_error(exc: OutOfRange, field: str, *, day_first: bool = False) -> DomainError:
    """The 400 for a date outside the calendar's range (or a result after its end), naming `field`. The
    dates in ISO form (the API), or `day_first` (dd/mm/yyyy, as the pages write dates)."""
    if exc.result:
        message = _("The result would fall after %(last)s, the end of the working-day calendar.")
    else:
        message = _("Give a date between %(first)s and %(last)s.")
    shape = "%d/%m/%Y" if day_first else "%Y-%m-%d"
    return DomainError(
        message % {"first": FIRST_DAY.strftime(shape), "last": LAST_DAY.strftime(shape)}, field=field
    )


def check_in_range(value: date | datetime, field: str) -> None:
    """DomainError naming `field` if `value` is outside the calendar's range (a datetime: its local date)."""
    try:
        check_supported(value)
    except OutOfRange as exc:
        raise range_error(exc, field) from None


def office_periods() -> tuple[tuple[time, time], ...]:
    """The office periods of CITYDESK_OFFICE_HOURS (checked when the settings load; again here, for a value
    set later, with the same one-line ImproperlyConfigured naming the variable)."""
    return parse_office_hours(settings.CITYDESK_OFFICE_HOURS, "CITYDESK_OFFICE_HOURS")


def current_calendar(*, gen: int | None = None) -> WorkCalendar:
    """The calendar with every admin change applied. One cheap query decides whether to rebuild.

    The configuration generation (core/configcache.py) changes with every calendar override; where
    it is unavailable (a flushed test database) the overrides' count and last change are compared.
    """
    global _cached
    if gen is None:
        gen = configcache.generation()
    if gen is not None:
        version: object = gen
    else:
        version = tuple(CalendarOverride.objects.aggregate(n=Count("id"), at=Max("updated_at")).values())
    key = (version, settings.CITYDESK_OFFICE_HOURS, settings.CITYDESK_SAME_DAY_CUTOFF)
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
    calendar = build_calendar()
    with _lock:
        _cached = (key, calendar)
    return calendar


def build_calendar() -> WorkCalendar:
    """The calendar with the administrators' changes as the database holds them now (no cache): what
    `current_calendar` caches, and what a calendar change compares before and after."""
    overrides = [
        (day, kind, (name, name_en))
        for day, kind, name, name_en in CalendarOverride.objects.values_list(
            "date", "kind", "name", "name_en"
        )
    ]
    periods = office_periods()
    cutoff = _parse_time(settings.CITYDESK_SAME_DAY_CUTOFF, "CITYDESK_SAME_DAY_CUTOFF")
    if cutoff > periods[-1][1]:
        raise ImproperlyConfigured(
            f"CITYDESK_SAME_DAY_CUTOFF={settings.CITYDESK_SAME_DAY_CUTOFF} muộn hơn giờ hết giờ làm việc "
            f"{periods[-1][1]:%H:%M} (CITYDESK_OFFICE_HOURS={settings.CITYDESK_OFFICE_HOURS})"
        )
    calendar = WorkCalendar.build(
        extra_days_off={d: n for d, k, n in overrides if k == CalendarOverride.Kind.DAY_OFF},
        extra_working_days={d: n for d, k, n in overrides if k == CalendarOverride.Kind.WORKING_DAY},
        periods=periods,
        cutoff=cutoff,
    )
    return calendar
