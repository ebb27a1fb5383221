"""The audit trail names its actions and object types in the reader's language, not by their codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.utils import translation

from citydesk.core.admin_audit import object_type_of
from citydesk.core.audit import Actor, audit_record
from citydesk.core.audit_labels import action_label, object_type_label
from citydesk.dossiers.models import Payment
from citydesk.dossiers.workflow import ACTION_LABELS as DOSSIER_ACTIONS
from citydesk.indicators import findings
from citydesk.indicators.models import FindingState
from citydesk.indicators.services.submissions import MOVES as SUBMISSION_MOVES
from citydesk.reports.workflow import MOVES as REPORT_MOVES

SOURCE = Path(__file__).resolve().parents[2] / "citydesk"


def written_actions() -> set[str]:
    """Every action code the code base writes: the literals, and each table the formatted ones come from."""
    literal = re.compile(r'action="([a-z_0-9]+\.[a-z_0-9.]+)"')
    either = re.compile(r'action="([a-z_]+\.[a-z_]+)" if [^"]+ else "([a-z_]+\.[a-z_]+)"')
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(literal.findall(text))
        for pair in either.findall(text):
            codes.update(pair)
    codes.update(f"report.{move}" for move in REPORT_MOVES)
    codes.update(f"dossier.{move}" for move in DOSSIER_ACTIONS)
    codes.update(f"payment.{state}" for state in Payment.State.values if state != Payment.State.PENDING)
    codes.update(f"indicator.submission_{move}" for move in SUBMISSION_MOVES)
    codes.update(f"indicators.finding_{state}" for state in FindingState.values)
    for model in admin.site._registry:
        codes.update(f"{object_type_of(model)}.{verb}" for verb in ("create", "change", "delete"))
    return codes


def test_the_source_scan_finds_the_actions():
    # The scan itself must see the codes it is meant to check, or the next test checks nothing.
    codes = written_actions()
    assert {
        "report.submit",
        "dossier.receive",
        "user.deactivate",
        "procedure.create",
        "report.resolve",
    } <= codes
    assert {"service_category.change", "indicators.finding_closed", "payment.paid"} <= codes
    assert len(codes) > 150
    assert set(findings.MOVES) <= {"explain", "correct", "close", "reopen"}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_action_written_has_a_name(language):
    with translation.override(language):
        unnamed = sorted(code for code in written_actions() if action_label(code) == code)
    assert unnamed == []


def test_names_read_naturally_in_both_languages():
    cases = {
        "report.resolve": ("Phản ánh: đã xử lý xong", "Report: resolved"),
        "dossier.request_supplement": (
            "Hồ sơ: yêu cầu bổ sung giấy tờ",
            "Dossier: additional papers asked for",
        ),
        "service_category.change": ("Lĩnh vực: sửa", "Service category: changed"),
        "indicators.finding_explained": (
            "Cảnh báo số liệu chỉ tiêu: đã giải trình",
            "Indicator finding: explained",
        ),
        "user.deactivate": ("Khóa tài khoản", "Account deactivated"),
    }
    for code, (vi, en) in cases.items():
        with translation.override("vi"):
            assert action_label(code) == vi
        with translation.override("en"):
            assert action_label(code) == en
    with translation.override("vi"):
        assert object_type_label("calendar_override") == "Lịch làm việc"
        assert object_type_label("routing_rule") != "routing_rule"


def test_an_unknown_code_is_shown_as_it_is():
    for code in ("report.teleport", "spaceship.launch", "indicator.nothing", "indicators.finding_lost", "x"):
        assert action_label(code) == code
    assert object_type_label("spaceship") == "spaceship"


@pytest.mark.django_db
def test_the_back_office_lists_and_filters_by_name_and_shows_the_code_on_the_row(personas):
    entry = audit_record(
        actor=Actor.system("test"), action="report.resolve", object_type="report", object_id="PA-26-000001"
    )
    audit_record(
        actor=Actor.system("test"), action="calendar.set", object_type="calendar_override", object_id="1"
    )
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    page = client.get("/quan-tri/core/auditentry/").content.decode()
    assert "Phản ánh: đã xử lý xong" in page and "Lịch làm việc: đặt ngày nghỉ/ngày làm bù" in page
    assert "?action=report.resolve" in page  # the filter's choice, named
    filtered = client.get("/quan-tri/core/auditentry/", {"action": "report.resolve"}).content.decode()
    rows = filtered.split("<tbody>")[1].split("</tbody>")[0]
    assert "PA-26-000001" in rows and "Lịch làm việc: đặt" not in rows
    row = client.get(f"/quan-tri/core/auditentry/{entry.pk}/change/").content.decode()
    assert "Phản ánh: đã xử lý xong (report.resolve)" in row and "Phản ánh (report)" in row


@pytest.mark.django_db
def test_the_api_gives_the_names_in_the_language_asked(personas, bearer):
    audit_record(actor=Actor.system("test"), action="report.resolve", object_type="report", object_id="PA-1")
    client = Client()
    query = {"object_type": "report", "object_id": "PA-1"}
    # An administrator reads the whole trail (an inspector, their city's: "PA-1" is no report of it).
    vi = client.get("/api/v1/audit", query, **bearer(personas.admin)).json()
    en = client.get("/api/v1/audit", query, HTTP_ACCEPT_LANGUAGE="en", **bearer(personas.admin)).json()
    assert [(e["action"], e["action_label"], e["object_type_label"]) for e in vi] == [
        ("report.resolve", "Phản ánh: đã xử lý xong", "Phản ánh")
    ]
    assert [(e["action_label"], e["object_type_label"]) for e in en] == [("Report: resolved", "Report")]


def test_the_platforms_jobs_are_named_as_people_read_them():
    from citydesk.core.audit_labels import SYSTEM_ACTORS, system_actor_label

    with translation.override("vi"):
        assert system_actor_label("sla-sweep") == "quét hạn xử lý"
        assert system_actor_label("cli:root") == "dòng lệnh (root)"
        assert system_actor_label("Trần Văn Minh") == "Trần Văn Minh"
    # Every job that writes audit rows is named.
    written = set()
    for path in SOURCE.rglob("*.py"):
        written.update(re.findall(r'Actor\.system\("([a-z0-9-]+)"\)', path.read_text(encoding="utf-8")))
    assert written and written <= set(SYSTEM_ACTORS)
