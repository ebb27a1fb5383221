"""The audit trail is append-only and any edited or deleted row is detected."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from citydesk.core.audit import Actor, audit_record, audit_verify
from citydesk.core.models import AuditEntry


def _fill(n: int = 5) -> list[AuditEntry]:
    actor = Actor(user_id=7, label="Phạm Quốc Hùng")
    return [
        audit_record(
            actor=actor,
            action="thing.update",
            object_type="thing",
            object_id=i,
            before={"state": "cũ", "n": i},
            after={"state": "mới", "n": i + 1},
        )
        for i in range(n)
    ]


def _disable_guard() -> None:
    """What an attacker with database rights would do before tampering."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
        else:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")


@pytest.mark.django_db
def test_chain_links_each_entry_to_the_previous():
    entries = _fill()
    assert entries[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    checked, problems = audit_verify()
    assert (checked, problems) == (5, [])


@pytest.mark.django_db
def test_database_refuses_update_and_delete():
    entry = _fill(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "thing.update"


@pytest.mark.django_db
def test_edited_row_is_detected():
    entries = _fill()
    _disable_guard()
    AuditEntry.objects.filter(pk=entries[2].pk).update(after={"state": "giả mạo", "n": 3})
    _checked, problems = audit_verify()
    problems = [p for p in problems if p.kind == "chain"]  # the lifted triggers are reported apart
    assert [p.entry_id for p in problems] == [entries[2].pk]
    assert "đã bị sửa" in problems[0].message


@pytest.mark.django_db
def test_edited_and_rehashed_row_breaks_the_next_link():
    entries = _fill()
    _disable_guard()
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    AuditEntry.objects.filter(pk=forged.pk).update(actor_label="Người khác", hash="f" * 64)
    _checked, problems = audit_verify()
    assert {p.entry_id for p in problems if p.kind == "chain"} == {entries[1].pk, entries[2].pk}


@pytest.mark.django_db
def test_deleted_middle_row_is_detected():
    entries = _fill()
    _disable_guard()
    AuditEntry.objects.filter(pk=entries[2].pk).delete()
    _checked, problems = audit_verify()
    assert any("thiếu các bản ghi" in p.message for p in problems)


@pytest.mark.django_db
def test_deleted_last_row_is_detected_by_the_chain_head():
    entries = _fill()
    _disable_guard()
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    _checked, problems = audit_verify()
    assert any("bị xóa" in p.message for p in problems)


@pytest.mark.django_db
def test_audit_verify_command_exit_codes(capsys):
    _fill(3)
    call_command("audit-verify")
    assert "đã kiểm tra 3 bản ghi" in capsys.readouterr().out
    _disable_guard()
    AuditEntry.objects.filter(pk=2).update(object_id="999")
    with pytest.raises(CommandError) as err:
        call_command("audit-verify")
    assert err.value.returncode == 1
    assert "#2" in capsys.readouterr().err
