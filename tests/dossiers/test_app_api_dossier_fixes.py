"""Findings of the citizen app's review of the dossier API and the English dossier pages: the papers a
request asks for must all come with the answer; the applicant's messages in their account's language;
"my dossiers", rating, paying and downloading through the API; the procedure's name in the request's
language and the optional papers by id; a stranger told the move is the applicant's; the English pages'
request note and carrier."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citydesk.core.models import PersonalDataAccess, User
from citydesk.dossiers.models import Dossier, DossierDocument, Payment, ProcedureDocument
from citydesk.dossiers.services import dossier_transition
from citydesk.notifications.models import Notification

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 giay to"
APPLICANT = {
    "applicant_name": "Ngô Thị Mai",
    "applicant_phone": "0903123456",
    "applicant_email": "mai@example.vn",
    "applicant_address": "12 Lê Lợi, Phường Bến Thành",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def english_catalog(catalog):
    """The birth registration with English names for the procedure and its papers."""
    birth = catalog.birth
    birth.name_en = "Birth registration"
    birth.save()
    form, copy = list(birth.documents.order_by("position"))
    form.name_en = "Declaration form"
    form.save()
    copy.name_en = "Copy of the ID card"
    copy.save()
    return catalog


def papers(procedure) -> tuple[ProcedureDocument, ProcedureDocument]:
    form, copy = list(procedure.documents.order_by("position"))
    return form, copy


def file_online(client, personas, procedure, headers=None, **changes) -> dict:
    data = {"procedure": procedure.code, "unit": personas.ward.code, **APPLICANT, **changes}
    for doc in procedure.documents.filter(required=True):
        data[f"doc_{doc.pk}"] = SimpleUploadedFile("giay-to.pdf", PDF)
    r = client.post("/api/v1/dossiers/online", data, **(headers or {}))
    assert r.status_code == 201, r.content
    return r.json()


def move(user, code: str, action: str, **kwargs) -> Dossier:
    version = Dossier.objects.get(code=code).version
    return dossier_transition(user=user, code=code, action=action, version=version, **kwargs)


def to_result(personas, code: str) -> None:
    """The birth registration's three steps done: the result is ready."""
    move(personas.officer, code, "forward")
    move(personas.officer, code, "forward")
    move(personas.head, code, "finish", note="Giấy khai sinh số 12")


def post_json(client, path: str, data: dict, **headers):
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def citizen_b() -> User:
    return User.objects.create_user(username="citizen_b", password="x", full_name="Đỗ Văn Bình")


# --- 1. The papers asked for all come with the answer ------------------------------------------------


def test_an_answer_without_a_paper_asked_for_is_refused_on_the_api(client, bearer, personas, english_catalog):
    filed = file_online(client, personas, english_catalog.birth, bearer(personas.citizen))
    form, copy = papers(english_catalog.birth)
    move(personas.officer, filed["code"], "request_supplement", papers=[copy.pk])
    dossier = Dossier.objects.get(code=filed["code"])
    path = f"/api/v1/dossiers/{dossier.code}/supplement"

    only_other = {"version": dossier.version, f"doc_{form.pk}": SimpleUploadedFile("a.pdf", PDF)}
    r = client.post(path, only_other, **bearer(personas.citizen), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "documents" and "Copy of the ID card" in r.json()["detail"]
    dossier.refresh_from_db()
    assert dossier.status == "supplement" and dossier.paused_at is not None
    assert not DossierDocument.objects.filter(dossier=dossier, is_supplement=True).exists()
    assert [
        p["id"]
        for p in client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(personas.citizen)).json()[
            "papers_asked"
        ]
    ] == [copy.pk]

    # Every paper asked for, with another beside it: accepted.
    both = {
        "version": dossier.version,
        f"doc_{form.pk}": SimpleUploadedFile("a.pdf", PDF),
        f"doc_{copy.pk}": SimpleUploadedFile("b.pdf", PDF),
    }
    r = client.post(path, both, **bearer(personas.citizen))
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "in_progress" and r.json()["papers_asked"] == []


def test_an_answer_without_a_paper_asked_for_is_refused_on_the_page(client, personas, english_catalog):
    client.force_login(personas.citizen)
    filed = file_online(client, personas, english_catalog.birth)
    form, copy = papers(english_catalog.birth)
    move(personas.officer, filed["code"], "request_supplement", papers=[copy.pk])
    dossier = Dossier.objects.get(code=filed["code"])
    path = f"/ho-so/tra-cuu/{dossier.code}/bo-sung/"
    r = client.post(path, {"version": dossier.version, f"doc_{form.pk}": SimpleUploadedFile("a.pdf", PDF)})
    assert r.status_code == 400
    page = r.content.decode()
    assert 'data-field="files"' in page and "Bản sao CCCD" in page
    assert f'data-testid="sup-kept-{form.pk}"' in page  # the file sent is kept: only the missing one again
    dossier.refresh_from_db()
    assert dossier.status == "supplement"
    r = client.post(path, {"version": dossier.version, f"doc_{copy.pk}": SimpleUploadedFile("b.pdf", PDF)})
    assert r.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == "in_progress"


def test_an_officer_still_records_papers_handed_in_at_the_desk(client, bearer, personas, english_catalog):
    filed = file_online(client, personas, english_catalog.birth, bearer(personas.citizen))
    _form, copy = papers(english_catalog.birth)
    move(personas.officer, filed["code"], "request_supplement", papers=[copy.pk])
    assert move(personas.officer, filed["code"], "supplement_received").status == "in_progress"


# --- 2. The applicant's messages in their account's language ----------------------------------------


def test_messages_follow_the_language_of_the_applicants_account(client, bearer, personas, english_catalog):
    personas.citizen.language = "en"
    personas.citizen.save()
    filed = file_online(client, personas, english_catalog.birth, bearer(personas.citizen))
    code = filed["code"]
    received = Notification.objects.filter(recipient=personas.citizen, channel="in_app").get()
    assert received.subject == f"Dossier {code} received"
    assert "Birth registration" in received.body and "Đăng ký khai sinh" not in received.body
    email = Notification.objects.get(channel="email", address="mai@example.vn")
    assert email.subject == f"Dossier {code} received"

    _form, copy = papers(english_catalog.birth)
    move(personas.officer, code, "request_supplement", papers=[copy.pk], note="Bản rõ nét")
    asked = Notification.objects.filter(recipient=personas.citizen, subject__contains="papers needed").get()
    assert "needs more papers" in asked.body and "Copy of the ID card. Bản rõ nét" in asked.body
    assert "Bản sao CCCD" not in asked.body

    r = client.post(
        f"/api/v1/dossiers/{code}/supplement",
        {
            "version": Dossier.objects.get(code=code).version,
            f"doc_{copy.pk}": SimpleUploadedFile("b.pdf", PDF),
        },
        **bearer(personas.citizen),
    )
    assert r.status_code == 200, r.content
    assert Notification.objects.filter(
        recipient=personas.citizen, subject=f"Dossier {code}: papers received"
    ).exists()
    to_result(personas, code)
    ready = Notification.objects.filter(recipient=personas.citizen, subject=f"Dossier {code}: result ready")
    assert ready.exists() and "The result of your dossier" in ready.get().body
    move(personas.officer, code, "return_result", result_method="desk")
    assert Notification.objects.filter(
        recipient=personas.citizen, subject=f"Dossier {code}: result handed over"
    ).exists()


def test_an_applicant_without_an_account_reads_vietnamese(client, personas, english_catalog):
    filed = file_online(client, personas, english_catalog.birth, HTTP_ACCEPT_LANGUAGE="en")
    message = Notification.objects.get(channel="email")
    assert message.subject == f"Đã tiếp nhận hồ sơ {filed['code']}"
    assert "Đăng ký khai sinh" in message.body


# --- 3a. My dossiers ---------------------------------------------------------------------------------


def test_my_dossiers_lists_the_accounts_own_paged_like_my_reports(client, bearer, personas, catalog):
    first = file_online(client, personas, catalog.birth, bearer(personas.citizen))
    second = file_online(client, personas, catalog.birth, bearer(personas.citizen))
    file_online(client, personas, catalog.birth)  # anonymous: not the account's
    r = client.get("/api/v1/me/dossiers", **bearer(personas.citizen))
    assert r.status_code == 200, r.content
    out = r.json()
    assert set(out) == {"count", "page", "pages", "items"}
    assert (out["count"], out["page"], out["pages"]) == (2, 1, 1)
    assert [d["code"] for d in out["items"]] == [second["code"], first["code"]]
    item = out["items"][0]
    assert item["status"] == "received" and item["awaiting_papers"] is False
    assert item["rating_open"] is False and item["payment_due"] is False
    paged = client.get("/api/v1/me/dossiers", {"page": 2, "page_size": 1}, **bearer(personas.citizen)).json()
    assert (paged["pages"], [d["code"] for d in paged["items"]]) == (2, [first["code"]])
    past = client.get("/api/v1/me/dossiers", {"page": 3, "page_size": 1}, **bearer(personas.citizen))
    assert past.status_code == 404 and past.json()["field"] == "page"
    assert client.get("/api/v1/me/dossiers").status_code == 401
    others = client.get("/api/v1/me/dossiers", **bearer(personas.officer)).json()
    assert others["count"] == 0 and others["items"] == []


def test_my_dossiers_is_in_the_openapi_document(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    operation = document["paths"]["/api/v1/me/dossiers"]["get"]
    assert {"200", "401", "404"} <= set(operation["responses"])
    for path in (
        "/api/v1/dossiers/{code}/payment",
        "/api/v1/dossiers/{code}/documents/{paper_id}",
        "/api/v1/dossiers/{code}/result",
    ):
        assert path in document["paths"], path
    fields = document["components"]["schemas"]["DossierOut"]["properties"]
    assert {"rating_open", "result_url", "procedure_name_en", "procedure_name_vi"} <= set(fields)


# --- 3b. Rating ---------------------------------------------------------------------------------------


def test_a_returned_unrated_dossier_offers_rate(client, bearer, personas, catalog):
    filed = file_online(client, personas, catalog.birth, bearer(personas.citizen))
    code = filed["code"]
    view = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen)).json()
    assert view["rating_open"] is False and "rate" not in view["allowed_actions"]
    to_result(personas, code)
    move(personas.officer, code, "return_result", result_method="desk")
    view = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen)).json()
    assert view["rating_open"] is True and "rate" in view["allowed_actions"]
    by_token = client.get(f"/api/v1/dossiers/{code}", {"t": filed["citizen_token"]}).json()
    assert "rate" in by_token["allowed_actions"]
    officer = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.officer)).json()
    assert officer["rating_open"] is True and "rate" not in officer["allowed_actions"]
    assert client.get(f"/api/v1/dossiers/{code}").json()["rating_open"] is None  # public view
    mine = client.get("/api/v1/me/dossiers", **bearer(personas.citizen)).json()["items"][0]
    assert mine["rating_open"] is True

    misplaced = post_json(
        client,
        f"/api/v1/dossiers/{code}/actions",
        {"action": "rate", "version": view["version"]},
        **bearer(personas.citizen),
    )
    assert misplaced.status_code == 400 and f"/api/v1/ratings/dossiers/{code}" in misplaced.json()["detail"]

    rated = post_json(
        client, f"/api/v1/ratings/dossiers/{code}", {"level": "satisfied"}, **bearer(personas.citizen)
    )
    assert rated.status_code == 201, rated.content
    view = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen)).json()
    assert view["rating_open"] is False and "rate" not in view["allowed_actions"]
    assert (
        client.get("/api/v1/me/dossiers", **bearer(personas.citizen)).json()["items"][0]["rating_open"]
        is False
    )


# --- 3c. Paying a level-4 fee through the API ---------------------------------------------------------


def test_the_app_pays_the_fee_through_the_gateways_page(client, bearer, personas, catalog, settings):
    filed = file_online(client, personas, catalog.land, bearer(personas.citizen))
    code = filed["code"]
    view = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen)).json()
    assert (
        view["paid"] is False and "pay" in view["allowed_actions"] and "withdraw" in view["allowed_actions"]
    )
    assert (
        client.get("/api/v1/me/dossiers", **bearer(personas.citizen)).json()["items"][0]["payment_due"]
        is True
    )
    assert (
        "pay"
        not in client.get(f"/api/v1/dossiers/{code}", **bearer(personas.officer)).json()["allowed_actions"]
    )

    r = post_json(client, f"/api/v1/dossiers/{code}/payment", {}, **bearer(personas.citizen))
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["state"] == "pending" and out["amount"] == 100_000 and out["provider"] == "sandbox"
    assert out["checkout_url"].startswith(
        f"{settings.CITYDESK_PUBLIC_URL}/ho-so/thanh-toan/{out['reference']}/?k="
    )
    again = post_json(client, f"/api/v1/dossiers/{code}/payment", {"token": filed["citizen_token"]})
    assert again.status_code == 200 and again.json()["reference"] == out["reference"]  # one pending payment

    # The web view has no session: the link's key opens the gateway's page of this payment.
    url = urlsplit(out["checkout_url"])
    web_view = Client()
    page = web_view.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and "outcome" in page.content.decode()
    assert Client().get(url.path).status_code == 403  # without the key: not the applicant's session
    key = parse_qs(url.query)["k"][0]
    paid = web_view.post(url.path, {"outcome": "paid", "k": key})
    assert paid.status_code == 302
    assert Payment.objects.get(reference=out["reference"]).state == "paid"
    view = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen)).json()
    assert view["paid"] is True and "pay" not in view["allowed_actions"]
    closed = post_json(client, f"/api/v1/dossiers/{code}/payment", {}, **bearer(personas.citizen))
    assert closed.status_code == 409 and closed.json()["field"] == "payment"


def test_only_the_applicant_pays_and_only_level_4_fees(client, bearer, personas, catalog):
    filed = file_online(client, personas, catalog.land, bearer(personas.citizen))
    path = f"/api/v1/dossiers/{filed['code']}/payment"
    assert post_json(client, path, {}, **bearer(citizen_b())).status_code == 403
    assert post_json(client, path, {}).status_code == 401
    assert post_json(client, path, {"token": "sai"}).status_code == 401
    assert not Payment.objects.exists()
    level_3 = file_online(client, personas, catalog.birth, bearer(personas.citizen))
    r = post_json(client, f"/api/v1/dossiers/{level_3['code']}/payment", {}, **bearer(personas.citizen))
    assert r.status_code == 400 and r.json()["field"] == "payment"
    move(personas.officer, filed["code"], "withdraw")
    assert (
        "pay"
        not in client.get(f"/api/v1/dossiers/{filed['code']}", **bearer(personas.citizen)).json()[
            "allowed_actions"
        ]
    )
    assert post_json(client, path, {}, **bearer(personas.citizen)).status_code == 409


def test_pay_sent_as_an_action_points_to_the_payment_endpoint(client, bearer, personas, catalog):
    filed = file_online(client, personas, catalog.land, bearer(personas.citizen))
    r = post_json(
        client,
        f"/api/v1/dossiers/{filed['code']}/actions",
        {"action": "pay", "version": 1},
        **bearer(personas.citizen),
    )
    assert r.status_code == 400 and r.json()["field"] == "action"
    assert f"/api/v1/dossiers/{filed['code']}/payment" in r.json()["detail"]


# --- 3d. The papers and the result through the API ----------------------------------------------------


def test_the_applicant_and_the_officers_download_the_papers(client, bearer, personas, catalog):
    filed = file_online(client, personas, catalog.birth, bearer(personas.citizen))
    code = filed["code"]
    view = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen)).json()
    url = view["documents"][0]["url"]
    assert url == f"/api/v1/dossiers/{code}/documents/{view['documents'][0]['id']}"
    r = client.get(url, **bearer(personas.citizen))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Cache-Control"] == "private, no-store"
    by_token = client.get(f"/api/v1/dossiers/{code}", {"t": filed["citizen_token"]}).json()
    token_url = by_token["documents"][0]["url"]
    assert token_url.endswith(f"?t={filed['citizen_token']}")
    assert client.get(token_url).status_code == 200
    assert client.get(url).status_code == 401
    assert client.get(url, {"t": "sai"}).status_code == 401
    assert client.get(url, **bearer(citizen_b())).status_code == 403
    assert client.get(url, **bearer(personas.outsider)).status_code == 403  # an officer of another ward
    assert client.get(url, **bearer(personas.officer)).status_code == 200
    assert PersonalDataAccess.objects.filter(object_id=code, what="file").count() == 1  # the officer's only
    assert (
        client.get(f"/api/v1/dossiers/{code}/documents/999999", **bearer(personas.citizen)).status_code == 404
    )
    assert client.get(f"/api/v1/dossiers/{code}").json()["documents"] is None  # public view: no papers


def test_the_result_file_opens_for_the_applicant_once_handed_over_online(client, bearer, personas, catalog):
    from citydesk.dossiers.slips import dossier_attach_result

    filed = file_online(client, personas, catalog.birth, bearer(personas.citizen))
    code = filed["code"]
    to_result(personas, code)
    version = Dossier.objects.get(code=code).version
    dossier_attach_result(
        user=personas.officer, code=code, upload=SimpleUploadedFile("kq.pdf", PDF), version=version
    )
    assert client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen)).json()["result_url"] is None
    assert client.get(f"/api/v1/dossiers/{code}/result", **bearer(personas.citizen)).status_code == 404
    officer = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.officer)).json()
    assert officer["result_url"] == f"/api/v1/dossiers/{code}/result"
    assert client.get(officer["result_url"], **bearer(personas.officer)).status_code == 200
    move(personas.officer, code, "return_result", result_method="online")
    mine = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen)).json()
    assert mine["result_url"] == f"/api/v1/dossiers/{code}/result"
    r = client.get(mine["result_url"], **bearer(personas.citizen))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    by_token = client.get(f"/api/v1/dossiers/{code}", {"t": filed["citizen_token"]}).json()
    assert client.get(by_token["result_url"]).status_code == 200
    assert client.get(mine["result_url"], **bearer(citizen_b())).status_code == 403


# --- 4. The procedure's name in the request's language, the optional papers by id --------------------


def test_procedure_name_in_the_requests_language(client, bearer, personas, english_catalog):
    filed = file_online(client, personas, english_catalog.birth, bearer(personas.citizen))
    path = f"/api/v1/dossiers/{filed['code']}"
    english = client.get(path, **bearer(personas.citizen), HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["procedure_name"] == "Birth registration"
    assert english["procedure_name_vi"] == "Đăng ký khai sinh"
    assert english["procedure_name_en"] == "Birth registration"
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="vi").json()["procedure_name"] == "Đăng ký khai sinh"
    mine = client.get("/api/v1/me/dossiers", **bearer(personas.citizen), HTTP_ACCEPT_LANGUAGE="en").json()
    assert mine["items"][0]["procedure_name"] == "Birth registration"
    queue = client.get("/api/v1/dossiers", **bearer(personas.officer), HTTP_ACCEPT_LANGUAGE="en").json()
    assert queue["items"][0]["procedure_name"] == "Birth registration"


def test_missing_optional_names_the_papers_by_id(client, bearer, personas, english_catalog):
    _form, copy = papers(english_catalog.birth)
    filed = file_online(client, personas, english_catalog.birth)
    assert filed["missing_optional_papers"] == [
        {"id": copy.pk, "name": "Bản sao CCCD", "name_en": "Copy of the ID card"}
    ]
    assert filed["missing_optional"] == ["Bản sao CCCD"]  # as before 1.15


# --- 5. A stranger is told the move is the applicant's ------------------------------------------------


def test_another_citizen_is_told_only_the_applicant_withdraws_or_sends_papers(
    client, bearer, personas, catalog
):
    filed = file_online(client, personas, catalog.birth, bearer(personas.citizen))
    code = filed["code"]
    stranger = bearer(citizen_b())
    r = post_json(
        client,
        f"/api/v1/dossiers/{code}/actions",
        {"action": "withdraw", "version": 1},
        **stranger,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 403 and r.json()["field"] == "token"
    assert "Only the applicant" in r.json()["detail"] and "Receive dossiers" not in r.json()["detail"]
    _form, copy = papers(catalog.birth)
    move(personas.officer, code, "request_supplement", papers=[copy.pk])
    version = Dossier.objects.get(code=code).version
    r = client.post(
        f"/api/v1/dossiers/{code}/supplement",
        {"version": version, f"doc_{copy.pk}": SimpleUploadedFile("b.pdf", PDF)},
        **stranger,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 403 and "Only the applicant" in r.json()["detail"]
    assert Dossier.objects.get(code=code).status == "supplement"
    # An officer of another unit is still told what they lack there.
    r = post_json(
        client,
        f"/api/v1/dossiers/{code}/actions",
        {"action": "withdraw", "version": version},
        **bearer(personas.outsider),
    )
    assert r.status_code == 403 and r.json()["field"] == "unit"


# --- 6. The English pages: the request's note, the carrier --------------------------------------------


def test_the_request_note_is_read_in_the_readers_language(client, bearer, personas, english_catalog):
    client.force_login(personas.citizen)
    filed = file_online(client, personas, english_catalog.birth)
    code = filed["code"]
    _form, copy = papers(english_catalog.birth)
    move(personas.officer, code, "request_supplement", papers=[copy.pk], note="Bản rõ nét")
    page = client.get(f"/ho-so/tra-cuu/{code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    asked = page.split('data-testid="supplement-asked">', 1)[1].split("</p>", 1)[0]
    assert asked == "Note: Bản rõ nét"
    assert "Bản sao CCCD" not in page and "Copy of the ID card" in page
    vietnamese = client.get(f"/ho-so/tra-cuu/{code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Bản sao CCCD" in vietnamese
    events = client.get(
        f"/api/v1/dossiers/{code}", **bearer(personas.citizen), HTTP_ACCEPT_LANGUAGE="en"
    ).json()["events"]
    request = next(e for e in events if e["kind"] == "supplement_requested")
    assert request["note"] == "Copy of the ID card. Bản rõ nét" and request["papers"] == [copy.pk]
    events = client.get(
        f"/api/v1/dossiers/{code}", **bearer(personas.citizen), HTTP_ACCEPT_LANGUAGE="vi"
    ).json()["events"]
    assert (
        next(e for e in events if e["kind"] == "supplement_requested")["note"] == "Bản sao CCCD. Bản rõ nét"
    )


def test_the_default_carrier_is_translated_on_english_pages(client, bearer, personas, catalog):
    client.force_login(personas.citizen)
    filed = file_online(client, personas, catalog.birth)
    code = filed["code"]
    to_result(personas, code)
    move(personas.officer, code, "return_result", result_method="post", tracking_number="EE123VN")
    page = client.get(f"/ho-so/tra-cuu/{code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shipment = page.split('data-testid="shipment">', 1)[1].split("</dd>", 1)[0]
    assert "Vietnam Post (public postal service)" in shipment and "Bưu chính" not in shipment
    vietnamese = client.get(f"/ho-so/tra-cuu/{code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Bưu chính công ích (VNPost)" in vietnamese
    out = client.get(f"/api/v1/dossiers/{code}", **bearer(personas.citizen), HTTP_ACCEPT_LANGUAGE="en").json()
    assert out["shipment"]["carrier"] == "Bưu chính công ích (VNPost)"
    assert out["shipment"]["carrier_label"] == "Vietnam Post (public postal service)"
