"""QA defects of operations (tokens, calendar input, health check, configuration, backups, audit triggers,
boundaries, point lookup): each test failed on the old code."""

from __future__ import annotations

import json
import os
import runpy
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils.translation import gettext

from citydesk.core import schema
from citydesk.core.audit import Actor, audit_record, audit_verify
from citydesk.core.audit_guard import guard_problems
from citydesk.core.boundaries import boundaries_import
from citydesk.core.checks import check_public_url
from citydesk.core.errors import DomainError, NotFound
from citydesk.core.models import AdminUnit, ApiToken, AuditEntry, BoundaryKind, CalendarOverride, User
from citydesk.core.services import api_token_user
from citydesk.core.units import locate_point

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _cli(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "CITYDESK_DATA_DIR": str(tmp_path), **env}
    full.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "citydesk.cli", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        check=False,
    )


# --- Defect 1: a token for scripts, and a new token for an existing user ---------------------------


def test_create_user_token_only_prints_just_the_token(personas, capsys):
    call_command(
        "create-user", "--username", "script1", "--role", "officer", "--unit", "26743", "--token-only"
    )
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    user = api_token_user(out.strip())
    assert user is not None and user.username == "script1"


def test_issue_token_gives_an_existing_user_a_new_working_token(personas, capsys):
    before = ApiToken.objects.filter(user=personas.head).count()
    call_command("issue-token", "head", "--name", "tích hợp", "--token-only")
    token = capsys.readouterr().out.strip()
    assert api_token_user(token).pk == personas.head.pk
    assert ApiToken.objects.filter(user=personas.head).count() == before + 1
    assert ApiToken.objects.filter(user=personas.head, name="tích hợp").exists()
    entry = AuditEntry.objects.filter(action="api_token.create").latest("id")
    assert entry.after["user"] == "head" and entry.actor_label.startswith("cli:")
    call_command("issue-token", "head")
    assert "cd_" in capsys.readouterr().out  # the human form names it too


def test_issue_token_refuses_an_unknown_or_deactivated_user(personas):
    with pytest.raises(CommandError) as err:
        call_command("issue-token", "nobody")
    assert err.value.returncode == 2 and (
        "(đối số USERNAME)" in str(err.value) or "(tùy chọn --username)" in str(err.value)
    )
    User.objects.filter(pk=personas.officer.pk).update(is_active=False)
    tokens = ApiToken.objects.count()
    with pytest.raises(CommandError) as err:
        call_command("issue-token", "officer")
    assert err.value.returncode == 2
    assert ApiToken.objects.count() == tokens


# --- Defect 2: calendar overrides: lengths, a day that is already off ------------------------------


def _override(client, auth, **payload):
    body = {"date": "2026-03-03", "kind": "day_off", "name": "Nghỉ", **payload}
    return client.post("/api/v1/calendar/overrides", body, content_type="application/json", **auth)


@pytest.mark.parametrize(("field", "size"), [("name", 5000), ("legal_basis", 50000), ("name", 201)])
def test_calendar_override_too_long_is_a_400_naming_the_field(client, personas, bearer, field, size):
    r = _override(client, bearer(personas.admin), **{field: "x" * size})
    assert r.status_code == 400 and r.json()["field"] == field
    assert not CalendarOverride.objects.exists()


@pytest.mark.parametrize("day", ["2026-03-01", "2026-03-07", "2026-09-02", "2026-02-17"])
def test_a_day_off_on_a_day_already_off_is_refused(client, personas, bearer, day):
    """Sunday, Saturday, National Day, Tết: an official day off on them changes nothing."""
    r = _override(client, bearer(personas.admin), date=day)
    assert r.status_code == 400 and r.json()["field"] == "date"
    assert not CalendarOverride.objects.exists()
    # A swapped working day on a Sunday stays possible, and a weekday day off too.
    assert _override(client, bearer(personas.admin), date="2026-03-03").status_code == 201


def test_the_back_office_refuses_a_day_off_on_a_sunday(personas):
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    staff = Client()
    staff.force_login(personas.admin)
    form = {"date": "01/03/2026", "kind": "day_off", "name": "Nghỉ", "legal_basis": "x" * 10}
    r = staff.post("/quan-tri/core/calendaroverride/add/", form)
    assert r.status_code == 200 and "date" in r.context["adminform"].form.errors
    assert not CalendarOverride.objects.exists()


# --- Defect 3: /healthz over plain HTTP in production, and on an unmigrated database ---------------


def test_healthz_is_not_redirected_to_https(settings, personas):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/").status_code == 301
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_production_settings_exempt_healthz_from_the_redirect(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYDESK_PRODUCTION", "true")
    monkeypatch.setenv("CITYDESK_SECRET_KEY", "s" * 60)
    monkeypatch.setenv("CITYDESK_DATA_DIR", str(tmp_path))
    values = runpy.run_path(str(ROOT / "citydesk" / "settings.py"))
    assert values["SECURE_SSL_REDIRECT"] is True
    assert any(__import__("re").search(p, "healthz") for p in values["SECURE_REDIRECT_EXEMPT"])


def test_healthz_is_503_when_the_schema_lacks_migrations(client, monkeypatch):
    code = schema.code_migrations() | {("core", "9999_not_applied")}
    monkeypatch.setattr(schema, "code_migrations", lambda: code)
    r = client.get("/healthz")
    assert r.status_code == 503
    body = r.json()
    assert body["schema"] == "unmigrated" and body["unapplied_migrations"] == 1
    assert "9999_not_applied" not in r.content.decode()  # names are for the operator, not the public


def test_healthz_on_a_new_empty_database_file_is_503(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client(HTTP_HOST='localhost').get('/healthz'); print(r.status_code, r.json()['schema'])"
    )
    env = {**os.environ, "CITYDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{empty}"}
    env["DJANGO_SETTINGS_MODULE"] = "citydesk.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.stdout.split() == ["503", "unmigrated"], result.stderr


# --- Defect 5: configuration mistakes are one line naming the variable -----------------------------


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"CITYDESK_PRODUCTION": "true", "CITYDESK_SECRET_KEY": ""}, "CITYDESK_SECRET_KEY"),
        ({"CITYDESK_SECRET_KEY_FILE": "/nonexistent/secret"}, "CITYDESK_SECRET_KEY_FILE"),
        (
            {"CITYDESK_PRODUCTION": "true", "CITYDESK_SECRET_KEY": "s" * 60, "CITYDESK_HSTS_SECONDS": "abc"},
            "CITYDESK_HSTS_SECONDS",
        ),
        ({"CITYDESK_FISCAL_YEAR_START_MONTH": "13"}, "CITYDESK_FISCAL_YEAR_START_MONTH"),
    ],
)
def test_configuration_mistakes_are_one_clear_line(tmp_path, env, variable):
    result = _cli(["check", "--deploy"], env, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr


# --- Defect 6: the indicator settings the docs describe are read -----------------------------------


def _settings_with(monkeypatch, tmp_path, **env: str) -> dict:
    monkeypatch.setenv("CITYDESK_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "citydesk" / "settings.py"))


def test_indicator_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    values = _settings_with(monkeypatch, tmp_path)
    assert values["CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS"] == 5
    assert values["CITYDESK_FISCAL_YEAR_START_MONTH"] == 1
    values = _settings_with(
        monkeypatch,
        tmp_path,
        CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS="3",
        CITYDESK_FISCAL_YEAR_START_MONTH="10",
    )
    assert values["CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS"] == 3
    assert values["CITYDESK_FISCAL_YEAR_START_MONTH"] == 10


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CITYDESK_FISCAL_YEAR_START_MONTH", "0"),
        ("CITYDESK_FISCAL_YEAR_START_MONTH", "tháng 4"),
        ("CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS", "-1"),
    ],
)
def test_bad_indicator_settings_are_refused_naming_them(monkeypatch, tmp_path, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        _settings_with(monkeypatch, tmp_path, **{name: value})


# --- Defect 7: check --deploy warns about a local CITYDESK_PUBLIC_URL -----------------------------


@pytest.mark.parametrize(
    ("url", "ids"),
    [
        ("http://127.0.0.1:8000", ["citydesk.W001"]),
        ("http://localhost", ["citydesk.W001"]),
        ("", ["citydesk.W001"]),
        ("http://citydesk.example.gov.vn", ["citydesk.W002"]),
        ("https://citydesk.example.gov.vn", []),
    ],
)
def test_public_url_deploy_check(settings, url, ids):
    settings.CITYDESK_PUBLIC_URL = url
    assert [m.id for m in check_public_url()] == ids


def test_check_deploy_in_production_names_a_missing_public_url(tmp_path):
    env = {
        "CITYDESK_PRODUCTION": "true",
        "CITYDESK_SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-0123456789-abcdef",
        "CITYDESK_ALLOWED_HOSTS": "citydesk.example.vn",
    }
    result = _cli(["check", "--deploy"], env, tmp_path)
    assert "citydesk.W001" in result.stdout + result.stderr
    assert "citydesk.W003" in result.stdout + result.stderr  # nor were the static files collected


# --- Defect 8: password rules in the site's language -----------------------------------------------


def test_create_user_password_rules_are_all_in_the_site_language(personas):
    with pytest.raises(CommandError) as err:
        call_command("create-user", "--username", "pw1", "--role", "citizen", "--password", "123")
    message = str(err.value)
    assert "It must contain at least" not in message  # Django's message its catalog does not translate
    assert (
        gettext("This password is too short: it must have at least %(n)s characters.") % {"n": 10} in message
    )
    assert not User.objects.filter(username="pw1").exists()


# --- Defect 9: backups are private and never silently overwritten ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_backup_is_private_and_refuses_to_overwrite(personas, tmp_path):
    path = tmp_path / "citydesk.backup"
    call_command("backup", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    size = path.stat().st_size
    path.write_bytes(b"an older backup")
    with pytest.raises(CommandError) as err:
        call_command("backup", str(path))
    assert err.value.returncode == 2 and "--force" in str(err.value)
    assert path.read_bytes() == b"an older backup"
    path.chmod(0o644)
    call_command("backup", str(path), "--force")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.stat().st_size == size
    assert not list(tmp_path.glob("*.part"))


# --- Defect 10: boundaries: commune codes only, a FeatureCollection only ---------------------------


def _square(code: str | int, lon: float = 106.694, lat: float = 10.7713, size: float = 0.01) -> dict:
    ring = [
        [lon - size, lat - size],
        [lon + size, lat - size],
        [lon + size, lat + size],
        [lon - size, lat + size],
        [lon - size, lat - size],
    ]
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def test_a_province_code_is_not_imported_as_a_commune_boundary(personas):
    with pytest.raises(DomainError) as err:
        boundaries_import(actor=Actor.system("test"), geojson=_collection(_square(79)))
    assert err.value.field == "file"
    assert "#1" in err.value.message and "79" in err.value.message
    assert AdminUnit.objects.get(code="79").boundary_kind != BoundaryKind.OFFICIAL


def test_a_single_feature_is_not_a_feature_collection(personas):
    with pytest.raises(DomainError) as err:
        boundaries_import(actor=Actor.system("test"), geojson=_square("26743"))
    assert err.value.field == "file" and "FeatureCollection" in err.value.message
    assert AdminUnit.objects.get(code="26743").boundary_kind != BoundaryKind.OFFICIAL


def test_boundary_problems_are_listed_in_the_site_language(personas, tmp_path):
    bowtie = _square("26740")
    bowtie["geometry"]["coordinates"] = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    point = {"type": "Feature", "properties": {"code": "26743"}, "geometry": {"type": "Point"}}
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(_collection(_square("99999"), bowtie, point, _square("26740"))))
    with pytest.raises(CommandError) as err:
        call_command("import-boundaries", str(path))
    message = str(err.value)
    assert err.value.returncode == 2
    for english in (
        "boundary GeoJSON",
        "is not a known unit code",
        "is not Polygon or MultiPolygon",
        "feature 0",
    ):
        assert english not in message
    assert all(f"#{i}" in message for i in range(1, 5))
    assert "99999" in message
    assert AdminUnit.objects.get(code="26740").boundary_kind != BoundaryKind.OFFICIAL


def test_a_good_commune_boundary_is_still_imported(personas):
    assert boundaries_import(actor=Actor.system("test"), geojson=_collection(_square(26743))) == 1
    assert AdminUnit.objects.get(code="26743").boundary_kind == BoundaryKind.OFFICIAL


# --- Defect 11: dropped audit triggers are reported and put back by migrate ------------------------


def _remove_guard(how: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
        elif how == "drop":
            cursor.execute("DROP TRIGGER core_auditentry_append_only ON core_auditentry")
            cursor.execute("DROP TRIGGER core_auditentry_no_truncate ON core_auditentry")
        else:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")


def _write_one() -> AuditEntry:
    return audit_record(actor=Actor.system("test"), action="thing.set", object_type="thing", object_id=1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["drop", "disable"])
def test_missing_triggers_are_reported_then_restored_by_migrate(how, capsys):
    entry = _write_one()
    assert guard_problems() == []
    _remove_guard(how)
    _checked, problems = audit_verify()
    guard = [p for p in problems if p.kind == "guard"]
    assert guard and all(p.entry_id is None for p in guard)
    with pytest.raises(CommandError) as err:
        call_command("audit-verify")
    assert err.value.returncode == 1
    assert "core_auditentry" in capsys.readouterr().err
    call_command("migrate", verbosity=1)
    assert "core_auditentry" in capsys.readouterr().out  # migrate says what it put back
    assert guard_problems() == []
    assert audit_verify()[1] == []
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")


@pytest.mark.django_db(transaction=True)
def test_a_trigger_replaced_by_a_harmless_one_is_reported_and_restored():
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL variant: a disabled or dropped trigger (above)")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER core_auditentry_no_delete")
        cursor.execute(
            "CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry BEGIN SELECT 1; END"
        )
    assert [(p.trigger, p.state) for p in guard_problems()] == [("core_auditentry_no_delete", "altered")]
    call_command("migrate", verbosity=0)
    assert guard_problems() == []


# --- Defect 14: a point outside Vietnam names no unit ----------------------------------------------


@pytest.mark.parametrize(("lon", "lat"), [(-74, 40.7), (105.834, 21.034), (2.35, 48.85)])
def test_locate_far_from_every_unit_is_not_found(client, personas, lon, lat):
    r = client.get("/api/v1/units/locate", {"lon": lon, "lat": lat})
    assert r.status_code == 404 and r.json()["field"] == "lon"
    assert str(lon) in r.json()["detail"]
    with pytest.raises(NotFound):
        locate_point(lon, lat)


def test_locate_near_a_unit_still_answers_it(client, personas):
    r = client.get("/api/v1/units/locate", {"lon": 106.70, "lat": 10.80})  # 3 km from Sài Gòn's centre
    assert r.status_code == 200 and r.json()["code"] in ("26740", "26743")
