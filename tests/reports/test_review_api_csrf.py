"""Review fixes of the reports API: a session caller passes Django's CSRF check on every write (a forged
request from another site rides on the browser's cookie), and a report the caller may not read is not
found on every endpoint that acts on it (a refusal naming its unit told that a private report exists)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citydesk.reports.models import Follower, Report

from .conftest import submit_report

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    """A browser signed in with its session cookie, and Django's CSRF check on (as in production)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf(client: Client, code: str) -> dict[str, str]:
    """The header the site's own scripts send: the token of the CSRF cookie a page of the site set."""
    assert client.get(f"/tra-cuu/{code}/").status_code == 200
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def _photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("o-ga.jpg", b"\xff\xd8\xff\xe0 not really", content_type="image/jpeg")


NEW_REPORT = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước nhà số 12",
    "lon": 106.6946,
    "lat": 10.7714,
}


def _post(client: Client, path: str, body: dict, content_type: str = "application/json", **headers):
    return client.post(path, json.dumps(body), content_type=content_type, **headers)


# --- 2. The session's writes pass the CSRF check ----------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_session_write_without_the_csrf_token_is_refused_with_json(personas, categories, content_type):
    report = submit_report(reporter=personas.citizen, contact_email="mai@example.vn")
    browser = _browser(personas.citizen)
    writes = [
        ("/api/v1/reports", NEW_REPORT),
        (f"/api/v1/reports/{report.code}/rating", {"level": "unsatisfied", "reopen": True}),
        (f"/api/v1/reports/{report.code}/follow", {}),
        (f"/api/v1/reports/{report.code}/follow/confirm", {"phone": "0912000111", "code": "123456"}),
        (f"/api/v1/reports/{report.code}/actions", {"action": "start", "version": report.version}),
    ]
    count, followers = Report.objects.count(), Follower.objects.count()
    for path, body in writes:
        response = _post(browser, path, body, content_type)
        assert response.status_code == 403, (path, response.status_code)
        assert response["Content-Type"].startswith("application/json")
        assert "CSRF" in response.json()["detail"], path
    upload = browser.post(
        f"/api/v1/reports/{report.code}/attachments",
        {"file": _photo()},
    )
    assert upload.status_code == 403 and "CSRF" in upload.json()["detail"]
    assert Report.objects.count() == count and Follower.objects.count() == followers


def test_a_session_write_with_the_csrf_token_works(personas, categories):
    report = submit_report(contact_email="dan@example.vn")
    browser = _browser(personas.citizen)
    token = _csrf(browser, report.code)
    created = _post(browser, "/api/v1/reports", NEW_REPORT, **token)
    assert created.status_code == 201
    assert Report.objects.get(code=created.json()["code"]).reporter == personas.citizen
    followed = _post(browser, f"/api/v1/reports/{report.code}/follow", {}, **token)
    assert followed.status_code == 201 and followed.json()["following"] is True
    assert Follower.objects.filter(report=report, user=personas.citizen).exists()
    # Past the check, the service answers: this report is not the citizen's to rate.
    rated = _post(browser, f"/api/v1/reports/{report.code}/rating", {"level": "satisfied"}, **token)
    assert rated.status_code == 403 and "CSRF" not in rated.json()["detail"]


def test_bearer_tokens_and_anonymous_callers_need_no_csrf_token(personas, categories, bearer):
    report = submit_report(contact_email="dan@example.vn")
    app = Client(enforce_csrf_checks=True)
    created = _post(app, "/api/v1/reports", NEW_REPORT, **bearer(personas.citizen))
    assert created.status_code == 201
    assert Report.objects.get(code=created.json()["code"]).reporter == personas.citizen
    followed = _post(app, f"/api/v1/reports/{report.code}/follow", {}, **bearer(personas.citizen))
    assert followed.status_code == 201
    anonymous = _post(app, "/api/v1/reports", NEW_REPORT)
    assert anonymous.status_code == 201
    assert Report.objects.get(code=anonymous.json()["code"]).reporter is None


# --- 3. A report the caller may not read is not found, whatever the endpoint -------------------------


def _private_report(personas):
    return submit_report(reporter=personas.citizen, contact_email="mai@example.vn", is_public=False)


def test_acting_on_a_private_report_one_may_not_read_is_the_same_404_as_reading_it(
    personas, categories, bearer
):
    report = _private_report(personas)
    stranger = bearer(personas.other_head)  # head of another ward: holds the powers, not over this unit
    client = Client()
    read = client.get(f"/api/v1/reports/{report.code}", **stranger)
    assert read.status_code == 404
    base = f"/api/v1/reports/{report.code}"
    attempts = [
        (f"{base}/actions", {"action": "assign", "version": report.version, "assignee": "officer"}),
        (f"{base}/notes", {"text": "Xem thử"}),
        (f"{base}/merge", {"into": "PA-26-999999"}),
        (f"{base}/unmerge", {}),
        (f"{base}/pause", {"note": "Cần ảnh"}),
        (f"{base}/resume", {}),
        (f"{base}/rating", {"level": "satisfied"}),
        ("/api/v1/reports/bulk-assign", {"codes": [report.code], "assignee": "officer"}),
    ]
    for path, body in attempts:
        response = _post(client, path, body, **stranger)
        assert response.status_code == 404, (path, response.status_code, response.json())
        assert response.json() == read.json(), path
        assert personas.ward.name not in response.content.decode()
    upload = client.post(f"{base}/attachments", {"file": _photo()}, **stranger)
    assert upload.status_code == 404 and upload.json() == read.json()
    assert client.get(f"{base}/attachments/1/original", **stranger).json() == read.json()


def test_a_refusal_still_says_why_to_whoever_may_read_the_report(personas, categories, bearer):
    public = submit_report(contact_email="dan@example.vn")
    refused = _post(
        Client(),
        f"/api/v1/reports/{public.code}/actions",
        {"action": "assign", "version": public.version, "assignee": "officer"},
        **bearer(personas.other_head),
    )
    assert refused.status_code == 403 and personas.ward.name in refused.json()["detail"]
    private = _private_report(personas)
    done = _post(
        Client(),
        f"/api/v1/reports/{private.code}/actions",
        {"action": "assign", "version": private.version, "assignee": "officer"},
        **bearer(personas.head),
    )
    assert done.status_code == 200 and done.json()["assignee"] == "officer"
