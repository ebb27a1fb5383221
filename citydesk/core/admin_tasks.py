"""The background task queue's list in the back office (django_tasks_db's admin), in the reader's language:
its columns were the model's field names in English (TASK NAME, ENQUEUED AT…), which no catalog translates."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The statuses and names django_tasks marks for translation, which its own catalogs lack in Vietnamese.
TASK_WORDS = (
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)


def _task_result_name(result: Any) -> str:
    """A task run as people name it: what it does and how it went ("deliver_outbox – Thành công")."""
    return f"{result.task_name} – {result.get_status_display()}"


def install() -> None:
    from django_tasks_db.admin import DBTaskResultAdmin
    from django_tasks_db.models import DBTaskResult

    if not admin.site.is_registered(DBTaskResult):
        return
    if DBTaskResult.__str__ is models.Model.__str__:
        # The row's page title and breadcrumb read "DBTaskResult object (…uuid…)" otherwise.
        DBTaskResult.__str__ = _task_result_name  # type: ignore[method-assign]

    class TaskResultAdmin(DBTaskResultAdmin):
        list_display = ("id", "task", "status", "enqueued", "started", "finished", "priority_shown", "queue")
        list_filter = ("status", "queue_name")

        @admin.display(description=_("Task"), ordering="task_path")
        def task(self, obj: Any) -> str:
            return obj.task_name

        @admin.display(description=_("Enqueued at"), ordering="enqueued_at")
        def enqueued(self, obj: Any) -> Any:
            return obj.enqueued_at

        @admin.display(description=_("Started at"), ordering="started_at")
        def started(self, obj: Any) -> Any:
            return obj.started_at

        @admin.display(description=_("Finished at"), ordering="finished_at")
        def finished(self, obj: Any) -> Any:
            return obj.finished_at

        @admin.display(description=_("Priority"), ordering="priority")
        def priority_shown(self, obj: Any) -> Any:
            return obj.priority

        @admin.display(description=_("Queue"), ordering="queue_name")
        def queue(self, obj: Any) -> str:
            return obj.queue_name

        # The row's page: two labels django_tasks_db writes as plain English strings.
        @admin.display(description=_("Run after"))
        def display_run_after(self, obj: Any) -> Any:
            return super().display_run_after(obj)

        @admin.display(description=_("Traceback"))
        def formatted_traceback(self, obj: Any) -> str:
            return super().formatted_traceback(obj)

    admin.site.unregister(DBTaskResult)
    admin.site.register(DBTaskResult, TaskResultAdmin)
