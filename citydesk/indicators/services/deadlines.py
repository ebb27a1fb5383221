"""When a period's report is due: the Nth working day after the period ends, at close of office."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings

from citydesk.core.calendar import current_calendar

DEFAULT_WORKING_DAYS = 5


def period_end(period_type: str, period: date) -> date:
    """The last day of the period."""
    months = {"M": 1, "Q": 3, "Y": 12}[period_type]
    month_index = period.year * 12 + period.month - 1 + months
    first_after = date(month_index // 12, month_index % 12 + 1, 1)
    return first_after - timedelta(days=1)


def due_at_for(period_type: str, period: date) -> datetime:
    days = int(getattr(settings, "CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS", DEFAULT_WORKING_DAYS))
    calendar = current_calendar()
    day = period_end(period_type, period)
    for _ in range(max(days, 0)):
        day = calendar.next_working_day(day)
    if days <= 0 and not calendar.is_working_day(day):
        day = calendar.next_working_day(day)
    return calendar.close_of(day)
