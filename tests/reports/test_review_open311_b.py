"""Open311 review fixes: text encodings, hidden contacts, spam and lower-case ids, value types and number
bounds, photos (`media`), `updated_datetime` after a public note, the api_key kept out of logs, CORS,
keywords said once."""

import io
import json
import logging
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from citydesk.core.audit import Actor
from citydesk.core.models import ServiceCategory
from citydesk.logs import JsonFormatter
from citydesk.reports.models import Attachment, Report, ReportEvent
from citydesk.reports.open311 import _iso, open311_client_create
from citydesk.reports.services import report_note, report_transition

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def api_key(personas):
    return open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]


def fields(key, **overrides):
    data = {
        "api_key": key,
        "service_code": "road_damage",
        "description": "Ổ gà lớn trước chợ Bến Thành",
        "lat": BEN_THANH[1],
        "long": BEN_THANH[0],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, key, **overrides):
    return client.post(f"{BASE}/requests.json", urlencode(fields(key, **overrides)), content_type=FORM)


def error_of(response):
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == response.status_code, body
    return body[0]["description"]


def png(name="anh.png"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


# --- 1. Text encodings ----------------------------------------------------------------------------


def test_latin1_bytes_without_a_charset_are_refused_naming_the_field(client, categories, api_key):
    body = urlencode(fields(api_key, description=None)) + "&description=R%E1c%20th%E1i%20h%E1"
    response = client.post(f"{BASE}/requests.json", body, content_type=FORM)
    assert response.status_code == 400
    assert error_of(response).startswith("description:") and "UTF-8" in error_of(response)
    assert not Report.objects.exists()
    xml = client.post(f"{BASE}/requests.xml", body, content_type=FORM)
    assert xml.status_code == 400 and b"<errors><error><code>400</code>" in xml.content


@pytest.mark.parametrize(
    ("charset", "raw", "stored"),
    [
        ("windows-1258", "R%E1c%20tha%D2i%20h%E1", "Rác thải há"),  # cp1258: "ả" is "a" + a combining hook
        ("ISO-8859-1", "R%E1c%20th%E1i", "Rác thái"),
    ],
)
def test_a_declared_charset_is_decoded_and_normalised(client, categories, api_key, charset, raw, stored):
    body = urlencode(fields(api_key, description=None)) + f"&description={raw}"
    response = client.post(f"{BASE}/requests.json", body, content_type=f"{FORM}; charset={charset}")
    assert response.status_code == 201, response.content
    assert Report.objects.get().description == stored  # NFC: one code point per letter


def test_a_declared_charset_cannot_hide_bytes_it_does_not_have(client, categories, api_key):
    # 0x81 is no character in windows-1258: the answer is the error list, never Django's HTML page.
    body = urlencode(fields(api_key, description=None)) + "&description=a%81"
    response = client.post(f"{BASE}/requests.json", body, content_type=f"{FORM}; charset=windows-1258")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert error_of(response).startswith("description:")


def test_multipart_with_undecodable_text_is_refused(client, categories, api_key):
    boundary = "XyZ"
    parts = [(k, str(v).encode()) for k, v in fields(api_key, description=None).items()]
    parts.append(("description", b"R\xe1c"))
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v + b"\r\n"
            for k, v in parts
        )
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"{BASE}/requests.json", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400 and error_of(response).startswith("description:")


# --- 2. Contacts hidden in every public field -----------------------------------------------------


def test_contacts_in_the_address_and_status_notes_are_hidden(client, categories, personas):
    report = submit_report(address="Hẻm 5 Lê Lợi (nhà chị Lan, SĐT 0987654321)")
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(
        user=personas.officer,
        code=report.code,
        action="resolve",
        resolution="Đã vá; liên hệ anh Tú 0912 345 678 hoặc tu@example.vn",
    )
    rejected = submit_report(description="Đèn của điện lực")
    report_transition(
        user=personas.head,
        code=rejected.code,
        action="reject",
        reason="out_of_scope",
        note="Gọi điện lực 0283 822 1234",
    )
    for url in (f"{BASE}/requests.json", f"{BASE}/requests.xml", f"{BASE}/requests/{report.code}.json"):
        text = client.get(url).content.decode()
        assert "Hẻm 5 Lê Lợi" in text and "Đã vá" in text, url
        for secret in ("0987654321", "345 678", "tu@example.vn", "822 1234"):
            assert secret not in text, (url, secret)


# --- 3 and 4. Spam, lower-case ids ----------------------------------------------------------------


def test_a_spam_report_is_unknown_to_the_token_lookup_too(client, categories, personas):
    spam = submit_report(description="Quảng cáo")
    report_transition(user=personas.head, code=spam.code, action="reject", reason="spam", note="Rác")
    assert client.get(f"{BASE}/requests/{spam.code}.json").status_code == 404
    response = client.get(f"{BASE}/tokens/{spam.code}.json")
    assert response.status_code == 404 and spam.code not in error_of(response).split(":", 1)[0]


def test_lower_case_ids_are_accepted(client, categories):
    report = submit_report()
    lower = report.code.lower()
    [item] = client.get(f"{BASE}/requests/{lower}.json").json()
    assert item["service_request_id"] == report.code
    [token] = client.get(f"{BASE}/tokens/{lower}.json").json()
    assert token["service_request_id"] == report.code
    found = client.get(f"{BASE}/requests.json", {"service_request_id": lower}).json()
    assert [i["service_request_id"] for i in found] == [report.code]


# --- 5. Value types and numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": {"a": 1}}, "description"),
        ({"address_string": ["a", "b"]}, "address_string"),
        ({"attribute": {"depth_cm": [1]}}, "attribute[depth_cm]"),
        ({"attribute[depth_cm]": {"v": 1}}, "attribute[depth_cm]"),
    ],
)
def test_json_objects_and_lists_are_not_texts(client, categories, api_key, body, field):
    data = fields(api_key) | body
    response = client.post(f"{BASE}/requests.json", json.dumps(data), content_type="application/json")
    assert response.status_code == 400 and error_of(response).startswith(f"{field}:")
    assert not Report.objects.exists()


@pytest.mark.parametrize("value", ["1e308", "-5", "1000001", "-0.5"])
def test_numbers_out_of_range_are_refused_with_the_limit(client, categories, api_key, value):
    response = client.post(
        f"{BASE}/requests.json?locale=en",
        urlencode(fields(api_key, **{"attribute[depth_cm]": value})),
        content_type=FORM,
    )
    assert response.status_code == 400
    assert error_of(response) == "attribute[depth_cm]: “Depth (cm)” must be a number from 0 to 1,000,000."
    assert not Report.objects.exists()


@pytest.mark.parametrize(("value", "stored"), [("0", 0.0), ("1000000", 1_000_000.0), ("12,5", 12.5)])
def test_numbers_in_range_are_taken(client, categories, api_key, value, stored):
    assert post(client, api_key, **{"attribute[depth_cm]": value}).status_code == 201
    assert Report.objects.get().answers == {"depth_cm": stored}


# --- 6. Photos --------------------------------------------------------------------------------------


def test_a_media_file_becomes_the_public_photo(client, categories, api_key, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.post(f"{BASE}/requests.json", fields(api_key) | {"media": png()})
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    attachment = Attachment.objects.get(report=report)
    assert attachment.public and attachment.public_file
    [item] = client.get(f"{BASE}/requests/{report.code}.json").json()
    assert item["media_url"] == (
        f"http://testserver/api/v1/reports/{report.code}/attachments/{attachment.pk}/public"
    )
    assert client.get(item["media_url"].removeprefix("http://testserver")).status_code == 200


def test_a_media_file_that_is_no_photo_is_refused(client, categories, api_key, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bad = SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
    response = client.post(f"{BASE}/requests.json", fields(api_key) | {"media": bad})
    assert response.status_code == 400 and error_of(response).startswith("media:")
    assert not Report.objects.exists()


def test_a_file_under_another_name_is_not_dropped_silently(client, categories, api_key, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.post(f"{BASE}/requests.json", fields(api_key) | {"photo": png()})
    assert response.status_code == 400 and error_of(response).startswith("photo:")
    assert not Report.objects.exists()


def test_a_replayed_request_does_not_add_its_photo_twice(client, categories, api_key, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    headers = {"Idempotency-Key": "k-1"}
    first = client.post(f"{BASE}/requests.json", fields(api_key) | {"media": png()}, headers=headers)
    again = client.post(f"{BASE}/requests.json", fields(api_key) | {"media": png()}, headers=headers)
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.count() == 1


def test_a_photo_the_city_takes_no_room_for_is_refused_before_anything_is_stored(
    client, categories, api_key, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYDESK_MAX_ATTACHMENTS = 0
    response = client.post(f"{BASE}/requests.json", fields(api_key) | {"media": png()})
    assert response.status_code == 400 and error_of(response).startswith("media:")
    assert not Report.objects.exists()


def test_a_photo_lost_on_the_first_request_is_added_by_its_retry(
    client, categories, api_key, settings, tmp_path, monkeypatch
):
    """Storing the photo failed after the report was stored (a full disk): the report stands (201), and the
    client's retry with the same Idempotency-Key adds the photo instead of replaying without it."""
    from citydesk.reports import open311

    settings.MEDIA_ROOT = tmp_path
    headers = {"Idempotency-Key": "k-2"}
    real = open311.attachment_add

    def full_disk(**kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(open311, "attachment_add", full_disk)
    first = client.post(f"{BASE}/requests.json", fields(api_key) | {"media": png()}, headers=headers)
    assert first.status_code == 201 and not Attachment.objects.exists()
    monkeypatch.setattr(open311, "attachment_add", real)
    again = client.post(f"{BASE}/requests.json", fields(api_key) | {"media": png()}, headers=headers)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1 and Attachment.objects.count() == 1


# --- 7. updated_datetime --------------------------------------------------------------------------


def test_a_public_note_moves_updated_datetime(client, categories, personas):
    day = timezone.now().replace(microsecond=0) - timedelta(days=3)
    report = submit_report()
    Report.objects.filter(pk=report.pk).update(created_at=day, updated_at=day)
    ReportEvent.objects.filter(report=report).update(at=day)

    def noted(public: bool, when) -> str:
        event = report_note(user=personas.officer, code=report.code, text="Đội sẽ đến.", public=public)
        ReportEvent.objects.filter(pk=event.pk).update(at=when)
        [item] = client.get(f"{BASE}/requests.json").json()
        [same] = client.get(f"{BASE}/requests/{report.code}.json").json()
        assert item["updated_datetime"] == same["updated_datetime"]
        return item["updated_datetime"]

    assert noted(False, day + timedelta(hours=1)) == _iso(day)  # an internal note is not news
    assert noted(True, day + timedelta(hours=2)) == _iso(day + timedelta(hours=2))


def test_the_list_keeps_its_query_count_with_notes(client, categories, personas):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{BASE}/requests.json").status_code == 200
        return len(queries)

    def add(n: int) -> None:
        for i in range(n):
            report = submit_report(description=f"Ổ gà số {i}")
            report_note(user=personas.officer, code=report.code, text="Đã tiếp nhận", public=True)

    add(2)
    few = count()
    add(6)
    assert count() == few


# --- 8. The api_key in the query string -----------------------------------------------------------


def test_the_api_key_in_the_query_string_is_never_logged(client, categories, api_key, caplog):
    secret = api_key
    raw = f"/open311/v2/requests.json?locale=vi&api_key={secret}"
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post(
            f"{BASE}/requests.json?locale=vi&api_key={secret}",
            urlencode(fields(None, service_code="nope")),
            content_type=FORM,
            RAW_URI=raw,
            REQUEST_URI=raw,
        )
    assert response.status_code == 400  # the key in the query string was read: the service is at fault
    environ = response.wsgi_request.META  # what gunicorn's access log is written from
    for name in ("QUERY_STRING", "RAW_URI", "REQUEST_URI"):
        assert secret not in environ[name] and "api_key=" in environ[name], name
    assert "locale=vi" in environ["QUERY_STRING"]
    logged = [JsonFormatter().format(r) for r in caplog.records]
    assert logged and not [line for line in logged if secret in line]


# --- 9. CORS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["discovery.json", "services.xml", "requests.json", "requests/PA-26-000001.json", "tokens/x.json"]
)
def test_reading_calls_allow_any_origin(client, categories, path):
    response = client.get(f"{BASE}/{path}", headers={"Origin": "https://app.example.vn"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_for_a_post_is_answered(client, categories, api_key):
    response = client.options(
        f"{BASE}/requests.json",
        headers={
            "Origin": "https://app.example.vn",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    created = post(client, api_key)
    assert created.status_code == 201 and created["Access-Control-Allow-Origin"] == "*"


# --- 10. Keywords -----------------------------------------------------------------------------------


def test_keywords_say_each_term_once(client, categories):
    ServiceCategory.objects.create(
        code="public_order",
        domain="report",
        name="Trật tự đô thị, lấn chiếm vỉa hè",
        name_en="Public order, pavement encroachment",
        handled_by="ward",
        working_days=5,
    )
    services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json()}
    terms = services["public_order"]["keywords"].split(", ")
    assert terms == ["public order", "trat tu do thi", "lan chiem via he", "pavement encroachment"]
