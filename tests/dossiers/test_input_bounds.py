"""Input the dossier intake and moves refuse instead of storing something else: text longer than its
column (or than the limit of an unbounded note) is refused naming the field and the limit, never cut; a
form sent without a procedure asks for it; NUL characters, huge offsets and versions below 1 are 4xx
answers, not 500s (PostgreSQL refuses NUL in text and SQLite offsets past 2**63). The same rule for the
desk page, the online form and the API, since the service applies it; the pages keep what was typed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citydesk.core.errors import DomainError
from citydesk.dossiers.models import Campaign, Dossier, DossierEvent, Shipment, Status
from citydesk.dossiers.services import Applicant, dossier_receive, dossier_transition
from tests.dossiers.conftest import at
from tests.dossiers.test_api import body, counts, online_form, post_json, required_ids

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 to khai"
HUGE = "A" * 100_000


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def client() -> Client:
    return Client()


def html(response: Any) -> str:
    return response.content.decode()


# --- Over-long text: refused with its limit, never cut -------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [
        ("applicant_name", HUGE, 150),
        ("applicant_name", "A" * 151, 150),
        ("applicant_address", "12 Lê Lợi " * 31, 300),
        ("applicant_email", "a" * 250 + "@example.vn", 254),  # the notifications' address column too
        ("applicant_id_number", "0" * 21, 20),
    ],
)
def test_desk_intake_refuses_text_longer_than_its_column(
    client, bearer, personas, catalog, field, value, limit
):
    before = counts()
    r = post_json(
        client,
        "/api/v1/dossiers",
        body(catalog, personas, **{field: value}),
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(personas.officer),
    )
    assert r.status_code == 400, r.content
    assert r.json() == {"detail": f"Too long (at most {limit} characters).", "field": field}
    assert counts() == before


def test_text_at_its_limit_is_stored_whole(client, bearer, personas, catalog):
    name, address = "Đ" * 150, "Số 12 Lê Lợi ".ljust(300, "x")
    data = body(catalog, personas, applicant_name=name, applicant_address=address)
    r = post_json(client, "/api/v1/dossiers", data, **bearer(personas.officer))
    assert r.status_code == 201, r.content
    dossier = Dossier.objects.get(code=r.json()["code"])
    assert dossier.applicant_name == name and dossier.applicant_address == address


def test_online_intake_refuses_an_over_long_name(client, personas, catalog):
    before = counts()
    r = client.post("/api/v1/dossiers/online", online_form(catalog, personas, applicant_name=HUGE))
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "applicant_name" and "150" in r.json()["detail"]
    r = client.post("/api/v1/dossiers/online", online_form(catalog, personas, applicant_address=HUGE))
    assert r.status_code == 400 and r.json()["field"] == "applicant_address" and "300" in r.json()["detail"]
    assert counts() == before


def test_the_service_refuses_rather_than_cuts(personas, catalog):
    with pytest.raises(DomainError) as err:
        dossier_receive(
            user=personas.officer,
            procedure_code="HT-01",
            unit_code=personas.ward.code,
            channel="desk",
            applicant=Applicant(name="A" * 151, phone="0903123456"),
            provided=required_ids(catalog.birth),
            received_at=at(2026, 12, 7),
        )
    assert err.value.field == "applicant_name" and "150" in err.value.message
    assert not Dossier.objects.exists()


def test_desk_page_refuses_an_over_long_name_and_keeps_the_form(client, personas, catalog):
    client.force_login(personas.officer)
    data = {
        "unit": personas.ward.code,
        "procedure": "HT-01",
        "documents": required_ids(catalog.birth),
        "applicant_name": HUGE,
        "applicant_phone": "0903 123 456",
        "applicant_address": "12 Lê Lợi",
        "channel": "desk",
    }
    response = client.post("/mot-cua/", data, HTTP_ACCEPT_LANGUAGE="en")
    page = html(response)
    assert response.status_code == 400
    assert 'data-field="applicant_name">Too long (at most 150 characters).<' in page
    assert f'value="{HUGE}"' in page and 'value="0903 123 456"' in page and 'value="12 Lê Lợi"' in page
    assert not Dossier.objects.exists()


def test_online_page_refuses_an_over_long_address_and_keeps_the_form(client, personas, catalog):
    doc = required_ids(catalog.birth)[0]
    data = {
        "unit": personas.ward.code,
        "applicant_name": "Ngô Thị Mai",
        "applicant_phone": "0903000111",
        "applicant_address": HUGE,
        "consent": "on",
        f"doc_{doc}": SimpleUploadedFile("to-khai.pdf", PDF),
    }
    response = client.post("/ho-so/nop/HT-01/", data, HTTP_ACCEPT_LANGUAGE="en")
    page = html(response)
    assert response.status_code == 400
    assert 'data-field="applicant_address">Too long (at most 300 characters).<' in page
    assert 'value="Ngô Thị Mai"' in page and f'value="{HUGE}"' in page
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("forward", {}),  # the step's note
        ("refuse", {}),  # the reasons for refusal
        ("request_supplement", {}),
    ],
)
def test_api_moves_refuse_an_over_long_note(client, bearer, personas, catalog, receive, action, extra):
    dossier = receive()
    before = counts()
    payload = {"action": action, "version": dossier.version, "note": "x" * 4001, **extra}
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        payload,
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(personas.officer),
    )
    assert r.status_code == 400, r.content
    assert r.json() == {"detail": "Too long (at most 4,000 characters).", "field": "note"}
    assert counts() == before
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.version, fresh.status, fresh.refusal_reason) == (dossier.version, Status.RECEIVED, "")
    payload["note"] = "x" * 4000
    r = post_json(client, f"/api/v1/dossiers/{dossier.code}/actions", payload, **bearer(personas.officer))
    assert r.status_code == 200, r.content


def test_the_result_note_and_the_shipment_are_held_to_their_limits(personas, catalog, receive):
    dossier = receive(catalog.copy)  # one step: the next move finishes it
    with pytest.raises(DomainError) as err:
        dossier_transition(user=personas.officer, code=dossier.code, action="finish", note="k" * 4001)
    assert (err.value.field, Dossier.objects.get(pk=dossier.pk).result_note) == ("note", "")
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="finish", note="Xong")
    for changes, field, limit in (
        ({"tracking_number": "E" * 61, "delivery_address": "12 Lê Lợi"}, "tracking_number", 60),
        ({"tracking_number": "EMS1", "delivery_address": "Đ" * 301}, "delivery_address", 300),
    ):
        with pytest.raises(DomainError) as err:
            dossier_transition(
                user=personas.officer,
                code=dossier.code,
                action="return_result",
                result_method="post",
                **changes,
            )
        assert err.value.field == field and str(limit) in err.value.message
    assert not Shipment.objects.exists()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RESULT_READY


def test_officer_page_refuses_an_over_long_note_and_keeps_it(client, personas, catalog, receive):
    dossier = receive()
    client.force_login(personas.officer)
    note = "Thiếu giấy tờ. " * 300  # 4,500 characters
    response = client.post(
        f"/mot-cua/ho-so/{dossier.code}/thao-tac/",
        {"action": "refuse", "version": dossier.version, "note": note, "confirm": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = html(response)
    assert response.status_code == 400 and 'id="err-refuse-note"' in page
    assert "Too long (at most 4,000 characters)." in page
    assert note.strip() in page  # the textarea keeps it
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.status, fresh.version, fresh.refusal_reason) == (Status.RECEIVED, dossier.version, "")


def test_applicant_page_refuses_an_over_long_note_and_keeps_it(client, personas, catalog, receive):
    dossier = receive()
    client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token})
    note = "Tôi không cần nữa. " * 250
    response = client.post(
        f"/ho-so/tra-cuu/{dossier.code}/rut/", {"version": dossier.version, "note": note, "confirm": "yes"}
    )
    page = html(response)
    assert response.status_code == 400 and 'data-field="note"' in page and "4.000" in page
    assert f">{note}</textarea>" in page  # as typed
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RECEIVED
    assert not DossierEvent.objects.filter(kind=DossierEvent.Kind.WITHDRAWN).exists()


# --- Nothing chosen: a 400 asking for it, not a 404 for a blank code ------------------------------


def test_an_empty_desk_intake_asks_for_the_procedure(client, bearer, personas, catalog):
    before = counts()
    r = post_json(client, "/api/v1/dossiers", {}, HTTP_ACCEPT_LANGUAGE="en", **bearer(personas.officer))
    assert r.status_code == 400, r.content
    assert r.json() == {"detail": "Choose the procedure.", "field": "procedure"}
    r = post_json(
        client,
        "/api/v1/dossiers",
        {"procedure": "HT-01"},
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(personas.officer),
    )
    assert r.status_code == 400 and r.json() == {"detail": "Choose the receiving unit.", "field": "unit"}
    assert counts() == before


def test_an_empty_online_form_asks_for_the_procedure(client, personas, catalog):
    before = counts()
    r = client.post("/api/v1/dossiers/online", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400, r.content
    assert r.json() == {"detail": "Choose the procedure.", "field": "procedure"}
    assert counts() == before


def test_the_desk_page_sent_without_a_procedure_asks_for_it(client, personas, catalog):
    client.force_login(personas.officer)
    response = client.post(
        "/mot-cua/",
        {"unit": personas.ward.code, "procedure": "", "applicant_name": "Nguyễn Văn An"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert 'data-field="procedure">Choose the procedure.<' in html(response)
    assert not Dossier.objects.exists()


# --- Other bad input: 4xx, never a 500 ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/dossiers", "/api/v1/procedures"])
@pytest.mark.parametrize("offset", ["9223372036854775808", "99999999999999999999999"])
def test_a_huge_offset_is_400(client, bearer, personas, catalog, path, offset):
    r = client.get(path, {"offset": offset}, **bearer(personas.officer))
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "offset"


@pytest.mark.parametrize("version", [0, -5])
def test_a_version_below_1_is_400(client, bearer, personas, catalog, receive, version):
    dossier = receive()
    before = counts()
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "forward", "version": version},
        **bearer(personas.officer),
    )
    assert r.status_code == 400 and r.json()["field"] == "version", r.content
    assert counts() == before


def test_an_over_long_idempotency_key_is_refused_not_cut(client, bearer, personas, catalog):
    headers = bearer(personas.officer)
    before = counts()
    r = post_json(
        client, "/api/v1/dossiers", body(catalog, personas), HTTP_IDEMPOTENCY_KEY="k" * 121, **headers
    )
    assert r.status_code == 400 and r.json()["field"] == "Idempotency-Key", r.content
    assert "120" in r.json()["detail"] and counts() == before
    first = post_json(
        client, "/api/v1/dossiers", body(catalog, personas), HTTP_IDEMPOTENCY_KEY="k" * 120, **headers
    )
    again = post_json(
        client, "/api/v1/dossiers", body(catalog, personas), HTTP_IDEMPOTENCY_KEY="k" * 120, **headers
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"]


def test_nul_characters_in_stored_text_are_refused(client, bearer, personas, catalog, receive):
    before = counts()
    r = post_json(
        client,
        "/api/v1/dossiers",
        body(catalog, personas, applicant_name="An\x00"),
        **bearer(personas.officer),
    )
    assert r.status_code == 400 and r.json()["field"] == "applicant_name", r.content
    assert counts() == before
    dossier = receive()
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "forward", "version": dossier.version, "note": "a\x00b"},
        **bearer(personas.officer),
    )
    assert r.status_code == 400 and r.json()["field"] == "note", r.content
    assert Dossier.objects.get(pk=dossier.pk).version == dossier.version


def test_nul_characters_in_codes_are_not_found(client, bearer, personas, catalog, receive):
    """PostgreSQL refuses a NUL in a query: the look-ups drop it (CI's PostgreSQL pass catches a 500)."""
    dossier = receive()
    headers = bearer(personas.officer)
    for path in ("/api/v1/dossiers/%00", "/api/v1/procedures/%00"):
        assert client.get(path, **headers).status_code == 404, path
    assert client.get("/api/v1/procedures", {"q": "\x00"}).status_code == 200
    assert client.get("/api/v1/dossiers", {"unit": "\x00"}, **headers).status_code == 404  # no such unit
    for path in ("/ho-so/tra-cuu/%00/", "/ho-so/nop/%00/", "/thu-tuc/%00/"):
        assert client.get(path).status_code == 404, path
    assert client.get("/ho-so/tra-cuu/", {"code": "\x00"}).status_code in (400, 404)
    client.force_login(personas.officer)
    assert client.get("/mot-cua/ho-so/%00/").status_code == 404
    assert client.get("/mot-cua/", {"q": "\x00", "procedure": "\x00"}).status_code == 404
    assert client.get(f"/mot-cua/ho-so/{dossier.code}/").status_code == 200


def test_a_campaign_name_with_a_nul_is_refused(client, personas, catalog):
    client.force_login(personas.leader)
    data = {
        "name": "Tháng\x00 5",
        "start_date": "2026-05-04",
        "end_date": "2026-05-29",
        "procedure_codes": ["CT-01\x00"],
        "unit_codes": [personas.ward.code],
    }
    response = client.post("/mot-cua/chien-dich/moi/", data)
    assert response.status_code == 400 and 'data-field="name"' in html(response)
    assert not Campaign.objects.exists()
