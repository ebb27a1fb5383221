"""What every rating write shares: the levels, the month of a rating, the monthly counts (one upsert),
the per-device rate limits and the refusal they raise."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from citydesk.core.errors import Conflict, DomainError
from citydesk.ratings.models import Channel, Level, Rating, RatingMonth

# Web and app: at most this many ratings from one device in an hour.
DEVICE_LIMIT_PER_HOUR = 10
# ... and from one network address, whatever device each says it is (changing the app's X-Device-Id does
# not buy new ratings). Generous: many phones share one carrier address.
ADDRESS_LIMIT_PER_HOUR = 60
DEVICE_MARK = ".id:"  # in a device key, before the hash of the app's X-Device-Id
# What a rating stores as its device (Rating.device, 64 characters): "ip:" and a hash of the address, then,
# with the app's X-Device-Id, ".id:" and a hash of that. The address comes first, so one range of the
# (device, created_at) index counts an address's ratings, and one value a device's: no new column.
ADDRESS_HASH_LENGTH = 32
DEVICE_HASH_LENGTH = 24
_HEX_NEXT = {**{c: n for c, n in zip("012345678abcde", "123456789bcdef", strict=True)}, "9": "a", "f": "g"}
# Kiosks are protected by the one-rating-per-transaction rule; on top, one tablet records at most one
# rating every this many seconds (a finger drumming on the buttons).
KIOSK_MIN_INTERVAL_SECONDS = 2
COMMENT_MAX = 1000


class RateLimited(DomainError):
    """Too many ratings from one device: HTTP 429."""

    status = 429


class AlreadyRated(Conflict):
    """The transaction or dossier has its rating already (HTTP 409): not a mistake of the citizen's, so the
    pages say it as a notice, not under “There is a problem”."""


def device_limit_per_hour() -> int:
    return int(getattr(settings, "CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR", DEVICE_LIMIT_PER_HOUR))


def address_limit_per_hour() -> int:
    return int(getattr(settings, "CITYDESK_RATING_ADDRESS_LIMIT_PER_HOUR", ADDRESS_LIMIT_PER_HOUR))


def device_key(address: str, device_id: str = "") -> str:
    """The device of a rating from `address` (an IP address; never stored as such) and the app's
    `device_id`: “ip:<32 hex>” or “ip:<32 hex>.id:<24 hex>”."""
    key = "ip:" + hashlib.sha256((address or "unknown").encode()).hexdigest()[:ADDRESS_HASH_LENGTH]
    device_id = (device_id or "").strip()
    if device_id:
        key += DEVICE_MARK + hashlib.sha256(device_id.encode()).hexdigest()[:DEVICE_HASH_LENGTH]
    return key


def _address_of(device: str) -> str | None:
    """The address part of a device key (“ip:<32 hex>”), None for any other device string."""
    prefix = device[: 3 + ADDRESS_HASH_LENGTH]
    if not prefix.startswith("ip:") or len(prefix) < 3 + ADDRESS_HASH_LENGTH or prefix[-1] not in _HEX_NEXT:
        return None
    return prefix


def _check_address_limit(device: str, now: datetime) -> None:
    """At most N web and app ratings an hour from one address, counted on one index range: the keys from
    the address's hash up to the next hash (letters and digits only, so any collation orders them alike)."""
    prefix = _address_of(device)
    if prefix is None:
        return
    limit = address_limit_per_hour()
    recent = Rating.objects.filter(
        device__gte=prefix,
        device__lt=prefix[:-1] + _HEX_NEXT[prefix[-1]],
        created_at__gte=now - timedelta(hours=1),
        channel__in=(Channel.WEB, Channel.APP),
    ).count()
    if recent >= limit:
        raise RateLimited(
            _("Too many ratings from this network address: at most %(n)s an hour. Please try again later.")
            % {"n": limit},
            field="device",
        )


def kiosk_min_interval() -> float:
    return float(getattr(settings, "CITYDESK_KIOSK_MIN_INTERVAL_SECONDS", KIOSK_MIN_INTERVAL_SECONDS))


def check_level(level: str) -> str:
    level = (level or "").strip().lower()
    if level not in Level.values:
        raise DomainError(_("Choose satisfied, normal or unsatisfied."), field="level")
    return level


def clean_comment(comment: str) -> str:
    """The comment as stored (NFC); too long, or holding a NUL (which PostgreSQL cannot store), is refused."""
    from citydesk.lib.text import nfc

    if "\x00" in (comment or ""):  # refused, not silently dropped (as the pages' forms refuse it)
        raise DomainError(_("Null characters are not allowed."), field="comment")
    # Stored as every text is (NFC, each run of spaces and line breaks one space): counted so, as the
    # page's live count (comment.js) counts it.
    comment = nfc(comment or "")
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            _("The comment is too long (at most %(n)s characters).") % {"n": grouped(COMMENT_MAX)},
            field="comment",
        )
    return comment


def grouped(number: int) -> str:
    """A whole number grouped the page language's way: 1.000 in Vietnamese, 1,000 in English."""
    return number_format(number, force_grouping=True)


def month_of(moment: datetime) -> date:
    """The first day of the local (Asia/Ho_Chi_Minh) month of a moment."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def check_device_limit(device: str, now: datetime) -> None:
    """Web and app ratings: at most N an hour from one device, and M from one address (no device given: no
    limit). A browser names no device (its key is its address alone): only the address limit counts it,
    or every resident behind one carrier or office address would share one device's few ratings."""
    if not device:
        return
    if _address_of(device) is not None and DEVICE_MARK not in device:
        _check_address_limit(device, now)
        return
    limit = device_limit_per_hour()
    recent = Rating.objects.filter(
        device=device, created_at__gte=now - timedelta(hours=1), channel__in=(Channel.WEB, Channel.APP)
    ).count()
    if recent >= limit:
        raise RateLimited(
            _("Too many ratings from this device: at most %(n)s an hour. Please try again later.")
            % {"n": limit},
            field="device",
        )
    _check_address_limit(device, now)


def check_kiosk_interval(device: str, now: datetime) -> None:
    interval = kiosk_min_interval()
    if not device or interval <= 0:
        return
    since = now - timedelta(seconds=interval)
    if Rating.objects.filter(device=device, created_at__gt=since, channel=Channel.KIOSK).exists():
        raise RateLimited(
            _("This kiosk has just recorded a rating. Please wait a moment."),
            field="device",
        )


# --- Monthly counts -------------------------------------------------------------------------------

_TABLE = RatingMonth._meta.db_table
_KEY = "month, unit_id, officer_id, procedure_id, channel, imported"
_COLUMNS = "month, unit_id, officer_id, procedure_id, channel, satisfied, normal, unsatisfied, imported"


def _upsert_sql(rows: int, *, replace: bool) -> str:
    one = "(%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    if replace:  # an imported row sets the counts of its key
        update = (
            "satisfied = excluded.satisfied, normal = excluded.normal, unsatisfied = excluded.unsatisfied"
        )
    else:  # a live rating adds one
        update = ", ".join(
            f"{c} = {_TABLE}.{c} + excluded.{c}" for c in ("satisfied", "normal", "unsatisfied")
        )
    return (
        f"INSERT INTO {_TABLE} ({_COLUMNS}) "
        f"VALUES {', '.join([one] * rows)} ON CONFLICT ({_KEY}) DO UPDATE SET {update}"
    )


def month_rows_upsert(rows: list[tuple[date, int, int, int, str, int, int, int]], *, imported: bool) -> None:
    """Upsert (month, unit, officer, procedure, channel, satisfied, normal, unsatisfied) rows.

    `INSERT … ON CONFLICT … DO UPDATE` works on SQLite (3.24+) and PostgreSQL. Live counts are added to;
    imported ones replace the counts of their key (re-importing a file changes nothing)."""
    adapt = connection.ops.adapt_datefield_value
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        params: list[object] = []
        for month, unit_id, officer_id, procedure_id, channel, s, n, u in chunk:
            params += [adapt(month), unit_id, officer_id or 0, procedure_id or 0, channel, s, n, u, imported]
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(len(chunk), replace=imported), params)


def month_count_add(rating: Rating) -> None:
    """Count one live rating in its month (same transaction as the rating)."""
    counts = {level: int(rating.level == level) for level in Level.values}
    month_rows_upsert(
        [
            (
                month_of(rating.created_at),
                rating.unit_id,
                rating.officer_id or 0,
                rating.procedure_id or 0,
                rating.channel,
                counts[Level.SATISFIED],
                counts[Level.NORMAL],
                counts[Level.UNSATISFIED],
            )
        ],
        imported=False,
    )


def month_expression(column: str) -> tuple[str, list[object]]:
    """SQL for the first day of the local month of a UTC timestamp column, with its parameters."""
    if connection.vendor == "postgresql":
        return f"(date_trunc('month', {column} AT TIME ZONE %s))::date", [settings.TIME_ZONE]
    # SQLite stores UTC text; Asia/Ho_Chi_Minh has no daylight saving time: one fixed offset.
    offset = timezone.now().astimezone(timezone.get_default_timezone()).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return f"date({column}, '{minutes:+d} minutes', 'start of month')", []


@transaction.atomic
def live_months_rebuild() -> int:
    """Recompute every live (non-imported) monthly count from the ratings, in one statement.

    Imported history is kept. Returns the number of monthly rows written."""
    rating = Rating._meta.db_table
    month, params = month_expression("created_at")
    sums = ", ".join(
        f"SUM(CASE WHEN level = '{level}' THEN 1 ELSE 0 END)" for level in Level.values
    )  # satisfied, normal, unsatisfied: the order of Level
    false = "false" if connection.vendor == "postgresql" else "0"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_TABLE} WHERE imported = {false}")
        cursor.execute(
            f"INSERT INTO {_TABLE} ({_COLUMNS}) "
            f"SELECT {month}, unit_id, COALESCE(officer_id, 0), COALESCE(procedure_id, 0), channel, {sums}, "
            f"{false} FROM {rating} GROUP BY 1, 2, 3, 4, 5",
            params,
        )
        return cursor.rowcount
