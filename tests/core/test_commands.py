"""Command-line tools: create-user, seed-demo, backup/restore, production settings check."""

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from citydesk.core.models import AuditEntry, CalendarOverride, Membership, Organisation, User
from citydesk.core.services import api_token_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_create_user_prints_a_working_token(personas, capsys):
    call_command(
        "create-user",
        "--username",
        "tdv2",
        "--role",
        "operator",
        "--unit",
        "79",
        "--full-name",
        "Trần Thị Thu",
    )
    out = capsys.readouterr().out
    token = re.search(r"\bcd_\S+", out).group(0)  # the one line with the token, in either language
    user = api_token_user(token)
    assert user is not None and user.username == "tdv2" and user.full_name == "Trần Thị Thu"
    assert Membership.objects.get(user=user).organisation.code == "79"
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "x1", "--role", "officer", "--unit", "12345"], "Không có cơ quan, đơn vị mã"),
        (["--username", "x2", "--role", "mayor", "--unit", "79"], "Không có vai trò"),
        (["--username", "x3", "--role", "officer"], "phải thuộc một cơ quan"),
        (["--username", "head", "--role", "officer", "--unit", "79"], "đã được dùng"),
        (
            ["--username", "x4", "--role", "officer", "--unit", "79", "--email", "notanemail"],
            "không phải là địa chỉ",
        ),
    ],
)
def test_create_user_bad_input_exits_nonzero_and_writes_nothing(personas, args, message):
    users_before = User.objects.count()
    with pytest.raises(CommandError, match=message) as err:
        call_command("create-user", *args)
    assert err.value.returncode == 2
    assert User.objects.count() == users_before


def test_create_user_cli_process_exit_code(personas, tmp_path):
    """The real console entry point: a message on stderr and a non-zero exit."""
    env = {**os.environ, "CITYDESK_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "citydesk.cli",
            "create-user",
            "--username",
            "u",
            "--role",
            "officer",
            "--unit",
            "00000",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "00000" in result.stderr or "Chưa có cơ sở dữ liệu" in result.stderr  # a clear line, no traceback


@pytest.mark.django_db(transaction=True)
def test_seed_demo_is_idempotent(capsys):
    call_command("seed-demo")
    first = (User.objects.count(), Organisation.objects.count(), AuditEntry.objects.count())
    call_command("seed-demo")
    assert (User.objects.count(), Organisation.objects.count(), AuditEntry.objects.count()) == first
    assert Organisation.objects.get(code="26743").name == "UBND Phường Bến Thành"
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"operator", "officer", "deputy", "head", "leader", "inspector", "admin"}
    assert CalendarOverride.objects.filter(kind="working_day").count() == 2
    assert "citydesk-demo" in capsys.readouterr().out
    call_command("audit-verify")


@pytest.mark.django_db(transaction=True)
def test_backup_restore_round_trip_loses_nothing(personas, tmp_path):
    call_command("create-user", "--username", "before", "--role", "officer", "--unit", "26743")
    snapshot = sorted(User.objects.values_list("username", flat=True))
    audit_count = AuditEntry.objects.count()
    path = tmp_path / "citydesk.backup"
    call_command("backup", str(path))
    assert path.stat().st_size > 0
    if connection.vendor == "sqlite":  # as a backup of the live database is: in WAL mode
        with sqlite3.connect(path) as wal:
            assert wal.execute("PRAGMA journal_mode=wal").fetchone() == ("wal",)
        wal.close()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["citydesk.backup"]
    # Changes after the backup are undone by the restore.
    call_command("create-user", "--username", "after", "--role", "officer", "--unit", "26743")
    User.objects.filter(username="officer").update(full_name="Đã đổi")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))
    call_command("restore", str(path), "--yes")
    assert sorted(User.objects.values_list("username", flat=True)) == snapshot
    assert User.objects.get(username="officer").full_name == "Trần Văn Minh"
    assert AuditEntry.objects.count() == audit_count
    call_command("audit-verify")
    # Reading the backup left nothing beside it (SQLite's -shm and -wal files were).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["citydesk.backup"]


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_file_that_is_not_a_backup(personas, tmp_path):
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CommandError) as err:
        call_command("restore", str(bogus), "--yes")
    assert err.value.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bogus.backup"]
    assert User.objects.filter(username="head").exists()
    with pytest.raises(CommandError, match="không tìm thấy tệp"):
        call_command("restore", str(tmp_path / "missing"), "--yes")


def test_production_settings_pass_check_deploy(tmp_path):
    (tmp_path / "staticfiles").mkdir()
    (tmp_path / "staticfiles" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    env = {
        **os.environ,
        "CITYDESK_PRODUCTION": "true",
        "CITYDESK_SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-0123456789-abcdef",
        "CITYDESK_ALLOWED_HOSTS": "citydesk.example.vn",
        "CITYDESK_PUBLIC_URL": "https://citydesk.example.vn",
        "CITYDESK_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "CITYDESK_SMS_GATEWAY": "citydesk.notifications.channels.HttpJsonSmsGateway",
        "CITYDESK_SMS_URL": "https://sms.example.vn/send",
        "CITYDESK_SMS_TOKEN": "token-of-the-sms-provider",
        "CITYDESK_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "citydesk.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = {**os.environ, "CITYDESK_PRODUCTION": "true", "CITYDESK_DATA_DIR": str(tmp_path)}
    env.pop("CITYDESK_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "citydesk.cli", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "CITYDESK_SECRET_KEY" in result.stderr


def test_a_new_data_directory_is_created_and_an_impossible_one_named(tmp_path):
    fresh = tmp_path / "new" / "city"
    env = {**os.environ, "CITYDESK_DATA_DIR": str(fresh)}
    env.pop("DATABASE_URL", None)
    run = [sys.executable, "-m", "citydesk.cli", "migrate", "-v0"]
    result = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (fresh / "citydesk.sqlite3").is_file()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    env["CITYDESK_DATA_DIR"] = str(blocker / "city")
    result = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "không tạo được thư mục dữ liệu" in result.stderr and "CITYDESK_DATA_DIR" in result.stderr


def test_a_web_worker_loads_its_views_and_freezes_its_start_up_objects(tmp_path):
    """Importing the WSGI module (what gunicorn does in each worker) loads every view and moves the
    start-up objects out of the garbage collector's reach, without touching the database."""
    code = (
        "import gc, sys; import citydesk.wsgi; "
        "print(gc.get_freeze_count(), 'citydesk.indicators.views_dashboards' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "CITYDESK_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    frozen, loaded = result.stdout.split()
    assert int(frozen) > 10_000 and loaded == "True"
    assert not list(tmp_path.glob("*.sqlite3"))  # no database opened


def test_a_refusal_names_its_field_in_the_users_language():
    """The field tag of a refused command reads in the site's language, not as an English bracket."""
    from django.utils import translation

    from citydesk.core.errors import DomainError
    from citydesk.core.management.base import CityDeskCommand

    class Refuses(CityDeskCommand):
        def handle(self, *args, **options):
            raise DomainError("Tệp không đọc được.", field="file")

    with pytest.raises(CommandError) as caught:
        Refuses().execute(stdout=None, stderr=None, no_color=True, force_color=False, skip_checks=True)
    assert caught.value.returncode == 2
    assert str(caught.value) == "Tệp không đọc được. (trường: file)"
    with translation.override("en"), pytest.raises(CommandError) as caught:
        Refuses().execute(stdout=None, stderr=None, no_color=True, force_color=False, skip_checks=True)
    assert str(caught.value) == "Tệp không đọc được. (field: file)"


# --- Made-up data is refused on a production installation; the catalogue alone is offered -------------


@pytest.mark.parametrize("command", [["seed-demo"], ["seed-reports", "--count", "5"]])
def test_made_up_data_is_refused_on_a_production_installation(db, settings, command):
    from citydesk.reports.models import Report

    settings.PRODUCTION = True
    with pytest.raises(CommandError) as err:
        call_command(*command)
    assert err.value.returncode == 2
    assert "CITYDESK_PRODUCTION=true" in str(err.value) and "seed-catalog" in str(err.value)
    assert not User.objects.exists() and not Report.objects.exists()


def test_seed_catalog_loads_units_categories_and_procedures_and_nothing_made_up(db, settings, capsys):
    from citydesk.core.models import ServiceCategory
    from citydesk.dossiers.models import Procedure
    from citydesk.reports.models import Report

    settings.PRODUCTION = True
    call_command("seed-catalog")
    assert "3.321" in capsys.readouterr().out
    assert ServiceCategory.objects.filter(code="road_damage").exists() and Procedure.objects.count() >= 25
    assert not User.objects.exists() and not Organisation.objects.exists() and not Report.objects.exists()
    # An administrator's edit survives a second run.
    ServiceCategory.objects.filter(code="noise").update(name="Ô nhiễm tiếng ồn", working_days=7)
    call_command("seed-catalog")
    noise = ServiceCategory.objects.get(code="noise")
    assert (noise.name, noise.working_days) == ("Ô nhiễm tiếng ồn", 7)


# --- Account management without a shell into Django: set-password, deactivate-user, list-users ----------


def test_set_password_reads_stdin_checks_it_and_audits(personas, capsys):
    from io import StringIO

    call_command("set-password", "officer", stdin=StringIO("Mật-khẩu-mới-2026\n"))
    officer = User.objects.get(username="officer")
    assert officer.check_password("Mật-khẩu-mới-2026")
    entry = AuditEntry.objects.filter(action="user.password").get()
    assert "Mật-khẩu" not in str(entry.after) and entry.object_id == str(officer.pk)
    for bad in ("12345678901", ""):  # only digits; nothing
        with pytest.raises(CommandError) as err:
            call_command("set-password", "officer", stdin=StringIO(bad + "\n"))
        assert err.value.returncode == 2 and "password" in str(err.value)
    with pytest.raises(CommandError, match="nobody"):
        call_command("set-password", "nobody", stdin=StringIO("Mật-khẩu-mới-2026\n"))
    assert User.objects.get(username="officer").check_password("Mật-khẩu-mới-2026")


def test_a_deactivated_account_loses_its_log_in_and_tokens_and_comes_back(personas, token_for, client):
    # Reactivated, the account logs in again; its old app tokens stay ended (any may have been lost while
    # it was locked out): the app signs in anew.
    token = token_for(personas.officer)
    call_command("deactivate-user", "officer")
    assert not User.objects.get(username="officer").is_active
    assert api_token_user(token) is None
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    call_command("deactivate-user", "officer", "--reactivate")
    assert User.objects.get(username="officer").is_active
    assert api_token_user(token) is None
    assert api_token_user(token_for(personas.officer)) is not None
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="user.").order_by("id")][-2:] == [
        "user.deactivate",
        "user.activate",
    ]


def test_the_last_active_administrator_is_not_deactivated(personas):
    User.objects.filter(is_superuser=True).exclude(pk=personas.admin.pk).update(is_superuser=False)
    personas.admin.is_superuser = True
    personas.admin.save()
    with pytest.raises(CommandError) as err:
        call_command("deactivate-user", personas.admin.username)
    assert err.value.returncode == 2
    assert User.objects.get(pk=personas.admin.pk).is_active
    # Another superuser without staff access cannot open the back office: they do not count.
    personas.leader.is_superuser, personas.leader.is_staff = True, False
    personas.leader.save()
    with pytest.raises(CommandError):
        call_command("deactivate-user", personas.admin.username)
    assert User.objects.get(pk=personas.admin.pk).is_active
    personas.leader.is_staff = True
    personas.leader.save()
    call_command("deactivate-user", personas.admin.username)
    assert not User.objects.get(pk=personas.admin.pk).is_active


def test_list_users_filters_by_unit_and_role(personas, capsys):
    call_command("list-users", "--unit", personas.ward.code, "--role", "officer")
    out = capsys.readouterr().out
    assert personas.officer.username in out and personas.head.username not in out
    with pytest.raises(CommandError) as err:
        call_command("list-users", "--unit", "NOPE")
    assert err.value.returncode == 2
    User.objects.filter(username="officer").update(is_active=False)
    call_command("list-users", "--inactive")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["officer"]


def test_list_users_lists_citizens_as_create_user_names_them(personas, capsys):
    call_command("list-users", "--role", "citizen")
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[:-1]]
    assert personas.citizen.username in names
    assert personas.officer.username not in names and personas.admin.username not in names
    call_command("list-users", "--role", "citizen", "--unit", personas.ward.code)
    assert capsys.readouterr().out.splitlines() == ["0 tài khoản."]


def test_create_user_without_a_password_says_how_to_give_one(personas, capsys):
    call_command("create-user", "--username", "api_only", "--role", "officer", "--unit", "26743")
    assert "citydesk set-password api_only" in capsys.readouterr().out
    call_command(
        "create-user",
        "--username",
        "with_pw",
        "--role",
        "officer",
        "--unit",
        "26743",
        "--password",
        "Mật-khẩu-2026-x",
    )
    assert "set-password" not in capsys.readouterr().out


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITYDESK_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "citydesk.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_terminals_errors_are_said_in_vietnamese_without_djangos_prefix(tmp_path):
    """argparse's English ("the following arguments are required") and Django's "CommandError: " in front
    of every message were what an administrator read."""
    missing = _cli(tmp_path, "create-api-key")
    assert missing.returncode == 2
    assert "lỗi: thiếu tham số bắt buộc: --name" in missing.stderr, missing.stderr
    assert "the following arguments" not in missing.stderr
    refused = _cli(tmp_path, "import-ratings", str(tmp_path / "khong-co.xlsx"))
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("Lỗi: ") and "không tìm thấy tệp" in refused.stderr
    assert "CommandError" not in refused.stderr
