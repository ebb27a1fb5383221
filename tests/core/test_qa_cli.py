"""QA defects of the command line (backup, restore, create-user, export-procedures): each test failed on
the old code."""

from __future__ import annotations

import re
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from citydesk.core.models import AuditEntry, Membership, User
from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


# --- Defect 1: restore accepts only a CityDesk database -------------------------------------------


def _write_sqlite(path: Path, statements: list[str]) -> None:
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)


MIGRATIONS_TABLE = (
    "CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)"
)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_citydesks(personas, tmp_path):
    if not _sqlite():
        pytest.skip("SQLite files; PostgreSQL archives are checked in test_a_pg_archive_is_read")
    users = User.objects.count()
    bare = tmp_path / "bare.sqlite3"
    _write_sqlite(bare, [MIGRATIONS_TABLE])
    other = tmp_path / "other-app.sqlite3"
    _write_sqlite(
        other,
        [
            MIGRATIONS_TABLE,
            "INSERT INTO django_migrations (app, name, applied) VALUES ('blog', '0001_initial', '2026-01-01')",
            "CREATE TABLE blog_post (id integer primary key)",
        ],
    )
    rows_only = tmp_path / "rows-only.sqlite3"
    _write_sqlite(
        rows_only,
        [
            MIGRATIONS_TABLE,
            "INSERT INTO django_migrations (app, name, applied) VALUES ('core', '0001_initial', '2026-01-01')",
        ],
    )
    for path in (bare, other, rows_only):
        with pytest.raises(CommandError) as err:
            call_command("restore", str(path), "--yes")
        assert err.value.returncode == 2, path
        assert str(path) in str(err.value)
    assert User.objects.count() == users and User.objects.filter(username="head").exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_newer_version_and_takes_an_older_one(personas, tmp_path):
    if not _sqlite():
        pytest.skip("edits a SQLite backup file")
    path = tmp_path / "citydesk.sqlite3"
    call_command("backup", str(path))
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(path.read_bytes())
    _write_sqlite(
        newer,
        ["INSERT INTO django_migrations (app, name, applied) VALUES ('core', '9999_future', '2030-01-01')"],
    )
    User.objects.filter(username="officer").update(full_name="Sau sao lưu")
    with pytest.raises(CommandError, match="9999_future") as err:
        call_command("restore", str(newer), "--yes")
    assert err.value.returncode == 2
    assert User.objects.get(username="officer").full_name == "Sau sao lưu"  # untouched
    # An older version's backup: a last migration (one nothing depends on) not yet applied.
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    ours = {"core", "reports", "dossiers", "ratings", "indicators", "notifications", "ioc"}
    app, name = sorted(n for n in graph.leaf_nodes() if n[0] in ours and not graph.node_map[n].children)[0]
    older = tmp_path / "older.sqlite3"
    older.write_bytes(path.read_bytes())
    _write_sqlite(older, [f"DELETE FROM django_migrations WHERE app = '{app}' AND name = '{name}'"])
    out = StringIO()
    call_command("restore", str(older), "--yes", stdout=out)
    assert User.objects.get(username="officer").full_name == "Trần Văn Minh"
    assert "citydesk migrate" in out.getvalue()
    call_command("restore", str(path), "--yes", stdout=out)  # back to a complete migration table
    call_command("audit-verify", stdout=StringIO())


def test_the_backup_check_compares_migrations_with_this_code(tmp_path):
    from citydesk.core.backup import CORE_TABLES, check_compatible
    from citydesk.core.errors import DomainError

    nodes = {n for n in MigrationLoader(None, ignore_no_migrations=True).graph.nodes if n[0] == "core"}
    tables = set(CORE_TABLES)
    pending = check_compatible(tmp_path, nodes, tables)  # core complete; the other apps to migrate
    assert pending and not [p for p in pending if p.startswith("core.")]
    with pytest.raises(DomainError, match="core_user"):
        check_compatible(tmp_path, nodes, tables - {"core_user"})
    with pytest.raises(DomainError, match="0001_initial"):
        check_compatible(tmp_path, nodes - {("core", "0001_initial")}, tables)
    with pytest.raises(DomainError):
        check_compatible(tmp_path, {("blog", "0001_initial")}, tables)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pg_archive_is_read(personas, tmp_path):
    from citydesk.core.backup import _read_pg_backup, check_compatible

    path = tmp_path / "citydesk.dump"
    call_command("backup", str(path))
    applied, tables = _read_pg_backup(path)
    assert ("core", "0001_initial") in applied and "core_user" in tables
    assert not [p for p in check_compatible(path, applied, tables) if p.startswith("core.")]
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(b"PGDMP" + b"\0" * 200)
    with pytest.raises(CommandError) as err:
        call_command("restore", str(bogus), "--yes")
    assert err.value.returncode == 2 and User.objects.filter(username="head").exists()


# --- Defect 11: create-user checks what it is given -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--username", "bad user!", "--role", "officer", "--unit", "79"], "username"),
        (["--username", "qa2", "--role", "officer", "--unit", "79", "--phone", "abc"], "phone"),
        (["--username", "qa3", "--role", "officer", "--unit", "79", "--password", "123"], "password"),
        (
            ["--username", "qa4", "--role", "officer", "--unit", "79", "--password", "1234567890123"],
            "password",
        ),
        (["--username", "qa5", "--role", "citizen", "--unit", "26743"], "unit"),
    ],
)
def test_create_user_refuses_bad_input(personas, args, field):
    users, memberships = User.objects.count(), Membership.objects.count()
    with pytest.raises(CommandError) as err:
        call_command("create-user", *args)
    assert err.value.returncode == 2
    assert re.search(rf"\((tùy chọn --{field}|đối số {field.upper()})\)", str(err.value)), str(err.value)
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


def test_create_user_normalises_the_phone_and_refuses_a_taken_one(personas):
    call_command(
        "create-user",
        "--username",
        "qa6",
        "--role",
        "citizen",
        "--phone",
        "+84 901 234 567",
        stdout=StringIO(),
    )
    assert User.objects.get(username="qa6").phone == "0901234567"
    with pytest.raises(CommandError, match=r"\(tùy chọn --phone\)"):
        call_command("create-user", "--username", "qa7", "--role", "citizen", "--phone", "0901234567")
    assert not User.objects.filter(username="qa7").exists()
    call_command(
        "create-user",
        "--username",
        "qa8",
        "--role",
        "officer",
        "--unit",
        "79",
        "--password",
        "Mot-mat-khau-tot",
        stdout=StringIO(),
    )
    assert User.objects.get(username="qa8").check_password("Mot-mat-khau-tot")


# --- Defect 12: backup into a directory, a missing directory, no .part left -----------------------


@pytest.mark.django_db(transaction=True)
def test_backup_into_a_directory_writes_a_dated_file(personas, tmp_path):
    out = StringIO()
    call_command("backup", str(tmp_path), stdout=out)
    suffix = "sqlite3" if _sqlite() else "dump"
    [written] = list(tmp_path.iterdir())
    assert re.fullmatch(rf"citydesk-\d{{8}}-\d{{6}}\.{suffix}", written.name)
    assert written.stat().st_size > 0 and str(written) in out.getvalue()
    assert not list(tmp_path.parent.glob(f"{tmp_path.name}.part"))


@pytest.mark.django_db(transaction=True)  # (the old code's backup, inside a test transaction, waited forever)
def test_backup_to_a_missing_directory_is_refused(personas, tmp_path):
    target = tmp_path / "nonexistent" / "dir" / "x.db"
    with pytest.raises(CommandError) as err:
        call_command("backup", str(target))
    assert err.value.returncode == 2 and "nonexistent" in str(err.value)
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_leaves_no_part_file(personas, tmp_path, monkeypatch):
    def fail(self: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(CommandError) as err:
        call_command("backup", str(tmp_path / "x.backup"))
    assert err.value.returncode == 2 and "No space left" in str(err.value)
    assert list(tmp_path.iterdir()) == []


# --- Defect 14: export-procedures writes only .xlsx -----------------------------------------------


@pytest.mark.parametrize("name", ["x.csv", "x", "x.xls"])
def test_export_procedures_refuses_another_extension(personas, tmp_path, name):
    with pytest.raises(CommandError) as err:
        call_command("export-procedures", str(tmp_path / name))
    assert err.value.returncode == 2 and ".xlsx" in str(err.value)
    assert list(tmp_path.iterdir()) == []
    call_command("export-procedures", str(tmp_path / "ok.XLSX"), stdout=StringIO())
    assert (tmp_path / "ok.XLSX").stat().st_size > 0


def test_export_procedures_keeps_an_existing_file_unless_forced(personas, tmp_path):
    earlier = tmp_path / "danh-muc.xlsx"
    earlier.write_bytes(b"an earlier export")
    with pytest.raises(CommandError) as err:
        call_command("export-procedures", str(earlier))
    assert err.value.returncode == 2 and "--force" in str(err.value)
    assert earlier.read_bytes() == b"an earlier export"
    call_command("export-procedures", str(earlier), "--force", stdout=StringIO())
    assert earlier.read_bytes().startswith(b"PK")  # the workbook (a zip)


# --- Defect 13: counts in the site's number format ------------------------------------------------


def test_command_counts_are_grouped_the_vietnamese_way(personas):
    from citydesk.core.audit import Actor, audit_record

    for n in range(1001 - AuditEntry.objects.count()):
        audit_record(actor=Actor.system("test"), action="test", object_type="test", object_id=n)
    out = StringIO()
    call_command("audit-verify", stdout=out)
    assert "1.001" in out.getvalue() and "1,001" not in out.getvalue()
    assert not is_postgres() or "1.001" in out.getvalue()
