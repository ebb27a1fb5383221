"""The reporter in the citizen app: their own reports (`GET /api/v1/me/reports`, the web's “Your reports”)
and their answer to the unit's question (`POST /api/v1/reports/{code}/reply`, the tracking page's reply
form: the same service, the same refusals)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citydesk.core.models import AuditEntry
from citydesk.reports.models import Follower, Report, ReportEvent, Status

from .conftest import submit_report

pytestmark = pytest.mark.django_db

MINE = "/api/v1/me/reports"


def _post(client: Client, url: str, body: dict, **headers) -> object:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def _mine(personas, n: int = 1, **overrides) -> list[Report]:
    return [submit_report(reporter=personas.citizen, **overrides) for _ in range(n)]


# --- GET /me/reports ------------------------------------------------------------------------------


def test_my_reports_are_those_i_sent_newest_first(client, personas, categories, bearer):
    older, newer = _mine(personas, 2)
    Report.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    others = submit_report(reporter=personas.officer)
    Follower.objects.create(report=others, user=personas.citizen)  # followed, not sent: not in the web list
    submit_report()  # anonymous
    response = client.get(MINE, **bearer(personas.citizen))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)
    assert [item["code"] for item in body["items"]] == [newer.code, older.code]
    item = body["items"][0]
    assert item["category"] == "road_damage" and item["category_name"] == "Hư hỏng mặt đường, ổ gà"
    assert item["status"] == newer.status and item["unit_name"] == "UBND Phường Bến Thành"
    assert item["created_at"].endswith("+07:00") and item["due_at"] is not None
    assert item["awaiting_reply"] is False and item["rating_open"] is False and item["duplicate_of"] is None


def test_my_reports_say_what_the_reporter_must_do(client, personas, categories, bearer):
    waiting, resolved, merged, master = _mine(personas, 4)
    pause = f"/api/v1/reports/{waiting.code}/pause"
    assert (
        _post(client, pause, {"note": "Xin ảnh chụp rõ hơn"}, **bearer(personas.officer)).status_code == 200
    )
    now = timezone.now()
    Report.objects.filter(pk=resolved.pk).update(status=Status.RESOLVED, resolved_at=now)
    Report.objects.filter(pk=merged.pk).update(status=Status.REJECTED, duplicate_of=master)
    items = {i["code"]: i for i in client.get(MINE, **bearer(personas.citizen)).json()["items"]}
    assert items[waiting.code]["awaiting_reply"] is True
    assert items[resolved.code]["rating_open"] is True and items[resolved.code]["resolved_at"]
    assert items[merged.code]["duplicate_of"] == master.code
    assert items[merged.code]["status_label"] == "Đã gộp do trùng lặp"  # as the web list says it


def test_my_reports_with_the_web_session(personas, categories):
    (report,) = _mine(personas)
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.citizen)
    assert [i["code"] for i in client.get(MINE).json()["items"]] == [report.code]
    assert Client().get(MINE).status_code == 401


def test_my_reports_with_the_token_of_the_apps_sign_in(personas, categories):
    (report,) = _mine(personas)
    token = _post(Client(), "/api/v1/auth/token", {"username": "citizen", "password": "pw-citizen"}).json()
    response = Client().get(MINE, HTTP_AUTHORIZATION=f"Bearer {token['token']}")
    assert [i["code"] for i in response.json()["items"]] == [report.code]


def test_my_reports_are_paged_and_a_page_past_the_end_is_named(client, personas, categories, bearer):
    reports = _mine(personas, 3)
    headers = bearer(personas.citizen)
    second = client.get(MINE, {"page": 2, "page_size": 2}, **headers).json()
    assert (second["count"], second["page"], second["pages"]) == (3, 2, 2)
    assert [i["code"] for i in second["items"]] == [reports[0].code]
    past = client.get(MINE, {"page": 3, "page_size": 2}, **headers)
    assert past.status_code == 404 and past.json()["field"] == "page"
    assert client.get(MINE, {"page_size": 500}, **headers).json()["field"] == "page_size"
    nothing = client.get(MINE, **bearer(personas.deputy)).json()
    assert (nothing["count"], nothing["items"]) == (0, [])


def test_my_reports_take_the_same_queries_whatever_the_page_size(client, personas, categories, bearer):
    reports = _mine(personas, 12)
    Report.objects.filter(pk=reports[0].pk).update(status=Status.RESOLVED, resolved_at=timezone.now())
    Report.objects.filter(pk=reports[1].pk).update(duplicate_of=reports[2])
    headers = bearer(personas.citizen)
    client.get(MINE, **headers)  # the token's last use is written once a minute: not in the count

    def count(page_size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(MINE, {"page_size": page_size}, **headers)
        assert len(response.json()["items"]) == page_size
        return len(queries)

    assert count(2) == count(12)


# --- POST /reports/{code}/reply ---------------------------------------------------------------------


def _paused(client: Client, personas, bearer, **overrides) -> Report:
    report = submit_report(contact_email="dan@example.vn", contact_name="Nguyễn Văn Dân", **overrides)
    paused = _post(
        client,
        f"/api/v1/reports/{report.code}/pause",
        {"note": "Xin ảnh chụp rõ hơn"},
        **bearer(personas.officer),
    )
    assert paused.status_code == 200, paused.content
    report.refresh_from_db()
    assert report.paused_at is not None
    return report


def test_the_reporter_answers_with_the_citizen_token_and_the_clock_runs_again(
    client, personas, categories, bearer
):
    report = _paused(client, personas, bearer)
    response = _post(
        Client(enforce_csrf_checks=True),
        f"/api/v1/reports/{report.code}/reply",
        {"text": "Ảnh đã gửi kèm, ổ gà sâu 20 cm", "token": report.citizen_token},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == report.code and body["contact_email"] == "dan@example.vn"  # the reporter's view
    assert body["allowed_actions"] == ["reply"]  # the reporter's own actions, not the handler's moves
    # The reporter reads their own answer in the history (not public: the public view does not list it).
    assert [e["note"] for e in body["events"] if e["kind"] == "reply"] == ["Ảnh đã gửi kèm, ổ gà sâu 20 cm"]
    public = client.get(f"/api/v1/reports/{report.code}").json()
    assert not [e for e in public.get("events") or [] if e["kind"] == "reply"]
    report.refresh_from_db()
    assert report.paused_at is None  # the clock runs again
    reply = report.events.get(kind=ReportEvent.Kind.REPLY)
    assert reply.note == "Ảnh đã gửi kèm, ổ gà sâu 20 cm" and not reply.public
    audit = AuditEntry.objects.filter(action="report.reply", object_id=report.code).get()
    assert audit.after["channel"] == "app" and audit.after["resumed"] is True


def test_the_reporter_answers_signed_in(client, personas, categories, bearer):
    report = _paused(client, personas, bearer, reporter=personas.citizen)
    response = _post(
        client,
        f"/api/v1/reports/{report.code.lower()}/reply",
        {"text": "Đây là ảnh"},
        **bearer(personas.citizen),
    )
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert report.paused_at is None and report.events.filter(kind="reply").count() == 1


def test_a_session_answer_passes_the_csrf_check(personas, categories, bearer):
    report = _paused(Client(), personas, bearer, reporter=personas.citizen)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.citizen)
    refused = _post(browser, f"/api/v1/reports/{report.code}/reply", {"text": "Đây là ảnh"})
    assert refused.status_code == 403
    assert not report.events.filter(kind="reply").exists()


def test_someone_else_is_refused_as_for_a_rating(client, personas, categories, bearer):
    public = _paused(client, personas, bearer)
    private = _paused(client, personas, bearer, is_public=False)
    url = "/api/v1/reports/{}/reply"
    wrong = {"text": "Tôi trả lời thay", "token": "sai"}
    assert _post(client, url.format(public.code), wrong).status_code == 403
    hidden = _post(client, url.format(private.code), wrong)
    assert hidden.status_code == 404 and hidden.json()["field"] == "code"  # says nothing of a private one
    assert _post(client, url.format(public.code), {"text": "x"}, **bearer(personas.deputy)).status_code == 403
    assert _post(client, url.format("PA-KHONGCO"), {"text": "x"}).status_code == 404
    bad = _post(client, url.format(public.code), {"text": "x"}, HTTP_AUTHORIZATION="Bearer cd_nope_nope")
    assert bad.status_code == 401
    assert not ReportEvent.objects.filter(kind="reply").exists()


def test_an_empty_or_missing_answer_names_the_text(client, personas, categories, bearer):
    report = _paused(client, personas, bearer)
    url = f"/api/v1/reports/{report.code}/reply"
    empty = _post(client, url, {"text": " \n ", "token": report.citizen_token})
    assert empty.status_code == 400 and empty.json()["field"] == "text"
    missing = _post(client, url, {"token": report.citizen_token})
    assert missing.status_code == 400 and missing.json()["field"] == "text"
    too_long = _post(client, url, {"text": "a" * 4001, "token": report.citizen_token})
    assert too_long.status_code == 400 and too_long.json()["field"] == "text"
    report.refresh_from_db()
    assert report.paused_at is not None


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED])
def test_a_finished_report_takes_no_answer(client, personas, categories, status):
    report = submit_report()
    Report.objects.filter(pk=report.pk).update(status=status)
    response = _post(
        client, f"/api/v1/reports/{report.code}/reply", {"text": "Vẫn còn", "token": report.citizen_token}
    )
    assert response.status_code == 409 and response.json()["field"] == "text"


def test_an_answer_to_a_report_not_waiting_is_taken_as_on_the_web(client, personas, categories):
    """The tracking page's form takes a reporter's note whenever the report is open (the unit may want
    it): recorded for the unit, the clock untouched."""
    report = submit_report()
    response = _post(
        client,
        f"/api/v1/reports/{report.code}/reply",
        {"text": "Thêm thông tin", "token": report.citizen_token},
    )
    assert response.status_code == 200
    assert report.events.filter(kind="reply").count() == 1


def test_the_document_lists_the_reply_refusals(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    responses = document["paths"]["/api/v1/reports/{code}/reply"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(responses)
    assert "/api/v1/me/reports" in document["paths"]
