"""Review of the command line as a city's system administrator: each test failed on the code before."""

from __future__ import annotations

import importlib
import io
import os
import runpy
import socket
import sqlite3
import subprocess
import sys
import urllib.error
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.utils import OperationalError
from django.utils import translation

from citydesk import cli
from citydesk.core import backup as backup_module
from citydesk.core.audit import Actor
from citydesk.core.boundaries import boundaries_check
from citydesk.core.errors import DomainError
from citydesk.core.models import ServiceCategory, User
from citydesk.notifications.channels import DeliveryError, HttpJsonSmsGateway
from citydesk.notifications.models import Notification
from citydesk.reports.models import Report
from tests.reports.conftest import submit_report

ROOT = Path(__file__).resolve().parents[2]
MAIL = (
    "From: Nguyễn Văn Dân <dan@example.vn>\nTo: 1022@example.gov.vn\nSubject: Ổ gà\n"
    "Message-ID: <review-cli@example.vn>\nContent-Type: text/plain; charset=utf-8\n\n"
    "Ổ gà rất sâu.\nTọa độ: 10.7714, 106.6946\n"
).encode()


@pytest.fixture
def categories(personas):
    """The report categories of tests/reports (road damage, street lighting) and a dossier one."""
    for code, name in (
        ("road_damage", "Hư hỏng mặt đường, ổ gà"),
        ("street_lighting", "Chiếu sáng công cộng"),
    ):
        ServiceCategory.objects.create(
            code=code, domain="report", name=name, handled_by="ward", working_days=5, triage_hours=8
        )
    ServiceCategory.objects.create(
        code="land", domain="dossier", name="Đất đai", handled_by="ward", working_days=15
    )


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYDESK_", "DATABASE_URL"))}
    env.update(CITYDESK_DATA_DIR=str(tmp_path), CITYDESK_LOG_LEVEL="WARNING", **extra)
    return env


def _cli(
    cwd: Path, *args: str, env: dict[str, str], stdin: bytes | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "citydesk.cli", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        input=stdin,
        capture_output=True,
        check=False,
        timeout=300,
    )


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The command line in this process. Django closes every connection after a command run from the
    command line (`run_from_argv`): kept open here, or PostgreSQL's test transaction would be lost."""
    code = 0
    try:
        with mock.patch("django.core.management.base.connections.close_all"):
            cli.main(["citydesk", *argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def _settings_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict:
    monkeypatch.setenv("CITYDESK_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "citydesk" / "settings.py"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- M1. ingest-email: a failure that is not the message's exits 75 (the mail server retries) ----------


def test_ingest_email_with_the_database_down_exits_75_naming_nothing(tmp_path):
    (tmp_path / "mail.eml").write_bytes(MAIL)
    url = f"postgres://citydeskuser:S3cret-pw@127.0.0.1:{_free_port()}/citydesk"
    env = _env(tmp_path, DATABASE_URL=url, CITYDESK_PUBLIC_URL="https://citydesk.example.gov.vn")
    done = _cli(tmp_path, "ingest-email", "mail.eml", env=env)
    assert done.returncode == cli.EX_TEMPFAIL, done.stderr
    err = done.stderr.decode()
    assert "Traceback" not in err and "lỗi tạm thời" in err
    assert "127.0.0.1" not in err and "citydeskuser" not in err and "S3cret" not in err


@pytest.mark.parametrize(
    "env",
    [
        {},  # no database in the data directory: a misconfigured pipe
        {"CITYDESK_HSTS_SECONDS": "abc"},  # a configuration error
    ],
)
def test_ingest_email_with_the_site_misconfigured_exits_75(tmp_path, env):
    done = _cli(tmp_path, "ingest-email", env=_env(tmp_path, **env), stdin=MAIL)
    assert done.returncode == cli.EX_TEMPFAIL, done.stderr
    assert str(tmp_path) not in done.stderr.decode()


@pytest.mark.parametrize(
    "error", [RuntimeError("a bug"), OperationalError("database is locked"), OSError(28, "No space left")]
)
def test_ingest_email_crash_exits_75_and_logs_the_cause(
    personas, categories, tmp_path, capsys, monkeypatch, error
):
    module = importlib.import_module("citydesk.reports.management.commands.ingest-email")

    def broken(raw: bytes, **kwargs: object) -> None:
        raise error

    logged: list[list[str]] = []
    monkeypatch.setattr(module, "process", broken)
    monkeypatch.setattr(cli, "_system_log", logged.append)
    (tmp_path / "mail.eml").write_bytes(MAIL)
    code, _out, err = _main(capsys, "ingest-email", str(tmp_path / "mail.eml"))
    assert code == cli.EX_TEMPFAIL
    assert "Traceback" not in err and "lỗi tạm thời" in err
    assert logged and str(error) in "\n".join(logged[0])


def test_ingest_email_refused_message_still_exits_0(personas, categories, tmp_path, capsys):
    path = tmp_path / "mail.eml"
    path.write_bytes(MAIL)  # no category: refused, and its sender told why
    code, out, _err = _main(capsys, "ingest-email", str(path))
    assert code == 0 and "dan@example.vn" in out
    assert Notification.objects.filter(address="dan@example.vn").exists()


# --- L7. An unknown --default-category is refused once, at start (exit 64), answering nobody -----------


@pytest.mark.parametrize("category", ["nope", "lighting"])
def test_an_unknown_default_category_is_a_usage_error(personas, categories, tmp_path, capsys, category):
    path = tmp_path / "mail.eml"
    path.write_bytes(MAIL)
    code, _out, err = _main(capsys, "ingest-email", str(path), "--default-category", category)
    assert code == cli.EX_USAGE == 64
    assert "--default-category" in err and category in err and "road_damage" in err
    assert not Notification.objects.exists() and not Report.objects.exists()
    with pytest.raises(CommandError) as refused:
        call_command("ingest-email", str(path), "--default-category", category)
    assert refused.value.returncode == 64


def test_a_wrong_option_of_ingest_email_exits_64(personas, capsys):
    code, _out, _err = _main(capsys, "ingest-email", "--no-such-option")
    assert code == 64


# --- M2. The other seeders refuse production mode too; seed-indicators speaks Vietnamese ---------------


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("citydesk.dossiers.management.commands.seed-dossiers", ["--count", "1"]),
        ("citydesk.indicators.management.commands.seed-indicators", ["--years", "1"]),
    ],
)
def test_seeders_of_made_up_data_refuse_production_mode(settings, db, module, args):
    from citydesk.indicators.models import DataValue

    command = module.rpartition(".")[2]
    settings.PRODUCTION = True
    with pytest.raises(CommandError) as refused:
        call_command(command, *args)
    assert refused.value.returncode == 2 and "CITYDESK_PRODUCTION" in str(refused.value)
    assert not DataValue.objects.exists()
    parser = importlib.import_module(module).Command().create_parser("citydesk", command)
    assert "--allow-production" in parser.format_help()


def test_seed_indicators_prints_its_counts_in_vietnamese(db, monkeypatch):
    import citydesk.indicators.demo as demo

    monkeypatch.setattr(
        demo,
        "seed_indicators",
        lambda **kw: {"indicator_groups": 20, "indicators": 110, "indicator_values": 25067},
    )
    out = StringIO()
    call_command("seed-indicators", stdout=out)
    text = out.getvalue()
    assert "nhóm chỉ tiêu: 20" in text and "25.067" in text and "indicator_groups" not in text


# --- M3. The HTTP SMS gateway needs its address (and token); its failures are clear ------------------------


def test_the_http_sms_gateway_without_its_address_is_refused_at_start(monkeypatch, tmp_path):
    gateway = "citydesk.notifications.channels.HttpJsonSmsGateway"
    with pytest.raises(ImproperlyConfigured, match="CITYDESK_SMS_URL"):
        _settings_with(monkeypatch, tmp_path, CITYDESK_SMS_GATEWAY=gateway)
    with pytest.raises(ImproperlyConfigured, match="CITYDESK_SMS_TOKEN"):
        _settings_with(
            monkeypatch,
            tmp_path,
            CITYDESK_SMS_GATEWAY=gateway,
            CITYDESK_SMS_URL="https://sms.example.vn/send",
        )
    values = _settings_with(monkeypatch, tmp_path, CITYDESK_SMS_TOKEN="t0ken")
    assert values["CITYDESK_SMS_GATEWAY"] == gateway


def test_the_http_sms_gateway_says_why_it_failed(settings, monkeypatch):
    settings.CITYDESK_SMS_URL = ""
    with pytest.raises(DeliveryError, match="CITYDESK_SMS_URL"):
        HttpJsonSmsGateway().send("0901234567", "x")

    def refused(request: object, timeout: int) -> None:
        raise urllib.error.HTTPError("https://sms.example.vn", 401, "Unauthorized", {}, None)  # type: ignore[arg-type]

    settings.CITYDESK_SMS_URL = "https://sms.example.vn/send"
    monkeypatch.setattr("urllib.request.urlopen", refused)
    with pytest.raises(DeliveryError, match="answered 401 Unauthorized"):
        HttpJsonSmsGateway().send("0901234567", "x")


# --- M4. Arguments and stdin that are not UTF-8 -----------------------------------------------------------


def test_an_argument_that_is_not_utf8_is_refused_naming_it(personas, capsys):
    bad = b"Nguy\xe9n".decode("utf-8", "surrogateescape")  # as Python reads it from the command line
    args = ("create-user", "--username", "nguyen", "--role", "officer", "--unit", "26743", "--full-name", bad)
    code, out, err = _main(capsys, *args)
    assert code == 2 and out == ""
    assert "không phải văn bản UTF-8" in err and "Nguy\\xe9n" in err and "--full-name" in err
    assert "Traceback" not in err and not User.objects.filter(username="nguyen").exists()
    code, out, err = _main(capsys, "convert-address", b"Qu\xe2n 1".decode("utf-8", "surrogateescape"))
    assert code == 2 and out == "" and "UTF-8" in err


def test_stdin_that_is_not_utf8_is_refused_and_nothing_changes(personas, capsys, monkeypatch):
    before = User.objects.get(username="officer").password
    stdin = io.TextIOWrapper(
        io.BytesIO(b"abc\xff\xfedefghijkl99\n"), encoding="utf-8", errors="surrogateescape"
    )
    monkeypatch.setattr(sys, "stdin", stdin)
    code, _out, err = _main(capsys, "set-password", "officer")
    assert code == 2 and "stdin" in err and "UTF-8" in err and "Traceback" not in err
    assert User.objects.get(username="officer").password == before
    assert sys.stdin is stdin  # given back as it was


# --- L1. Ctrl-C: one line, exit 130; the seeder says what it kept ------------------------------------------


def test_ctrl_c_is_one_line_and_exit_130(capsys, monkeypatch):
    def interrupted(self: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.CityDeskUtility, "execute", interrupted)
    code, _out, err = _main(capsys, "load-units")
    assert code == 130 and err.strip() == "Đã dừng (Ctrl-C)."
    code, _out, err = _main(capsys, "ingest-email")
    assert code == 130 and "Traceback" not in err


def test_an_interrupted_seed_reports_says_how_many_it_kept(db, monkeypatch):
    module = importlib.import_module("citydesk.reports.management.commands.seed-reports")

    def seed(*, progress, count, **kwargs):
        progress(100_000, count)
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "seed_reports", seed)
    err = StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("seed-reports", "--count", "500000", stderr=err)
    assert "100.000" in err.getvalue() and "500.000" in err.getvalue()


# --- L2, L3. HSTS and SSL values checked in both modes; a trusted origin needs its scheme -------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CITYDESK_HSTS_SECONDS", "abc"),
        ("CITYDESK_HSTS_SECONDS", "-5"),
        ("CITYDESK_SSL_REDIRECT", "maybe"),
        ("CITYDESK_HSTS_PRELOAD", "maybe"),
        ("CITYDESK_CSRF_TRUSTED_ORIGINS", "example.com"),
        ("CITYDESK_CSRF_TRUSTED_ORIGINS", "https://ok.example.vn, citydesk.example.vn"),
    ],
)
def test_a_bad_security_value_stops_even_outside_production(monkeypatch, tmp_path, name, value):
    monkeypatch.delenv("CITYDESK_PRODUCTION", raising=False)
    with pytest.raises(ImproperlyConfigured, match=name):
        _settings_with(monkeypatch, tmp_path, **{name: value})


def test_good_origins_are_taken(monkeypatch, tmp_path):
    values = _settings_with(
        monkeypatch,
        tmp_path,
        CITYDESK_CSRF_TRUSTED_ORIGINS="https://a.example.vn, https://*.b.example.vn:8443",
    )
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://a.example.vn", "https://*.b.example.vn:8443"]


def test_a_scheme_less_origin_is_one_line_and_stops_the_web_server(tmp_path):
    env = _env(tmp_path, CITYDESK_CSRF_TRUSTED_ORIGINS="example.com")
    done = _cli(tmp_path, "check", env=env)
    lines = done.stderr.decode().strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("citydesk: lỗi cấu hình: ")
    assert "CITYDESK_CSRF_TRUSTED_ORIGINS" in lines[0]
    web = subprocess.run(
        [sys.executable, "-c", "import citydesk.wsgi"], cwd=ROOT, env=env, capture_output=True, check=False
    )
    assert web.returncode != 0 and b"CITYDESK_CSRF_TRUSTED_ORIGINS" in web.stderr


# --- L4. A refused command creates no directory ------------------------------------------------------------


def test_a_wrong_data_directory_is_left_uncreated(tmp_path):
    deeper = tmp_path / "nonexist" / "deeper"
    done = _cli(tmp_path, "list-users", env=_env(deeper))
    assert done.returncode == 2 and "citydesk.sqlite3" in done.stderr.decode()
    assert not (tmp_path / "nonexist").exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _env(tmp_path)
    del env["CITYDESK_DATA_DIR"]
    done = _cli(elsewhere, "list-users", env=env)
    assert done.returncode == 2 and list(elsewhere.iterdir()) == []


def test_the_cache_directory_is_made_when_first_written(tmp_path):
    from citydesk.lib.cache import FileBasedCache

    cache = FileBasedCache(str(tmp_path / "cache"), {})
    assert cache.get("k") is None and not (tmp_path / "cache").exists()
    cache.set("k", 1)
    assert cache.get("k") == 1


# --- L5, L10. restore: a corrupt file's report is cut short; a directory is named as one --------------------


def test_a_corrupt_backups_integrity_report_is_cut_to_five_lines(tmp_path):
    path = tmp_path / "corrupt.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        db.execute("CREATE INDEX t_v ON t (v)")
        db.executemany("INSERT INTO t (v) VALUES (?)", [(f"value {i:06d} " * 8,) for i in range(6000)])
    data = bytearray(path.read_bytes())
    for page in range(4, len(data) // 4096, 3):  # scribble over a third of the pages
        data[page * 4096 + 100 : page * 4096 + 300] = bytes((page * 7 + i) % 256 for i in range(200))
    path.write_bytes(bytes(data))
    with pytest.raises(DomainError) as refused:
        backup_module._read_sqlite_backup(path)
    message = refused.value.message
    assert "\n" not in message and message.count("; ") <= 5
    assert "…" in message and "***" not in message


def test_restoring_a_directory_says_it_is_one(db, tmp_path):
    with pytest.raises(DomainError) as refused:
        backup_module.restore(tmp_path)
    assert "không tìm thấy" not in refused.value.message
    with translation.override("en"), pytest.raises(DomainError, match="is a folder"):
        backup_module.restore(tmp_path)


# --- L6. Boundary features are numbered from 1 ------------------------------------------------------------


def test_boundary_features_are_counted_from_one(db):
    collection = {"type": "FeatureCollection", "features": ["not a feature", "nor this"]}
    with pytest.raises(DomainError) as refused:
        boundaries_check(collection)
    assert "#1" in refused.value.message and "#2" in refused.value.message
    assert "#0" not in refused.value.message


# --- L8. sla-sweep: an escalation that reached nobody is counted apart ---------------------------------------


def test_the_sweep_counts_apart_the_escalations_that_reached_nobody(personas, categories):
    import datetime as dt

    from django.utils import timezone

    from citydesk.core.models import Membership

    Membership.objects.filter(user__in=[personas.head, personas.deputy]).update(is_active=False)
    late = submit_report()
    Report.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    out = StringIO()
    with translation.override("en"):
        call_command("sla-sweep", stdout=out)
    text = out.getvalue()
    assert "escalated to the unit head: 0" in text and "overdue, nobody to tell: 1" in text
    assert "escalated: not classified in time" not in text


# --- L9. create-user: a name differing only in case is taken --------------------------------------------------


def test_create_user_refuses_a_name_differing_only_in_case(personas):
    with pytest.raises(CommandError) as refused:
        call_command("create-user", "--username", "Officer", "--role", "officer", "--unit", "26743")
    assert refused.value.returncode == 2 and "officer" in str(refused.value)
    assert not User.objects.filter(username="Officer").exists()


# --- L10. --version is CityDesk's; import-ratings says an empty file once, headers in Vietnamese ---------------


def test_version_is_citydesks(capsys):
    from importlib import metadata

    code, out, _err = _main(capsys, "--version")
    assert code == 0 and out.startswith(f"CityDesk {metadata.version('citydesk')}")
    parser = importlib.import_module("citydesk.core.management.commands.list-users").Command()
    assert parser.get_version().startswith("CityDesk ")


def test_import_ratings_says_an_empty_file_once_and_names_missing_columns_in_vietnamese(db, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError) as refused:
        call_command("import-ratings", str(empty))
    assert str(refused.value).count("Tệp trống") == 1
    english = tmp_path / "english.csv"
    english.write_text("unit,channel,satisfied,normal,unsatisfied\n26743,web,1,0,0\n")
    with pytest.raises(CommandError) as refused:
        call_command("import-ratings", str(english))
    assert "dòng 1, tháng:" in str(refused.value) and ", month:" not in str(refused.value)


def test_create_user_with_actor_service_refuses_case_variant(personas):
    from citydesk.core.services import user_create

    with pytest.raises(DomainError) as refused:
        user_create(actor=Actor.system("test"), username="HEAD", role="officer", unit_code="26743")
    assert refused.value.field == "username" and "head" in refused.value.message
