"""Queue notifications in the outbox and deliver them. Sending never happens inside the request."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError, NotFound
from citydesk.core.models import User
from citydesk.core.rows import RowWriter
from citydesk.notifications.channels import (
    TRANSPORTS,
    DeliveryError,
    Undeliverable,
    backoff_seconds,
    sms_unreachable,
)
from citydesk.notifications.models import Channel, Notification

log = logging.getLogger("citydesk.notifications")
_NOTIFICATIONS = RowWriter(Notification)


def message_language(user: User | None = None) -> str:
    """The language a message to `user` (or to a citizen without an account) is written in.

    Messages are composed for their recipient, never in the language of the request that caused them
    (an officer working in English still writes to citizens in Vietnamese): the language the person last
    chose on the site or through the API (`User.language`), else the platform's. Compose with
    `translation.override(...)`.
    """
    chosen = getattr(user, "language", "") if user is not None else ""
    if chosen and chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE


def notification_queue(
    *, channel: str, subject: str, body: str, recipient: User | None = None, address: str = ""
) -> Notification:
    """Store the message; the worker is woken after commit. Works inside the caller's transaction."""
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel “%(c)s”.") % {"c": channel}, field="channel")
    if channel == Channel.EMAIL and not address and recipient is not None:
        address = recipient.email
    if channel == Channel.SMS and not address and recipient is not None:
        address = recipient.phone
    if channel != Channel.IN_APP and not address:
        raise DomainError(
            _("No address to send this %(c)s to.") % {"c": Channel(channel).label}, field="address"
        )
    if channel == Channel.IN_APP and recipient is None:
        raise DomainError(_("An in-app notification needs a recipient."), field="recipient")
    notification = Notification(
        channel=channel, subject=subject[:200], body=body, recipient=recipient, address=address
    )
    unreachable = sms_unreachable(address) if channel == Channel.SMS else ""
    if unreachable:
        # Stored failed at once, with why: the officer's page can say the citizen was not reached (a
        # landline given to the hotline), and the worker never hands it to the gateway.
        notification.status = Notification.Status.FAILED
        notification.last_error = unreachable
        _NOTIFICATIONS.insert([notification])
        return notification
    _NOTIFICATIONS.insert([notification])
    _schedule_wake()
    return notification


def _schedule_wake() -> None:
    """One wake-up per transaction, however many messages it queues (a report's update can notify many).

    With the database task backend on the same database, the task row is written inside the caller's
    transaction: it becomes visible together with the messages, and costs no second commit. Any other
    backend is called after commit, so a worker never looks before the messages exist.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        if any(entry[1] in (_wake_worker, _woken) for entry in connection.run_on_commit):
            return
        if _database_backend():
            if not _pending_wake_held(connection):
                from citydesk.notifications.tasks import deliver_outbox

                deliver_outbox.enqueue()  # a failure here fails the whole transaction, messages included
            transaction.on_commit(_woken)  # marks this transaction as woken (dropped on rollback)
            return
    transaction.on_commit(_wake_worker)


def _pending_wake_held(connection: Any) -> bool:
    """Is there a wake-up the worker has not claimed yet, which it cannot claim before we commit?

    Then the worker will see this transaction's messages when it runs it, and no new task row is needed
    (under load, one delivery run serves many intakes). PostgreSQL: the row is locked FOR UPDATE SKIP
    LOCKED, and the worker claims with SKIP LOCKED too, so it waits for our commit (or picks a row of its
    own). SQLite: an IMMEDIATE transaction holds the database's write lock, so the worker's claim waits.
    """
    from django_tasks_db.models import DBTaskResult, get_date_max

    if connection.vendor == "sqlite":
        if connection.settings_dict.get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE":
            return False
        lock = ""
    elif connection.features.has_select_for_update_skip_locked:
        lock = " FOR UPDATE SKIP LOCKED"
    else:
        return False
    table = DBTaskResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE status = 'READY' AND task_path = %s AND run_after = %s "
            f"LIMIT 1{lock}",
            [_WAKE_TASK_PATH, connection.ops.adapt_datetimefield_value(get_date_max())],
        )
        return cursor.fetchone() is not None


_WAKE_TASK_PATH = "citydesk.notifications.tasks.deliver_outbox"


def _woken() -> None:
    """Marker callback: the wake-up task row was already written in this transaction."""


def _database_backend() -> bool:
    from django_tasks import task_backends

    try:
        from django_tasks_db import DatabaseBackend
    except ImportError:
        return False
    return isinstance(task_backends["default"], DatabaseBackend)


def _wake_worker() -> None:
    from citydesk.notifications.tasks import deliver_outbox

    try:
        deliver_outbox.enqueue()
    except Exception:  # the outbox row is safe; the periodic sweep will deliver it
        log.exception("could not enqueue the delivery task")


def _claim(notification_id: int, now: timezone.datetime) -> bool:
    """Conditional UPDATE: exactly one worker moves a row from pending to sending."""
    return (
        Notification.objects.filter(
            pk=notification_id, status=Notification.Status.PENDING, next_attempt_at__lte=now
        ).update(status=Notification.Status.SENDING)
        == 1
    )


# One run of the outbox: it stops taking messages after this long, leaving the rest to the next run, so that a
# slow gateway (a mail server that accepts connections and never answers waits EMAIL_TIMEOUT per message)
# cannot hold the task worker and starve the deadline sweep.
DELIVERY_BUDGET_SECONDS = 120
# A channel that failed this many times in a row in one run is left alone for the rest of it (its gateway is
# down: waiting out every message's timeout would only delay the other channels).
CHANNEL_DOWN_AFTER = 3


def deliver_due(*, limit: int = 200, budget_seconds: float = DELIVERY_BUDGET_SECONDS) -> dict[str, int]:
    """Deliver what is due; failures go back to pending with back-off, or to failed at the limit. Stops
    after `budget_seconds` and skips a channel that keeps failing (both left pending, for the next run)."""
    started = time.monotonic()
    now = timezone.now()
    # Rows stuck in "sending" for 10 minutes (a worker died mid-way) are retried.
    Notification.objects.filter(
        status=Notification.Status.SENDING, next_attempt_at__lt=now - timedelta(minutes=10)
    ).update(status=Notification.Status.PENDING)
    due_ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "retry": 0, "failed": 0, "left": 0}
    channels = dict(
        Notification.objects.filter(pk__in=due_ids).values_list("pk", "channel")
    )  # one query: which channel each due message goes by
    failing: dict[str, int] = {}  # consecutive failures per channel in this run
    for position, notification_id in enumerate(due_ids):
        if time.monotonic() - started > budget_seconds:
            counts["left"] = len(due_ids) - position
            log.warning("notification delivery stopped for this run", extra={"left": counts["left"]})
            break
        if failing.get(channels.get(notification_id, ""), 0) >= CHANNEL_DOWN_AFTER:
            counts["left"] += 1
            continue
        if not _claim(notification_id, now):
            continue
        notification = Notification.objects.select_related("recipient").get(pk=notification_id)
        notification.attempts += 1
        try:
            TRANSPORTS[notification.channel].deliver(notification)
        except Undeliverable as exc:  # no retry can help: failed now, with why
            notification.last_error = str(exc)[:2000]
            notification.status = Notification.Status.FAILED
            counts["failed"] += 1
            log.warning("notification undeliverable", extra={"notification": notification.pk})
        except (DeliveryError, Exception) as exc:  # any gateway failure keeps the message
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            failing[notification.channel] = failing.get(notification.channel, 0) + 1
            # Said at once (monitoring reads the log), without the recipient's address or number.
            log.warning(
                "notification delivery failed",
                extra={
                    "notification": notification.pk,
                    "channel": notification.channel,
                    "attempt": notification.attempts,
                    "error": type(exc).__name__,
                },
            )
            if notification.attempts >= settings.CITYDESK_NOTIFY_MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
                counts["failed"] += 1
                log.error("notification gave up", extra={"notification": notification.pk})
            else:
                notification.status = Notification.Status.PENDING
                notification.next_attempt_at = timezone.now() + timedelta(
                    seconds=backoff_seconds(notification.attempts)
                )
                counts["retry"] += 1
        else:
            failing[notification.channel] = 0
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
            counts["sent"] += 1
        notification.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return counts


def _inbox(user: User) -> Any:
    return Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, status=Notification.Status.SENT
    )


def inbox(user: User, *, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    qs = _inbox(user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(qs.order_by("-created_at")[:limit])


def inbox_page(
    user: User, *, unread_only: bool = False, page: int = 1, page_size: int = 50
) -> tuple[list[Notification], int]:
    """One page of the user's inbox, newest first, and how many messages there are in all; a page past
    the last one is NotFound naming `page`."""
    qs = _inbox(user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    total = qs.count()
    pages = max(1, -(-total // page_size))
    if page > pages:
        raise NotFound(
            _("There is no page %(n)s: the last page is %(pages)s.") % {"n": page, "pages": pages},
            field="page",
        )
    start = (page - 1) * page_size
    return list(qs.order_by("-created_at", "-id")[start : start + page_size]), total


def inbox_message(user: User, notification_id: int) -> Notification | None:
    """One message of the user's inbox (None for another's, an e-mail or an unknown id)."""
    return _inbox(user).filter(pk=notification_id).first()


def inbox_unread_count(user: User) -> int:
    """Unread messages of the user's inbox (on the inbox index: recipient, channel, read time)."""
    return _inbox(user).filter(read_at__isnull=True).count()


def inbox_mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's messages `ids` (all of them when None) read; another's are not touched, an unknown
    id is ignored. Returns how many were unread and are now read."""
    qs = _inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
