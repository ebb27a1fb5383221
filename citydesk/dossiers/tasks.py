"""Periodic dossier work, run by the task worker: deleting the expired files kept from refused filings (and
the expired records of who read personal data)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from citydesk.core.tasks import enqueue_once
from citydesk.dossiers import staging

PURGE_EVERY = timedelta(hours=1)


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
