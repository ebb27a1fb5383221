"""The phone check of a dossier's public page: wrong answers counted per dossier, whoever gives them,
and per network address, whatever the dossier.

A browser's own tries are counted in its session (views/common.py); clearing the cookies resets that,
so the dossier's own count holds the limit: after `code_limit()` wrong answers within `window()` of the
first one, every browser is refused until the window ends. The count is one upsert (two wrong answers
at once both count) on the same SQL for SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
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


# --- Wrong answers per network address, across every dossier --------------------------------------
#
# The counts above are per dossier: one phone number tried against every dossier code (they are
# sequential) costs each dossier one wrong answer only. This count is per visitor address (REMOTE_ADDR,
# which `web.middleware.ForwardedClientAddress` sets from the trusted proxies' header), whatever the
# dossier. It is kept in Django's cache, in fixed windows of `window()`: a window's key is its own, so a
# backend whose `incr` restarts the entry's lifetime (the database cache) cannot stretch it. The default
# cache is a directory of files (CITYDESK_CACHE_DIR) that the machine's web processes share; several
# machines share the count by configuring a shared CACHES backend.


def address_limit() -> int:
    return int(getattr(settings, "CITYDESK_DOSSIER_PHONE_TRIES_PER_ADDRESS", 20))


def network_of(address: str) -> str:
    """What the count is kept for: the IPv4 address, or an IPv6 address's /64 (one subscriber's network,
    whose addresses its owner may change at will)."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "").strip()
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _address_key(address: str, now: dt.datetime) -> str:
    span = max(int(window().total_seconds()), 1)
    digest = hashlib.sha256(network_of(address).encode()).hexdigest()  # no address in the cache's keys
    return f"citydesk:dossier-phone-tries:{digest}:{int(now.timestamp()) // span}"


def address_checks_left(address: str, *, now: dt.datetime | None = None) -> int:
    """Wrong answers still allowed from `address` in the current window (0: refused for now)."""
    failures = cache.get(_address_key(address, now or timezone.now()), 0)
    return max(address_limit() - int(failures), 0)


def address_check_failed(address: str, *, now: dt.datetime | None = None) -> int:
    """Count one wrong answer from `address` (atomic where the cache's `incr` is: Redis, Memcached; the
    default file cache may lose a count to two answers at the same instant); returns the wrong answers still allowed from it in the window."""
    key = _address_key(address, now or timezone.now())
    lifetime = 2 * max(int(window().total_seconds()), 1)
    cache.add(key, 0, timeout=lifetime)
    try:
        failures = cache.incr(key)
        # A backend without an incr of its own (the file cache) sets the new count with its default
        # timeout (5 minutes): the count must last its window.
        cache.touch(key, lifetime)
    except ValueError:  # gone between the two calls (evicted): this answer starts the count again
        cache.set(key, 1, timeout=lifetime)
        failures = 1
    return max(address_limit() - int(failures), 0)
