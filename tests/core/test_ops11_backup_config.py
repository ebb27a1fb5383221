"""QA-OPS11 defects 3 (backups with the uploaded files and models) and 4 (configuration checked at start):
each test failed on the old code."""

from __future__ import annotations

import io
import json
import os
import runpy
import shutil
import stat
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from citydesk.core import backup as backup_module
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError
from citydesk.core.models import User

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "CITYDESK_DATA_DIR": str(tmp_path), **env}
    full.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full, capture_output=True, text=True, check=False
    )


# --- Defect 4: configuration mistakes stop every command with one line --------------------------


BAD_CONFIGURATIONS = [
    ({"CITYDESK_OFFICE_HOURS": "bogus"}, "CITYDESK_OFFICE_HOURS"),
    ({"CITYDESK_OFFICE_HOURS": "17:00-07:30"}, "CITYDESK_OFFICE_HOURS"),
    ({"CITYDESK_OFFICE_HOURS": "07:30-11:30,11:00-17:00"}, "CITYDESK_OFFICE_HOURS"),
    ({"CITYDESK_SAME_DAY_CUTOFF": "25:00"}, "CITYDESK_SAME_DAY_CUTOFF"),
    ({"CITYDESK_SAME_DAY_CUTOFF": "18:00"}, "CITYDESK_SAME_DAY_CUTOFF"),  # after the close of office
    ({"CITYDESK_LOG_LEVEL": "LOUD"}, "CITYDESK_LOG_LEVEL"),
    ({"CITYDESK_TASKS_BACKEND": "django_tasks_db.DatabaseBacknd"}, "CITYDESK_TASKS_BACKEND"),
    ({"CITYDESK_EMAIL_BACKEND": "django.core.mail.backends.smtpp.EmailBackend"}, "CITYDESK_EMAIL_BACKEND"),
    ({"CITYDESK_SMS_GATEWAY": "citydesk.notifications.channels.NoSuchGateway"}, "CITYDESK_SMS_GATEWAY"),
    ({"CITYDESK_PUBLIC_URL": "citydesk.example.gov.vn"}, "CITYDESK_PUBLIC_URL"),
    ({"CITYDESK_SMS_URL": "sms.example.vn/send"}, "CITYDESK_SMS_URL"),
    ({"CITYDESK_MAP_TILES_URL": "tiles.example.vn"}, "CITYDESK_MAP_TILES_URL"),
    ({"CITYDESK_REPORT_CODE_PREFIX": "P-A"}, "CITYDESK_REPORT_CODE_PREFIX"),
    ({"CITYDESK_REPLY_TO": "hop thu"}, "CITYDESK_REPLY_TO"),
    ({"CITYDESK_MAX_ATTACHMENTS": "-1"}, "CITYDESK_MAX_ATTACHMENTS"),
    ({"CITYDESK_EMAIL_PORT": "70000"}, "CITYDESK_EMAIL_PORT"),
    ({"CITYDESK_LOGIN_FAILURE_LIMIT": "0"}, "CITYDESK_LOGIN_FAILURE_LIMIT"),
]


@pytest.mark.parametrize(("env", "variable"), BAD_CONFIGURATIONS)
def test_a_configuration_mistake_stops_a_command_with_one_line(tmp_path, env, variable):
    result = _run(["-m", "citydesk.cli", "audit-verify"], env, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citydesk: lỗi cấu hình: "), result.stderr
    assert variable in lines[0]


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"CITYDESK_OFFICE_HOURS": "bogus"}, "CITYDESK_OFFICE_HOURS"),
        ({"CITYDESK_LOG_LEVEL": "LOUD"}, "CITYDESK_LOG_LEVEL"),
    ],
)
def test_the_web_server_does_not_start_with_a_configuration_mistake(tmp_path, env, variable):
    result = _run(["-c", "import citydesk.wsgi"], env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr


def _settings_with(monkeypatch, tmp_path, **env: str) -> dict:
    monkeypatch.setenv("CITYDESK_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "citydesk" / "settings.py"))


def test_good_values_are_still_accepted(monkeypatch, tmp_path):
    values = _settings_with(monkeypatch, tmp_path)
    assert values["CITYDESK_OFFICE_HOURS"] == "07:30-11:30,13:00-17:00"
    assert values["CITYDESK_SAME_DAY_CUTOFF"] == "15:00" and values["LOG_LEVEL"] == "INFO"
    values = _settings_with(
        monkeypatch,
        tmp_path,
        CITYDESK_OFFICE_HOURS=" 8:00-12:00, 13:30-17:30 ",
        CITYDESK_SAME_DAY_CUTOFF="16:30",
        CITYDESK_LOG_LEVEL="warning",
        CITYDESK_PUBLIC_URL="https://citydesk.example.gov.vn/",
        CITYDESK_MAP_TILES_URL="/tiles/{z}/{x}/{y}.png",
        CITYDESK_SMS_GATEWAY="citydesk.notifications.channels.HttpJsonSmsGateway",
        CITYDESK_SMS_URL="https://sms.example.vn/send",
        CITYDESK_SMS_TOKEN="token-of-the-sms-provider",
        CITYDESK_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        CITYDESK_FROM_EMAIL="UBND Phường <no-reply@ubnd.example.gov.vn>",
        CITYDESK_REPORT_CODE_PREFIX="PAHT",
    )
    assert values["CITYDESK_OFFICE_HOURS"] == "8:00-12:00, 13:30-17:30"
    assert values["LOG_LEVEL"] == "WARNING" and values["LOGGING"]["root"]["level"] == "WARNING"
    assert values["CITYDESK_PUBLIC_URL"] == "https://citydesk.example.gov.vn"


def test_the_calendar_says_a_bad_office_period_in_one_line(settings):
    """A value set after start (tests, a settings override) gives the same error, not a raw ValueError."""
    settings.CITYDESK_OFFICE_HOURS = "17:00-07:30"
    with pytest.raises(ImproperlyConfigured, match="CITYDESK_OFFICE_HOURS"):
        current_calendar(gen=-1)
    settings.CITYDESK_OFFICE_HOURS = "07:30-11:30,13:00-17:00"
    settings.CITYDESK_SAME_DAY_CUTOFF = "17:30"
    with pytest.raises(ImproperlyConfigured, match="CITYDESK_SAME_DAY_CUTOFF"):
        current_calendar(gen=-2)


# --- Defect 3: a backup can hold the uploaded files and the models --------------------------------


@pytest.fixture
def live_files(settings, tmp_path: Path) -> dict[str, Path]:
    settings.MEDIA_ROOT = tmp_path / "live" / "media"
    settings.DATA_DIR = tmp_path / "live"
    media, models = Path(settings.MEDIA_ROOT), tmp_path / "live" / "models"
    (media / "reports" / "2026" / "11").mkdir(parents=True)
    (media / "reports" / "2026" / "11" / "PA-26-000329-5-public.jpg").write_bytes(b"public photo")
    (media / "dossiers" / "26743").mkdir(parents=True)
    (media / "dossiers" / "26743" / "giay-to.pdf").write_bytes(b"%PDF- a paper")
    models.mkdir()
    (models / "routing.joblib").write_bytes(b"model v1")
    return {"media": media, "models": models}


def _tree(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _both(live_files: dict[str, Path]) -> dict[str, dict[str, bytes]]:
    return {part: _tree(directory) for part, directory in live_files.items()}


def _leftovers(live_files: dict[str, Path]) -> list[Path]:
    return [p for d in live_files.values() if d.is_dir() for p in d.iterdir() if p.name.startswith(".")]


@pytest.mark.django_db(transaction=True)
def test_backup_with_files_round_trip(personas, live_files, tmp_path):
    media, models = live_files["media"], live_files["models"]
    before = _both(live_files)
    users = sorted(User.objects.values_list("username", flat=True))
    backups = tmp_path / "backups"
    backups.mkdir()
    call_command("backup", str(backups), "--with-files", stdout=StringIO())
    [archive] = list(backups.iterdir())
    assert archive.name.startswith("citydesk-") and archive.suffix == ".tar"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(names[0]))
    assert names[0] == "citydesk-backup.json" and manifest["files"] == {"media": 2, "models": 1}
    assert "media/reports/2026/11/PA-26-000329-5-public.jpg" in names and "models/routing.joblib" in names

    # A new disk: the files are gone, and the data changed since.
    call_command("create-user", "--username", "after", "--role", "officer", "--unit", "26743")
    (media / "reports" / "2026" / "11" / "PA-26-000329-5-public.jpg").unlink()
    (media / "new-after-backup.jpg").write_bytes(b"later")
    (models / "routing.joblib").write_bytes(b"model v2")
    call_command("restore", str(archive), "--yes", stdout=StringIO())
    assert _both(live_files) == before
    assert sorted(User.objects.values_list("username", flat=True)) == users
    assert _leftovers(live_files) == []
    call_command("audit-verify")


@pytest.mark.django_db(transaction=True)
def test_a_restore_onto_an_empty_disk_creates_the_directories(personas, live_files, tmp_path):
    archive = tmp_path / "full.tar"
    call_command("backup", str(archive), "--with-files")
    before = _both(live_files)
    shutil.rmtree(tmp_path / "live")
    call_command("restore", str(archive), "--yes")
    assert _both(live_files) == before


@pytest.mark.django_db(transaction=True)
def test_a_database_only_backup_says_the_files_are_not_in_it(personas, live_files, tmp_path):
    out = StringIO()
    call_command("backup", str(tmp_path / "db-only.backup"), stdout=out)
    assert str(live_files["media"]) in out.getvalue() and "--with-files" in out.getvalue()


def _database_name() -> str:
    return "database.sqlite3" if connection.vendor == "sqlite" else "database.dump"


def _archive_with(path: Path, members: dict[str, bytes], manifest: dict | None = None) -> None:
    manifest = manifest or {
        "format": "citydesk-backup",
        "version": 1,
        "vendor": connection.vendor,
        "database": _database_name(),
        "files": {},
    }
    with tarfile.open(path, "w") as tar:
        for name, data in {"citydesk-backup.json": json.dumps(manifest).encode(), **members}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_a_bad_archive_is_refused_and_nothing_is_touched(personas, live_files, tmp_path):
    good = tmp_path / "good.tar"
    call_command("backup", str(good), "--with-files")
    with tarfile.open(good) as tar:
        database = tar.extractfile(_database_name()).read()
    before = _both(live_files)
    call_command("create-user", "--username", "after", "--role", "officer", "--unit", "26743")
    escaping = tmp_path / "escaping.tar"
    _archive_with(escaping, {_database_name(): database, "media/../../evil.txt": b"x"})
    no_database = tmp_path / "no-database.tar"
    _archive_with(no_database, {"media/a.jpg": b"x"})
    not_citydesk = tmp_path / "not-citydesk.tar"
    _archive_with(not_citydesk, {_database_name(): b"not a database" * 100, "media/a.jpg": b"x"})
    newer = tmp_path / "newer.tar"
    _archive_with(newer, {}, {"format": "citydesk-backup", "version": 99, "database": _database_name()})
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    for path in (escaping, no_database, not_citydesk, newer, truncated):
        with pytest.raises(CommandError) as err:
            call_command("restore", str(path), "--yes")
        assert err.value.returncode == 2, path
        assert str(path) in str(err.value)
        assert _both(live_files) == before, path
        assert User.objects.filter(username="after").exists()
        assert not (tmp_path / "evil.txt").exists()
        assert _leftovers(live_files) == [], path


@pytest.mark.django_db(transaction=True)
def test_a_failed_database_restore_puts_the_files_back(personas, live_files, tmp_path, monkeypatch):
    archive = tmp_path / "full.tar"
    call_command("backup", str(archive), "--with-files")
    (live_files["media"] / "new-after-backup.jpg").write_bytes(b"later")
    before = _both(live_files)

    def fail(database: Path, source: Path) -> list[str]:
        raise DomainError("pg_restore failed: disk full", field="database")

    monkeypatch.setattr(backup_module, "_restore_database", fail)
    with pytest.raises(CommandError):
        call_command("restore", str(archive), "--yes")
    assert _both(live_files) == before
    assert _leftovers(live_files) == []


@pytest.mark.django_db(transaction=True)
def test_a_database_only_backup_still_restores(personas, live_files, tmp_path):
    path = tmp_path / "db-only.backup"
    call_command("backup", str(path))
    before = _tree(live_files["media"])
    out = StringIO()
    call_command("restore", str(path), "--yes", stdout=out)
    assert _tree(live_files["media"]) == before  # the files are not touched
    assert str(live_files["media"]) in out.getvalue()
