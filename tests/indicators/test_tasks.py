"""The daily indicator work runs through the task worker, once a day, one pending run at a time."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from citydesk.indicators.tasks import daily_work, schedule_indicators_daily

pytestmark = pytest.mark.django_db


def test_daily_work_runs_on_an_empty_catalog():
    counts = daily_work()
    assert counts == {"platform_values": 0, "reminded": 0, "flagged": 0}


def test_scheduling_twice_enqueues_one_run(capsys):
    from django_tasks_db.models import DBTaskResult

    assert schedule_indicators_daily() is True
    assert schedule_indicators_daily() is False
    call_command("indicators-daily", "--schedule")
    assert "từ trước" in capsys.readouterr().out
    pending = DBTaskResult.objects.filter(
        task_path="citydesk.indicators.tasks.indicators_daily_task", status="READY"
    )
    assert pending.count() == 1
