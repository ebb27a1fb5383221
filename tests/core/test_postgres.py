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


@pytest.mark.django_db(transaction=True)
def test_the_worker_cannot_claim_a_wake_up_an_open_transaction_relies_on(personas):
    """The worker's claim (SKIP LOCKED) skips the wake-up row that a transaction queuing a message holds."""
    import threading

    from django.db import connections
    from django_tasks_db.models import DBTaskResult

    from citydesk.notifications.services import notification_queue

    notification_queue(channel="email", address="first@example.vn", subject="A", body="...")  # READY wake
    claimed: list[object] = []

    def worker_claim() -> None:
        try:
            with transaction.atomic():
                claimed.append(DBTaskResult.objects.ready().get_locked())
        finally:
            connections.close_all()

    with transaction.atomic():
        notification_queue(channel="email", address="second@example.vn", subject="B", body="...")
        assert DBTaskResult.objects.count() == 1  # relied on the pending wake-up, locked it
        thread = threading.Thread(target=worker_claim)
        thread.start()
        thread.join()
    assert claimed == [None], "the worker must not run the wake-up before the second message is committed"
    with transaction.atomic():
        assert DBTaskResult.objects.ready().get_locked() is not None  # after commit it is claimable


def test_a_statement_run_five_times_on_a_connection_is_prepared():
    """Parameters bound by the server and repeated statements prepared (settings: server_side_binding,
    prepare_threshold): the intake's statements are parsed and planned once per connection."""
    sql = "SELECT count(*) FROM core_auditentry WHERE id > %s AND action <> %s"

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%action <> $2%"]
            )
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute(sql, [0, "x"])
        assert prepared() == 0  # bound by the server ($1, $2), not yet prepared
        for n in range(5):
            cursor.execute(sql, [n, "x"])
    assert prepared() == 1
