"""Daily indicator work, run by the task worker: platform-owned values, reminders, the anomaly scan."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from citydesk.core.tasks import enqueue_once

DAILY = timedelta(days=1)


def daily_work() -> dict[str, int]:
    """Fill last month's platform values, remind late units, and scan for anomalies."""
    from citydesk.indicators.anomalies import scan
    from citydesk.indicators.periods import previous
    from citydesk.indicators.platform import fill_platform
    from citydesk.indicators.services import indicator_reminders

    this_month = timezone.localdate().replace(day=1)
    last_month = previous("M", this_month)
    filled = fill_platform(period_type="M", period=last_month)
    reminded = indicator_reminders()
    found = scan(since=last_month.replace(year=last_month.year - 1))
    return {"platform_values": filled, "reminded": reminded, "flagged": found.get("flagged", 0)}


@task()
def indicators_daily_task() -> dict[str, int]:
    counts = daily_work()
    schedule_indicators_daily(after=DAILY)
    return counts


def schedule_indicators_daily(*, after: timedelta = timedelta(0)) -> bool:
    """Enqueue the daily run unless one is already waiting. Returns whether one was enqueued."""
    return enqueue_once(indicators_daily_task, after=after)
