"""Periodic dossier work, run by the task worker: deleting the expired files kept from refused filings."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from citydesk.core.tasks import enqueue_once
from citydesk.dossiers import staging

PURGE_EVERY = timedelta(hours=1)


@task()
def purge_staged_uploads_task() -> dict[str, int]:
    """Delete the expired staged uploads, then schedule the next run (one pending run at a time)."""
    removed = staging.purge_expired()
    schedule_purge_staged_uploads(after=PURGE_EVERY)
    return {"removed": removed}


def schedule_purge_staged_uploads(*, after: timedelta = timedelta(0)) -> bool:
    """Enqueue the purge unless a run is already waiting. Returns whether one was enqueued."""
    return enqueue_once(purge_staged_uploads_task, after=after)
