"""Upgrading a database whose roll-up triggers are installed: the heat-map migrations must not trip over
them (SQLite remakes a table to add a column, and a trigger naming it then fails)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from citydesk.ioc import heat, rollup
from citydesk.ioc.models import RollupState
from citydesk.ioc.queries import Filters
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ioc", "0006_heat_store")]


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "ioc"]


def test_migrating_forward_with_the_triggers_installed(personas, categories):
    report = submit_report()
    latest = _latest()
    # Back to the store's first version, without triggers (as that version's migrate left them)...
    with connection.cursor() as cursor:
        for sql in rollup.trigger_statements(connection.vendor, up=False):
            cursor.execute(sql)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # ... whose post-migrate step installed triggers naming the log table.
    with connection.cursor() as cursor:
        for sql in rollup.trigger_statements(connection.vendor):
            cursor.execute(sql)
    RollupState.objects.update_or_create(pk=1, defaults={"definition": "an older version"})

    executor = MigrationExecutor(connection)
    executor.migrate(latest)  # must not fail on the triggers
    assert rollup.ensure_installed(verbosity=0)  # the definitions changed: triggers, cells, store

    day = timezone.localtime(report.created_at).date()
    assert sum(heat.counts(Filters(day, day)).values()) == 1
    submit_report()  # the new triggers log into the new columns
    assert sum(heat.counts(Filters(day, day)).values()) == 2
