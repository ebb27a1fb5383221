"""REST API of the 1022 system: intake with idempotency, public vs private views, actions, files."""

import io
import json
import re

import pytest
from django.test import Client
from PIL import Image

from citydesk.notifications.models import Notification
from citydesk.reports.models import Attachment, Follower, FollowRequest, Report, ReportEvent

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
    "answers": {"depth_cm": 15},
}


def post(client, body=None, **headers):
    return client.post(
        "/api/v1/reports", json.dumps(body or BODY), content_type="application/json", **headers
    )


@pytest.fixture
def client():
    return Client()


_PIN = re.compile(r"(?<![\w-])(\d{6})(?!\w)")  # not the digits of a code PA-26-000001


def pin_sent_to(address: str) -> str:
    """The 6-digit code of the last message sent to `address` (the last six digits standing alone: an
    e-mail's link comes before its code)."""
    return _PIN.findall(Notification.objects.filter(address=address).latest("pk").body)[-1]


def follow(client, code: str, body: dict, **headers):
    return client.post(f"/api/v1/reports/{code}/follow", body, content_type="application/json", **headers)


def confirm_follow(client, code: str, body: dict, **headers):
    return client.post(
        f"/api/v1/reports/{code}/follow/confirm", body, content_type="application/json", **headers
    )


def test_anonymous_intake_returns_code_and_token(client, categories):
    r = post(client)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["code"].startswith("PA-") and body["citizen_token"]
    assert body["status"] == "received" and body["unit_code"] == "26743"
    assert Report.objects.get(code=body["code"]).channel == "app"


def test_the_receipt_is_written_in_the_site_language_whatever_the_request_language(client, categories):
    from citydesk.notifications.models import Notification

    r = post(client, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    receipt = Notification.objects.get(address="dan@example.vn")
    assert receipt.subject == f"Đã tiếp nhận phản ánh {code}"
    assert "Report" not in receipt.body and code in receipt.body


def test_idempotency_key_header(client, categories):
    first = post(client, HTTP_IDEMPOTENCY_KEY="abc-123")
    again = post(client, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["code"] == again.json()["code"]
    assert Report.objects.count() == 1
    # The same key for another report (another client behind the same address): refused, nothing leaks.
    other = post(client, BODY | {"description": "Đèn đường tắt cả tuần"}, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    assert first.json()["code"] not in other.content.decode()
    assert first.json()["citizen_token"] not in other.content.decode()
    # Copying the public view (category, description, place) is not enough to replay it: the contact differs.
    copied = {k: v for k, v in BODY.items() if not k.startswith("contact_")}
    replay = post(client, copied, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert replay.status_code == 422 and "0901234567" not in replay.content.decode()
    assert Report.objects.count() == 1


def test_over_long_names_and_addresses_are_refused_not_cut(client, categories):
    for field, limit in (("contact_name", 150), ("address", 300)):
        r = post(client, BODY | {field: "x" * (limit + 1)})
        assert r.status_code == 400 and r.json()["field"] == field, r.content
    assert not Report.objects.exists()
    assert post(client, BODY | {"contact_name": "x" * 150, "address": "y" * 300}).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "khong-co"}, "category"),
        ({"lon": "abc"}, "lon"),
        ({"lon": 2.35, "lat": 48.85}, "lon"),
        ({"description": "x" * 4001}, "description"),
        ({"channel": "open311"}, "channel"),
        ({"answers": {"depth_cm": "nan"}}, "answers.depth_cm"),
        ({"answers": {"depth_cm": True}}, "answers.depth_cm"),
    ],
)
def test_bad_intake_is_400_naming_the_field(client, categories, change, field):
    r = post(client, BODY | change)
    assert r.status_code == 400, r.content
    body = r.json()
    assert body.get("field") == field or any(e["field"] == field for e in body.get("errors", []))
    assert not Report.objects.exists()


def test_json_nan_and_infinity_are_refused(client, categories):
    # Python's json module reads these non-standard literals; a stored NaN breaks the JSON column.
    for literal in ("NaN", "Infinity", "-Infinity"):
        raw = json.dumps(BODY).replace('"answers": {"depth_cm": 15}', f'"answers": {{"depth_cm": {literal}}}')
        r = client.post("/api/v1/reports", raw, content_type="application/json")
        assert r.status_code == 400, (literal, r.content)
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({k: v for k, v in BODY.items() if k != "category"}, "category", "bắt buộc"),
        (BODY | {"lon": "abc"}, "lon", "phải là một số"),
        (BODY | {"answers": [1]}, "answers", "đối tượng JSON"),
        ("{category: oops", "body", "JSON"),
        ("", "body", "JSON"),
    ],
)
def test_input_errors_are_said_in_vietnamese_and_name_the_field(client, categories, body, field, words):
    raw = body if isinstance(body, str) else json.dumps(body)
    r = client.post("/api/v1/reports", raw, content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi")
    assert r.status_code == 400, r.content
    out = r.json()
    assert out["field"] == field
    assert words.lower() in out["detail"].lower(), out
    assert "Input should" not in out["detail"] and "Field required" not in out["detail"]
    assert not Report.objects.exists()
    query = client.get(
        "/api/v1/reports/duplicates", {"category": "road_damage", "lon": "x"}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert query.status_code == 400 and query.json()["field"] in ("lon", "lat")


def test_public_view_masks_personal_data(client, categories, personas, bearer):
    code = post(client).json()["code"]
    public = client.get(f"/api/v1/reports/{code}").json()
    assert public["reporter_name"] is None and public["contact_phone"] is None
    assert public["contact_email"] is None and public["allowed_actions"] is None
    officer_view = client.get(f"/api/v1/reports/{code}", **bearer(personas.officer)).json()
    assert officer_view["contact_phone"] == "0901234567"
    assert officer_view["allowed_actions"] == []  # what this officer may do: received needs the head
    head_view = client.get(f"/api/v1/reports/{code}", **bearer(personas.head)).json()
    assert "classify" in head_view["allowed_actions"] and "assign" in head_view["allowed_actions"]
    outsider_view = client.get(f"/api/v1/reports/{code}", **bearer(personas.outsider)).json()
    assert outsider_view["contact_phone"] is None


def test_the_reporter_sees_their_contact_but_not_the_handlers_side(client, categories, personas, bearer):
    from citydesk.reports.services import report_note

    created = post(client, BODY | {"show_name_publicly": True})
    body = created.json()
    code, token = body["code"], body["citizen_token"]
    # The answer to the submission is the reporter's view already.
    assert body["contact_phone"] == "0901234567" and body["allowed_actions"] == ["reply"]
    assert body["assignee"] is None and body["channel"] == "app" and body["near_boundary"] is None
    report_note(user=personas.officer, code=code, text="Nội bộ: chủ nhà là người quen", public=False)
    report_note(user=personas.officer, code=code, text="Đã hẹn kiểm tra hiện trường", public=True)
    client.post(
        f"/api/v1/reports/{code}/actions",
        {"action": "assign", "assignee": "officer", "version": 1},
        content_type="application/json",
        **bearer(personas.head),
    )
    mine = client.get(f"/api/v1/reports/{code}", {"token": token}).json()
    assert mine["contact_phone"] == "0901234567" and mine["reporter_name"] == "Nguyễn Văn Dân"
    assert mine["assignee"] is None and mine["allowed_actions"] == ["reply"] and mine["channel"] == "app"
    notes = [e["note"] for e in mine["events"]]
    assert "Đã hẹn kiểm tra hiện trường" in notes and "Nội bộ: chủ nhà là người quen" not in notes
    assert all(e["actor"] is None for e in mine["events"])
    handler = client.get(f"/api/v1/reports/{code}", **bearer(personas.officer)).json()
    assert handler["assignee"] == "officer" and handler["allowed_actions"]
    assert "Nội bộ: chủ nhà là người quen" in [e["note"] for e in handler["events"]]
    # "Show my name publicly" shows the name, never the phone, not even masked.
    public = client.get(f"/api/v1/reports/{code}").json()
    assert public["reporter_name"] == "Nguyễn Văn Dân"
    assert public["contact_phone"] is None and public["contact_email"] is None
    wrong = client.get(f"/api/v1/reports/{code}", {"token": token[:-1] + "x"}).json()
    assert wrong["contact_phone"] is None


def test_html_in_text_is_stored_as_text(client, categories):
    code = post(client, BODY | {"description": "<script>alert(1)</script> ổ gà"}).json()["code"]
    assert client.get(f"/api/v1/reports/{code}").json()["description"].startswith("<script>")


def test_officer_actions_and_conflict(client, categories, personas, bearer):
    code = post(client).json()["code"]
    head = bearer(personas.head)
    r = client.post(
        f"/api/v1/reports/{code}/actions",
        {"action": "assign", "assignee": "officer", "version": 1},
        content_type="application/json",
        **head,
    )
    assert r.status_code == 200, r.content
    assert r.json()["assignee"] == "officer" and r.json()["version"] == 2
    stale = client.post(
        f"/api/v1/reports/{code}/actions",
        {"action": "reject", "reason": "spam", "version": 1},
        content_type="application/json",
        **head,
    )
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    outsider = client.post(
        f"/api/v1/reports/{code}/actions",
        {"action": "start", "version": 2},
        content_type="application/json",
        **bearer(personas.outsider),
    )
    assert outsider.status_code == 403


def test_case_moves_take_the_version_seen(client, categories, personas, bearer):
    code = post(client).json()["code"]
    head = bearer(personas.head)

    def move(path: str, body: dict | None = None):
        raw = json.dumps(body) if body is not None else ""
        return client.post(f"/api/v1/reports/{code}/{path}", raw, content_type="application/json", **head)

    future = move("pause", {"note": "Cần ảnh", "version": 99})  # never existed: a 400, not a race's 409
    assert future.status_code == 400 and "99" in future.json()["detail"]
    stale = move("pause", {"note": "Cần ảnh", "version": 0})
    assert stale.status_code == 400 and stale.json()["field"] == "version"  # no version 0 ever existed
    assert Report.objects.get(code=code).paused_at is None
    paused = move("pause", {"note": "Cần ảnh", "version": 1})
    assert paused.status_code == 200 and paused.json()["version"] == 2
    assert move("resume", {"version": 1}).status_code == 409
    assert move("resume").status_code == 200  # without a body: no check, as before
    master = post(client, BODY | {"description": "Ổ gà khác, cùng chỗ"}).json()["code"]
    assert move("merge", {"into": master, "version": 1}).status_code == 409
    merged = move("merge", {"into": master, "version": 3})
    assert merged.status_code == 200, merged.content
    assert move("unmerge", {"version": 3}).status_code == 409
    assert move("unmerge", {"version": 4}).status_code == 200


def test_queue_lists_only_my_units(client, categories, personas, bearer):
    post(client)
    assert post(client, BODY | {"category": "street_lighting", "answers": {}}).status_code == 201
    mine = client.get("/api/v1/reports", **bearer(personas.officer)).json()
    assert [i["unit_code"] for i in mine["items"]] == ["26743"]
    assert client.get("/api/v1/reports", **bearer(personas.outsider)).json()["count"] == 0
    assert client.get("/api/v1/reports", **bearer(personas.leader)).json()["count"] == 2
    assert client.get("/api/v1/reports").status_code == 401


def test_queue_query_count_does_not_grow_with_page_size(
    client, categories, personas, bearer, django_assert_max_num_queries
):
    for i in range(30):
        post(client, BODY | {"description": f"Ổ gà số {i}"})
    headers = bearer(personas.leader)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/api/v1/reports", **headers)  # warm-up: the token's last-use time is written once a minute
    counts = []
    for size in (5, 25):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/reports", {"page_size": size}, **headers).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_duplicates_endpoint_and_follow(client, categories):
    code = post(client).json()["code"]
    r = client.get(
        "/api/v1/reports/duplicates",
        {"category": "road_damage", "lon": BEN_THANH[0], "lat": BEN_THANH[1], "description": "ổ gà Lê Lợi"},
    )
    assert [c["code"] for c in r.json()] == [code]
    r = follow(client, code, {"email": "hangxom@example.vn"})
    assert r.status_code == 202 and r.json()["following"] is False  # a code is sent first
    assert Report.objects.get(code=code).followers.count() == 1
    r = confirm_follow(
        client, code, {"email": "hangxom@example.vn", "code": pin_sent_to("hangxom@example.vn")}
    )
    assert r.status_code == 201 and r.json()["following"] is True
    assert Report.objects.get(code=code).followers.count() == 2


def test_duplicates_of_a_place_given_by_its_ward(client, categories):
    body = {"category": "road_damage", "description": "Ổ gà sâu trước chợ Bến Thành", "ward_code": "26743"}
    body |= {"address": "Cổng Nam chợ Bến Thành", "lon": None, "lat": None, "answers": {}}
    code = post(client, {k: v for k, v in (BODY | body).items() if v is not None}).json()["code"]
    query = {"category": "road_damage", "description": "ổ gà trước chợ Bến Thành", "address": "cổng nam chợ"}
    found = client.get("/api/v1/reports/duplicates", {**query, "ward_code": "26743"}).json()
    assert [(c["code"], c["distance_m"]) for c in found] == [(code, None)]
    assert client.get("/api/v1/reports/duplicates", {**query, "ward_code": "26740"}).json() == []
    unlike = {**query, "ward_code": "26743", "description": "Đèn đường tắt", "address": "Hẻm 5"}
    assert client.get("/api/v1/reports/duplicates", unlike).json() == []
    for bad, field in (
        ({"ward_code": "99999"}, "ward_code"),
        ({"ward_code": "abc"}, "ward_code"),
        ({}, "lon"),
    ):
        r = client.get("/api/v1/reports/duplicates", {**query, **bad})
        assert r.status_code == 400 and r.json()["field"] == field, bad


def test_rating_with_token(client, categories, personas, bearer):
    created = post(client).json()
    code, token = created["code"], created["citizen_token"]
    head = bearer(personas.head)
    client.post(
        f"/api/v1/reports/{code}/actions",
        {"action": "assign", "assignee": "officer", "version": 1},
        content_type="application/json",
        **head,
    )
    client.post(
        f"/api/v1/reports/{code}/actions",
        {"action": "resolve", "resolution": "Đã vá", "version": 2},
        content_type="application/json",
        **bearer(personas.officer),
    )
    bad = client.post(
        f"/api/v1/reports/{code}/rating",
        {"level": "satisfied", "token": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 403
    ok = client.post(
        f"/api/v1/reports/{code}/rating",
        {"level": "satisfied", "token": token},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "closed"


def test_a_rating_comment_is_not_in_the_public_view(client, categories, personas, bearer):
    created = post(client).json()
    code, token = created["code"], created["citizen_token"]
    for user, action in (
        (personas.head, {"action": "assign", "assignee": "officer", "version": 1}),
        (personas.officer, {"action": "resolve", "resolution": "Đã vá", "version": 2}),
    ):
        r = client.post(
            f"/api/v1/reports/{code}/actions", action, content_type="application/json", **bearer(user)
        )
        assert r.status_code == 200, r.content
    comment = "Anh Tư ở số 14 làm ẩu"
    r = client.post(
        f"/api/v1/reports/{code}/rating",
        {"level": "normal", "comment": comment, "token": token},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    ReportEvent.objects.filter(report__code=code, kind="rating").update(  # as older code stored it
        public=True, note=f"Bình thường. {comment}", note_key="", note_args={}
    )
    public = client.get(f"/api/v1/reports/{code}").json()
    assert comment not in json.dumps(public, ensure_ascii=False)
    mine = client.get(f"/api/v1/reports/{code}", {"token": token}).json()
    assert comment in json.dumps(mine, ensure_ascii=False)


def test_following_twice_is_200_and_one_follower(client, categories):
    code = post(client).json()["code"]
    assert follow(client, code, {"email": "binh.le@example.com"}).status_code == 202
    first = confirm_follow(
        client, code, {"email": "binh.le@example.com", "code": pin_sent_to("binh.le@example.com")}
    )
    again = follow(client, code, {"email": "BINH.LE@example.com"})
    # An address that follows is sent a code like any other: the answer must not tell a stranger it follows.
    assert (first.status_code, again.status_code) == (201, 202)
    assert again.json()["following"] is False
    assert Follower.objects.filter(report__code=code, email="binh.le@example.com").count() == 1
    assert FollowRequest.objects.filter(report__code=code).count() == 2
    confirmed_again = confirm_follow(
        client, code, {"email": "Binh.Le@example.com", "code": pin_sent_to("binh.le@example.com")}
    )
    assert confirmed_again.status_code == 200
    assert Follower.objects.filter(report__code=code, email="binh.le@example.com").count() == 1


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {2: (10.0, 46.0, 17.0), 4: (106.0, 41.0, 40.0)}  # GPSInfo
    exif[0x010F] = "CameraMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_upload_strips_gps_from_the_public_copy(client, categories, personas, bearer):
    created = post(client).json()
    code, token = created["code"], created["citizen_token"]
    data = _jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825)
    upload = io.BytesIO(data)
    upload.name = "o-ga.jpg"
    r = client.post(f"/api/v1/reports/{code}/attachments", {"file": upload, "token": token})
    assert r.status_code == 201, r.content
    public = client.get(r.json()["public_url"])
    assert public.status_code == 200
    public_image = Image.open(io.BytesIO(b"".join(public.streaming_content)))
    assert not public_image.getexif()
    # The original (with its metadata) only for the handling unit: the reporter is not even given its address.
    assert r.json()["private_url"] is None
    original_url = f"/api/v1/reports/{code}/attachments/{r.json()['id']}/original"
    assert client.get(original_url).status_code == 403
    original = client.get(original_url, **bearer(personas.officer))
    assert Image.open(io.BytesIO(b"".join(original.streaming_content))).getexif().get(0x010F) == "CameraMaker"


def test_upload_refuses_non_images_and_strangers(client, categories):
    created = post(client).json()
    code, token = created["code"], created["citizen_token"]
    fake = io.BytesIO(b"MZ\x90\x00 this is an exe")
    fake.name = "anh.jpg"
    r = client.post(f"/api/v1/reports/{code}/attachments", {"file": fake, "token": token})
    assert r.status_code == 400 and r.json()["field"] == "file"
    photo = io.BytesIO(_jpeg_with_gps())
    photo.name = "a.jpg"
    r = client.post(f"/api/v1/reports/{code}/attachments", {"file": photo, "token": "wrong"})
    assert r.status_code == 403
    assert not Attachment.objects.exists()


def test_stats_per_unit(client, categories, personas, bearer):
    post(client)
    rows = client.get("/api/v1/reports/stats", **bearer(personas.head)).json()
    assert rows[0]["unit_code"] == "26743" and rows[0]["volume"] == 1 and rows[0]["open"] == 1
    assert client.get("/api/v1/reports/stats", **bearer(personas.citizen)).status_code == 403


def test_public_list_has_no_personal_data(client, categories):
    post(client)
    rows = client.get("/api/v1/reports/public", {"bbox": "106.6,10.7,106.8,10.9"}).json()
    assert len(rows) == 1 and "contact_phone" not in rows[0]
    assert client.get("/api/v1/reports/public", {"bbox": "1,2"}).status_code == 400


def test_hotline_channel_needs_an_operator(client, categories, personas, bearer):
    body = BODY | {"channel": "hotline"}
    assert post(client, body).status_code == 403
    r = post(client, body, **bearer(personas.operator))
    assert r.status_code == 201
    report = Report.objects.get(code=r.json()["code"])
    assert report.entered_by == personas.operator and report.reporter is None


def test_bulk_assign_through_the_api(client, categories, personas, bearer):
    first, second = (
        post(client).json()["code"],
        post(client, BODY | {"description": "Ổ gà thứ hai"}).json()["code"],
    )
    r = client.post(
        "/api/v1/reports/bulk-assign",
        {"codes": [first, second], "assignee": "officer"},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 200, r.content
    assert r.json() == [first, second]
    assert set(Report.objects.values_list("assignee__username", flat=True)) == {"officer"}
    r = client.post(
        "/api/v1/reports/bulk-assign",
        {"codes": [first], "assignee": "officer"},
        content_type="application/json",
        **bearer(personas.outsider),
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [({"since": "0001-01-01", "until": "9999-12-31"}, "since"), ({"until": "9999-12-31"}, "until")],
)
def test_stats_refuse_dates_out_of_range_instead_of_failing(
    client, categories, personas, bearer, query, field
):
    r = client.get("/api/v1/reports/stats", query, **bearer(personas.head))
    assert r.status_code == 400 and r.json()["field"] == field


def test_writes_without_credentials_are_401_not_a_csrf_refusal(client, categories):
    code = post(client).json()["code"]
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer bogus"}):
        r = client.post(
            f"/api/v1/reports/{code}/notes",
            {"text": "x"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="vi",
            **headers,
        )
        assert r.status_code == 401, r.content
        assert "CSRF" not in r.json()["detail"]
    assert post(client, HTTP_AUTHORIZATION="Bearer bogus").status_code == 401


def test_a_logged_in_session_without_the_csrf_token_is_refused(categories, personas):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.officer)
    assert browser.get("/phan-anh/moi/").status_code == 200  # a page of the site sets the CSRF cookie
    token = {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value}
    created = post(browser, **token)  # with the token, as the site's own scripts send it
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    r = browser.post(f"/api/v1/reports/{code}/notes", {"text": "x"}, content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert not ReportEvent.objects.filter(report__code=code, kind="note").exists()


def test_public_list_refuses_an_unknown_status_or_a_box_of_nan(client, categories):
    assert client.get("/api/v1/reports/public", {"status": "bogus"}).json()["field"] == "status"
    assert client.get("/api/v1/reports/public", {"bbox": "nan,nan,nan,nan"}).json()["field"] == "bbox"
    post(client)
    english = client.get("/api/v1/reports/public", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[0]["category_name"] == "Road damage"


def test_queue_query_count_does_not_grow_with_the_number_of_units(client, categories, personas, bearer):
    """allowed_actions is decided per unit: a page over many units costs what a page over one does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(6):
        post(client, BODY | {"description": f"Ổ gà số {i}"})
    headers = bearer(personas.leader)
    client.get("/api/v1/reports", **headers)  # warm-up
    with CaptureQueriesContext(connection) as one_unit:
        first = client.get("/api/v1/reports", **headers)
    assert first.status_code == 200 and {i["unit_code"] for i in first.json()["items"]} == {"26743"}
    units = [personas.other_ward, personas.department, personas.city]
    for report, unit in zip(Report.objects.order_by("pk")[:3], units, strict=True):
        Report.objects.filter(pk=report.pk).update(unit=unit)
    with CaptureQueriesContext(connection) as four_units:
        spread = client.get("/api/v1/reports", **headers)
    assert len({i["unit_code"] for i in spread.json()["items"]}) == 4
    assert len(four_units) == len(one_unit), [q["sql"] for q in four_units.captured_queries]
    assert all(item["allowed_actions"] for item in spread.json()["items"])  # the leader may act on each


def test_a_text_too_long_is_named_in_the_message(client, categories):
    for field, limit, words in (("contact_name", 150, "Họ tên"), ("address", 300, "Địa chỉ")):
        r = client.post(
            "/api/v1/reports",
            json.dumps(BODY | {field: "x" * (limit + 1)}),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="vi",
        )
        assert r.status_code == 400 and r.json()["field"] == field
        assert r.json()["detail"].startswith(words) and str(limit) in r.json()["detail"], r.json()
    r = client.post(
        "/api/v1/reports",
        json.dumps(BODY | {"description": "x" * 4001}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert "4.000" in r.json()["detail"]  # written as the form's hint writes it
    assert not Report.objects.exists()
