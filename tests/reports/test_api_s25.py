"""REST API review (s25): separate file quotas for the reporter and the handling unit, queue items without
a history, what the reporter may do, one way of saying "not given", one address to follow, file variants."""

import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from citydesk.api import api
from citydesk.notifications.models import Notification
from citydesk.reports.models import Attachment, FollowRequest, Report

from .conftest import BEN_THANH

pytestmark = pytest.mark.django_db

BODY = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước số 12 Lê Lợi",
    "lon": BEN_THANH[0],
    "lat": BEN_THANH[1],
    "contact_name": "Nguyễn Văn Dân",
    "contact_phone": "0901234567",
    "contact_email": "dan@example.vn",
}


@pytest.fixture
def client():
    return Client()


def create(client, body=None) -> dict:
    r = client.post("/api/v1/reports", json.dumps(body or BODY), content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()


def png(name: str = "anh.png"):
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (20, 120, 200)).save(out, format="PNG")
    out.seek(0)
    out.name = name
    return out


def attach(client, code: str, *, token: str = "", headers: dict | None = None, name: str = "anh.png"):
    data = {"file": png(name)}
    if token:
        data["token"] = token
    return client.post(f"/api/v1/reports/{code}/attachments", data, **(headers or {}))


def move(client, code: str, user, bearer, action: dict):
    r = client.post(
        f"/api/v1/reports/{code}/actions", action, content_type="application/json", **bearer(user)
    )
    assert r.status_code == 200, r.content
    return r.json()


def resolve(client, code: str, personas, bearer) -> None:
    move(client, code, personas.head, bearer, {"action": "assign", "assignee": "officer", "version": 1})
    move(client, code, personas.officer, bearer, {"action": "resolve", "resolution": "Đã vá", "version": 2})


# --- 1. The reporter's files and the unit's are counted apart --------------------------------------


def test_a_reporter_with_all_their_photos_leaves_the_unit_room_for_its_own(
    client, categories, personas, bearer, settings
):
    settings.CITYDESK_MAX_ATTACHMENTS = 2
    created = create(client)
    code, token = created["code"], created["citizen_token"]
    assert attach(client, code, token=token).status_code == 201
    assert attach(client, code, token=token).status_code == 201
    full = attach(client, code, token=token)
    assert full.status_code == 400 and full.json()["field"] == "file"
    assert "2" in full.json()["detail"]
    # The officer adds the proof of the repair all the same.
    officer = bearer(personas.officer)
    done = attach(client, code, headers=officer, name="sau-khi-va.png")
    assert done.status_code == 201, done.content
    assert Attachment.objects.filter(report__code=code).count() == 3


def test_the_units_files_do_not_use_up_the_reporters_room(client, categories, personas, bearer, settings):
    settings.CITYDESK_MAX_ATTACHMENTS = 2
    created = create(client)
    code, token = created["code"], created["citizen_token"]
    officer = bearer(personas.officer)
    for _ in range(3):  # internal files of the unit, more than the reporter's limit
        assert attach(client, code, headers=officer).status_code == 201
    assert attach(client, code, token=token).status_code == 201
    assert attach(client, code, token=token).status_code == 201
    assert attach(client, code, token=token).status_code == 400


def test_the_unit_has_its_own_bounded_limit_and_the_message_says_whose(
    client, categories, personas, bearer, settings
):
    settings.CITYDESK_MAX_ATTACHMENTS = 1
    settings.CITYDESK_MAX_UNIT_ATTACHMENTS = 2
    created = create(client)
    code, token = created["code"], created["citizen_token"]
    officer = bearer(personas.officer)
    assert attach(client, code, headers=officer).status_code == 201
    assert attach(client, code, headers=officer).status_code == 201
    unit_full = client.post(
        f"/api/v1/reports/{code}/attachments", {"file": png()}, HTTP_ACCEPT_LANGUAGE="en", **officer
    )
    assert unit_full.status_code == 400 and unit_full.json()["field"] == "file"
    assert "handling unit" in unit_full.json()["detail"]
    assert attach(client, code, token=token).status_code == 201  # the reporter's room is untouched
    reporter_full = client.post(
        f"/api/v1/reports/{code}/attachments", {"file": png(), "token": token}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert reporter_full.status_code == 400 and "from the reporter" in reporter_full.json()["detail"]
    assert Attachment.objects.filter(report__code=code).count() == 3


# --- 2. Queue items ---------------------------------------------------------------------------------


def test_queue_items_carry_a_file_count_not_empty_lists(client, categories, personas, bearer):
    created = create(client)
    code, token = created["code"], created["citizen_token"]
    attach(client, code, token=token)
    attach(client, code, headers=bearer(personas.officer))
    other = create(client, BODY | {"description": "Ổ gà khác trước số 30 Lê Lợi"})["code"]
    queue = client.get("/api/v1/reports", {"status": "all"}, **bearer(personas.officer)).json()
    items = {i["code"]: i for i in queue["items"]}
    assert items[code]["attachment_count"] == 2 and items[other]["attachment_count"] == 0
    assert "events" not in items[code] and "attachments" not in items[code]
    schema = api.get_openapi_schema()["components"]["schemas"]
    assert schema["QueueOut"]["properties"]["items"]["items"]["$ref"].endswith("/ReportQueueItemOut")
    assert "events" not in schema["ReportQueueItemOut"]["properties"]
    assert "attachment_count" in schema["ReportQueueItemOut"]["required"]
    assert {"events", "attachments", "rating", "rating_open"} <= set(schema["ReportOut"]["properties"])


# --- 3. What the reporter may do ----------------------------------------------------------------------


def test_the_reporter_is_told_what_they_may_do_and_sees_the_channel(client, categories, personas, bearer):
    created = create(client)
    code, token = created["code"], created["citizen_token"]
    assert created["allowed_actions"] == ["reply"] and created["channel"] == "app"
    assert created["rating"] is None and created["rating_open"] is False
    resolve(client, code, personas, bearer)
    mine = client.get(f"/api/v1/reports/{code}", {"token": token}).json()
    assert mine["allowed_actions"] == ["reply", "rate", "reopen"]
    assert mine["rating_open"] is True and mine["channel"] == "app"
    public = client.get(f"/api/v1/reports/{code}").json()
    assert public["allowed_actions"] is None and public["rating_open"] is None and public["channel"] is None
    # Past the reopening window: rating only.
    Report.objects.filter(code=code).update(resolved_at=timezone.now() - timedelta(days=400))
    late = client.get(f"/api/v1/reports/{code}", {"token": token}).json()
    assert late["allowed_actions"] == ["reply", "rate"]


def test_the_rating_answer_is_the_reporters_view_with_the_rating(client, categories, personas, bearer):
    created = create(client)
    code, token = created["code"], created["citizen_token"]
    resolve(client, code, personas, bearer)
    r = client.post(
        f"/api/v1/reports/{code}/rating",
        {"level": "satisfied", "comment": "Cảm ơn anh Tư", "token": token},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "closed" and body["contact_phone"] == "0901234567"  # the reporter's view
    assert body["rating"]["level"] == "satisfied" and body["rating"]["comment"] == "Cảm ơn anh Tư"
    assert body["rating_open"] is False and body["allowed_actions"] == []  # closed: no reply either
    public = client.get(f"/api/v1/reports/{code}").json()
    assert public["rating"]["level"] == "satisfied" and public["rating"]["comment"] is None
    handler = client.get(f"/api/v1/reports/{code}", **bearer(personas.officer)).json()
    assert handler["rating"]["comment"] == "Cảm ơn anh Tư" and handler["rating_open"] is False


def test_an_account_reporter_gets_their_actions_too(client, categories, personas, bearer):
    r = client.post(
        "/api/v1/reports", json.dumps(BODY), content_type="application/json", **bearer(personas.citizen)
    )
    code = r.json()["code"]
    resolve(client, code, personas, bearer)
    mine = client.get(f"/api/v1/reports/{code}", **bearer(personas.citizen)).json()
    assert mine["allowed_actions"] == ["reply", "rate", "reopen"] and mine["channel"] == "app"


# --- 4. Not given reads null everywhere --------------------------------------------------------------


def test_missing_name_and_phone_are_null_in_the_queue_and_in_every_view(client, categories, personas, bearer):
    body = {k: v for k, v in BODY.items() if not k.startswith("contact_")}
    created = create(client, body)
    code, token = created["code"], created["citizen_token"]
    officer = bearer(personas.officer)
    item = next(i for i in client.get("/api/v1/reports", **officer).json()["items"] if i["code"] == code)
    detail = client.get(f"/api/v1/reports/{code}", **officer).json()
    mine = client.get(f"/api/v1/reports/{code}", {"token": token}).json()
    public = client.get(f"/api/v1/reports/{code}").json()
    for view in (item, detail, mine, public, created):
        assert view["reporter_name"] is None, view
        assert view["contact_name"] is None and view["contact_phone"] is None
        assert view["contact_email"] is None


# --- 5. One address to follow with -------------------------------------------------------------------


def test_following_with_both_an_email_and_a_phone_is_refused_naming_both(client, categories):
    code = create(client)["code"]
    r = client.post(
        f"/api/v1/reports/{code}/follow",
        {"email": "hangxom@example.vn", "phone": "0912345678"},
        content_type="application/json",
    )
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "email"
    assert {e["field"] for e in r.json()["errors"]} == {"email", "phone"}
    assert not FollowRequest.objects.exists()
    assert not Notification.objects.filter(address__in=["hangxom@example.vn", "0912345678"]).exists()
    confirm = client.post(
        f"/api/v1/reports/{code}/follow/confirm",
        {"email": "hangxom@example.vn", "phone": "0912345678", "code": "123456"},
        content_type="application/json",
    )
    assert confirm.status_code == 400 and confirm.json()["field"] == "email"


def test_the_tracking_page_refuses_both_addresses_too(client, categories):
    code = create(client)["code"]
    r = client.post(
        reverse("reports:follow", args=[code]), {"email": "hangxom@example.vn", "phone": "0912345678"}
    )
    assert r.status_code == 400
    assert not FollowRequest.objects.exists()


# --- 6. File variants --------------------------------------------------------------------------------


def test_an_unknown_file_variant_is_named_with_the_ones_that_exist(client, categories):
    created = create(client)
    code, token = created["code"], created["citizen_token"]
    file_id = attach(client, code, token=token).json()["id"]
    r = client.get(f"/api/v1/reports/{code}/attachments/{file_id}/thumb", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404
    assert r.json()["field"] == "variant"
    assert (
        "thumb" in r.json()["detail"] and "public" in r.json()["detail"] and "original" in r.json()["detail"]
    )
    assert client.get(f"/api/v1/reports/{code}/attachments/{file_id}/public").status_code == 200
    missing = client.get(f"/api/v1/reports/{code}/attachments/999999/public")
    assert missing.status_code == 404 and missing.json()["field"] == "attachment_id"
