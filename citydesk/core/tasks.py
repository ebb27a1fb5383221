"""What the periodic tasks share: one pending run at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone


def enqueue_once(task: Any, *, after: timedelta = timedelta(0)) -> bool:
    """Enqueue `task` to run `after` from now unless a run of it is already waiting; whether it was.

    With the database backend the waiting runs are looked up; another backend deduplicates on its own, or
    the operator runs the command from cron."""
    try:
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=task.module_path, status="READY").exists():
            return False
    except ImportError:
        pass
    task.using(run_after=timezone.now() + after).enqueue()
    return True
