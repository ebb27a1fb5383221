"""Operations review B (a city's IT administrator installing CityDesk): each test failed on the code before."""

from __future__ import annotations

import json
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from gunicorn.config import Config

from citydesk import env as env_module
from citydesk.core import backup as backup_module
from citydesk.core.errors import DomainError
from citydesk.core.models import AdminUnit, Organisation
from citydesk.logs import AccessLogger, JsonFormatter

ROOT = Path(__file__).resolve().parents[2]
CCCD = "069879730911"
PHONE = "0941707536"


# --- 1. CITYDESK_EMAIL_TIMEOUT, CITYDESK_MAX_DOSSIER_FILE_MB ---------------------------------------


def _settings_with(monkeypatch, **variables: str) -> dict:
    """settings.py run afresh with these variables (listed as known, whatever citydesk.env says yet)."""
    monkeypatch.setattr(env_module, "KNOWN_VARIABLES", env_module.KNOWN_VARIABLES | set(variables))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "citydesk" / "settings.py"))


def test_smtp_waits_a_bounded_time_for_the_mail_server():
    assert django_settings.EMAIL_TIMEOUT == 20
    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert smtp.timeout == 20  # a silent server fails the e-mail, it no longer holds the worker


def test_the_email_timeout_and_dossier_file_size_come_from_the_environment(monkeypatch):
    loaded = _settings_with(monkeypatch, CITYDESK_EMAIL_TIMEOUT="5", CITYDESK_MAX_DOSSIER_FILE_MB="25")
    assert loaded["EMAIL_TIMEOUT"] == 5
    assert loaded["CITYDESK_MAX_DOSSIER_FILE_MB"] == 25


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CITYDESK_EMAIL_TIMEOUT", "abc"),
        ("CITYDESK_EMAIL_TIMEOUT", "0"),
        ("CITYDESK_MAX_DOSSIER_FILE_MB", "0"),
        ("CITYDESK_MAX_DOSSIER_FILE_MB", "1000"),
    ],
)
def test_a_bad_timeout_or_file_size_stops_the_settings_naming_it(monkeypatch, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        _settings_with(monkeypatch, **{name: value})


def test_the_dossier_file_size_is_a_setting():
    assert django_settings.CITYDESK_MAX_DOSSIER_FILE_MB == 10


# --- 2. No query string value in the logs ---------------------------------------------------------


def test_the_json_formatter_logs_a_request_without_its_query_values():
    request = RequestFactory().get("/ho-so/hang-doi/", {"q": PHONE, "page": "2"})
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found", None, None)
    record.request = request
    record.status_code = 404
    line = JsonFormatter().format(record)
    payload = json.loads(line)
    assert PHONE not in line
    assert payload["request"] == "GET /ho-so/hang-doi/?q=…&page=…"
    assert payload["status_code"] == 404


def _gunicorn_logger() -> AccessLogger:
    cfg = Config()
    cfg.set("accesslog", "-")
    return AccessLogger(cfg)


def _access_arguments():
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/mot-cua/ho-so/?q={CCCD}",
        "PATH_INFO": "/mot-cua/ho-so/",
        "QUERY_STRING": f"q={CCCD}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://citydesk.example.gov.vn/theo-doi/?t=secret-token-123",
        "HTTP_USER_AGENT": "curl/8",
    }
    resp = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/html")], sent=512)
    req = SimpleNamespace(
        headers=[("REFERER", environ["HTTP_REFERER"]), ("COOKIE", "sessionid=abc"), ("HOST", "x")]
    )
    return resp, req, environ, timedelta(milliseconds=35)


def test_gunicorn_access_atoms_carry_no_query_value_referer_query_or_cookie():
    atoms = _gunicorn_logger().atoms(*_access_arguments())
    assert atoms["r"] == "GET /mot-cua/ho-so/?q=… HTTP/1.1"
    assert atoms["q"] == "q=…"
    assert atoms["U"] == "/mot-cua/ho-so/"
    assert atoms["f"] == "https://citydesk.example.gov.vn/theo-doi/?t=…"
    assert atoms["{referer}i"] == atoms["f"]
    assert atoms["{cookie}i"] == "…"
    assert not any(CCCD in str(value) or "secret-token" in str(value) for value in atoms.values())


def test_gunicorn_access_lines_are_json_without_query_values(monkeypatch):
    logger = _gunicorn_logger()
    lines: list[str] = []
    monkeypatch.setattr(logger.access_log, "info", lines.append)
    logger.access(*_access_arguments())
    [line] = lines
    payload = json.loads(line)
    assert CCCD not in line and "secret-token" not in line
    assert payload["logger"] == "gunicorn.access"
    assert payload["path"] == "/mot-cua/ho-so/?q=…"
    assert payload["status"] == 200 and payload["duration_ms"] == 35


def test_the_servers_run_gunicorn_with_the_redacting_logger():
    needle = "--logger-class citydesk.logs.AccessLogger"
    assert needle in (ROOT / "scripts" / "run").read_text(encoding="utf-8")
    assert needle in (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("query", "redacted"),
    [("", ""), ("q=1&page=2", "q=…&page=…"), (CCCD, "…"), ("a=&b", "a=…&…"), ("q=1&&x=2", "q=…&&x=…")],
)
def test_redact_query(query, redacted):
    from citydesk.logs import redact_query

    assert redact_query(query) == redacted


# --- 3, 4. Deployment documents ----------------------------------------------------------------------


def test_nginx_serves_static_files_from_a_directory_it_may_read():
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "alias /var/lib/citydesk-static/;" in text
    assert "install -d -o citydesk -g citydesk -m 0755 /var/lib/citydesk-static" in text
    assert "CITYDESK_STATIC_ROOT=/var/lib/citydesk-static" in text
    assert "/var/lib/citydesk/staticfiles" not in text


def test_the_postfix_pipe_runs_the_wrapper_that_loads_the_settings():
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    deployment = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "argv=/usr/local/bin/citydesk ingest-email" in operations
    assert "/srv/citydesk/.venv" not in operations
    assert ". /etc/citydesk/citydesk.env" in deployment and "cd /var/lib/citydesk && exec" in deployment


def test_the_operations_guide_matches_the_backup_names_and_health_body():
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "citydesk-20261120-0200.tar" not in text
    assert "the first of them" not in text
    assert "CITYDESK_EMAIL_TIMEOUT" in text and "CITYDESK_MAX_DOSSIER_FILE_MB" in text


# --- 5. /healthz whatever the Host header --------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_a_probe_by_address(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]
    head = client.head("/healthz", HTTP_HOST="10.0.0.5")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.django_db
def test_only_the_health_check_is_opened_to_any_host(client):
    assert client.get("/dang-nhap/", HTTP_HOST="10.0.0.5").status_code == 400
    assert client.get("/healthz/", HTTP_HOST="10.0.0.5").status_code == 400
    assert client.post("/healthz", HTTP_HOST="10.0.0.5").status_code == 400
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_by_address_still_says_unmigrated(client, monkeypatch):
    from citydesk.web import views

    monkeypatch.setattr(views, "unapplied_migrations", lambda: [("core", "0099_x")])
    response = client.get("/healthz", HTTP_HOST="10.0.0.5")
    assert response.status_code == 503
    assert response.json()["unapplied_migrations"] == 1


# --- 7. load-units checks every --city first ------------------------------------------------------


@pytest.mark.django_db
def test_load_units_refuses_a_bad_city_before_loading_anything():
    units, organisations = AdminUnit.objects.count(), Organisation.objects.count()
    with pytest.raises(CommandError, match="abc"):
        call_command("load-units", "--no-legacy", "--city", "79", "--city", "abc")
    assert AdminUnit.objects.count() == units
    assert Organisation.objects.count() == organisations


def test_load_units_accepts_official_codes_as_typed():
    from importlib import import_module

    command = import_module("citydesk.core.management.commands.load-units")
    command.check_province_codes(["79", "1", " 01 "])
    with pytest.raises(DomainError):
        command.check_province_codes(["79", "99"])


# --- 8. A failed PostgreSQL restore --------------------------------------------------------------


def test_a_failed_pg_restore_says_the_database_is_unchanged_without_form_wording(monkeypatch, tmp_path):
    source = tmp_path / "db.backup"
    source.write_bytes(b"PGDMP")
    monkeypatch.setattr(
        backup_module, "connection", SimpleNamespace(vendor="postgresql", settings_dict={"NAME": "citydesk"})
    )
    monkeypatch.setattr(backup_module, "connections", SimpleNamespace(close_all=lambda: None))
    monkeypatch.setattr(backup_module, "_read_pg_backup", lambda *args: (set(), set()))
    monkeypatch.setattr(backup_module, "check_compatible", lambda *args: [])
    monkeypatch.setattr(backup_module, "_pg_env", lambda: ([], {}))
    monkeypatch.setattr(backup_module, "_tool", lambda name: "false")
    monkeypatch.setattr(backup_module, "archive_manifest", lambda path: None)
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(source), "--yes")
    message = str(caught.value)
    assert "pg_restore" in message
    assert "Cơ sở dữ liệu không bị thay đổi" in message or "The database was not changed" in message
    assert "trường" not in message and "field" not in message
