"""The partial indexes on people and links most rows lack: every look-up by them still uses an index.

Reports (reports 0014; the contact phone the hotline looks callers up by, 0016), dossiers (dossiers 0011) and
the in-app inbox (notifications 0005).

An index `WHERE x IS NOT NULL` holds only the rows that have an `x`, so an intake without a reporter,
an assignee, an operator… writes no page of it. The database can use such an index only when the
query's condition implies `x IS NOT NULL` (`x = ?` and `x IN (…)` do); these tests read the plan of
each real look-up, on SQLite and on PostgreSQL (told not to prefer a scan of these tiny tables).
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from citydesk.dossiers.models import Dossier, DossierStep
from citydesk.notifications.models import Notification
from citydesk.reports.models import Follower, Report, ReportEvent
from citydesk.reports.selectors import caller_candidates


def _plan(queryset, index: str) -> str:
    """The plan of `queryset`. On PostgreSQL, told not to scan the (tiny) table and without the table's
    indexes that do not hold the looked-up column (unique and primary-key ones included): on an empty
    table a full scan of any other index costs as little as the partial one, and which of the two the
    planner then picks depends on the statistics of the moment. Dropped in a savepoint rolled back at
    once."""
    table = queryset.model._meta.db_table
    sid = transaction.savepoint()
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = %s",
                    [table],
                )
                definitions = dict(cursor.fetchall())
                column = definitions[index].split("(", 1)[1].split(")", 1)[0]
                cursor.execute(
                    "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND conindid <> 0",
                    [table],
                )
                constraints = {row[0] for row in cursor.fetchall()}
                for name, definition in definitions.items():
                    if column in definition:
                        continue
                    if name in constraints:  # a primary key or a unique constraint: its index goes with it
                        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}" CASCADE')
                    else:
                        cursor.execute(f'DROP INDEX "{name}"')
        return queryset.explain()
    finally:
        transaction.savepoint_rollback(sid)


LOOKUPS = [
    ("report_reporter", lambda user: Report.objects.filter(reporter=user)),
    ("report_assignee", lambda user: Report.objects.filter(assignee=user)),
    ("report_entered_by", lambda user: Report.objects.filter(entered_by=user)),
    ("report_open311_client", lambda user: Report.objects.filter(open311_client_id__in=[1, 2])),
    ("report_duplicate_of", lambda user: Report.objects.filter(duplicate_of_id=7)),
    ("report_contact_phone", lambda user: caller_candidates("0912345678")[:50]),
    ("reportevent_actor", lambda user: ReportEvent.objects.filter(actor=user)),
    ("follower_user_set", lambda user: Follower.objects.filter(user=user)),
    ("follower_via_set", lambda user: Follower.objects.filter(via_id=7)),
    ("notification_inbox", lambda user: Notification.objects.filter(recipient=user, channel="in_app")),
    ("dossier_applicant", lambda user: Dossier.objects.filter(applicant=user)),
    ("dossier_campaign", lambda user: Dossier.objects.filter(campaign_id=3)),
    ("dossierstep_assignee", lambda user: DossierStep.objects.filter(assignee=user)),
    ("dossierstep_completed_by", lambda user: DossierStep.objects.filter(completed_by__in=[user])),
]


@pytest.mark.parametrize(("index", "lookup"), LOOKUPS, ids=[name for name, _ in LOOKUPS])
def test_lookups_by_person_or_link_use_the_partial_index(personas, index, lookup):
    assert index in _plan(lookup(personas.citizen), index)


def test_the_partial_indexes_leave_out_rows_without_the_person(personas):
    """The indexes are partial: a row without the person is not in them (the point of the change)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        else:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        definitions = dict(cursor.fetchall())
    for index, _ in LOOKUPS:
        # A text column's "none" is '' rather than NULL.
        condition = "NOT" if index == "report_contact_phone" else "IS NOT NULL"
        assert "WHERE" in definitions[index].upper() and condition in definitions[index].upper(), index
    # The citizen's key is checked against the report found by its code, never searched for.
    assert not [
        name for name, sql in definitions.items() if sql and "citizen_token" in sql and "report" in name
    ]
