"""The phone check of a dossier's public page: wrong answers counted per dossier, whoever gives them.

A browser's own tries are counted in its session (views/common.py); clearing the cookies resets that,
so the dossier's own count holds the limit: after `code_limit()` wrong answers within `window()` of the
first one, every browser is refused until the window ends. The count is one upsert (two wrong answers
at once both count) on the same SQL for SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from citydesk.dossiers.models import Dossier, PhoneCheckFailures


def code_limit() -> int:
    return settings.CITYDESK_DOSSIER_PHONE_TRIES_PER_CODE


def window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CITYDESK_DOSSIER_PHONE_WINDOW_MINUTES)


def phone_checks_left(dossier: Dossier, *, now: dt.datetime | None = None) -> int:
    """Wrong answers still allowed on `dossier` in the current window (0: the check is closed for now)."""
    now = now or timezone.now()
    row = PhoneCheckFailures.objects.filter(dossier_id=dossier.pk).only("failures", "window_start").first()
    if row is None or row.window_start <= now - window():
        return code_limit()
    return max(code_limit() - row.failures, 0)


_TABLE = PhoneCheckFailures._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (dossier_id, failures, window_start) VALUES (%s, 1, %s) "
    f"ON CONFLICT (dossier_id) DO UPDATE SET "
    f"failures = CASE WHEN {_TABLE}.window_start <= %s THEN 1 ELSE {_TABLE}.failures + 1 END, "
    f"window_start = CASE WHEN {_TABLE}.window_start <= %s THEN excluded.window_start "
    f"ELSE {_TABLE}.window_start END "
    f"RETURNING failures"
)


def phone_check_failed(*, dossier: Dossier, now: dt.datetime | None = None) -> int:
    """Count one wrong answer on `dossier` (a new window once the last one is over); returns the wrong
    answers still allowed in the window."""
    now = now or timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    expired = connection.ops.adapt_datetimefield_value(now - window())
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [dossier.pk, at, expired, expired])
        failures = cursor.fetchone()[0]
    return max(code_limit() - int(failures), 0)
