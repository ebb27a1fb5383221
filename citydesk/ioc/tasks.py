"""The heat map's store, rebuilt by the task worker once enough changes are logged (ioc/heat.py)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from citydesk.core.tasks import enqueue_once

CHECK_EVERY = timedelta(minutes=10)


def refresh_heat_map() -> dict[str, int]:
    from citydesk.ioc import heat

    built = heat.refresh()
    return {"rows": built.rows if built else 0, "built": int(bool(built and built.kept))}


@task()
def heat_map_task() -> dict[str, int]:
    counts = refresh_heat_map()
    schedule_heat_map(after=CHECK_EVERY)
    return counts


def schedule_heat_map(*, after: timedelta = timedelta(0)) -> bool:
    """Enqueue the check unless one is already waiting. Returns whether one was enqueued."""
    return enqueue_once(heat_map_task, after=after)
