"""The working-day calendar in force: the pure `lib.workdays` rules + settings + admin-entered changes."""

from __future__ import annotations

import threading
from datetime import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max

from citydesk.core import configcache
from citydesk.core.models import CalendarOverride
from citydesk.lib.workdays import WorkCalendar

_lock = threading.Lock()
_cached: tuple[object, WorkCalendar] | None = None


def _parse_time(value: str, name: str) -> time:
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {value!r} is not HH:MM") from exc


def office_periods() -> tuple[tuple[time, time], ...]:
    periods = []
    for chunk in settings.CITYDESK_OFFICE_HOURS.split(","):
        start, _sep, end = chunk.partition("-")
        periods.append(
            (_parse_time(start, "CITYDESK_OFFICE_HOURS"), _parse_time(end, "CITYDESK_OFFICE_HOURS"))
        )
    return tuple(periods)


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
    overrides = list(CalendarOverride.objects.values_list("date", "kind", "name"))
    calendar = WorkCalendar.build(
        extra_days_off={d: n for d, k, n in overrides if k == CalendarOverride.Kind.DAY_OFF},
        extra_working_days={d: n for d, k, n in overrides if k == CalendarOverride.Kind.WORKING_DAY},
        periods=office_periods(),
        cutoff=_parse_time(settings.CITYDESK_SAME_DAY_CUTOFF, "CITYDESK_SAME_DAY_CUTOFF"),
    )
    with _lock:
        _cached = (key, calendar)
    return calendar
