"""Periodic dossier work, run by the task worker: deleting the expired files kept from refused filings (and
the expired records of who read personal data), and the deadline sweep of dossiers and their steps."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from citydesk.core.tasks import enqueue_once
from citydesk.dossiers import staging
from citydesk.dossiers.services.alerts import deadline_sweep

PURGE_EVERY = timedelta(hours=1)
SWEEP_EVERY = timedelta(minutes=5)
# The next sweep reads the overdue times from a little before this one looked (a clock a few seconds
# apart between web and worker nodes loses nothing; what this run sent is marked and not sent again).
SWEEP_OVERLAP = timedelta(minutes=1)


@task()
def purge_staged_uploads_task() -> dict[str, int]:
    """Delete the expired staged uploads, and the records of staff readings of personal data older than
    their retention (core.access: one indexed delete), then schedule the next run (one pending at a time)."""
    from citydesk.core.access import purge_expired_access

    removed = staging.purge_expired()
    readings = purge_expired_access()
    schedule_purge_staged_uploads(after=PURGE_EVERY)
    return {"removed": removed, "access_records_removed": readings}


def schedule_purge_staged_uploads(*, after: timedelta = timedelta(0)) -> bool:
    """Enqueue the purge unless a run is already waiting. Returns whether one was enqueued."""
    return enqueue_once(purge_staged_uploads_task, after=after)


@task()
def dossier_sweep_task(since: str = "") -> dict[str, int]:
    """Warn before the due times of dossiers and their steps, tell the unit heads after them
    (`services.alerts.deadline_sweep`); then schedule the next run (one pending at a time), which reads
    only the due times passed since this one (`since`, an ISO datetime; empty: all of them)."""
    now = timezone.now()
    counts = deadline_sweep(now=now, since=dt.datetime.fromisoformat(since) if since else None)
    schedule_dossier_sweep(after=SWEEP_EVERY, since=now - SWEEP_OVERLAP)
    return counts


def schedule_dossier_sweep(*, after: timedelta = timedelta(0), since: dt.datetime | None = None) -> bool:
    """Enqueue the sweep unless a run is already waiting. Returns whether one was enqueued. Without
    `since` the run reads every overdue dossier (the first run after a start)."""
    try:
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=dossier_sweep_task.module_path, status="READY").exists():
            return False
    except ImportError:
        pass
    dossier_sweep_task.using(run_after=timezone.now() + after).enqueue(
        since=since.isoformat() if since is not None else ""
    )
    return True
