"""Integrators' findings: e-mail intake (signatures, coordinates, the pipe's environment, refusals answered
once, exit codes), the REST API's Idempotency-Key and replays, Open311's unknown service, joined messages
and the 401's WWW-Authenticate. Each test failed on the code before the fix."""

from __future__ import annotations

import json
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from citydesk.api import api
from citydesk.core.errors import DomainError
from citydesk.notifications.models import Notification
from citydesk.reports.email_intake import parse, receive
from citydesk.reports.models import Open311Client, Report
from citydesk.reports.open311 import hash_key
from tests.dossiers.conftest import catalog  # noqa: F401  (the dossier tests' procedures)
from tests.dossiers.test_api import body as dossier_body
from tests.dossiers.test_api import online_form, post_json

from .conftest import BEN_THANH

pytestmark = pytest.mark.django_db

SIGNED = (
    "Ổ gà rất sâu, xe máy dễ ngã.\n"
    "Tọa độ: 10.7714, 106.6946\n"
    "-- \n"
    "Phạm Thu Hà\n"
    "ĐT: 0987 654 321\n"
    "Nhà riêng: 18/4 Nguyễn Trãi\n"
    "Sent from my iPhone\n"
)


def _mail(
    body: str,
    *,
    subject: str = "[road_damage] Ổ gà trước chợ Bến Thành",
    message_id: str = "<sig@example.vn>",
    sender: str = "Phạm Thu Hà <ha@example.vn>",
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "1022@hochiminhcity.gov.vn"
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


# --- 1. The sender's signature is never published ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        SIGNED,
        "Ổ gà rất sâu, xe máy dễ ngã.\nTọa độ: 10.7714, 106.6946\n\nTrân trọng,\nNguyễn Văn An\n"
        "ĐT: 0987 654 321\nNhà riêng: 18/4 Nguyễn Trãi\n",
        "Ổ gà rất sâu, xe máy dễ ngã.\nTọa độ: 10.7714, 106.6946\nXin cảm ơn!\nNguyễn Văn An\n\n"
        "Gửi từ iPhone của tôi\n",
        "Ổ gà rất sâu, xe máy dễ ngã.\nTọa độ: 10.7714, 106.6946\nBest regards,\nAn Nguyen\n"
        "Sent from my Android phone\n",
    ],
)
def test_the_signature_stays_out_of_the_public_description(personas, categories, body):
    result = receive(_mail(body))
    assert result.created
    assert (
        " ".join(result.report.description.split()) == "Ổ gà trước chợ Bến Thành Ổ gà rất sâu, xe máy dễ ngã."
    )
    report = result.report
    public = Client().get(f"/api/v1/reports/{report.code}").json()
    for private in ("0987", "Nguyễn Trãi", "Phạm Thu Hà", "Nguyễn Văn An", "iPhone", "Android", "Trân trọng"):
        assert private not in public["description"]
        assert private not in json.dumps(public, ensure_ascii=False)


def test_a_phone_labelled_in_the_signature_is_the_private_contact(personas, categories):
    body = "Ổ gà rất sâu.\nTọa độ: 10.7714, 106.6946\nTrân trọng,\nPhạm Thu Hà\nĐiện thoại: 0987 654 321\n"
    report = receive(_mail(body)).report
    assert " ".join(report.description.split()) == "Ổ gà trước chợ Bến Thành Ổ gà rất sâu."
    assert report.contact_phone.replace(" ", "") == "0987654321"
    assert "0987" not in Client().get(f"/api/v1/reports/{report.code}").content.decode()


def test_a_home_address_in_the_signature_is_not_the_problems_place(personas, categories):
    body = "Ổ gà rất sâu.\nTọa độ: 10.7714, 106.6946\n-- \nPhạm Thu Hà\nĐịa chỉ: 18/4 Nguyễn Trãi, Quận 5\n"
    parsed = parse(_mail(body))
    assert parsed.address == "" and (parsed.lat, parsed.lon) == (10.7714, 106.6946)
    assert "Nguyễn Trãi" not in parsed.description


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        # The place under a "Cảm ơn!" is the report's, not a signature.
        ("Ổ gà rất sâu.\nCảm ơn!\nĐịa chỉ: 12 Lê Lợi\nPhường/xã: Bến Thành\n", "Cảm ơn!"),
        # A sentence that starts like a closing word is content.
        ("Thân cây đổ chắn ngang đường\nTọa độ: 10.7714, 106.6946\n", "Thân cây đổ chắn ngang đường"),
        ("Ổ gà.\nCảm ơn các anh chị đã xử lý sớm giúp bà con trong khu phố này nhé\n", "Cảm ơn các anh chị"),
        # A closing word followed by a sentence is no signature block.
        ("Ổ gà.\nCảm ơn.\nMong sớm xử lý.\n", "Mong sớm xử lý."),
        # Too long a block to be a signature.
        ("Ổ gà.\nTrân trọng,\nAn\nmột\nhai\nba\nbốn\nnăm\nsáu\n", "sáu"),
    ],
)
def test_only_a_short_closing_block_at_the_very_end_is_left_out(body, kept):
    parsed = parse(_mail(body))
    assert kept in parsed.description
    if "Địa chỉ" in body:
        assert parsed.address == "12 Lê Lợi" and parsed.ward_code == "Bến Thành"


# --- 3. Coordinates written the Vietnamese way -----------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["10.7714, 106.6946", "10,7714, 106,6946", "10,7714; 106,6946", "10.7714 106.6946", "106,6946, 10,7714"],
)
def test_coordinates_with_decimal_commas_or_a_space(written):
    parsed = parse(_mail(f"Ổ gà rất sâu.\nTọa độ: {written}\n"))
    assert (parsed.lat, parsed.lon) == (10.7714, 106.6946)
    assert "Tọa độ" not in parsed.description and not parsed.unread_coords


def test_unreadable_coordinates_are_kept_and_the_acknowledgement_says_so(personas, categories):
    body = "Ổ gà rất sâu. Tọa độ: 10 độ 46 phút bắc\nĐịa chỉ: 12 Lê Lợi\nPhường/xã: Bến Thành\n"
    result = receive(_mail(body))
    assert result.created and result.report.lon is None
    assert "Tọa độ: 10 độ 46 phút bắc" in result.report.description
    ack = Notification.objects.get(address="ha@example.vn")
    assert result.report.code in ack.subject and "10 độ 46 phút bắc" in ack.body
    assert "Tọa độ: 10.7714, 106.6946" in ack.body  # how to write them


def test_unreadable_coordinates_without_an_address_are_the_refusals_reason(personas, categories):
    with pytest.raises(DomainError):
        receive(_mail("Ổ gà rất sâu.\nTọa độ: gần chợ Bến Thành 10.77\n"))
    assert not Report.objects.exists()
    answer = Notification.objects.get(address="ha@example.vn")
    assert "gần chợ Bến Thành 10.77" in answer.body


# --- 4. The pipe's environment ----------------------------------------------------------------------------


def test_the_command_warns_when_the_public_url_is_local(personas, categories, tmp_path, capsys, settings):
    path = tmp_path / "m.eml"
    path.write_bytes(_mail(SIGNED))
    settings.CITYDESK_PUBLIC_URL = "http://127.0.0.1:8000"
    call_command("ingest-email", str(path))
    captured = capsys.readouterr()
    assert "CITYDESK_PUBLIC_URL" in captured.err and "http://127.0.0.1:8000" in captured.err
    assert "CITYDESK_PUBLIC_URL" not in captured.out
    settings.CITYDESK_PUBLIC_URL = "https://citydesk.example.gov.vn"
    call_command("ingest-email", str(path))
    assert "CITYDESK_PUBLIC_URL" not in capsys.readouterr().err


# --- 5. Refusals answered once, exit codes for a mail pipe -----------------------------------------------


def test_a_refused_message_is_answered_once_and_exits_0(personas, categories, tmp_path, capsys):
    path = tmp_path / "m.eml"
    path.write_bytes(_mail("Ổ gà rất sâu.\nĐịa chỉ: 12 Lê Lợi\n", subject="Ổ gà", message_id="<nocat@x>"))
    call_command("ingest-email", str(path))  # no CommandError: exit 0
    first = capsys.readouterr().out
    assert "ha@example.vn" in first
    assert Notification.objects.filter(address="ha@example.vn").count() == 1
    for _delivery in range(2):  # the mail server delivers it again
        call_command("ingest-email", str(path))
    again = capsys.readouterr().out
    assert again and again != first
    assert Notification.objects.filter(address="ha@example.vn").count() == 1
    assert not Report.objects.exists()
    # Accepted later (the operator gives the category): the report is made all the same.
    call_command("ingest-email", str(path), "--default-category", "road_damage")
    assert Report.objects.get().category.code == "road_damage"


def test_another_refused_message_of_the_same_sender_is_answered(personas, categories):
    for message_id in ("<a@x>", "<b@x>"):
        with pytest.raises(DomainError):
            receive(_mail("Ổ gà.", subject="Ổ gà", message_id=message_id))
    assert Notification.objects.filter(address="ha@example.vn").count() == 2


def test_messages_without_a_message_id_are_told_apart_by_their_content(personas, categories):
    from citydesk.reports.models import RefusedEmail

    first, second = (
        _mail("Ổ gà.", subject="Ổ gà", message_id=""),
        _mail("Cây đổ.", subject="Cây", message_id=""),
    )
    for raw in (first, second, first):
        with pytest.raises(DomainError):
            receive(raw)
    assert Notification.objects.filter(address="ha@example.vn").count() == 2  # each answered, once
    assert RefusedEmail.objects.count() == 2
    assert all(
        r.sender == "ha@example.vn" and r.reference.startswith("TH-") for r in RefusedEmail.objects.all()
    )


def test_a_message_nobody_can_be_told_about_exits_2(personas, categories, tmp_path):
    path = tmp_path / "auto.eml"
    path.write_bytes(_mail("Tôi đang đi vắng.", subject="Ổ gà", headers={"Auto-Submitted": "auto-replied"}))
    with pytest.raises(CommandError) as err:
        call_command("ingest-email", str(path))
    assert err.value.returncode == 2 and not Notification.objects.exists()


# --- 2. Idempotency-Key of the REST API -----------------------------------------------------------------


REPORT = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước số 12 Lê Lợi",
    "lon": BEN_THANH[0],
    "lat": BEN_THANH[1],
    "contact_email": "dan@example.vn",
}


def _post_report(client: Client, key: str, body: dict | None = None):
    return client.post(
        "/api/v1/reports",
        json.dumps(body or REPORT),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_key_over_120_characters_is_refused_not_cut(personas, categories):
    client = Client()
    assert _post_report(client, "k" * 120).status_code == 201
    long_key = "k" * 120 + "-other"
    r = _post_report(client, long_key, REPORT | {"contact_email": "khac@example.vn"})
    assert r.status_code == 400 and r.json()["field"] == "Idempotency-Key", r.content
    assert "citizen_token" not in r.json() and Report.objects.count() == 1
    nul = _post_report(client, "a\x00b")
    assert nul.status_code == 400 and nul.json()["field"] == "Idempotency-Key"


def test_a_replayed_report_says_so_in_a_header(personas, categories):
    client = Client()
    first = _post_report(client, "retry-1")
    again = _post_report(client, "retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_replayed_dossier_says_so_in_a_header(personas, catalog, bearer, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    headers = {**bearer(personas.officer), "HTTP_IDEMPOTENCY_KEY": "d-1"}
    first = post_json(client, "/api/v1/dossiers", dossier_body(catalog, personas), **headers)
    again = post_json(client, "/api/v1/dossiers", dossier_body(catalog, personas), **headers)
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert "Idempotent-Replayed" not in first.headers and again.headers["Idempotent-Replayed"] == "true"
    online = [
        client.post("/api/v1/dossiers/online", online_form(catalog, personas), HTTP_IDEMPOTENCY_KEY="o-1")
        for _ in range(2)
    ]
    assert [r.status_code for r in online] == [201, 200]
    assert (
        "Idempotent-Replayed" not in online[0].headers and online[1].headers["Idempotent-Replayed"] == "true"
    )


def test_the_openapi_document_declares_the_idempotency_header():
    paths = api.get_openapi_schema()["paths"]
    for path in ("/api/v1/reports", "/api/v1/dossiers", "/api/v1/dossiers/online"):
        operation = paths[path]["post"]
        header = [
            p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"
        ]
        assert len(header) == 1 and header[0]["schema"]["maxLength"] == 120 and not header[0]["required"]
        replay = operation["responses"].get(200) or operation["responses"]["200"]
        assert "Idempotent-Replayed" in replay["headers"]
    assert not any(
        p.get("name") == "Idempotency-Key"
        for p in paths["/api/v1/reports/{code}"]["get"].get("parameters", [])
    )


# --- 7. Wording --------------------------------------------------------------------------------------------


def test_open311_says_an_unknown_service_alike_on_get_and_post(personas, categories):
    key = "o311_abcd_secret"
    Open311Client.objects.create(name="Ứng dụng", prefix="abcd", key_hash=hash_key(key))
    client = Client()
    read = client.get("/open311/v2/services/nope.json")
    posted = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "nope",
            "lat": BEN_THANH[1],
            "long": BEN_THANH[0],
            "description": "x",
        },
    )
    assert read.status_code == 404 and posted.status_code == 400, posted.content
    said_on_get = read.json()[0]["description"]
    said_on_post = [e["description"] for e in posted.json() if e["description"].startswith("service_code")]
    assert said_on_post == [said_on_get]


def test_several_refusals_read_as_sentences(personas, categories):
    r = Client().post(
        "/api/v1/reports",
        json.dumps({"category": "nope", "description": "", "lon": BEN_THANH[0], "lat": BEN_THANH[1]}),
        content_type="application/json",
    )
    assert r.status_code == 400 and len(r.json()["errors"]) >= 2, r.content
    detail = r.json()["detail"]
    assert "; " not in detail
    messages = [e["message"] for e in r.json()["errors"]]
    assert detail == " ".join(m if m.endswith((".", "!", "?", "…")) else f"{m}." for m in messages)


def test_a_401_names_the_bearer_scheme(personas):
    r = Client().get("/api/v1/me")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    bad = Client().post(
        "/api/v1/reports",
        json.dumps(REPORT),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer nope",
    )
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"].startswith("Bearer")
    assert "WWW-Authenticate" not in Client().get("/api/v1/categories").headers


def test_a_place_in_words_under_a_location_label_is_kept_without_a_warning():
    parsed = parse(_mail("Ổ gà rất sâu.\nVị trí: trước cổng chợ Bến Thành\nĐịa chỉ: 12 Lê Lợi\n"))
    assert "Vị trí: trước cổng chợ Bến Thành" in parsed.description and parsed.unread_coords == ""
