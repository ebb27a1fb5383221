"""Review of the 1022 API and tracking page: e-mail lengths, contacts in every public field, Idempotency-Key
replays, officers' uploads, followers of spam, and what the OpenAPI document says."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from citydesk.reports.models import Attachment, Follower, FollowRequest, Report
from citydesk.reports.services import report_note, report_transition

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db

BODY = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước số 12 Lê Lợi",
    "lon": BEN_THANH[0],
    "lat": BEN_THANH[1],
    "contact_name": "Nguyễn Văn Dân",
    "contact_phone": "0901234567",
    "contact_email": "dan@example.vn",
    "answers": {"depth_cm": 20},
}
LONG_EMAIL = "a" * 250 + "@x.vn"  # 255 characters: validate_email allows up to 320, the columns hold 254


@pytest.fixture
def client():
    return Client()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def post(client, body=None, **headers):
    return client.post(
        "/api/v1/reports",
        json.dumps(BODY if body is None else body),
        content_type="application/json",
        **headers,
    )


def photo_name(number: int, language: str = "vi") -> str:
    """A public photo's name, "Ảnh 1.png" in Vietnamese once translated."""
    with translation.override(language):
        return gettext("Photo %(n)s") % {"n": number} + ".png"


def png(name: str) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


# --- 1. E-mail addresses longer than their columns -------------------------------------------------


def test_an_email_longer_than_its_column_is_refused_at_intake(client, categories):
    r = post(client, BODY | {"contact_email": LONG_EMAIL})
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "contact_email" and "254" in r.json()["detail"]
    assert not Report.objects.exists()
    # 254 characters still go in.
    fits = "b" * 249 + "@x.vn"
    assert post(client, BODY | {"contact_email": fits}).status_code == 201


def test_an_email_longer_than_its_column_is_refused_on_the_web_form(client, categories):
    form = {
        "idempotency_key": "web-1",
        "category": "road_damage",
        "description": "Ổ gà sâu trước số 12 Lê Lợi",
        "lon": str(BEN_THANH[0]),
        "lat": str(BEN_THANH[1]),
        "province": "79",
        "contact_email": LONG_EMAIL,
    }
    r = client.post("/phan-anh/moi/", form)
    assert r.status_code == 400 and 'id="err-contact_email"' in r.content.decode()
    assert not Report.objects.exists()


def test_an_email_longer_than_its_column_is_refused_by_the_hotline_service(personas, categories):
    from citydesk.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        submit_report(channel="hotline", entered_by=personas.operator, contact_email=LONG_EMAIL)
    assert refused.value.field == "contact_email"


def test_an_email_longer_than_its_column_is_refused_to_follow(client, categories):
    code = post(client).json()["code"]
    for path in (f"/api/v1/reports/{code}/follow", f"/api/v1/reports/{code}/follow/confirm"):
        body = {"email": "b" * 250 + "@x.vn", "code": "123456"}
        r = client.post(path, body, content_type="application/json")
        assert r.status_code == 400, (path, r.content)
        assert r.json()["field"] == "email"
    assert not FollowRequest.objects.exists()
    assert Follower.objects.filter(report__code=code).count() == 1  # the reporter's e-mail only


# --- 2. Contacts hidden in every public field -----------------------------------------------------

ADDRESS = "Hẻm 5 Lê Lợi (nhà chị Lan, SĐT 0987654321)"
RESOLUTION = "Đã vá ổ gà, gọi 0903123456 nếu còn hư."
NOTE = "Đội sẽ đến sáng mai, liên hệ anh Tú 0912 000 555 hoặc tu.nguyen@example.vn."


@pytest.fixture
def exposed(client, personas, categories):
    """A resolved report whose address, public note, resolution and photo name carry contacts."""
    named = {"address": ADDRESS, "contact_name": "Chị Lan 0987 111 222", "show_name_publicly": True}
    created = post(client, BODY | named).json()
    code, token = created["code"], created["citizen_token"]
    r = client.post(
        f"/api/v1/reports/{code}/attachments",
        {"file": png("CCCD_Nguyen_Van_Cuong_0903123456.png"), "token": token},
    )
    assert r.status_code == 201, r.content
    report_note(user=personas.officer, code=code, text=NOTE, public=True)
    report_transition(user=personas.head, code=code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=code, action="resolve", resolution=RESOLUTION)
    return code, token


HIDDEN = ("0987654321", "0903123456", "0912 000 555", "tu.nguyen@", "CCCD_Nguyen", "0987 111 222")


def test_the_public_api_hides_contacts_in_every_field(client, exposed):
    code, _token = exposed
    body = client.get(f"/api/v1/reports/{code}").json()
    text = json.dumps(body, ensure_ascii=False)
    for contact in HIDDEN:
        assert contact not in text, contact
    assert body["address"].startswith("Hẻm 5 Lê Lợi (nhà chị Lan, SĐT [")
    assert body["reporter_name"].startswith("Chị Lan [")
    assert body["resolution"].startswith("Đã vá ổ gà, gọi [")
    assert any("Đội sẽ đến sáng mai" in e["note"] for e in body["events"])
    assert [a["name"] for a in body["attachments"]] == [photo_name(1)]


def test_the_reporter_and_the_unit_read_it_whole(client, personas, bearer, exposed):
    code, token = exposed
    for body in (
        client.get(f"/api/v1/reports/{code}", {"token": token}).json(),
        client.get(f"/api/v1/reports/{code}", **bearer(personas.officer)).json(),
    ):
        assert body["address"] == ADDRESS and body["resolution"] == RESOLUTION
        assert body["reporter_name"] == "Chị Lan 0987 111 222"
        assert any(e["note"] == NOTE for e in body["events"])
        assert [a["name"] for a in body["attachments"]] == ["CCCD_Nguyen_Van_Cuong_0903123456.png"]


def test_the_public_tracking_page_hides_contacts_in_every_field(client, exposed):
    code, token = exposed
    page = client.get(f"/tra-cuu/{code}/").content.decode()
    for contact in HIDDEN:
        assert contact not in page, contact
    assert "Hẻm 5 Lê Lợi (nhà chị Lan, SĐT [" in page and "Đội sẽ đến sáng mai" in page
    assert "Chị Lan [" in page
    assert photo_name(1) in page
    mine = client.get(f"/tra-cuu/{code}/", {"t": token}).content.decode()
    assert "0987654321" in mine and "0903123456 nếu còn hư" in mine and "tu.nguyen@example.vn" in mine
    assert "CCCD_Nguyen_Van_Cuong_0903123456.png" in mine and "Chị Lan 0987 111 222" in mine


def test_public_names_number_the_public_files_in_english_too(client, personas, bearer, exposed):
    code, _token = exposed
    photo = png("nha-chi-lan.png")
    added = client.post(
        f"/api/v1/reports/{code}/attachments", {"file": photo, "public": "true"}, **bearer(personas.officer)
    )
    assert added.status_code == 201, added.content
    with translation.override("en"):
        names = [a.public_name for a in Attachment.objects.filter(report__code=code)]
    assert names == ["Photo 1.png", "Photo 2.png"]
    body = client.get(f"/api/v1/reports/{code}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [a["name"] for a in body["attachments"]] == ["Photo 1.png", "Photo 2.png"]


def test_model_properties_hide_contacts(personas, categories):
    report = submit_report(address=ADDRESS)
    report.resolution = RESOLUTION
    with translation.override("vi"):
        assert report.public_address == "Hẻm 5 Lê Lợi (nhà chị Lan, SĐT [đã ẩn số điện thoại])"
        assert report.public_place.startswith("Hẻm 5 Lê Lợi (nhà chị Lan, SĐT [đã ẩn số điện thoại])")
        assert report.public_resolution == "Đã vá ổ gà, gọi [đã ẩn số điện thoại] nếu còn hư."
        event = report_note(user=personas.officer, code=report.code, text=NOTE, public=True)
        assert "0912" not in event.public_note and event.display_note == NOTE


# --- 3, 4. Idempotency-Key replays ----------------------------------------------------------------


def test_an_anonymous_retry_from_another_network_address_gets_the_first_report(client, categories):
    first = post(client, HTTP_IDEMPOTENCY_KEY="k-1", REMOTE_ADDR="127.0.0.1")
    again = post(client, HTTP_IDEMPOTENCY_KEY="k-1", REMOTE_ADDR="10.20.30.40")  # Wi-Fi → 4G
    assert first.status_code == 201 and again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == first.json()["code"]
    assert again.json()["citizen_token"] == first.json()["citizen_token"]
    assert Report.objects.count() == 1


def test_a_key_replayed_by_someone_else_reveals_nothing_they_did_not_send(client, categories):
    first = post(client, HTTP_IDEMPOTENCY_KEY="k-2", REMOTE_ADDR="127.0.0.1").json()
    # Everything the public view shows, and a guess at the rest: not the same request, nothing handed over.
    guess = BODY | {"contact_phone": "0909999999", "contact_email": ""}
    r = post(client, guess, HTTP_IDEMPOTENCY_KEY="k-2", REMOTE_ADDR="10.0.0.9")
    assert r.status_code == 422 and r.json()["field"] == "Idempotency-Key"
    assert first["code"] not in r.content.decode() and first["citizen_token"] not in r.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        {"answers": {"depth_cm": 99}},
        {"answers": {}},
        {"is_public": False},
        {"show_name_publicly": True},
        {"contact_name": "Người khác"},
        {"ward_code": "26740"},  # the point is in Bến Thành: another ward is another report
        {"province_code": "01"},
        {"channel": "web"},
    ],
)
def test_a_retry_with_any_field_changed_is_refused(client, categories, change):
    assert post(client, HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201
    r = post(client, BODY | change, HTTP_IDEMPOTENCY_KEY="k-3")
    assert r.status_code == 422, (change, r.status_code, r.content)
    assert r.json()["field"] == "Idempotency-Key"
    assert Report.objects.count() == 1


def test_a_retry_with_the_same_fields_written_otherwise_is_a_replay(client, categories):
    assert post(client, HTTP_IDEMPOTENCY_KEY="k-4").status_code == 201
    same = BODY | {"answers": {"depth_cm": "20"}, "contact_phone": "0901 234 567", "ward_code": "26743"}
    r = post(client, same, HTTP_IDEMPOTENCY_KEY="k-4")
    assert r.status_code == 200, r.content
    assert Report.objects.count() == 1


def test_the_openapi_document_says_the_replay_rule(client):
    doc = client.get("/api/v1/openapi.json").json()
    text = doc["paths"]["/api/v1/reports"]["post"]["description"]
    assert "network address" in text and "same body" in text


# --- 5. Officers' uploads are internal unless asked ------------------------------------------------


def test_an_officers_upload_through_the_api_is_internal_by_default(client, personas, bearer, categories):
    created = post(client).json()
    code, token = created["code"], created["citizen_token"]
    internal = client.post(
        f"/api/v1/reports/{code}/attachments", {"file": png("a.png")}, **bearer(personas.officer)
    )
    assert internal.status_code == 201, internal.content
    assert internal.json()["public_url"] is None and internal.json()["private_url"]
    shown = client.post(
        f"/api/v1/reports/{code}/attachments",
        {"file": png("b.png"), "public": "true"},
        **bearer(personas.officer),
    )
    assert shown.json()["public_url"]
    mine = client.post(f"/api/v1/reports/{code}/attachments", {"file": png("c.png"), "token": token})
    assert mine.json()["public_url"]  # the reporter's photos stay public, as before
    assert list(Attachment.objects.order_by("pk").values_list("public", flat=True)) == [False, True, True]
    public = client.get(f"/api/v1/reports/{code}").json()["attachments"]
    assert len(public) == 2


def test_the_reporters_upload_answer_has_no_private_url(client, categories):
    created = post(client).json()
    r = client.post(
        f"/api/v1/reports/{created['code']}/attachments",
        {"file": png("c.png"), "token": created["citizen_token"]},
    )
    assert r.status_code == 201 and r.json()["private_url"] is None


# --- 6. Spam is not found -------------------------------------------------------------------------


def test_following_a_report_rejected_as_spam_is_not_found(client, personas, categories):
    report = submit_report(contact_email="spam@example.vn")
    report_transition(user=personas.head, code=report.code, action="reject", reason="spam", note="Rác")
    assert client.get(f"/api/v1/reports/{report.code}").status_code == 404
    r = client.post(
        f"/api/v1/reports/{report.code}/follow", {"email": "x@example.vn"}, content_type="application/json"
    )
    assert r.status_code == 404 and r.json()["field"] == "code"
    assert "không được tiếp nhận" not in r.content.decode()


# --- 7. Refusals name their field; the OpenAPI document says them ----------------------------------


def test_refusals_name_their_field(client, personas, categories):
    created = post(client).json()
    code = created["code"]
    rating = client.post(
        f"/api/v1/reports/{code}/rating", {"level": "satisfied"}, content_type="application/json"
    )
    assert rating.status_code == 403 and rating.json()["field"] == "token"
    upload = client.post(f"/api/v1/reports/{code}/attachments", {"file": png("a.png")})
    assert upload.status_code == 403 and upload.json()["field"] == "token"
    missing = client.post(f"/api/v1/reports/{code}/attachments", {"token": created["citizen_token"]})
    assert missing.status_code == 400 and missing.json()["field"] == "file"
    hotline = post(client, BODY | {"channel": "hotline"})
    assert hotline.status_code == 403 and hotline.json()["field"] == "channel"
    array = post(client, [1, 2])
    assert array.status_code == 400 and array.json()["field"] == "body", array.content
    assert "category" not in array.json()["detail"]


def test_the_openapi_document_lists_the_answers(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert "404" in paths["/api/v1/reports"]["get"]["responses"]
    original = paths["/api/v1/reports/{code}/attachments/{attachment_id}/{variant}"]["get"]
    assert "403" in original["responses"]
    assert paths["/api/v1/reports/{code}/notes"]["post"].get("description")
    assert paths["/api/v1/reports/{code}/pause"]["post"].get("description")
    schemas = doc["components"]["schemas"]
    assert set(schemas["ReportRatingIn"]["properties"]["level"]["enum"]) == {
        "satisfied",
        "normal",
        "unsatisfied",
    }
    assert {"app", "web", "hotline"} <= set(schemas["ReportIn"]["properties"]["channel"]["enum"])
    assert set(schemas["QuestionOut"]["properties"]["type"]["enum"]) == {"number", "text", "choice"}
    upload = paths["/api/v1/reports/{code}/attachments"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "public" in json.dumps(form) and "public" in upload["description"]


def test_a_page_past_the_last_is_not_found(client, personas, bearer, categories):
    post(client)
    r = client.get("/api/v1/reports", {"status": "all", "page": 999}, **bearer(personas.officer))
    assert r.status_code == 404


def test_a_landline_cannot_follow_it_would_wait_for_a_code_that_never_comes(client, categories):
    """An SMS to a landline is stored as not sent: the follow is refused at once, naming the field."""
    from citydesk.reports.models import FollowRequest

    report = submit_report()
    response = client.post(
        f"/api/v1/reports/{report.code}/follow", {"phone": "(028) 3829 1234"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "phone"
    assert "di động" in response.json()["detail"] or "mobile" in response.json()["detail"]
    assert not FollowRequest.objects.exists()


def test_a_follower_is_sent_the_resolution_with_contacts_hidden_the_reporter_whole(categories, personas):
    """A follower is the public: the resolution quoted in their message hides the number the officer wrote,
    as the public page does; the reporter's own message keeps it."""
    from citydesk.notifications.models import Notification
    from citydesk.reports.models import Follower
    from citydesk.reports.services import report_transition

    report = submit_report(contact_email="dan@example.vn")
    Follower.objects.create(report=report, email="hang.xom@example.vn")
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(
        user=personas.officer,
        code=report.code,
        action="resolve",
        resolution="Đã vá; gọi 0903 123 456 nếu còn hư.",
    )
    to_follower = Notification.objects.get(address="hang.xom@example.vn", body__contains="Đã vá")
    to_reporter = Notification.objects.get(address="dan@example.vn", body__contains="Đã vá")
    assert "0903 123 456" not in to_follower.body and "0903 123 456" in to_reporter.body
