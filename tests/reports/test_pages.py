"""Pages of the 1022 system: the report form, tracking and rating, the hotline screen, the officer queue and
report page. Errors are shown next to the field the service names, with HTTP 400 and nothing stored."""

from __future__ import annotations

import importlib
import io
import json
import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from citydesk.core.models import AdminUnit
from citydesk.notifications.models import Notification
from citydesk.reports.models import Attachment, Follower, IdempotencyKey, Rating, Report, ReportEvent
from citydesk.reports.services import report_transition

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db

FORM = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước số 12 Lê Lợi",
    "lon": str(BEN_THANH[0]),
    "lat": str(BEN_THANH[1]),
    "province": "79",
    "contact_name": "Nguyễn Văn Dân",
    "contact_phone": "0901234567",
    "contact_email": "dan@example.vn",
    "a_road_damage__depth_cm": "15",
}

# The view modules themselves (the package re-exports the view functions under the same names).
citizen_views = importlib.import_module("citydesk.reports.views.citizen")
hotline_views = importlib.import_module("citydesk.reports.views.hotline")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def post_form(client, files=None, **changes):
    data = {"idempotency_key": uuid.uuid4().hex, **FORM}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    if files:
        data["photos"] = files
    return client.post("/phan-anh/moi/", data)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="err-{re.escape(field)}"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


def submit(**kwargs):
    return submit_report(
        **(
            {
                "contact_name": "Nguyễn Văn Dân",
                "contact_phone": "0901234567",
                "contact_email": "dan@example.vn",
            }
            | kwargs
        )
    )


def resolved_report(personas) -> Report:
    report = submit()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá ổ gà.")
    return Report.objects.get(pk=report.pk)


def png_file(name: str = "o-ga.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def assert_no_inline_code(html: str) -> None:
    """CSP allows only our own files: no inline script (JSON data blocks are not run) and no style attribute."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\sstyle=", html)
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


# --- Citizen report form --------------------------------------------------------------------------


def test_form_renders_without_javascript_needs(client, categories):
    r = client.get("/phan-anh/moi/")
    assert r.status_code == 200
    html = r.content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert key, "an idempotency key is generated with the form"
    assert 'name="a_road_damage__depth_cm"' in html  # the category's questions, all shown without JS
    assert 'id="id_ward" name="ward"' in html  # the ward as text without JS
    assert 'id="address-fieldset"' in html and 'class="skip-link" href="#address-fieldset"' in html
    checkbox = re.search(r'<input id="id_show_name_publicly"[^>]*>', html).group(0)
    assert "checked" not in checkbox
    assert "vendor/leaflet/leaflet.js" in html and "reports/reports.js" in html
    assert 'aria-live="polite"' in html
    assert_no_inline_code(html)
    second = client.get("/phan-anh/moi/").content.decode()
    assert key.group(1) not in second


def test_form_success_redirects_to_the_code_and_tracking_link(client, personas, categories):
    r = post_form(client)
    assert r.status_code == 302, r.content.decode()[:2000]
    report = Report.objects.get()
    assert r["Location"] == f"/phan-anh/da-gui/{report.code}/"
    assert report.channel == "web" and report.ward_id == "26743" and report.unit == personas.ward
    assert report.answers == {"depth_cm": 15.0}
    assert report.show_name_publicly is False and report.reporter is None
    page = client.get(r["Location"]).content.decode()
    assert report.code in page
    assert f"/tra-cuu/{report.code}/?t={report.citizen_token}" in page


def test_address_path_with_a_ward_name_and_no_map(client, personas, categories):
    r = post_form(client, lon=None, lat=None, address="12 Lê Lợi", ward="ben thanh")
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.lon is None and report.ward_id == "26743" and report.address == "12 Lê Lợi"


def test_an_empty_form_lists_every_missing_part_at_once(client, categories):
    r = post_form(client, category="", description="", lon=None, lat=None)
    assert r.status_code == 400
    html = r.content.decode()
    for field in ("category", "description", "address"):
        assert field_error(html, field), field
        assert f'href="#field-{field}"' in html
    assert not Report.objects.exists()


def test_logged_in_citizen_is_the_reporter(client, personas, categories):
    client.force_login(personas.citizen)
    assert post_form(client, show_name_publicly="on").status_code == 302
    report = Report.objects.get()
    assert report.reporter == personas.citizen and report.show_name_publicly is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": ""}, "category"),
        ({"category": "khong-co"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"lon": None, "lat": None}, "address"),
        ({"lon": "abc"}, "location"),
        ({"lon": "2.35", "lat": "48.85"}, "location"),
        ({"lon": None, "lat": None, "ward": "99999"}, "ward"),
        ({"lon": None, "lat": None, "ward": "phuong khong co"}, "ward"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_email": "khong-phai-email"}, "contact_email"),
        ({"a_road_damage__depth_cm": "sâu lắm"}, "a_road_damage__depth_cm"),
        ({"a_road_damage__depth_cm": "nan"}, "a_road_damage__depth_cm"),  # was a server error
        ({"a_road_damage__depth_cm": "inf"}, "a_road_damage__depth_cm"),
        ({"a_road_damage__depth_cm": "1e999"}, "a_road_damage__depth_cm"),
    ],
)
def test_each_error_is_shown_next_to_its_field_and_nothing_is_stored(client, categories, changes, field):
    r = post_form(client, **changes)
    assert r.status_code == 400
    html = r.content.decode()
    message = field_error(html, field)
    assert message, f"no error next to {field}"
    assert f'href="#field-{field}"' in html, "the summary links to the field"
    assert f'id="field-{field}"' in html
    assert not Report.objects.exists() and not IdempotencyKey.objects.exists()
    # What was typed is kept, and the same idempotency key is sent again.
    assert "Nguyễn Văn Dân" in html
    assert_no_inline_code(html)


def test_too_many_photos_is_refused_before_storing(client, categories, settings):
    settings.CITYDESK_MAX_ATTACHMENTS = 2
    r = post_form(client, files=[png_file("a.png"), png_file("b.png"), png_file("c.png")])
    assert r.status_code == 400
    assert field_error(r.content.decode(), "photos")
    assert not Report.objects.exists()


def test_a_file_that_is_not_a_photo_stops_the_report_and_keeps_what_was_typed(client, personas, categories):
    fake = SimpleUploadedFile("anh.jpg", b"plain text renamed to .jpg", content_type="image/jpeg")
    r = post_form(client, files=[png_file(), fake])
    assert r.status_code == 400
    html = r.content.decode()
    assert field_error(html, "photos") and "anh.jpg" in html
    assert "Nguyễn Văn Dân" in html  # the rest of the form is kept
    assert not Report.objects.exists() and not Attachment.objects.exists()
    r = post_form(client, files=[png_file()])
    assert r.status_code == 302
    report = Report.objects.get()
    attachment = Attachment.objects.get(report=report)
    assert attachment.original_name == "o-ga.png" and attachment.public_file
    track = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert f"/api/v1/reports/{report.code}/attachments/{attachment.pk}/public" in track


def test_double_submit_creates_one_report(client, categories):
    key = uuid.uuid4().hex
    first = post_form(client, idempotency_key=key)
    again = post_form(client, idempotency_key=key, files=[png_file()])
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Report.objects.count() == 1
    assert not Attachment.objects.exists(), "the repeated post adds nothing"


def test_the_same_form_sent_again_after_back_is_one_report(client, categories):
    """Back to the form, then Send again: the page came with a new idempotency key, the browser restored
    the typed text. The same browser sending the same content within minutes gets its first report."""
    first = post_form(client)
    again = post_form(client, files=[png_file()])  # a new key, as the page fetched again carries
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Report.objects.count() == 1 and not Attachment.objects.exists()
    said = [str(m) for m in client.get(again["Location"]).context["messages"]]
    assert any(Report.objects.get().code in m for m in said)
    # Something changed: a new report. Another browser with the same text: its own report.
    assert post_form(client, description="Ổ gà thứ hai, ở đầu hẻm").status_code == 302
    assert post_form(Client()).status_code == 302
    assert Report.objects.count() == 3


def test_confirmation_page_only_for_the_session_that_sent_it(client, categories):
    location = post_form(client)["Location"]
    code = Report.objects.get().code
    other = Client()
    r = other.get(location)
    assert r.status_code == 302 and r["Location"] == f"/tra-cuu/{code}/"


# --- Wards layer for the map ---------------------------------------------------------------------


def test_wards_geojson_is_cached_and_marked_approximate(client, personas, monkeypatch):
    square = {
        "type": "Polygon",
        "coordinates": [
            [[106.69, 10.77], [106.70, 10.77], [106.70, 10.78], [106.69, 10.78], [106.69, 10.77]]
        ],
    }
    AdminUnit.objects.filter(code="26743").update(boundary=square, boundary_kind="approximate")
    r = client.get("/phan-anh/ban-do/wards.geojson", {"province": "79"})
    assert r.status_code == 200 and "max-age" in r["Cache-Control"]
    body = r.json()
    assert [f["properties"] for f in body["features"]] == [
        {"code": "26743", "name": "Phường Bến Thành", "approximate": True}
    ]
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/phan-anh/ban-do/wards.geojson", {"province": "79"}).status_code == 200
    assert len(queries) <= 2, "served from the cache: only the version check runs"
    cache.clear()
    monkeypatch.setattr(citizen_views, "SIMPLIFY_ABOVE_POINTS", 3)
    assert client.get("/phan-anh/ban-do/wards.geojson", {"province": "79"}).json()["properties"]["simplified"]
    assert client.get("/phan-anh/ban-do/wards.geojson", {"province": "48"}).status_code == 404
    assert client.get("/phan-anh/ban-do/wards.geojson", {"province": "x"}).status_code == 400


# --- Tracking, rating, following -------------------------------------------------------------------


def test_tracking_page_masks_personal_data_and_escapes_html(client, personas, categories):
    report = submit(description='Ổ gà <script>alert("xss")</script> <b>to</b>')
    r = client.get(f"/tra-cuu/{report.code}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<b>to</b>" not in html
    assert "0901234567" not in html and "dan@example.vn" not in html and "Nguyễn Văn Dân" not in html
    assert "UBND cấp xã" not in html  # the internal routing event stays internal
    assert "UBND Phường Bến Thành" in html
    assert 'id="rating-form"' not in html, "no token: no rating form"
    assert 'action="/tra-cuu/' in html and "/theo-doi/" in html  # others may follow it
    assert_no_inline_code(html)


def test_name_shown_only_when_the_reporter_allows_it(client, personas, categories):
    report = submit(show_name_publicly=True)
    html = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert "Nguyễn Văn Dân" in html
    assert "0901234567" not in html and "090****567" not in html and "dan@example.vn" not in html


def test_private_report_needs_the_token(client, personas, categories):
    report = submit(is_public=False)
    assert client.get(f"/tra-cuu/{report.code}/").status_code == 404
    assert client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).status_code == 200


def test_lookup_by_code(client, personas, categories):
    report = submit()
    r = client.get("/tra-cuu/", {"code": f"  {report.code.lower()} "})
    assert r.status_code == 302 and r["Location"] == f"/tra-cuu/{report.code}/"
    r = client.get("/tra-cuu/", {"code": "PA-26-999999"})
    assert r.status_code == 404 and field_error(r.content.decode(), "code")
    assert client.get("/tra-cuu/").status_code == 200
    prefix, year, number = report.code.split("-")  # spaced, or without the zeros
    for typed in (f"{prefix} {year} {number}", f"{prefix.lower()}{year}{int(number)}"):
        r = client.get("/tra-cuu/", {"code": typed})
        assert r.status_code == 302 and r["Location"] == f"/tra-cuu/{report.code}/", typed
    # A dossier's code typed here: told so, with the way to the dossier lookup.
    r = client.get("/tra-cuu/", {"code": "hs-26-121"})
    assert r.status_code == 404 and "HS-26-000121" in field_error(r.content.decode(), "code")
    assert 'href="/ho-so/tra-cuu/?code=HS-26-000121"' in r.content.decode()


def test_rating_with_the_citizen_token(client, personas, categories):
    report = resolved_report(personas)
    html = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert 'id="rating-form"' in html and 'id="id_reopen"' in html
    r = client.post(f"/tra-cuu/{report.code}/danh-gia/", {"level": "satisfied", "t": "wrong"})
    assert r.status_code == 403 and not Rating.objects.exists()
    r = client.post(f"/tra-cuu/{report.code}/danh-gia/", {"level": "", "t": report.citizen_token})
    assert r.status_code == 400 and field_error(r.content.decode(), "level")
    # "Reopen" ticked with "satisfied" (the box is hidden only by the script): asked again, not closed.
    r = client.post(
        f"/tra-cuu/{report.code}/danh-gia/",
        {"level": "satisfied", "reopen": "on", "t": report.citizen_token},
    )
    assert r.status_code == 400 and field_error(r.content.decode(), "reopen")
    report.refresh_from_db()
    assert report.status == "resolved" and not Rating.objects.exists()
    r = client.post(
        f"/tra-cuu/{report.code}/danh-gia/",
        {"level": "satisfied", "comment": "Nhanh, tốt", "t": report.citizen_token},
    )
    assert r.status_code == 302 and r["Location"] == f"/tra-cuu/{report.code}/?t={report.citizen_token}"
    report.refresh_from_db()
    assert report.status == "closed" and report.rating.level == "satisfied"
    r = client.post(f"/tra-cuu/{report.code}/danh-gia/", {"level": "normal", "t": report.citizen_token})
    assert r.status_code == 409 and field_error(r.content.decode(), "level")


def test_unsatisfied_rating_can_reopen(client, personas, categories):
    report = resolved_report(personas)
    r = client.post(
        f"/tra-cuu/{report.code}/danh-gia/",
        {"level": "unsatisfied", "reopen": "on", "comment": "Vẫn còn ổ gà", "t": report.citizen_token},
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == "reopened" and report.reopen_count == 1


def test_following_a_report(client, personas, categories):
    report = submit()
    r = client.post(f"/tra-cuu/{report.code}/theo-doi/", {"email": "hang-xom"})
    assert r.status_code == 400 and field_error(r.content.decode(), "email")
    r = client.post(f"/tra-cuu/{report.code}/theo-doi/", {"phone": "0912 345 678"})
    assert r.status_code == 302  # a code is sent by SMS: the number follows once it is given back
    assert not Follower.objects.filter(report=report, phone="0912345678").exists()
    sms = Notification.objects.filter(address="0912345678", channel="sms").latest("pk")
    pin = re.findall(r"(?<![\w-])(\d{6})(?!\w)", sms.body)[-1]
    r = client.post(f"/tra-cuu/{report.code}/theo-doi/", {"phone": "0912345678", "pin": pin})
    assert r.status_code == 302
    assert Follower.objects.filter(report=report, phone="0912345678").exists()
    assert client.post("/tra-cuu/PA-26-999999/theo-doi/", {"email": "a@b.vn"}).status_code == 404


# --- Hotline ----------------------------------------------------------------------------------------


HOTLINE = {
    "contact_phone": "0912 345 678",
    "contact_name": "Bà Tư",
    "category": "road_damage",
    "description": "Ổ gà trước số 5 Lê Thánh Tôn",
    "province": "79",
    "ward": "26743",
    "address": "5 Lê Thánh Tôn",
    "on_behalf_of": "Tổ dân phố 3",
}


def test_a_second_call_about_the_same_problem_is_shown_its_likely_duplicate(client, personas, categories):
    """Hotline reports have a ward and an address, no point: their duplicates are found by ward and words."""
    client.force_login(personas.operator)
    first = client.post("/tong-dai/", {**HOTLINE, "idempotency_key": uuid.uuid4().hex})
    assert 'data-testid="hotline-duplicates"' not in client.get(first["Location"]).content.decode()
    second = client.post(
        "/tong-dai/",
        {
            **HOTLINE,
            "contact_phone": "0987 654 321",
            "description": "Ổ gà sâu trước số 5 Lê Thánh Tôn, xe ngã",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    elsewhere = client.post(  # the same words in another ward: another place, another problem
        "/tong-dai/", {**HOTLINE, "ward": "26740", "idempotency_key": uuid.uuid4().hex}
    )
    unlike = client.post(  # the same ward, nothing alike
        "/tong-dai/",
        {
            **HOTLINE,
            "description": "Hố ga mất nắp ở hẻm 12",
            "address": "Hẻm 12 Lý Tự Trọng",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    first_code, second_code, other_code, unlike_code = Report.objects.order_by("pk").values_list(
        "code", flat=True
    )
    page = client.get(second["Location"]).content.decode()
    listed = re.search(r'data-testid="hotline-duplicates">(.*?)</div>', page, re.S).group(1)
    assert f'data-code="{first_code}"' in listed
    assert other_code not in listed and unlike_code not in listed
    for response in (elsewhere, unlike):
        assert 'data-testid="hotline-duplicates"' not in client.get(response["Location"]).content.decode()
    # The ward's head sees it on the report page, and merges.
    client.force_login(personas.head)
    officer_page = client.get(f"/xu-ly/{second_code}/").content.decode()
    assert f'data-merge-into="{first_code}"' in officer_page and "cùng xã/phường" in officer_page


@pytest.mark.parametrize("role", ["citizen", "inspector", "admin"])
def test_hotline_refused_to_people_without_the_receive_power(client, personas, categories, role):
    client.force_login(personas.all_roles()[role])
    assert client.get("/tong-dai/").status_code == 403
    assert client.post("/tong-dai/", HOTLINE).status_code == 403
    assert client.get("/tong-dai/goi-y/", {"description": "ổ gà"}).status_code == 403
    assert not Report.objects.exists()


def test_hotline_needs_log_in(client, categories):
    r = client.get("/tong-dai/")
    assert r.status_code == 302 and r["Location"].startswith("/dang-nhap/")


def test_operator_enters_a_call(client, personas, categories):
    client.force_login(personas.operator)
    page = client.get("/tong-dai/").content.decode()
    assert re.search(r'<input id="id_contact_phone"[^>]*autofocus', page)
    assert 'data-code="26743"' in page  # wards of the operator's province, no JS needed
    key = uuid.uuid4().hex
    r = client.post("/tong-dai/", {**HOTLINE, "idempotency_key": key})
    assert r.status_code == 302
    report = Report.objects.get()
    assert r["Location"] == f"/tong-dai/?code={report.code}"
    assert report.channel == "hotline" and report.entered_by == personas.operator and report.reporter is None
    assert report.contact_phone == "0912345678" and "Tổ dân phố 3" in report.contact_name
    assert report.unit == personas.ward
    result = client.get(r["Location"]).content.decode()
    assert f'data-testid="hotline-code">{report.code}<' in result
    assert 'role="status" aria-live="polite"' in result and 'id="next-call"' in result
    # A double submit of the same call stores one report; another operator cannot display its result.
    assert client.post("/tong-dai/", {**HOTLINE, "idempotency_key": key})["Location"] == r["Location"]
    assert Report.objects.count() == 1
    other = Client()
    other.force_login(personas.officer)
    assert 'data-testid="hotline-code"' not in other.get(r["Location"]).content.decode()


def test_hotline_errors_next_to_the_field(client, personas, categories):
    client.force_login(personas.operator)
    r = client.post("/tong-dai/", {**HOTLINE, "contact_phone": "123"})
    assert r.status_code == 400 and field_error(r.content.decode(), "contact_phone")
    r = client.post("/tong-dai/", {**HOTLINE, "ward": "", "address": ""})
    assert r.status_code == 400 and field_error(r.content.decode(), "address")
    # An empty call sheet: every missing part at once, so one correction sends it.
    r = client.post("/tong-dai/", {**HOTLINE, "category": "", "description": "", "ward": "", "address": ""})
    html = r.content.decode()
    assert r.status_code == 400 and all(field_error(html, f) for f in ("category", "description", "address"))
    assert not Report.objects.exists()


class FakeSuggestions:
    available = True
    categories = [("road_damage", "Hư hỏng mặt đường", 0.81)]
    units = [("26743", "UBND Phường Bến Thành", 0.7)]


def test_hotline_suggestions(client, personas, categories, monkeypatch):
    client.force_login(personas.operator)
    monkeypatch.setattr(hotline_views, "_suggest", None)
    assert 'id="suggestions"' not in client.get("/tong-dai/").content.decode()
    assert client.get("/tong-dai/goi-y/", {"description": "ổ gà"}).json()["available"] is False
    monkeypatch.setattr(hotline_views, "_suggest", lambda *args, **kwargs: FakeSuggestions())
    assert 'id="suggestions"' in client.get("/tong-dai/").content.decode()
    body = client.get("/tong-dai/goi-y/", {"description": "đường có ổ gà", "ward_code": "26743"}).json()
    assert body["categories"] == [{"code": "road_damage", "name": "Hư hỏng mặt đường", "confidence": 0.81}]
    assert body["units"][0]["code"] == "26743"

    def broken(*args, **kwargs):
        raise RuntimeError("model file damaged")

    monkeypatch.setattr(hotline_views, "_suggest", broken)
    assert client.get("/tong-dai/goi-y/", {"description": "ổ gà"}).json()["available"] is False
    assert client.get("/tong-dai/").status_code == 200


class FakeAcrossCities:
    available = True
    categories = [("road_damage", "Hư hỏng mặt đường", 0.81), ("street_lighting", "Chiếu sáng", 0.002)]
    units = [
        ("79.SXD", "Sở Xây dựng", 0.9),
        ("01.SXD", "Sở Xây dựng", 0.07),
        ("26740", "UBND Phường Sài Gòn", 0.004),
    ]


def test_hotline_unit_suggestions_stay_in_the_callers_city(client, personas, categories, monkeypatch):
    from citydesk.core.models import Organisation, OrgKind
    from tests.conftest import make_unit

    hanoi = make_unit("01", "Thành phố Hà Nội")
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi
    )
    Organisation.objects.create(code="01.SXD", name="Sở Xây dựng", kind=OrgKind.DEPARTMENT, parent=city)
    client.force_login(personas.operator)
    monkeypatch.setattr(hotline_views, "_suggest", lambda *args, **kwargs: FakeAcrossCities())

    def units(**query: str) -> list[tuple[str, str, float]]:
        body = client.get("/tong-dai/goi-y/", {"description": "đèn đường hỏng", **query}).json()
        assert [c["code"] for c in body["categories"]] == ["road_damage"]  # 0 % is not a suggestion
        return [(u["code"], u["name"], u["confidence"]) for u in body["units"]]

    # The province chosen on the call sheet: Hà Nội's department is not offered, nor a 0 % ward.
    assert units(province="79") == [("79.SXD", "Sở Xây dựng", 0.9)]
    # No place yet: both departments, told apart by their city.
    assert units() == [
        ("79.SXD", "Sở Xây dựng – Thành phố Hồ Chí Minh", 0.9),
        ("01.SXD", "Sở Xây dựng – Thành phố Hà Nội", 0.07),
    ]
    # Category and ward chosen: the unit routing will send it to, certain (street lighting: the department).
    assert units(category="street_lighting", ward_code="26743") == [("79.SXD", "Sở Xây dựng", 1.0)]
    assert units(category="road_damage", ward_code="26743") == [("26743", "UBND Phường Bến Thành", 1.0)]


# --- Officer queue ---------------------------------------------------------------------------------


def test_queue_is_for_officers(client, personas, categories):
    assert client.get("/xu-ly/").status_code == 302
    client.force_login(personas.citizen)
    assert client.get("/xu-ly/").status_code == 403


def test_bad_queue_filters_are_said_and_the_good_ones_kept(client, personas, categories):
    mine = submit(description="Ổ gà")
    client.force_login(personas.officer)
    r = client.get("/xu-ly/", {"received_from": "abc", "status": "zzz", "q": mine.code})
    assert r.status_code == 400
    html = r.content.decode()
    problems = re.findall(r'<li data-field="([^"]+)">', html)
    assert sorted(problems) == ["received_from", "status"]
    assert mine.code in html  # the valid search still applies
    assert client.get("/xu-ly/", {"status": "open"}).status_code == 200
    # Dates the wrong way round: said on the end date (not an empty list without a word); the start applies.
    today = timezone.localdate()
    r = client.get("/xu-ly/", {"received_from": today.isoformat(), "received_to": "2020-01-01"})
    assert r.status_code == 400
    html = r.content.decode()
    assert re.findall(r'<li data-field="([^"]+)">', html) == ["received_to"] and mine.code in html


@pytest.mark.parametrize("language", ["vi", "en"])
def test_queue_dates_are_typed_and_shown_day_first(client, personas, categories, language):
    """04/03/2026 is 4 March on an English page too (not 3 April, as Django's US formats read it); a
    link's ISO date is shown day first; the fields say their format."""
    from datetime import datetime

    march = submit(description="Tháng ba", when=timezone.make_aware(datetime(2026, 3, 4, 10)))
    april = submit(description="Tháng tư", when=timezone.make_aware(datetime(2026, 4, 3, 10)))
    client.force_login(personas.officer)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    typed = client.get(
        "/xu-ly/", {"status": "all", "received_from": "04/03/2026", "received_to": "04/03/2026"}, **headers
    )
    html = typed.content.decode()
    assert typed.status_code == 200
    assert march.code in html and april.code not in html
    assert re.search(
        r'name="received_from" type="text"[^>]*inputmode="numeric"[^>]*placeholder="dd/mm/yyyy"', html
    )
    linked = client.get(
        "/xu-ly/", {"status": "all", "received_from": "2026-04-03"}, **headers
    ).content.decode()
    assert 'name="received_from" type="text"' in linked and 'value="03/04/2026"' in linked
    assert april.code in linked and march.code not in linked


def test_queue_shows_my_units_reports_most_urgent_first(client, personas, categories):
    late = submit(description="Quá hạn", when=timezone.now() - timedelta(days=30))
    fresh = submit(description="Mới")
    other = submit(description="Phường khác", lon=106.703, lat=10.7788)
    client.force_login(personas.officer)
    html = client.get("/xu-ly/").content.decode()
    codes = re.findall(r'data-testid="queue-row" data-code="([^"]+)"', html)
    assert codes == [late.code, fresh.code] and other.code not in html
    row = re.search(rf'<tr class="([^"]*)" data-testid="queue-row" data-code="{late.code}"', html)
    assert "overdue" in row.group(1)
    assert 'name="codes"' not in html, "an officer cannot assign: no bulk assignment"
    html = client.get("/xu-ly/", {"status": "overdue"}).content.decode()
    assert re.findall(r'data-code="([^"]+)"', html) == [late.code]
    html = client.get("/xu-ly/", {"q": "Mới"}).content.decode()
    assert re.findall(r'data-code="([^"]+)"', html) == [fresh.code]
    client.force_login(personas.head)
    html = client.get("/xu-ly/").content.decode()
    assert 'name="codes"' in html and 'option value="officer"' in html  # the unit's members


def test_queue_map_holds_the_page_reports_with_a_point(client, personas, categories):
    late = submit(description="Quá hạn", when=timezone.now() - timedelta(days=30))
    fresh = submit(description="Mới")
    by_phone = submit(
        description="Gọi điện, chỉ có địa chỉ", lon=None, lat=None, address="12 Lê Lợi", ward_code="26743"
    )
    client.force_login(personas.officer)
    html = client.get("/xu-ly/").content.decode()
    data = re.search(r'<script id="queue-map-points" type="application/json">(.*?)</script>', html, re.S)
    points = {p["code"]: p for p in json.loads(data.group(1))}
    assert set(points) == {late.code, fresh.code} and by_phone.code in html  # in the list, not on the map
    assert points[late.code]["overdue"] and not points[fresh.code]["overdue"]
    assert points[fresh.code]["url"] == f"/xu-ly/{fresh.code}/"
    assert 'data-testid="queue-map"' in html and "leaflet.js" in html
    assert_no_inline_code(html)
    empty = client.get("/xu-ly/", {"q": by_phone.code}).content.decode()
    assert 'data-testid="queue-map"' not in empty and "leaflet.js" not in empty  # nothing to map


def test_queue_query_count_does_not_grow_with_the_page_size(client, personas, categories):
    for i in range(60):
        report = submit(description=f"Ổ gà số {i}")
        if i % 3 == 0:
            report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    client.force_login(personas.head)
    counts = {}
    for size in (10, 50):
        client.get("/xu-ly/", {"per_page": size})  # warm caches (sessions, locator)
        with CaptureQueriesContext(connection) as queries:
            r = client.get("/xu-ly/", {"per_page": size})
        assert r.status_code == 200
        assert len(re.findall(r'data-testid="queue-row"', r.content.decode())) == size
        counts[size] = len(queries)
    assert counts[10] == counts[50], counts


def test_bulk_assign(client, personas, categories):
    first, second = submit(), submit(description="Ổ gà thứ hai")
    client.force_login(personas.head)
    r = client.post(
        "/xu-ly/giao-viec/",
        {
            "codes": [first.code, second.code],
            "assignee": "officer",
            "next": "status=open&category=road_damage",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/xu-ly/?status=open&category=road_damage"
    for report in (first, second):
        report.refresh_from_db()
        assert report.assignee == personas.officer and report.status == "assigned"
    r = client.post("/xu-ly/giao-viec/", {"assignee": "officer"})
    assert r.status_code == 400 and 'data-testid="bulk-error"' in r.content.decode()
    assert '<option value="officer" selected>' in r.content.decode()  # the choice is kept
    r = client.post("/xu-ly/giao-viec/", {"codes": [first.code]})
    html = r.content.decode()
    assert (
        r.status_code == 400 and f'value="{first.code}" id="pick-{first.code}" class="pick" checked' in html
    )


def test_bulk_assign_is_all_or_nothing(client, personas, categories):
    mine = submit()
    theirs = submit(description="Phường khác", lon=106.703, lat=10.7788)
    client.force_login(personas.head)
    r = client.post("/xu-ly/giao-viec/", {"codes": [mine.code, theirs.code], "assignee": "officer"})
    assert r.status_code == 403
    assert theirs.code in r.content.decode()
    mine.refresh_from_db()
    assert mine.assignee is None and mine.status == "received"


# --- Officer report page ---------------------------------------------------------------------------


def test_officer_page_shows_private_data_and_internal_history(client, personas, categories):
    report = submit()
    client.force_login(personas.officer)
    r = client.get(f"/xu-ly/{report.code}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "0901234567" in html and "dan@example.vn" in html and "Nguyễn Văn Dân" in html
    assert "UBND cấp xã" in html  # the internal routing event
    assert 'id="report-map"' in html and 'class="skip-link"' in html
    assert_no_inline_code(html)


@pytest.mark.parametrize("role", ["outsider", "other_head", "citizen"])
def test_officer_page_refused_to_other_units(client, personas, categories, role):
    report = submit()
    user = personas.other_head if role == "other_head" else personas.all_roles()[role]
    client.force_login(user)
    r = client.get(f"/xu-ly/{report.code}/")
    assert r.status_code == 403
    html = r.content.decode()
    assert "0901234567" not in html and "dan@example.vn" not in html
    r = client.post(f"/xu-ly/{report.code}/ghi-chu/", {"text": "xem trộm"})
    assert r.status_code == 403
    assert not ReportEvent.objects.filter(kind="note").exists()


def test_officer_actions_with_version_conflict_and_errors(client, personas, categories):
    report = submit()
    client.force_login(personas.head)
    r = client.post(
        f"/xu-ly/{report.code}/thao-tac/", {"action": "assign", "version": "0", "assignee": "officer"}
    )
    assert r.status_code == 400  # no version 0 ever existed
    assert 'data-testid="page-error"' in r.content.decode()
    report.refresh_from_db()
    assert report.assignee is None
    r = client.post(f"/xu-ly/{report.code}/thao-tac/", {"action": "assign", "version": report.version})
    assert r.status_code == 400 and field_error(r.content.decode(), "assign-assignee")
    r = client.post(
        f"/xu-ly/{report.code}/thao-tac/",
        {"action": "assign", "version": report.version, "assignee": "officer"},
    )
    assert r.status_code == 302 and r["Location"] == f"/xu-ly/{report.code}/"
    report.refresh_from_db()
    assert report.status == "assigned" and report.assignee == personas.officer

    client.force_login(personas.officer)
    html = client.get(f"/xu-ly/{report.code}/").content.decode()
    assert 'data-action="resolve"' in html and 'data-action="assign"' not in html
    r = client.post(f"/xu-ly/{report.code}/thao-tac/", {"action": "resolve", "version": report.version})
    assert r.status_code == 400 and field_error(r.content.decode(), "resolve-resolution")
    r = client.post(
        f"/xu-ly/{report.code}/thao-tac/",
        {"action": "resolve", "version": report.version, "resolution": "Đã vá."},
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolution == "Đã vá."


def test_a_transfer_out_lands_on_the_queue_not_on_a_refusal(client, personas, categories):
    report = submit()
    client.force_login(personas.head)
    r = client.post(
        f"/xu-ly/{report.code}/thao-tac/",
        {
            "action": "transfer",
            "version": report.version,
            "target_unit": "79.SXD",
            "note": "Thuộc Sở Xây dựng",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/xu-ly/", r.content
    report.refresh_from_db()
    assert report.unit == personas.department
    page = client.get(r["Location"])
    assert page.status_code == 200
    assert report.code in page.content.decode() and "Sở Xây dựng" in page.content.decode()  # the messages


@pytest.mark.parametrize("public", [True, False])
def test_a_colleagues_page_after_a_transfer_says_where_the_report_went(client, personas, categories, public):
    report = submit(is_public=public)
    version = report.version
    report_transition(
        user=personas.head,
        code=report.code,
        action="transfer",
        version=version,
        target_unit="79.SXD",
        note="Thuộc Sở Xây dựng",
    )
    client.force_login(personas.deputy)  # had the page open before the transfer
    r = client.post(
        f"/xu-ly/{report.code}/thao-tac/",
        {"action": "reject", "version": version, "reason": "spam", "confirm": "yes"},
    )
    assert r.status_code == 403
    html = r.content.decode()
    # A public report's unit is on its public page already: say it, and lead back to the queue.
    assert ("Sở Xây dựng" in html) is public
    assert ('data-testid="back-to-queue"' in html) is public
    report.refresh_from_db()
    assert report.status == "transferred"


def test_rejecting_on_the_page_asks_for_a_confirmation(client, personas, categories):
    report = submit()
    client.force_login(personas.head)
    page = client.get(f"/xu-ly/{report.code}/").content.decode()
    assert 'id="reject-confirm"' in page and 'id="hint-reject-duplicate"' in page
    data = {"action": "reject", "version": report.version, "reason": "spam", "note": "Quảng cáo"}
    r = client.post(f"/xu-ly/{report.code}/thao-tac/", data)
    assert r.status_code == 400 and field_error(r.content.decode(), "reject-confirm")
    assert "checked" not in re.search(r'<input[^>]*id="reject-confirm"[^>]*>', r.content.decode()).group(0)
    report.refresh_from_db()
    assert report.status == "received"
    r = client.post(f"/xu-ly/{report.code}/thao-tac/", {**data, "confirm": "yes"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == "rejected" and report.reject_reason == "spam"


def test_officers_add_photos_and_documents_on_the_report_page(client, personas, categories):
    report = submit()
    url = f"/xu-ly/{report.code}/tep/"
    client.force_login(personas.officer)
    assert 'id="form-attach"' in client.get(f"/xu-ly/{report.code}/").content.decode()
    r = client.post(url, {"file": png_file("sau-khi-va.png"), "public": "on"})
    assert r.status_code == 302 and r["Location"] == f"/xu-ly/{report.code}/"
    photo = Attachment.objects.get(report=report)
    assert photo.public and photo.public_file and photo.uploaded_by == personas.officer
    pdf = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 bien ban kiem tra", content_type="application/pdf")
    assert client.post(url, {"file": pdf, "public": "on"}).status_code == 302
    assert not Attachment.objects.get(
        report=report, content_type="application/pdf"
    ).public  # documents stay inside
    fake = SimpleUploadedFile("anh.jpg", b"not a photo", content_type="image/jpeg")
    r = client.post(url, {"file": fake})
    assert r.status_code == 400 and 'id="err-attach-file"' in r.content.decode()
    assert client.post(url, {}).status_code == 400
    assert Attachment.objects.filter(report=report).count() == 2
    client.force_login(personas.outsider)  # an officer of another ward
    assert client.post(url, {"file": png_file()}).status_code == 403
    client.force_login(personas.citizen)
    assert client.post(url, {"file": png_file()}).status_code == 403
    assert Attachment.objects.filter(report=report).count() == 2


def test_notes_pause_resume_merge_unmerge(client, personas, categories):
    report, master = submit(), submit(description="Ổ gà, báo trước")
    client.force_login(personas.head)
    assert client.post(f"/xu-ly/{report.code}/ghi-chu/", {"text": "Đã gọi lại"}).status_code == 302
    assert ReportEvent.objects.get(report=report, kind="note").public is False
    assert client.post(f"/xu-ly/{report.code}/ghi-chu/", {"text": ""}).status_code == 400
    r = client.post(f"/xu-ly/{report.code}/tam-dung/", {"note": ""})
    assert r.status_code == 400 and field_error(r.content.decode(), "pause-note")
    assert client.post(f"/xu-ly/{report.code}/tam-dung/", {"note": "Cần ảnh"}).status_code == 302
    report.refresh_from_db()
    assert report.paused_at is not None
    due = report.due_at
    resumed = client.post(f"/xu-ly/{report.code}/tiep-tuc/", follow=True)
    report.refresh_from_db()
    # A short pause leaves a 17:00 deadline where it was, and the confirmation says so (it used to say
    # that the deadline had moved).
    assert report.due_at == due and report.paused_at is None
    said = [str(m) for m in resumed.context["messages"]]
    assert said[-1] == f"Tiếp tục xử lý; hạn xử lý vẫn là {timezone.localtime(due):%d/%m/%Y %H:%M}."
    r = client.post(f"/xu-ly/{report.code}/gop/", {"into": report.code})
    assert r.status_code == 400 and field_error(r.content.decode(), "merge-into")
    assert (
        client.post(f"/xu-ly/{report.code}/gop/", {"into": master.code.lower(), "confirm": "yes"}).status_code
        == 302
    )
    report.refresh_from_db()
    assert report.duplicate_of == master and report.status == "rejected"
    assert client.post(f"/xu-ly/{report.code}/tach/").status_code == 302
    report.refresh_from_db()
    assert report.duplicate_of is None and report.status == "received"


def test_pause_resume_merge_unmerge_from_a_stale_page_are_refused(client, personas, categories):
    """Each case move sends the version the officer saw, as the workflow moves do: a colleague's change
    since then is a conflict said on the page, and nothing is done."""
    report, master = submit(), submit(description="Ổ gà, báo trước")
    client.force_login(personas.head)
    page = client.get(f"/xu-ly/{report.code}/").content.decode()
    for action in ("tam-dung", "gop"):  # the page's forms carry the version
        form = re.search(rf'action="/xu-ly/{report.code}/{action}/"[^>]*>(.*?)</form>', page, re.S)
        assert form and f'name="version" value="{report.version}"' in form.group(1), action
    stale = report.version
    report_transition(
        user=personas.head, code=report.code, action="assign", version=stale, assignee="officer"
    )

    def refused(path: str, data: dict) -> str:
        r = client.post(f"/xu-ly/{report.code}/{path}/", {**data, "version": stale})
        assert r.status_code == 409, (path, r.status_code)
        return r.content.decode()

    assert "tải lại trang" in refused("tam-dung", {"note": "Cần ảnh"})
    refused("gop", {"into": master.code})
    report.refresh_from_db()
    assert report.paused_at is None and report.duplicate_of is None
    fresh = report.version
    assert (
        client.post(f"/xu-ly/{report.code}/tam-dung/", {"note": "Cần ảnh", "version": fresh}).status_code
        == 302
    )
    stale = fresh
    report.refresh_from_db()
    refused("tiep-tuc", {})
    report.refresh_from_db()
    assert report.paused_at is not None
    assert client.post(f"/xu-ly/{report.code}/tiep-tuc/", {"version": report.version}).status_code == 302
    report.refresh_from_db()
    assert (
        client.post(
            f"/xu-ly/{report.code}/gop/", {"into": master.code, "version": report.version, "confirm": "yes"}
        ).status_code
        == 302
    )
    stale = report.version
    report.refresh_from_db()
    Report.objects.filter(pk=report.pk).update(version=stale + 1)  # a colleague's move meanwhile
    refused("tach", {})
    report.refresh_from_db()
    assert report.duplicate_of == master


# --- Navigation -------------------------------------------------------------------------------------


def test_header_links(client, personas):
    html = client.get("/").content.decode()
    assert 'href="/phan-anh/moi/"' in html and 'href="/xu-ly/"' not in html
    client.force_login(personas.officer)
    assert 'href="/xu-ly/"' in client.get("/").content.decode()
    client.force_login(personas.citizen)
    assert 'href="/xu-ly/"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("typed", "stored"), [("40,5", 40.5), ("12", 12.0), ("1.500", 1500.0), (" 7.25 ", 7.25)]
)
def test_a_number_answer_is_read_the_vietnamese_way(client, categories, typed, stored):
    r = post_form(client, a_road_damage__depth_cm=typed)
    assert r.status_code == 302, r.content.decode()[:500]
    assert Report.objects.get().answers == {"depth_cm": stored}


def test_answers_read_as_questions_by_the_unit_and_the_reporter_only(client, personas, categories):
    report = submit(answers={"depth_cm": "40,5"})
    client.force_login(personas.head)
    page = client.get(f"/xu-ly/{report.code}/").content.decode()
    answers = re.search(r'data-testid="answers">(.*?)</dl>', page, re.S).group(1)
    assert "<dt>Độ sâu (cm)</dt><dd>40,5</dd>" in answers  # the question, not its code "depth_cm"
    client.logout()
    mine = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert "<dt>Độ sâu (cm)</dt><dd>40,5</dd>" in mine
    assert 'data-testid="answers"' not in client.get(f"/tra-cuu/{report.code}/").content.decode()
