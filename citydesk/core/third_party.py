"""The installed third-party apps, named in the back office in the user's language.

Their own code names them in English only: the app names are plain strings (replaced here by subclassing
their AppConfig, same label, so their tables and migrations do not change), and their model names are
English msgids with no Vietnamese catalog (listed below so that our catalog translates them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes.apps import AppConfig as AxesAppConfig
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")


class AxesConfig(AxesAppConfig):
    verbose_name = _("Log-in protection")

    def ready(self) -> None:
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        # Their own names of a row (the back office's page titles and messages) are English, in UTC.
        AccessLog.__str__ = _access_log_text  # type: ignore[method-assign,assignment]
        AccessFailureLog.__str__ = _access_failure_text  # type: ignore[method-assign,assignment]
        AccessAttempt.__str__ = _access_attempt_text  # type: ignore[method-assign,assignment]


def _moment(value: datetime | None) -> str:
    """Local time, day first, in both languages (as every date of the site)."""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S") if value else "—"


def _access_log_text(row: Any) -> str:
    return gettext("Log-in of %(user)s at %(time)s") % {
        "user": row.username,
        "time": _moment(row.attempt_time),
    }


def _access_failure_text(row: Any) -> str:
    values = {"user": row.username, "time": _moment(row.attempt_time), "ip": row.ip_address}
    if row.locked_out:
        return gettext("Failed log-in of %(user)s at %(time)s from %(ip)s (locked out)") % values
    return gettext("Failed log-in of %(user)s at %(time)s from %(ip)s") % values


def _access_attempt_text(row: Any) -> str:
    values = {"user": row.username, "ip": row.ip_address, "time": _moment(row.attempt_time)}
    return gettext("Failed log-ins of %(user)s from %(ip)s since %(time)s") % values


# Model names as the apps' own code writes them (translated through our catalog).
THIRD_PARTY_NAMES = (
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
)

# Their field names, as their models write them (the lists' columns and filters, the detail pages).
THIRD_PARTY_FIELDS = (
    # django_tasks_db
    gettext_noop("status"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("args kwargs"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
    # axes
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Time"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Logout Time"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
)
