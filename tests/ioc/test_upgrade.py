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
    # (The model is today's: only columns that version had.)
    assert RollupState.objects.filter(pk=1).update(definition="an older version") == 1

    executor = MigrationExecutor(connection)
    executor.migrate(latest)  # must not fail on the triggers
    assert rollup.ensure_installed(verbosity=0)  # the definitions changed: triggers, cells, store

    day = timezone.localtime(report.created_at).date()
    assert sum(heat.counts(Filters(day, day)).values()) == 1
    submit_report()  # the new triggers log into the new columns
    assert sum(heat.counts(Filters(day, day)).values()) == 2


def test_the_cells_move_to_a_key_only_table_and_are_rebuilt(personas, categories):
    """Migration 0008 gives the cells their key as primary key (WITHOUT ROWID on SQLite) and drops the
    ward grains; ensure_installed then puts the triggers back and rebuilds the cells. Down and up again,
    the cells are what they were and the triggers still keep them."""
    from citydesk.ioc.models import Cell

    for _ in range(3):
        submit_report()
    before = sorted(Cell.objects.values_list(*rollup.KEY, *rollup.MEASURES))
    assert before
    latest = _latest()
    MigrationExecutor(connection).migrate([("ioc", "0007_heat_ward_outcome")])
    MigrationExecutor(connection).migrate(latest)
    assert rollup.ensure_installed(verbosity=0)  # the migration asked for it
    assert sorted(Cell.objects.values_list(*rollup.KEY, *rollup.MEASURES)) == before
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ioc_cell'")
            assert cursor.fetchone()[0].endswith("WITHOUT ROWID")
        else:
            cursor.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'ioc_cell'::regclass AND i.indisprimary"
            )
            assert {row[0] for row in cursor.fetchall()} == set(rollup.KEY)
    submit_report()  # the triggers add to the cells again
    assert sum(n for (n,) in Cell.objects.filter(grain=1).values_list("n")) == 4
