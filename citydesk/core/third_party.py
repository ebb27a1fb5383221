"""The installed third-party apps, named in the back office in the user's language.

Their own code names them in English only: the app names are plain strings (replaced here by subclassing
their AppConfig, same label, so their tables and migrations do not change), and their model names are
English msgids with no Vietnamese catalog (listed below so that our catalog translates them).
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_tasks_db.apps import TasksAppConfig


class TasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")


class AxesConfig(AxesAppConfig):
    verbose_name = _("Log-in protection")


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
