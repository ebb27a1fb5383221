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


# Columns only ever matched whole, on tables every intake or audited change writes.
MATCHED_WHOLE = (*HOT_TABLES, "core_auditentry", "ratings_desktransaction")


def test_no_like_pattern_index_on_columns_matched_whole():
    """PostgreSQL gives each indexed text column a second `varchar_pattern_ops` index for LIKE 'x%';
    no query of ours matches a code, ward or hash by prefix, so those are dropped (reports 0017)."""
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL creates operator-class indexes for LIKE")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef LIKE %s ORDER BY 1",
            [list(MATCHED_WHOLE), "%pattern_ops%"],
        )
        assert [row[0] for row in cursor.fetchall()] == []


def test_reports_have_no_index_on_the_province_code():
    """Nothing selects reports by province code (the ward, the unit and the cells serve that)."""
    assert [
        name for name, (cols, _u) in _indexes("reports_report").items() if cols == ["province_code"]
    ] == []
