"""Notes the platform writes in a report's history are stored as keys and codes and read in the reader's
language, whatever the language of the request that wrote them; a person's note stays as written."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from citydesk.core import history_notes
from citydesk.reports import system_notes
from citydesk.reports.models import Channel, ReportEvent
from citydesk.reports.services import report_note, report_pause, report_resume, report_transition

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db
INTAKE_QUERIES = (
    11  # settings check, locator, code, report, the two events, follower, audit, outbox…: as before
)
migration = importlib.import_module("citydesk.reports.migrations.0012_system_notes_as_keys")

BODY = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước số 12 Lê Lợi",
    "lon": BEN_THANH[0],
    "lat": BEN_THANH[1],
    "contact_email": "dan@example.vn",
}


def in_language(language: str, msgid: str, **values: object) -> str:
    with translation.override(language):
        return _(msgid) % {k: str(v) for k, v in values.items()}


def received(language: str, channel: str) -> str:
    with translation.override(language):
        return _("Received via %(c)s.") % {"c": Channel(channel).label}


def test_a_note_written_under_vietnamese_reads_in_english_on_the_pages(client, personas, categories):
    with translation.override("vi"):
        report = submit_report(channel="web")
    event = report.events.get(kind="status")
    assert (
        event.note == "" and event.note_key == system_notes.RECEIVED and event.note_args == {"channel": "web"}
    )
    english, vietnamese = received("en", "web"), received("vi", "web")
    assert english != vietnamese

    page = client.get(f"/tra-cuu/{report.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page and vietnamese not in page
    page = client.get(f"/tra-cuu/{report.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert vietnamese in page and english not in page

    client.force_login(personas.head)
    officer = client.get(f"/xu-ly/{report.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    committee_en = in_language("en", "commune-level People's Committee")
    routed_en = escape(f"{personas.ward.name} ({committee_en})")
    assert english in officer and routed_en in officer
    with translation.override("en"):
        assert f"— {_('citizen')}" in officer  # the citizen without an account, in the reader's language
    officer = client.get(f"/xu-ly/{report.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert vietnamese in officer and f"— {in_language('vi', 'citizen')}" in officer


def test_a_note_written_under_english_reads_in_vietnamese_in_the_api(client, personas, categories, bearer):
    r = client.post(
        "/api/v1/reports", json.dumps(BODY), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    english, vietnamese = received("en", "app"), received("vi", "app")
    assert [e["note"] for e in r.json()["events"]] == [english]  # the answer, in the request's language

    public = client.get(f"/api/v1/reports/{code}", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert [e["note"] for e in public["events"]] == [vietnamese]
    handler = client.get(f"/api/v1/reports/{code}", HTTP_ACCEPT_LANGUAGE="vi", **bearer(personas.head)).json()
    notes = {e["kind"]: e["note"] for e in handler["events"]}
    assert notes["status"] == vietnamese
    committee_vi = in_language("vi", "commune-level People's Committee")
    assert notes["route"] == f"{personas.ward.name} ({committee_vi})"
    handler = client.get(f"/api/v1/reports/{code}", HTTP_ACCEPT_LANGUAGE="en", **bearer(personas.head)).json()
    assert {e["kind"]: e["note"] for e in handler["events"]}["status"] == english
    assert {e["kind"]: e["actor"] for e in handler["events"]}["status"] == in_language("en", "citizen")


def test_officers_moves_and_the_clock_are_read_in_each_language(client, personas, categories):
    report = submit_report(contact_phone="0901234567")  # someone to ask for more
    with translation.override("en"):  # an officer on the English screen
        report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
        report_resume(user=personas.officer, code=report.code)
        report_transition(
            user=personas.head, code=report.code, action="reject", reason="spam", note="Nội dung quảng cáo"
        )
    paused, resumed = report.events.filter(kind="sla").order_by("pk")
    rejected = report.events.get(kind="status", to_status="rejected")
    assert paused.note_args == {"text": "Xin ảnh chụp rõ hơn"} and rejected.note_args["reason"] == "spam"
    with translation.override("vi"):
        assert paused.display_note == in_language(
            "vi", "Waiting for the citizen: %(n)s", n="Xin ảnh chụp rõ hơn"
        )
        assert rejected.display_note == f"{in_language('vi', 'Spam or abusive')}. Nội dung quảng cáo"
        assert resumed.display_note.startswith(in_language("vi", "Handling resumed.").rstrip("."))
    report.refresh_from_db()  # spam: the public does not read it; its reporter does, with their link
    page = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()  # Vietnamese
    assert in_language("vi", "Spam or abusive") in page and in_language("en", "Spam or abusive") not in page


def test_a_persons_note_is_shown_as_written_in_every_language(client, personas, categories):
    report = submit_report()
    with translation.override("en"):
        event = report_note(
            user=personas.officer, code=report.code, text="Đã hẹn kiểm tra hiện trường", public=True
        )
    event.refresh_from_db()
    assert event.note == "Đã hẹn kiểm tra hiện trường" and event.note_key == "" and event.note_args == {}
    for language in ("vi", "en"):
        with translation.override(language):
            assert event.display_note == "Đã hẹn kiểm tra hiện trường"
        page = client.get(f"/tra-cuu/{report.code}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "Đã hẹn kiểm tra hiện trường" in page


def test_a_note_stores_codes_not_translated_words():
    with pytest.raises(TypeError):
        history_notes.system_note(system_notes.RECEIVED, channel=Channel.WEB.label)  # a label, not a code
    with pytest.raises(KeyError):
        history_notes.system_note("report.no_such_note")
    assert history_notes.system_note(system_notes.RECEIVED, channel=Channel.WEB) == {
        "note_key": "report.received",
        "note_args": {"channel": "web"},
    }
    # A key this release does not know, or arguments that do not fit: the stored text, never an error.
    assert history_notes.render("report.removed_later", {}, "Ghi chú cũ") == "Ghi chú cũ"
    assert history_notes.render(system_notes.RECEIVED, {}, "") == ""


def test_routing_says_how_it_chose_with_a_code_whatever_the_language(personas, categories):
    """The reason stored in the history is the routing's own code, not its words looked up again: the
    same under a language without a catalog, and every code has words on the pages."""
    from citydesk.core.models import AdminUnit
    from citydesk.reports.models import RoutingRule
    from citydesk.reports.routing import BY_COMMITTEE, BY_DEPARTMENT, BY_PROVINCE, BY_RULE, route

    ward = AdminUnit.objects.get(code=personas.ward.code)
    with translation.override("fr"):  # no catalog: the old lookup of translated words fell back to them
        routes = {
            BY_COMMITTEE: route(categories["road"], ward),
            BY_DEPARTMENT: route(categories["lighting"], ward),
            BY_PROVINCE: route(categories["road"], None, province_code=ward.province_id),
        }
        rule = RoutingRule.objects.create(priority=1, category=categories["road"], target=personas.department)
        routes[BY_RULE] = route(categories["road"], ward)
    assert {how: r.how for how, r in routes.items()} == {how: how for how in routes}
    assert system_notes.route_reason(routes[BY_RULE]) == {"reason": "rule", "rule": rule.pk}
    assert system_notes.route_reason(routes[BY_COMMITTEE]) == {"reason": "committee"}
    for how in (BY_COMMITTEE, BY_DEPARTMENT, BY_PROVINCE):
        with translation.override("vi"):
            words = history_notes.render(system_notes.ROUTED, {"unit": "X", "reason": how}, "")
        assert words != f"X ({how})" and words.startswith("X (")


# --- Migration 0012: notes stored as text before ---------------------------------------------------

LEGACY = [
    # (kind, stored note, key, arguments, renders back to the same text in this language)
    ("status", "Tiếp nhận qua Cổng thông tin điện tử.", "report.received", {"channel": "web"}, "vi"),
    ("status", "Received via Hotline 1022.", "report.received", {"channel": "hotline"}, "en"),
    ("status", "Tiếp nhận qua tổng đài 1022.", "report.received", {"channel": "hotline"}, None),  # demo data
    (
        "route",
        "UBND Phường Bến Thành (UBND cấp xã)",
        "report.routed",
        {"unit": "UBND Phường Bến Thành", "reason": "committee"},
        "vi",
    ),
    (
        "route",
        "UBND Phường Bến Thành → Sở Xây dựng (routing rule #7)",
        "report.rerouted",
        {"from": "UBND Phường Bến Thành", "to": "Sở Xây dựng", "reason": "rule", "rule": 7},
        "en",
    ),
    ("transfer", "Đã chuyển đến Sở Xây dựng.", "report.transferred", {"org": "Sở Xây dựng"}, "vi"),
    (
        "status",
        "Spam or abusive. Quảng cáo",
        "report.rejected",
        {"reason": "spam", "text": "Quảng cáo"},
        "en",
    ),
    ("merge", "Đã gộp PA-26-000001 vào phản ánh này.", "report.merged_here", {"code": "PA-26-000001"}, "vi"),
    ("sla", "Chờ người dân bổ sung: Xin ảnh", "report.waiting", {"text": "Xin ảnh"}, "vi"),
    (
        "sla",
        "Tiếp tục xử lý; hạn xử lý mới: 27/11/2026 17:00.",
        "report.resumed_due_new",
        {"due": "2026-11-27T17:00:00+07:00"},
        "vi",
    ),
    ("sla", "Overdue: escalated to the head of the unit.", "report.escalated", {}, "en"),
    ("status", "Đã đóng: người dân không phản hồi trong 7 ngày.", "report.auto_closed", {"days": 7}, "vi"),
    ("rating", "Bình thường", "report.rated", {"level": "normal"}, "vi"),
    (
        "rating",
        "Đánh giá trước đó (20/11/2026 08:30), trước khi phản ánh được mở lại: Không hài lòng. Vẫn còn ổ gà",
        "report.rated_earlier",
        {"at": "2026-11-20T08:30:00+07:00", "level": "unsatisfied", "comment": "Vẫn còn ổ gà"},
        "vi",
    ),
    ("rating", "Reporter's comment: Làm ẩu", "report.rating_comment", {"text": "Làm ẩu"}, "en"),
    (
        "reply",
        "Đây là ảnh.\nTệp đính kèm: anh-1.jpg, anh-2.jpg",
        "report.reply_files",
        {"text": "Đây là ảnh.", "files": ["anh-1.jpg", "anh-2.jpg"]},
        "vi",
    ),
]
UNCHANGED = [
    ("status", "Đội đã ra hiện trường"),  # an officer's words
    ("note", "Tiếp tục xử lý."),  # a person's note, whatever it says
    ("rating", "Bình thường. Làm ẩu"),  # the oldest rating events: level and comment in one
    ("sla", "Handling resumed at last."),  # close, but not the text
    ("status", "Received via pigeon."),  # not a channel
]


def test_the_migration_turns_stored_texts_into_keys_and_leaves_the_rest(categories):
    report = submit_report()

    def event(kind: str, note: str, actor_label: str = "Trần Văn Minh") -> ReportEvent:
        return ReportEvent.objects.create(report=report, kind=kind, note=note, actor_label=actor_label)

    legacy = [(event(kind, note), note, key, args, language) for kind, note, key, args, language in LEGACY]
    kept = [event(kind, note) for kind, note in UNCHANGED]
    citizen = event("status", "", actor_label="người dân")
    reporter = event("rating", "", actor_label="reporter")

    migration.notes_to_keys(apps, None)
    migration.notes_to_keys(apps, None)  # idempotent

    for row, note, key, args, language in legacy:
        row.refresh_from_db()
        assert (row.note_key, row.note_args, row.note) == (key, args, ""), note
        if language:
            with translation.override(language):
                assert row.display_note == note
    for row, (_kind, note) in zip(kept, UNCHANGED, strict=True):
        row.refresh_from_db()
        assert (row.note_key, row.note) == ("", note)
    citizen.refresh_from_db()
    reporter.refresh_from_db()
    assert (citizen.actor_label, reporter.actor_label) == ("role:citizen", "role:reporter")
    with translation.override("en"):
        assert citizen.display_actor == _("citizen")
    english = ReportEvent.objects.get(pk=legacy[0][0].pk)
    with translation.override("en"):
        assert english.display_note == received("en", "web")

    migration.keys_to_notes(apps, None)  # backwards: the platform's language, as before
    row = ReportEvent.objects.get(pk=legacy[1][0].pk)
    assert (row.note_key, row.note) == ("", received("vi", "hotline"))
    assert ReportEvent.objects.get(pk=citizen.pk).actor_label == in_language("vi", "citizen")


def test_intake_writes_its_keyed_notes_in_the_same_queries(personas, categories):
    """The intake hot path: the two first events still go in one INSERT, with no query of their own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submit_report()  # warm-up: the configuration caches
    with CaptureQueriesContext(connection) as queries:
        report = submit_report(description="Ổ gà thứ hai trước chợ")
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "reports_reportevent"')]
    assert len(inserts) == 1 and len(queries) == INTAKE_QUERIES, [q["sql"][:80] for q in queries]
    assert [e.note_key for e in report.events.order_by("pk")] == [system_notes.RECEIVED, system_notes.ROUTED]


def test_the_back_office_shows_the_note_in_the_readers_language(client, personas, categories):
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    report = submit_report(channel="hotline")
    for language in ("en", "vi"):
        page = client.get(f"/quan-tri/reports/report/{report.pk}/change/", HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200 and received(language, "hotline") in page.content.decode()


def test_dates_in_notes_are_written_as_the_pages_write_them_in_both_languages():
    """27/11/2026 17:00 in Vietnamese and in English: an English page wrote "Nov. 27, 2026 17:00" in
    the history and 27/11/2026 in the line above it."""
    args = {"due": "2026-11-27T10:00:00+00:00"}  # 17:00 in Hồ Chí Minh City
    for language in ("vi", "en"):
        with translation.override(language):
            assert "27/11/2026 17:00" in history_notes.render(system_notes.RESUMED_DUE_SAME, args, "")
