"""Test help: the units' reports of values a test writes straight into the table.

Only the values of reports sent (submitted, approved, locked) reach the leaders' figures. Tests of the
figures that write values directly (not through the entry services, which keep a draft report) send
the reports of those values with `send_reports()`, or have each value created while the
`reports_sent` fixture is on sent with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models.signals import post_save

from citydesk.indicators import running
from citydesk.indicators.models import DataValue, Indicator, Source, Submission, SubmissionState


def send_reports(state: str = SubmissionState.APPROVED) -> int:
    """A report in `state` for every entered value that has none yet (existing reports stay as they are).
    The caller refreshes the running totals (`running.refresh_years()`) when it wrote values in bulk."""
    keys = set(
        DataValue.objects.filter(indicator__source=Source.ENTRY).values_list(
            "indicator__group_id", "unit_id", "period_type", "period"
        )
    )
    keys -= set(Submission.objects.values_list("group_id", "unit_id", "period_type", "period"))
    Submission.objects.bulk_create(
        [Submission(group_id=g, unit_id=u, period_type=t, period=p, state=state) for g, u, t, p in keys]
    )
    return len(keys)


def _sent_with(sender: Any, instance: DataValue, created: bool = False, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    group_id, source = Indicator.objects.values_list("group_id", "source").get(pk=instance.indicator_id)
    if source != Source.ENTRY:
        return
    _report, made = Submission.objects.get_or_create(
        group_id=group_id,
        unit_id=instance.unit_id,
        period_type=instance.period_type,
        period=instance.period,
        defaults={"state": SubmissionState.APPROVED},
    )
    if made:  # the totals were refreshed before the report existed
        running.changed(instance.indicator_id, instance.unit_id, instance.period_type, instance.period)


@pytest.fixture
def reports_sent() -> Iterator[None]:
    """Each entered value created (`DataValue.objects.create`) comes with its unit's report approved,
    unless the unit has a report of that group and period already."""
    post_save.connect(_sent_with, sender=DataValue, dispatch_uid="tests-reports-sent")
    try:
        yield
    finally:
        post_save.disconnect(sender=DataValue, dispatch_uid="tests-reports-sent")
