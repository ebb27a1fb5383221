"""What only PostgreSQL has: the TRUNCATE guard on the audit trail and pg_dump archives."""

import subprocess

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from citydesk.core.audit import Actor, audit_record
from citydesk.core.models import AuditEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_running_on_postgresql():
    assert connection.vendor == "postgresql"


def test_truncate_of_the_audit_trail_is_refused():
    audit_record(actor=Actor.system("test"), action="x", object_type="t", object_id=1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE core_auditentry")
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_backup_is_a_pg_dump_archive(personas, tmp_path):
    path = tmp_path / "pg.backup"
    call_command("backup", str(path))
    assert path.read_bytes()[:5] == b"PGDMP"
    listing = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True, text=True, check=True)
    assert "core_auditentry" in listing.stdout
