"""Periodic deadline work, run by the task worker (never on page load)."""

from datetime import timedelta

from django_tasks import task

from citydesk.core.tasks import enqueue_once
from citydesk.reports.services import sla_sweep
from citydesk.reports.services.intake import purge_limit_counts

SWEEP_EVERY = timedelta(minutes=5)


@task()
def sla_sweep_task() -> dict[str, int]:
    """Warn, escalate (due times and triage deadlines) and auto-close; then schedule the next run (one
    pending run at a time)."""
    counts = sla_sweep()
    counts["limit_counts_purged"] = purge_limit_counts()
    schedule_sla_sweep(after=SWEEP_EVERY)
    return counts


def schedule_sla_sweep(*, after: timedelta = timedelta(0)) -> bool:
    """Enqueue the sweep unless a run is already waiting. Returns whether one was enqueued."""
    return enqueue_once(sla_sweep_task, after=after)
