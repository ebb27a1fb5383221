"""Background tasks (Django Tasks API; the database backend's `db_worker` runs them)."""

from django.db.models import Min
from django_tasks import task

from citydesk.notifications.models import Notification
from citydesk.notifications.services import deliver_due


@task()
def deliver_outbox() -> dict[str, int]:
    """Deliver what is due, then schedule one follow-up run for the earliest retry, if any."""
    counts = deliver_due()
    next_retry = Notification.objects.filter(status=Notification.Status.PENDING).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if next_retry is not None and not _follow_up_scheduled():
        deliver_outbox.using(run_after=next_retry).enqueue()
    return counts


def _follow_up_scheduled() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend (e.g. Redis-based) schedules retries itself
        return False
    return DBTaskResult.objects.filter(task_path=f"{__name__}.deliver_outbox", status="READY").exists()
