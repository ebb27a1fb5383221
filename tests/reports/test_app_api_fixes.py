"""The REST API as the citizen app uses it (review of /api/v1): limits on anonymous intake, the reporter's
own files, retries of answers and photos, finished reports, the account's contact, and follows."""

from __future__ import annotations

import io
import itertools
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from citydesk.api import api
from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError
from citydesk.core.models import AuditEntry, Membership
from citydesk.notifications.models import Notification
from citydesk.reports.attachments import attachment_add
from citydesk.reports.models import Attachment, Follower, IdempotencyKey, Report, ReportEvent, Status
from citydesk.reports.services import report_reply, report_submit
from citydesk.reports.services.intake import ReportsLimited

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db

BODY = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước số 12 Lê Lợi",
    "lon": BEN_THANH[0],
    "lat": BEN_THANH[1],
}
# The counts are rows of the test's own database; each post comes from an address of its own all the
# same, so that a test of another finding never meets a limit.
_ADDRESSES = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture
def address() -> str:
    return next(_ADDRESSES)


def post(client: Client, body: dict | None = None, **headers):
    headers.setdefault("REMOTE_ADDR", next(_ADDRESSES))
    return client.post(
        "/api/v1/reports",
        json.dumps(BODY if body is None else body),
        content_type="application/json",
        **headers,
    )


def png(name: str = "a.png", colour: tuple[int, int, int] = (200, 30, 30)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def pdf(name: str = "giay-to.pdf") -> io.BytesIO:
    buffer = io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    buffer.name = name
    return buffer


def uploaded(buffer: io.BytesIO) -> SimpleUploadedFile:
    return SimpleUploadedFile(buffer.name, buffer.getvalue(), content_type="image/png")


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


# --- 1. Limits on reports from one network address, and on acknowledgements to one contact ---------


def test_reports_from_one_network_address_are_limited(client, categories, settings, address):
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 3
    for _ in range(3):
        assert post(client, REMOTE_ADDR=address).status_code == 201
    sent = Notification.objects.count()
    refused = post(client, BODY | {"contact_phone": "0901234567"}, REMOTE_ADDR=address)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "3" in refused.json()["detail"] and "1022" in refused.json()["detail"]
    assert Report.objects.count() == 3 and Notification.objects.count() == sent  # nothing stored or sent
    english = post(client, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert english.startswith("Too many reports were sent from this network address: at most 3 an hour.")
    assert post(client, REMOTE_ADDR=next(_ADDRESSES)).status_code == 201  # another address is not held


def test_an_ipv6_subscriber_is_counted_by_its_network(client, categories, settings):
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 2
    assert post(client, REMOTE_ADDR="2001:db8:77:1::1").status_code == 201
    assert post(client, REMOTE_ADDR="2001:db8:77:1:ffff::2").status_code == 201
    assert post(client, REMOTE_ADDR="2001:db8:77:1::abcd").status_code == 429  # the same /64
    assert post(client, REMOTE_ADDR="2001:db8:77:2::1").status_code == 201


def test_a_citizens_account_is_counted_and_staff_are_not(
    client, personas, categories, settings, bearer, address
):
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 1
    citizen = bearer(personas.citizen)
    assert post(client, REMOTE_ADDR=address, **citizen).status_code == 201
    assert post(client, REMOTE_ADDR=address, **citizen).status_code == 429
    caller = BODY | {"channel": "hotline", "contact_phone": "0901234567"}
    for _ in range(3):  # the hotline enters callers' reports, the officer their own
        assert post(client, caller, REMOTE_ADDR=address, **bearer(personas.operator)).status_code == 201
        assert post(client, REMOTE_ADDR=address, **bearer(personas.officer)).status_code == 201


def test_a_retry_is_not_a_new_report_and_is_neither_counted_nor_refused(
    client, categories, settings, address
):
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 1
    first = post(client, REMOTE_ADDR=address, HTTP_IDEMPOTENCY_KEY="k-limit")
    assert first.status_code == 201
    again = post(client, REMOTE_ADDR=address, HTTP_IDEMPOTENCY_KEY="k-limit")
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    assert post(client, REMOTE_ADDR=address).status_code == 429


def test_the_limit_is_the_intake_services_for_every_channel_that_gives_the_address(
    personas, categories, settings
):
    """The web form and Open311 file through the same service: given the caller's address, it limits
    them too (each view passes `network_address`)."""
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 1
    where = next(_ADDRESSES)
    submit_report(channel="web", network_address=where)
    with pytest.raises(ReportsLimited) as limited:
        submit_report(channel="open311", network_address=where)
    assert limited.value.status == 429 and 0 < limited.value.retry_after <= 3600
    submit_report(channel="web")  # no address given (e-mail, seeds): nothing counted


def test_the_counts_keep_no_address_and_a_refused_report_is_not_counted(client, categories, settings):
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 1
    where = "203.0.113.77"
    bad = post(client, BODY | {"description": ""}, REMOTE_ADDR=where)
    assert bad.status_code == 400  # refused for its input: not counted
    assert post(client, BODY | {"contact_phone": "0912000333"}, REMOTE_ADDR=where).status_code == 201
    scopes = " ".join(IdempotencyKey.objects.values_list("scope", flat=True))
    assert scopes.count("report-address:") == 1 and scopes.count("report-ack:") == 1
    assert where not in scopes and "0912000333" not in scopes and "912000333" not in scopes
    assert post(client, REMOTE_ADDR=where).status_code == 429


def test_the_openapi_document_lists_the_429_and_its_header(client):
    responses = api.get_openapi_schema()["paths"]["/api/v1/reports"]["post"]["responses"]
    assert "Retry-After" in responses[429]["headers"]
    description = api.get_openapi_schema()["paths"]["/api/v1/reports"]["post"]["description"]
    assert "CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR" in description


def test_a_contact_gets_a_few_acknowledgements_a_day_then_none(client, categories, settings):
    settings.CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY = 2
    victim = {"contact_phone": "0912 000 111"}
    answers = [post(client, BODY | victim) for _ in range(2)]
    assert all(a.status_code == 201 and a.json()["acknowledged"] for a in answers)
    # Written another way, the same number; the report is still taken, nothing is sent there.
    third = post(client, BODY | {"contact_phone": "+84912000111"})
    assert third.status_code == 201 and third.json()["acknowledged"] is False
    assert Notification.objects.filter(address="0912000111").count() == 2
    report = Report.objects.get(code=third.json()["code"])
    assert report.contact_phone == "0912000111" and not report.followers.exists()  # no updates either
    # The unit still sees whom to call.
    assert third.json()["contact_phone"] == "0912000111"
    # E-mail addresses are counted without their case.
    for n in range(2):
        assert post(client, BODY | {"contact_email": f"{'AN' if n else 'an'}@example.vn"}).json()[
            "acknowledged"
        ]
    assert post(client, BODY | {"contact_email": "An@Example.vn"}).json()["acknowledged"] is False


def test_an_account_or_the_hotline_is_not_held_to_the_contacts_limit(
    client, personas, categories, settings, bearer
):
    settings.CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY = 1
    caller = BODY | {"channel": "hotline", "contact_phone": "0912000222"}
    for _ in range(2):
        assert post(client, caller, **bearer(personas.operator)).status_code == 201
    assert Notification.objects.filter(address="0912000222").count() == 2
    # An account's own address is verified: not counted.
    own = personas.citizen.email or "citizen.own@example.vn"
    type(personas.citizen).objects.filter(pk=personas.citizen.pk).update(email=own)
    for _ in range(2):
        answer = post(client, BODY | {"contact_email": own}, **bearer(personas.citizen))
        assert answer.json()["acknowledged"] is True
    assert Notification.objects.filter(address=own).count() == 2


def test_an_account_giving_someone_elses_address_is_held_to_the_contacts_limit(
    client, personas, categories, settings, bearer
):
    """One verified account must not flood a stranger's mailbox: the address it gives is counted."""
    settings.CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY = 2
    for _ in range(4):
        assert (
            post(
                client, BODY | {"contact_email": "victim@example.vn"}, **bearer(personas.citizen)
            ).status_code
            == 201
        )
    assert Notification.objects.filter(address="victim@example.vn").count() == 2


def test_a_replay_says_whether_the_acknowledgement_went(client, categories, settings):
    settings.CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY = 1
    body = BODY | {"contact_email": "replay@example.vn"}
    assert post(client, body, HTTP_IDEMPOTENCY_KEY="ack-1").json()["acknowledged"] is True
    withheld = post(client, body, HTTP_IDEMPOTENCY_KEY="ack-2")
    assert withheld.json()["acknowledged"] is False
    assert post(client, body, HTTP_IDEMPOTENCY_KEY="ack-1").json()["acknowledged"] is True
    assert post(client, body, HTTP_IDEMPOTENCY_KEY="ack-2").json()["acknowledged"] is False


# --- 2. The reporter's own files, on a report that is not public -------------------------------------


def _private(client: Client) -> dict:
    created = post(client, BODY | {"is_public": False, "contact_email": "rieng@example.vn"})
    assert created.status_code == 201
    return created.json()


def test_the_reporter_with_the_token_sees_and_opens_every_file_of_theirs(
    client, personas, categories, bearer
):
    created = _private(client)
    code, token = created["code"], created["citizen_token"]
    url = f"/api/v1/reports/{code}/attachments"
    photo = client.post(url, {"file": png("anh.png"), "token": token})
    paper = client.post(url, {"file": pdf(), "token": token})
    assert photo.status_code == 201 and paper.status_code == 201, paper.content
    # The upload's answer gives URLs that open for the reporter.
    assert client.get(photo.json()["public_url"]).status_code == 200
    assert photo.json()["private_url"] is None  # a photo's original keeps its metadata: the unit's
    assert paper.json()["public_url"] is None and paper.json()["private_url"]
    assert body_of(client.get(paper.json()["private_url"])).startswith(b"%PDF-")
    # The report as the reporter reads it lists both, with URLs that open.
    files = client.get(f"/api/v1/reports/{code}", {"token": token}).json()["attachments"]
    assert [f["name"] for f in files] == ["anh.png", "giay-to.pdf"]
    for f in files:
        opened = client.get(f["public_url"] or f["private_url"])
        assert opened.status_code == 200, f
    # Without the token, nobody else opens them (the report is not public).
    bare = f"/api/v1/reports/{code}/attachments/{photo.json()['id']}/public"
    assert client.get(bare).status_code == 404
    assert client.get(bare, **bearer(personas.other_head)).status_code == 404
    assert client.get(bare, **bearer(personas.officer)).status_code == 200  # the handling unit


def test_the_signed_in_reporter_sees_their_files_and_the_photos_original_stays_with_the_unit(
    client, personas, categories, bearer
):
    mine = bearer(personas.citizen)
    created = post(client, BODY | {"is_public": False}, **mine).json()
    code = created["code"]
    url = f"/api/v1/reports/{code}/attachments"
    photo = client.post(url, {"file": png("anh.png")}, **mine).json()
    paper = client.post(url, {"file": pdf()}, **mine).json()
    assert "token=" not in photo["public_url"]  # signed in: the account opens them
    files = {f["id"]: f for f in client.get(f"/api/v1/reports/{code}", **mine).json()["attachments"]}
    assert set(files) == {photo["id"], paper["id"]}
    assert client.get(files[photo["id"]]["public_url"], **mine).status_code == 200
    assert body_of(client.get(files[paper["id"]]["private_url"], **mine)).startswith(b"%PDF-")
    refused = client.get(f"{url}/{photo['id']}/original", **mine, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert "handling unit" in refused.json()["detail"] and "public_url" in refused.json()["detail"]
    officer = client.get(f"/api/v1/reports/{code}", **bearer(personas.officer)).json()["attachments"]
    assert all(f["private_url"] for f in officer)
    assert client.get(f"{url}/{photo['id']}/original", **bearer(personas.officer)).status_code == 200


def test_the_reporter_sees_the_files_of_their_answers_but_not_the_units_internal_ones(
    client, personas, categories, bearer
):
    report = submit_report(contact_email="dan@example.vn", is_public=False)
    report_reply(
        code=report.code,
        text="Ảnh đây",
        files=[uploaded(png("tra-loi.png"))],
        channel="web",
        token=report.citizen_token,
    )
    internal = attachment_add(
        report=report,
        upload=uploaded(png("bien-ban.png")),
        actor=Actor(user_id=personas.officer.pk, label="Trần Văn Minh"),
        user=personas.officer,
        public=False,
    )
    files = client.get(f"/api/v1/reports/{report.code}", {"token": report.citizen_token}).json()[
        "attachments"
    ]
    assert [f["name"] for f in files] == ["tra-loi.png"]
    assert client.get(files[0]["public_url"]).status_code == 200
    hidden = client.get(
        f"/api/v1/reports/{report.code}/attachments/{internal.pk}/public", {"token": report.citizen_token}
    )
    assert hidden.status_code == 404 and hidden.json()["field"] == "attachment_id"


def test_the_handler_opens_the_copy_of_a_photo_on_a_private_report(client, personas, categories, bearer):
    created = _private(client)
    photo = client.post(
        f"/api/v1/reports/{created['code']}/attachments", {"file": png(), "token": created["citizen_token"]}
    ).json()
    for f in client.get(f"/api/v1/reports/{created['code']}", **bearer(personas.officer)).json()[
        "attachments"
    ]:
        assert client.get(f["public_url"], **bearer(personas.officer)).status_code == 200
        assert client.get(f["private_url"], **bearer(personas.officer)).status_code == 200
    assert photo["id"]


# --- 3. Retried answers and uploads are stored once -------------------------------------------------


def test_a_retried_answer_is_stored_once(client, categories):
    report = submit_report(contact_email="dan@example.vn")
    url = f"/api/v1/reports/{report.code}/reply"
    body = json.dumps({"text": "Ổ gà sâu 20 cm", "token": report.citizen_token})
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == report.code
    assert report.events.filter(kind=ReportEvent.Kind.REPLY).count() == 1
    other = json.dumps({"text": "Khác hẳn", "token": report.citizen_token})
    reused = client.post(url, other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert reused.status_code == 422 and reused.json()["field"] == "Idempotency-Key"
    assert client.post(url, other, content_type="application/json").status_code == 200  # no key: a new one
    assert report.events.filter(kind=ReportEvent.Kind.REPLY).count() == 2
    # A key is the report's: the same key on another report is another answer.
    second = submit_report(contact_email="dan@example.vn")
    body2 = json.dumps({"text": "Ổ gà sâu 20 cm", "token": second.citizen_token})
    response = client.post(
        f"/api/v1/reports/{second.code}/reply",
        body2,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="r-1",
    )
    assert response.status_code == 200 and "Idempotent-Replayed" not in response


def test_a_replayed_answer_still_answers_once_the_report_is_closed(client, categories):
    report = submit_report(contact_email="dan@example.vn")
    url = f"/api/v1/reports/{report.code}/reply"
    body = json.dumps({"text": "Thêm ảnh", "token": report.citizen_token})
    assert (
        client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-2").status_code == 200
    )
    Report.objects.filter(pk=report.pk).update(status=Status.CLOSED)
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-2")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    new = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-3")
    assert new.status_code == 409


def test_a_retried_upload_is_stored_once(client, personas, categories, bearer):
    report = submit_report(contact_email="dan@example.vn")
    url = f"/api/v1/reports/{report.code}/attachments"
    first = client.post(
        url, {"file": png("o-ga.png"), "token": report.citizen_token}, HTTP_IDEMPOTENCY_KEY="f-1"
    )
    again = client.post(
        url, {"file": png("o-ga.png"), "token": report.citizen_token}, HTTP_IDEMPOTENCY_KEY="f-1"
    )
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Attachment.objects.filter(report=report).count() == 1
    other = client.post(
        url, {"file": png("o-ga.png", (0, 0, 255)), "token": report.citizen_token}, HTTP_IDEMPOTENCY_KEY="f-1"
    )
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    officer = client.post(
        url, {"file": png("o-ga.png")}, HTTP_IDEMPOTENCY_KEY="f-1", **bearer(personas.officer)
    )
    assert (
        officer.status_code == 422
    )  # the same key from the unit is another request, not the reporter's file
    assert Attachment.objects.filter(report=report).count() == 1
    assert client.post(url, {"file": png("o-ga.png"), "token": report.citizen_token}).status_code == 201
    assert Attachment.objects.filter(report=report).count() == 2


def test_the_document_offers_the_idempotency_key_on_answers_and_uploads():
    paths = api.get_openapi_schema()["paths"]
    for path in ("/api/v1/reports/{code}/reply", "/api/v1/reports/{code}/attachments"):
        operation = paths[path]["post"]
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]], path
        assert (
            422 in operation["responses"] and "Idempotent-Replayed" in operation["responses"][200]["headers"]
        )


# --- 4. Finished reports take no files from the reporter; the empty answer; the account's name -------


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED])
def test_a_finished_report_takes_no_photo_from_the_reporter(client, personas, categories, bearer, status):
    report = submit_report(contact_email="dan@example.vn")
    Report.objects.filter(pk=report.pk).update(status=status)
    url = f"/api/v1/reports/{report.code}/attachments"
    refused = client.post(url, {"file": png(), "token": report.citizen_token})
    assert refused.status_code == 409 and refused.json()["field"] == "file"
    assert not Attachment.objects.exists()
    assert client.post(url, {"file": png()}, **bearer(personas.officer)).status_code == 201  # the unit may


def test_a_merged_report_sends_the_reporters_photo_to_its_master(client, categories):
    master = submit_report()
    report = submit_report(contact_email="dan@example.vn")
    Report.objects.filter(pk=report.pk).update(status=Status.REJECTED, duplicate_of=master)
    refused = client.post(
        f"/api/v1/reports/{report.code}/attachments",
        {"file": png(), "token": report.citizen_token},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 409 and master.code in refused.json()["detail"]


def test_an_empty_answer_through_the_api_asks_for_text_only(client, categories):
    report = submit_report(contact_email="dan@example.vn")
    url = f"/api/v1/reports/{report.code}/reply"
    for language, said in (("en", "Write your answer."), ("vi", None)):
        r = client.post(
            url,
            json.dumps({"text": " ", "token": report.citizen_token}),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert r.status_code == 400 and r.json()["field"] == "text"
        if said:
            assert r.json()["detail"] == said
    with translation.override("en"), pytest.raises(DomainError) as web:  # the web form keeps its own
        report_reply(code=report.code, text="", channel="web", token=report.citizen_token)
    assert "attach a photo" in web.value.message


def test_a_signed_in_reporters_name_and_contact_are_the_accounts(client, personas, categories, bearer):
    personas.citizen.phone = "0987654321"
    personas.citizen.save()
    created = post(client, BODY | {"show_name_publicly": True}, **bearer(personas.citizen)).json()
    assert created["contact_name"] == "Ngô Thị Mai" and created["reporter_name"] == "Ngô Thị Mai"
    assert created["contact_email"] == "citizen@example.vn" and created["contact_phone"] == "0987654321"
    report = Report.objects.get(code=created["code"])
    assert (report.contact_name, report.contact_email) == ("Ngô Thị Mai", "citizen@example.vn")
    handler = client.get(f"/api/v1/reports/{report.code}", **bearer(personas.officer)).json()
    assert handler["reporter_name"] == "Ngô Thị Mai" and handler["contact_phone"] == "0987654321"
    assert client.get(f"/api/v1/reports/{report.code}").json()["reporter_name"] == "Ngô Thị Mai"
    # What the report gives itself wins; a retry is the same report.
    own = BODY | {"contact_name": "Mai", "contact_phone": "0901111222"}
    first = post(client, own, HTTP_IDEMPOTENCY_KEY="acct-1", **bearer(personas.citizen))
    assert first.json()["contact_name"] == "Mai" and first.json()["contact_phone"] == "0901111222"
    again = post(client, own, HTTP_IDEMPOTENCY_KEY="acct-1", **bearer(personas.citizen))
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]


def test_an_earlier_app_report_without_contact_reads_the_accounts(client, personas, categories, bearer):
    report = submit_report(reporter=personas.citizen, channel="app")
    assert report.contact_name == ""
    handler = client.get(f"/api/v1/reports/{report.code}", **bearer(personas.officer)).json()
    assert handler["contact_name"] == "Ngô Thị Mai" and handler["contact_email"] == "citizen@example.vn"
    public = client.get(f"/api/v1/reports/{report.code}").json()
    assert public["reporter_name"] is None and public["contact_email"] is None


# --- 5. The account's follows: listed and stopped ----------------------------------------------------


def _follow(client: Client, code: str, **headers):
    return client.post(f"/api/v1/reports/{code}/follow", "{}", content_type="application/json", **headers)


def test_an_account_lists_and_stops_its_follows(client, personas, categories, bearer):
    mine = bearer(personas.citizen)
    first, second = submit_report(), submit_report()
    own = submit_report(reporter=personas.citizen)
    assert _follow(client, first.code, **mine).status_code == 201
    assert _follow(client, second.code, **mine).status_code == 201
    assert own.followers.filter(user=personas.citizen).exists()  # the reporter's own, not a follow
    listed = client.get("/api/v1/me/follows", **mine)
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)
    assert [i["code"] for i in body["items"]] == [second.code, first.code]  # the latest followed first
    item = body["items"][0]
    assert item["followed_at"].endswith("+07:00") and item["status_label"] and item["unit_name"]
    stopped = client.delete(f"/api/v1/reports/{first.code}/follow", **mine)
    assert stopped.status_code == 204 and stopped.content == b""
    assert [i["code"] for i in client.get("/api/v1/me/follows", **mine).json()["items"]] == [second.code]
    again = client.delete(f"/api/v1/reports/{first.code}/follow", **mine)
    assert again.status_code == 404 and again.json()["field"] == "code"
    assert AuditEntry.objects.filter(action="report.unfollow", object_id=first.code).count() == 1
    reporters = client.delete(f"/api/v1/reports/{own.code}/follow", **mine)
    assert reporters.status_code == 409 and own.followers.filter(user=personas.citizen).exists()
    assert client.delete("/api/v1/reports/PA-26-999999/follow", **mine).status_code == 404


def test_follows_by_the_accounts_own_email_or_phone_are_its_own(client, personas, categories, bearer):
    personas.citizen.phone = "0987654321"
    personas.citizen.save()
    by_email, by_phone, others = submit_report(), submit_report(), submit_report()
    Follower.objects.create(report=by_email, email="Citizen@Example.vn")
    Follower.objects.create(report=by_phone, phone="0987654321")
    Follower.objects.create(report=others, email="someone@example.vn")
    mine = bearer(personas.citizen)
    codes = {i["code"] for i in client.get("/api/v1/me/follows", **mine).json()["items"]}
    assert codes == {by_email.code, by_phone.code}
    assert client.delete(f"/api/v1/reports/{by_phone.code}/follow", **mine).status_code == 204
    assert not by_phone.followers.exists()
    assert client.delete(f"/api/v1/reports/{others.code}/follow", **mine).status_code == 404
    assert others.followers.count() == 1


def test_a_report_rejected_as_spam_leaves_the_list(client, personas, categories, bearer):
    report = submit_report()
    mine = bearer(personas.citizen)
    _follow(client, report.code, **mine)
    Report.objects.filter(pk=report.pk).update(status=Status.REJECTED, reject_reason="spam")
    assert client.get("/api/v1/me/follows", **mine).json()["count"] == 0
    assert client.delete(f"/api/v1/reports/{report.code}/follow", **mine).status_code == 204


def test_follows_need_an_account_and_a_session_its_csrf_token(personas, categories):
    report = submit_report()
    Follower.objects.create(report=report, user=personas.citizen)
    anonymous = Client()
    assert anonymous.get("/api/v1/me/follows").status_code == 401
    assert anonymous.delete(f"/api/v1/reports/{report.code}/follow").status_code == 401
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.citizen)
    assert browser.get("/api/v1/me/follows").json()["count"] == 1
    assert browser.delete(f"/api/v1/reports/{report.code}/follow").status_code == 403
    assert report.followers.exists()


def test_the_follow_list_is_paged_and_a_page_past_the_end_is_named(client, personas, categories, bearer):
    for _ in range(3):
        Follower.objects.create(report=submit_report(), user=personas.citizen)
    mine = bearer(personas.citizen)
    page = client.get("/api/v1/me/follows", {"page": 2, "page_size": 2}, **mine).json()
    assert (page["count"], page["page"], page["pages"], len(page["items"])) == (3, 2, 2, 1)
    past = client.get("/api/v1/me/follows", {"page": 3, "page_size": 2}, **mine)
    assert past.status_code == 404 and past.json()["field"] == "page"


def test_the_document_describes_the_follow_list_and_the_unfollow():
    paths = api.get_openapi_schema()["paths"]
    listing = paths["/api/v1/me/follows"]["get"]["responses"]
    assert {200, 401, 404} <= {int(k) for k in listing}
    stop = paths["/api/v1/reports/{code}/follow"]["delete"]
    assert {204, 401, 403, 404, 409} <= {int(k) for k in stop["responses"]}
    assert "DELETE /reports/{code}/follow" in paths["/api/v1/me/follows"]["get"]["description"]


def test_an_officer_is_staff_by_an_active_role_only(client, personas, categories, settings, bearer, address):
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 1
    Membership.objects.filter(user=personas.officer).update(is_active=False)
    assert post(client, REMOTE_ADDR=address, **bearer(personas.officer)).status_code == 201
    assert post(client, REMOTE_ADDR=address, **bearer(personas.officer)).status_code == 429


def test_no_report_is_lost_to_the_acknowledgement_limit_through_the_service(personas, categories, settings):
    settings.CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY = 1
    intakes = [
        report_submit(
            category="road_damage",
            description="Ổ gà",
            channel="open311",
            lon=BEN_THANH[0],
            lat=BEN_THANH[1],
            contact_email="o311@example.vn",
        )
        for _ in range(2)
    ]
    assert [i.acknowledged for i in intakes] == [True, False]
    assert Report.objects.count() == 2


def test_an_email_report_answers_the_address_that_wrote_whatever_the_count(personas, categories, settings):
    settings.CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY = 1
    for _ in range(2):
        assert submit_report(channel="email", contact_email="viet@example.vn").followers.count() == 1
    assert Notification.objects.filter(address="viet@example.vn").count() == 2
