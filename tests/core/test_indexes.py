"""The hot write paths' tables carry no index that another one already covers: each index costs every
INSERT a b-tree write, and a foreign key's own index is redundant when a composite index starts with it."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

HOT_TABLES = (
    "reports_report",
    "reports_reportevent",
    "notifications_notification",
    "dossiers_dossier",
    "dossiers_dossierevent",
    "dossiers_dossierstep",
)


def _indexes(table: str) -> dict[str, tuple[list[str], bool]]:
    """name -> (columns, unique-or-primary) of the plain (non-partial) indexes."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql LIKE %s",
                [table, "% WHERE %"],
            )
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, "% WHERE %"],
            )
        partial = {row[0] for row in cursor.fetchall()}
    return {
        name: (c["columns"], bool(c["unique"] or c["primary_key"]))
        for name, c in constraints.items()
        if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"] and name not in partial
    }


@pytest.mark.parametrize("table", HOT_TABLES)
def test_no_index_is_the_prefix_of_another(table):
    indexes = _indexes(table)
    assert indexes, table
    redundant = [
        (name, cols, other)
        for name, (cols, unique) in indexes.items()
        if not unique
        for other, (other_cols, _u) in indexes.items()
        if other != name and len(other_cols) > len(cols) and other_cols[: len(cols)] == cols
    ]
    assert redundant == []
