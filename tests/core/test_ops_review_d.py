"""Operations review D (a reviewer installing from a clean clone): each test failed on the code before."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.utils import OperationalError, ProgrammingError
from django.utils import translation
from django.utils.functional import Promise

from citydesk import cli
from citydesk.core import checks
from citydesk.core.backup import backup_target
from citydesk.core.errors import DomainError
from citydesk.core.models import AuditEntry, Organisation
from citydesk.env import KNOWN_VARIABLES, redact_url, unknown_variables
from tests.conftest import make_unit

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "CITYDESK_PRODUCTION": "true",
    "CITYDESK_SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-0123456789-abcdef",
    "CITYDESK_ALLOWED_HOSTS": "citydesk.example.vn",
    "CITYDESK_PUBLIC_URL": "https://citydesk.example.vn",
}


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYDESK_", "DATABASE_URL"))}
    env.update(CITYDESK_DATA_DIR=str(tmp_path), CITYDESK_LOG_LEVEL="WARNING", **extra)
    return env


def _cli(
    tmp_path: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "citydesk.cli", *args],
        cwd=tmp_path,
        env=_env(tmp_path, **env),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- 1. scripts/run never prints the database password ------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgres://citydesk:S3cret@127.0.0.1:5432/citydesk",
            "postgres://citydesk:***@127.0.0.1:5432/citydesk",
        ),
        ("postgres://citydesk:p@ss/w0rd@db.example:5432/x", "postgres://citydesk:***@db.example:5432/x"),
        (
            "postgres://citydesk@db/x?password=S3cret&sslmode=require",
            "postgres://citydesk@db/x?password=***&sslmode=require",
        ),
        ("postgres://db.example/x", "postgres://db.example/x"),
        ("sqlite:////var/lib/citydesk/citydesk.sqlite3", "sqlite:////var/lib/citydesk/citydesk.sqlite3"),
    ],
)
def test_a_database_address_is_printed_without_its_password(url, shown):
    assert redact_url(url) == shown


def test_scripts_run_hides_the_password_and_a_closed_database_is_one_line(tmp_path):
    closed = _free_port()
    url = f"postgres://citydesk:Very-S3cret-pw@127.0.0.1:{closed}/citydesk"
    result = subprocess.run(
        [str(ROOT / "scripts" / "run"), "--port", str(_free_port())],
        cwd=ROOT,
        env=_env(tmp_path, DATABASE_URL=url),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Very-S3cret-pw" not in output
    assert f"Database: postgres://citydesk:***@127.0.0.1:{closed}/citydesk" in output
    assert "Traceback" not in output and "DATABASE_URL=postgres://citydesk:***@" in output


# --- 2. The first administrator of a new installation, as documented -----------------------------------


def test_the_documented_first_start_makes_an_administrator(tmp_path):
    steps = [
        ["migrate", "-v0"],
        ["load-units", "--city", "79"],
        ["seed-catalog"],
        [
            "create-user",
            "--username",
            "quantri",
            "--role",
            "admin",
            "--unit",
            "79",
            "--full-name",
            "Quản trị",
        ],
    ]
    for step in steps:
        result = _cli(tmp_path, *step)
        assert result.returncode == 0, (step, result.stderr)
    again = _cli(tmp_path, "load-units", "--city", "79", "--no-legacy").stdout
    assert "169" in again  # the city and its 168 wards and communes, already there
    assert _cli(tmp_path, "set-password", "quantri", stdin="Mật-khẩu-quản-trị-2026\n").returncode == 0
    listed = _cli(tmp_path, "list-users", "--role", "admin")
    assert listed.returncode == 0 and "quantri" in listed.stdout


@pytest.mark.django_db
def test_create_user_on_a_new_installation_says_how_to_load_the_organisations(capsys):
    with pytest.raises(CommandError) as refused:
        call_command("create-user", "--username", "quantri", "--role", "admin", "--unit", "79")
    assert refused.value.returncode == 2
    assert "Không có cơ quan, đơn vị mã “79”" in str(refused.value)
    assert "citydesk load-units --city 79" in str(refused.value)
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("create-user", "--username", "quantri", "--role", "admin", "--unit", "79")
    assert "No organisation has been loaded yet" in str(refused.value)


def test_create_user_with_an_unknown_code_says_how_units_are_made(personas):
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("create-user", "--username", "x9", "--role", "officer", "--unit", "12345")
    text = str(refused.value)
    assert "12345" in text and "load-units --city" in text and "No organisation has been loaded" not in text


@pytest.mark.django_db
def test_load_units_city_makes_the_peoples_committees_once_and_audits_them():
    module = importlib.import_module("citydesk.core.management.commands.load-units")
    hcmc = make_unit("79", "Thành phố Hồ Chí Minh")
    make_unit("26743", "Phường Bến Thành", hcmc)
    make_unit("26740", "Phường Sài Gòn", hcmc)
    actor = cli_actor()
    province, made, kept = module.committees_create(actor=actor, province_code="79")
    assert (province.code, made, kept) == ("79", 3, 0)
    ward = Organisation.objects.get(code="26743")
    assert ward.name == "UBND Phường Bến Thành" and ward.parent.code == "79"
    ward.full_clean()
    assert AuditEntry.objects.filter(action="organisation.create").count() == 3
    Organisation.objects.filter(code="26740").update(name="UBND Phường Sài Gòn (sửa)")
    assert module.committees_create(actor=actor, province_code="79")[1:] == (0, 3)
    assert Organisation.objects.get(code="26740").name == "UBND Phường Sài Gòn (sửa)"  # an edit is kept
    with pytest.raises(DomainError) as unknown:
        module.committees_create(actor=actor, province_code="98")
    assert unknown.value.field == "city"


def cli_actor():
    from citydesk.core.audit import Actor

    return Actor.system("cli:test")


# --- 3. Production that would deliver nothing is warned about ------------------------------------------


@pytest.mark.parametrize(
    ("backend", "warned"),
    [
        ("django.core.mail.backends.console.EmailBackend", True),
        ("django.core.mail.backends.locmem.EmailBackend", True),
        ("django.core.mail.backends.dummy.EmailBackend", True),
        ("django.core.mail.backends.smtp.EmailBackend", False),
    ],
)
def test_an_email_backend_that_delivers_nothing_is_a_deploy_warning(settings, backend, warned):
    settings.EMAIL_BACKEND = backend
    settings.CITYDESK_SMS_GATEWAY = "citydesk.notifications.channels.HttpJsonSmsGateway"
    ids = [m.id for m in checks.check_notification_delivery()]
    assert ids == (["citydesk.W004"] if warned else [])


def test_the_logging_sms_gateway_is_a_deploy_warning(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.CITYDESK_SMS_GATEWAY = "citydesk.notifications.channels.LogSmsGateway"
    [warning] = checks.check_notification_delivery()
    assert warning.id == "citydesk.W005" and "HttpJsonSmsGateway" in warning.hint


def test_check_deploy_in_production_names_the_email_and_sms_defaults(tmp_path):
    result = _cli(tmp_path, "check", "--deploy", **PRODUCTION_ENV)
    assert "citydesk.W004" in result.stderr and "citydesk.W005" in result.stderr
    assert "django.core.mail.backends.smtp.EmailBackend" in result.stderr
    configured = _cli(
        tmp_path,
        "check",
        "--deploy",
        CITYDESK_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        CITYDESK_SMS_GATEWAY="citydesk.notifications.channels.HttpJsonSmsGateway",
        CITYDESK_SMS_URL="https://sms.example.vn/send",
        CITYDESK_SMS_TOKEN="token-of-the-sms-provider",
        **PRODUCTION_ENV,
    )
    assert "citydesk.W004" not in configured.stderr and "citydesk.W005" not in configured.stderr


# --- 4. Database errors at start-up: one line, DATABASE_URL named with its password hidden -------------


def test_a_closed_port_is_one_line_with_the_password_hidden_and_traceback_on_request(tmp_path):
    url = f"postgres://citydesk:Very-S3cret-pw@127.0.0.1:{_free_port()}/citydesk"
    result = _cli(tmp_path, "list-users", DATABASE_URL=url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citydesk: "), result.stderr
    assert "DATABASE_URL=postgres://citydesk:***@127.0.0.1:" in lines[0] and "Very-S3cret-pw" not in lines[0]
    full = _cli(tmp_path, "list-users", "--traceback", DATABASE_URL=url)
    assert full.returncode != 0 and "Traceback" in full.stderr


def test_an_unmigrated_database_says_to_run_migrate(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    result = _cli(tmp_path, "list-users", DATABASE_URL=f"sqlite:///{empty}")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "citydesk migrate" in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url", ["mysql://citydesk:Very-S3cret-pw@db/citydesk", "/var/lib/citydesk/db.sqlite3"]
)
def test_only_sqlite_and_postgresql_are_accepted(tmp_path, url):
    result = _cli(tmp_path, "list-users", DATABASE_URL=url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "CityDesk chỉ dùng SQLite hoặc PostgreSQL" in lines[0], result.stderr
    assert "Very-S3cret-pw" not in result.stderr and "MySQLdb" not in result.stderr


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            OperationalError(
                'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
                'FATAL:  password authentication failed for user "citydesk"'
            ),
            "DATABASE_URL",
        ),
        (
            OperationalError(
                'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
                'FATAL:  database "citydesk" does not exist'
            ),
            "createdb",
        ),
        (
            OperationalError("failed to resolve host 'db.invalid': [Errno -2] Name or service not known"),
            "DATABASE_URL",
        ),
        (ProgrammingError('relation "core_user" does not exist'), "citydesk migrate"),
        (OperationalError("no such table: core_user"), "citydesk migrate"),
    ],
)
def test_each_database_problem_is_said_with_what_to_do(settings, error, expected):
    settings.DATABASE_URL = "postgres://citydesk:Very-S3cret-pw@10.0.0.5:5432/citydesk"
    message = cli.database_problem(error)
    assert message is not None and "\n" not in message and expected in message
    assert "Very-S3cret-pw" not in message and "***" in message


def test_a_programming_error_that_is_a_bug_keeps_its_traceback():
    assert cli.database_problem(ProgrammingError("syntax error at or near SELEC")) is None


# --- 5. A command started where there is no database creates none -------------------------------------


def test_a_command_where_there_is_no_database_says_so_and_creates_nothing(tmp_path):
    result = _cli(tmp_path, "list-users")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "citydesk.sqlite3") in lines[0], result.stderr
    assert "CITYDESK_DATA_DIR" in lines[0] and "citydesk migrate" in lines[0]
    assert not (tmp_path / "citydesk.sqlite3").exists()
    # A command that needs no database still runs; migrate makes the database.
    assert _cli(tmp_path, "check").returncode == 0
    assert _cli(tmp_path, "migrate", "-v0").returncode == 0
    assert (tmp_path / "citydesk.sqlite3").is_file()
    assert _cli(tmp_path, "list-users").returncode == 0


def test_the_guard_lets_the_tests_in_memory_databases_be():
    assert cli._sqlite_file("file:memorydb_default?mode=memory&cache=shared") is None
    assert cli._sqlite_file(":memory:") is None
    assert cli._sqlite_file("/srv/x.sqlite3") == Path("/srv/x.sqlite3")


# --- 6. A backup directory named with a final "/" ------------------------------------------------------


@pytest.mark.django_db
def test_a_target_ending_with_a_slash_is_a_directory_made_for_dated_files(tmp_path):
    target = backup_target(f"{tmp_path / 'citydesk'}/", with_files=True)
    assert (tmp_path / "citydesk").is_dir() and target.parent == tmp_path / "citydesk"
    assert target.name.startswith("citydesk-") and target.suffix == ".tar"
    assert backup_target(str(tmp_path / "citydesk") + "/").parent == tmp_path / "citydesk"  # made already
    with pytest.raises(DomainError, match=str(tmp_path / "missing")):
        backup_target(f"{tmp_path / 'missing' / 'citydesk'}/")
    assert not (tmp_path / "missing").exists()
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(DomainError):
        backup_target(f"{tmp_path / 'a-file'}/")


@pytest.mark.django_db(transaction=True)
def test_two_nightly_backups_into_a_new_folder_are_two_files(personas, tmp_path):
    folder = f"{tmp_path / 'backups' / 'citydesk'}/"
    (tmp_path / "backups").mkdir()
    call_command("backup", folder, stdout=StringIO())
    time.sleep(1.1)  # the names are dated to the second
    call_command("backup", folder, stdout=StringIO())
    assert len(list((tmp_path / "backups" / "citydesk").glob("citydesk-*"))) == 2


@pytest.mark.django_db(transaction=True)
def test_backups_in_the_same_second_are_numbered_not_refused(personas, tmp_path, monkeypatch):
    from django.utils import timezone

    moment = timezone.localtime()
    monkeypatch.setattr(timezone, "localtime", lambda *args: moment)  # the three in one second
    for _ in range(3):
        call_command("backup", str(tmp_path), stdout=StringIO())
    stamp = moment.strftime("%Y%m%d-%H%M%S")
    stems = sorted(path.name.split(".")[0] for path in tmp_path.glob("citydesk-*"))  # .sqlite3 or .dump
    assert stems == [f"citydesk-{stamp}", f"citydesk-{stamp}-2", f"citydesk-{stamp}-3"]


# --- 8. Mistyped variable names are named -------------------------------------------------------------


def test_a_mistyped_variable_is_named_with_the_closest_known_one():
    [line] = unknown_variables({"CITYDESK_PRODUCTON": "true", "PATH": "/bin"})
    assert "CITYDESK_PRODUCTON" in line and "CITYDESK_PRODUCTION" in line
    assert (
        unknown_variables(
            {"CITYDESK_SECRET_KEY_FILE": "/x", "CITYDESK_PYTHON": "python3.12", "DATABASE_URL": "sqlite://"}
        )
        == []
    )
    [far] = unknown_variables({"CITYDESK_ZZZ": "1"})
    assert "README" in far


def test_every_variable_the_settings_read_is_in_the_one_list():
    import re

    source = (ROOT / "citydesk" / "settings.py").read_text(encoding="utf-8")
    named = set(re.findall(r'"(CITYDESK_[A-Z0-9_]+)"', source))
    assert named and named <= KNOWN_VARIABLES


def test_a_mistyped_variable_warns_at_start_and_the_command_runs(tmp_path):
    result = _cli(tmp_path, "check", CITYDESK_PRODUCTON="true")
    assert result.returncode == 0
    assert "CITYDESK_PRODUCTON" in result.stderr and "CITYDESK_PRODUCTION" in result.stderr


# --- 9. Refusals name the option or argument as typed; translatable help and checks --------------------


def test_a_refusal_names_the_option_as_typed(db, settings):
    settings.PRODUCTION = True
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("seed-demo")
    assert str(refused.value).endswith("(option --allow-production)")


def test_a_refusal_names_the_argument(personas):
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("issue-token", "nobody")
    assert str(refused.value).endswith("(argument USERNAME)")


def test_seed_indicators_help_is_translatable():
    module = importlib.import_module("citydesk.indicators.management.commands.seed-indicators")
    assert isinstance(module.Command.help, Promise)
    with translation.override("en"):
        parser = module.Command().create_parser("citydesk", "seed-indicators")
        assert "years of history" in parser.format_help()


def test_citydesks_deploy_checks_are_translated(settings):
    settings.CITYDESK_PUBLIC_URL = "http://127.0.0.1:8000"
    with translation.override("en"):
        [warning] = checks.check_public_url()
    assert warning.msg.startswith("CITYDESK_PUBLIC_URL is “http://127.0.0.1:8000”")


# --- 10. scripts/test --help; the demo's start without the static files warning -------------------------


def test_scripts_test_help_prints_its_usage_and_runs_nothing():
    started = time.monotonic()
    result = subprocess.run(
        [str(ROOT / "scripts" / "test"), "--help"],
        cwd=ROOT,
        env={**os.environ, "CITYDESK_PYTHON": "/nonexistent/python"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0
    assert "scripts/test [pytest arguments]" in result.stdout
    assert "==>" not in result.stdout + result.stderr  # nothing installed, no step run
    assert time.monotonic() - started < 10


def _start_demo(tmp_path: Path) -> str:
    """scripts/run on a data folder until it serves, then Ctrl-C; its whole output."""
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "run"), "--port", str(_free_port())],
            cwd=ROOT,
            env=_env(tmp_path / "data"),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 300
            while "CityDesk is running" not in log.read_text() and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(1)
            time.sleep(3)  # the web workers' start, where WhiteNoise warned
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)
    return log.read_text()


def test_the_demo_starts_without_the_static_files_warning_and_collects_only_when_needed(tmp_path):
    (tmp_path / "data").mkdir()
    first = _start_demo(tmp_path)
    assert "CityDesk is running" in first
    assert "No directory at" not in first and "Collecting static files" in first
    assert (tmp_path / "data" / "staticfiles" / "citydesk").is_dir()
    second = _start_demo(tmp_path)
    assert "No directory at" not in second and "Collecting static files" not in second


@pytest.mark.django_db(transaction=True)
def test_a_backup_being_written_keeps_its_name_from_the_next_one(personas, tmp_path, monkeypatch):
    """The first backup of the second is still being written (only its .part exists): the second one of
    the same second takes the next number instead of emptying the first one's file."""
    from django.utils import timezone

    from citydesk.core.backup import backup

    moment = timezone.localtime()
    monkeypatch.setattr(timezone, "localtime", lambda *args: moment)
    first = backup_target(str(tmp_path))
    in_progress = first.with_name(first.name + ".part")
    in_progress.write_bytes(b"half of the first backup")
    written, _size = backup(str(tmp_path))
    assert written != first and written.name.split(".")[0].endswith("-2")
    assert in_progress.read_bytes() == b"half of the first backup"
