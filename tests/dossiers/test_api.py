"""REST API of the one-stop subsystem: catalog, intake (desk, post, online), reading with personal-data
masking, actions, the officer's queue, idempotency, and bad input that stores nothing."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citydesk.core.models import AuditEntry
from citydesk.dossiers.models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierMonth,
    DossierStep,
    IdempotencyKey,
    Status,
)
from citydesk.notifications.models import Notification
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db

APPLICANT = {
    "applicant_name": "Nguyễn Văn An",
    "applicant_id_number": "079123456789",
    "applicant_phone": "0903123456",
    "applicant_email": "an@example.vn",
    "applicant_address": "12 Lê Lợi, Phường Bến Thành",
}
PERSONAL = ("Nguyễn Văn An", "079123456789", "0903123456", "an@example.vn", "12 Lê Lợi")
PDF = b"%PDF-1.4 to khai"
TABLES = (Dossier, DossierStep, DossierDocument, DossierEvent, DossierMonth, IdempotencyKey, Notification)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def client() -> Client:
    return Client()


def counts() -> dict[str, int]:
    """Rows a dossier write leaves (audit rows of API tokens made by the `bearer` fixture aside)."""
    rows = {model.__name__: model.objects.count() for model in TABLES}
    rows["audit"] = AuditEntry.objects.filter(object_type="dossier").count()
    return rows


def required_ids(procedure) -> list[int]:
    return [d.pk for d in procedure.documents.all() if d.required]


def body(catalog, personas, **changes) -> dict:
    data = {
        "procedure": catalog.birth.code,
        "unit": personas.ward.code,
        "channel": "desk",
        **APPLICANT,
        "documents": required_ids(catalog.birth),
    }
    data.update(changes)
    return data


def post_json(client, path: str, data: dict, **headers):
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def action_as(client, bearer, user, dossier, action: str, **data):
    payload = {"action": action, "version": Dossier.objects.get(pk=dossier.pk).version, **data}
    headers = bearer(user) if user is not None else {}
    return post_json(client, f"/api/v1/dossiers/{dossier.code}/actions", payload, **headers)


# --- Procedures -----------------------------------------------------------------------------------


def test_procedure_list_is_public_and_filters_without_accents(client, catalog):
    catalog.land.field = "Đất đai"
    catalog.land.save()
    r = client.get("/api/v1/procedures")
    assert r.status_code == 200, r.content
    assert r.json()["count"] == 3
    assert {p["code"] for p in r.json()["items"]} == {"HT-01", "CT-01", "DD-01"}

    def codes(**query) -> list[str]:
        response = client.get("/api/v1/procedures", query)
        assert response.status_code == 200, response.content
        return [p["code"] for p in response.json()["items"]]

    assert codes(q="khai sinh") == ["HT-01"]
    assert codes(q="ĐĂNG KÝ KHAI") == ["HT-01"]
    assert codes(q="chung thuc ban sao") == ["CT-01"]
    assert codes(q="không có thủ tục này") == []
    assert codes(field="dat dai") == ["DD-01"]
    assert codes(level=4) == ["DD-01"]
    assert codes(level=2) == ["CT-01"]
    assert codes(same_day="true") == ["CT-01"]
    assert codes(limit=1, offset=1) and len(codes(limit=1)) == 1
    catalog.copy.is_active = False
    catalog.copy.save()
    assert "CT-01" not in codes()
    bad = client.get("/api/v1/procedures", {"level": 5})
    assert bad.status_code == 400 and bad.json()["field"] == "level"


def test_procedure_detail_lists_papers_steps_fee_and_time(client, catalog):
    r = client.get("/api/v1/procedures/DD-01")
    assert r.status_code == 200, r.content
    p = r.json()
    assert p["fee"] == 100_000 and p["processing_time"] == 10 and p["time_unit"] == "days"
    assert p["time_label"].startswith("10 ")
    assert [d["id"] for d in p["documents"]] == [d.pk for d in catalog.land.documents.all()]
    assert [d["required"] for d in p["documents"]] == [True, False]
    assert [(s["position"], s["performer"], s["department_code"]) for s in p["steps"]] == [
        (1, "receiving", ""),
        (2, "department", "SXD"),
        (3, "city", ""),
    ]
    missing = client.get("/api/v1/procedures/KHONG-CO")
    assert missing.status_code == 404 and missing.json()["field"] == "code"


@pytest.mark.parametrize(
    "role",
    ["operator", "officer", "deputy", "head", "leader", "inspector", "admin", "citizen", "outsider", None],
)
def test_catalog_is_the_same_for_every_persona(client, bearer, personas, catalog, role):
    headers = bearer(getattr(personas, role)) if role else {}
    listed = client.get("/api/v1/procedures", **headers)
    assert listed.status_code == 200 and listed.json()["count"] == 3
    detail = client.get("/api/v1/procedures/HT-01", **headers)
    assert detail.status_code == 200 and len(detail.json()["documents"]) == 2


# --- Receiving at the desk ------------------------------------------------------------------------


def test_officer_receives_at_the_desk(client, bearer, personas, catalog):
    r = post_json(client, "/api/v1/dossiers", body(catalog, personas), **bearer(personas.officer))
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["code"].startswith("HS-") and out["status"] == "received" and out["version"] == 1
    assert out["citizen_token"] is None  # only online applicants get the token
    assert [s["unit"] for s in out["steps"]] == ["26743"] * 3
    assert out["steps"][0]["started_at"] and out["steps"][0]["due_at"]
    assert out["due_at"] > out["received_at"]
    assert out["missing_optional"] == ["Bản sao CCCD"]
    dossier = Dossier.objects.get(code=out["code"])
    assert dossier.channel == "desk" and dossier.received_by == personas.officer
    assert dossier.applicant_name == "Nguyễn Văn An" and dossier.documents.count() == 1


def test_inter_agency_intake_plans_department_and_city_steps(client, bearer, personas, catalog):
    data = body(catalog, personas, procedure="DD-01", documents=required_ids(catalog.land))
    r = post_json(client, "/api/v1/dossiers", data, **bearer(personas.officer))
    assert r.status_code == 201, r.content
    assert [s["unit"] for s in r.json()["steps"]] == ["26743", "79.SXD", "79"]
    assert r.json()["fee"] == 100_000


def test_post_channel_needs_the_return_address(client, bearer, personas, catalog):
    data = body(catalog, personas, channel="post", applicant_address="")
    before = counts()
    r = post_json(client, "/api/v1/dossiers", data, **bearer(personas.officer))
    assert r.status_code == 400 and r.json()["field"] == "applicant_address"
    assert counts() == before
    data["applicant_address"] = "5 Nguyễn Huệ"
    r = post_json(client, "/api/v1/dossiers", data, **bearer(personas.officer))
    assert r.status_code == 201 and Dossier.objects.get(code=r.json()["code"]).channel == "post"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer", 201),
        ("deputy", 201),
        ("head", 201),
        ("leader", 201),  # the city's leader holds the power over the wards below
        ("operator", 403),
        ("inspector", 403),
        ("admin", 403),
        ("citizen", 403),
        ("outsider", 403),
        ("other_head", 403),
        ("department_head", 403),
    ],
)
def test_desk_intake_by_every_persona(client, bearer, personas, catalog, role, expected):
    before = counts()
    r = post_json(client, "/api/v1/dossiers", body(catalog, personas), **bearer(getattr(personas, role)))
    assert r.status_code == expected, r.content
    if expected == 403:
        assert r.json()["detail"]
        assert counts() == before


def test_anonymous_and_bad_tokens_cannot_receive(client, personas, catalog):
    before = counts()
    assert post_json(client, "/api/v1/dossiers", body(catalog, personas)).status_code == 401
    bad = post_json(client, "/api/v1/dossiers", body(catalog, personas), HTTP_AUTHORIZATION="Bearer cd_nope")
    assert bad.status_code == 401
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"procedure": "KHONG-CO"}, 404, "procedure"),
        ({"procedure": ""}, 400, "procedure"),  # not chosen: nothing to look up
        ({"procedure": "  "}, 400, "procedure"),
        ({"unit": "99999"}, 404, "unit"),
        ({"unit": ""}, 400, "unit"),
        ({"unit": "79.SXD"}, 400, "unit"),  # a ward procedure is not received by a department
        ({"documents": []}, 400, "documents"),
        ({"documents": [999999]}, 400, "documents"),
        ({"channel": "online"}, 400, "channel"),
        ({"channel": "fax"}, 400, "channel"),
        ({"applicant_name": "  "}, 400, "applicant_name"),
        ({"applicant_id_number": "12AB"}, 400, "applicant_id_number"),
        ({"applicant_phone": "12"}, 400, "applicant_phone"),
        ({"applicant_phone": "abc"}, 400, "applicant_phone"),
        ({"applicant_email": "khong-phai-email"}, 400, "applicant_email"),
    ],
)
def test_bad_intake_names_the_field_and_stores_nothing(
    client, bearer, personas, catalog, changes, status, field
):
    before = counts()
    r = post_json(client, "/api/v1/dossiers", body(catalog, personas, **changes), **bearer(personas.officer))
    assert r.status_code == status, r.content
    assert r.json()["field"] == field and r.json()["detail"]
    assert counts() == before


def test_online_channel_on_the_json_intake_points_to_the_multipart_endpoint(
    client, bearer, personas, catalog
):
    r = post_json(
        client, "/api/v1/dossiers", body(catalog, personas, channel="online"), **bearer(personas.officer)
    )
    assert r.status_code == 400 and r.json()["field"] == "channel"
    assert "/api/v1/dossiers/online" in r.json()["detail"]


def test_schema_errors_are_400_naming_the_field(client, bearer, personas, catalog):
    before = counts()
    r = post_json(
        client, "/api/v1/dossiers", body(catalog, personas, documents=["abc"]), **bearer(personas.officer)
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"].startswith("documents")
    assert counts() == before


def test_idempotency_key_returns_the_same_dossier(client, bearer, personas, catalog):
    headers = bearer(personas.officer)
    first = post_json(
        client, "/api/v1/dossiers", body(catalog, personas), HTTP_IDEMPOTENCY_KEY="k-1", **headers
    )
    after_first = counts()
    again = post_json(
        client, "/api/v1/dossiers", body(catalog, personas), HTTP_IDEMPOTENCY_KEY="k-1", **headers
    )
    assert first.status_code == 201 and again.status_code == 200, again.content
    assert again.json()["code"] == first.json()["code"]
    assert again.json()["steps"] == first.json()["steps"]
    assert again.json()["missing_optional"] == first.json()["missing_optional"] == ["Bản sao CCCD"]
    assert counts() == after_first  # nothing stored, nothing counted twice
    assert Dossier.objects.count() == 1
    other = post_json(
        client, "/api/v1/dossiers", body(catalog, personas), HTTP_IDEMPOTENCY_KEY="k-2", **headers
    )
    assert other.status_code == 201 and other.json()["code"] != first.json()["code"]
    # A key belongs to its caller: another officer's same key is another dossier.
    head = post_json(
        client,
        "/api/v1/dossiers",
        body(catalog, personas),
        HTTP_IDEMPOTENCY_KEY="k-1",
        **bearer(personas.head),
    )
    assert head.status_code == 201 and Dossier.objects.count() == 3


def test_refused_intake_does_not_burn_the_idempotency_key(client, bearer, personas, catalog):
    headers = {**bearer(personas.officer), "HTTP_IDEMPOTENCY_KEY": "k-9"}
    bad = post_json(client, "/api/v1/dossiers", body(catalog, personas, documents=[]), **headers)
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    good = post_json(client, "/api/v1/dossiers", body(catalog, personas), **headers)
    assert good.status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_retries_with_one_key_store_one_dossier(personas, catalog, bearer):
    """Two copies of one request at the same moment: the unique key lets one through, the other gets it."""
    import threading

    from django.db import connections

    headers = {**bearer(personas.officer), "HTTP_IDEMPOTENCY_KEY": "race-1"}
    data = body(catalog, personas)
    gate = threading.Barrier(4)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        try:
            gate.wait()
            r = post_json(Client(), "/api/v1/dossiers", data, **headers)
            answers.append((r.status_code, r.json().get("code", r.content.decode())))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _code in answers) == [200, 200, 200, 201], answers
    assert len({code for _status, code in answers}) == 1
    assert Dossier.objects.count() == 1 and DossierMonth.objects.get().received == 1


# --- Filing online --------------------------------------------------------------------------------


def online_form(catalog, personas, files: dict | None = None, **changes) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"procedure": catalog.birth.code, "unit": personas.ward.code, **APPLICANT, **changes}
    if files is None:
        files = {f"doc_{pk}": ("to-khai.pdf", PDF) for pk in required_ids(catalog.birth)}
    for name, (filename, content) in files.items():
        data[name] = SimpleUploadedFile(filename, content)
    return data


def test_anonymous_online_filing_gives_the_token_that_opens_the_full_view(client, personas, catalog):
    r = client.post("/api/v1/dossiers/online", online_form(catalog, personas))
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["channel"] == "online" and out["citizen_token"]
    dossier = Dossier.objects.get(code=out["code"])
    assert dossier.applicant is None and dossier.received_by is None
    paper = dossier.documents.get()
    assert paper.size == len(PDF) and paper.content_type == "application/pdf" and paper.file
    full = client.get(f"/api/v1/dossiers/{out['code']}", {"t": out["citizen_token"]}).json()
    assert full["view"] == "full" and full["applicant_phone"] == "0903123456"
    assert full["documents"][0]["has_file"] is True
    public = client.get(f"/api/v1/dossiers/{out['code']}", {"t": "sai-ma"}).json()
    assert public["view"] == "public" and public["applicant_phone"] is None


def test_citizen_files_online_with_a_token_and_reads_it_back(client, bearer, personas, catalog):
    r = client.post("/api/v1/dossiers/online", online_form(catalog, personas), **bearer(personas.citizen))
    assert r.status_code == 201, r.content
    dossier = Dossier.objects.get(code=r.json()["code"])
    assert dossier.applicant == personas.citizen
    mine = client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(personas.citizen)).json()
    assert mine["view"] == "full"


def test_online_filing_is_open_to_every_persona_and_links_the_account(client, bearer, personas, catalog):
    for i, (name, user) in enumerate(personas.all_roles().items()):
        # each their own phone: one number may be given on a few online filings a day only
        form = online_form(catalog, personas, applicant_phone=f"09120001{i:02d}")
        r = client.post("/api/v1/dossiers/online", form, **bearer(user))
        assert r.status_code == 201, (name, r.content)
        assert Dossier.objects.get(code=r.json()["code"]).applicant == user
    assert Dossier.objects.filter(channel="online", received_by__isnull=True).count() == 9


def test_online_retry_with_the_same_key_is_one_dossier(client, personas, catalog):
    first = client.post("/api/v1/dossiers/online", online_form(catalog, personas), HTTP_IDEMPOTENCY_KEY="o-1")
    again = client.post("/api/v1/dossiers/online", online_form(catalog, personas), HTTP_IDEMPOTENCY_KEY="o-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"] and Dossier.objects.count() == 1
    assert DossierDocument.objects.count() == 1
    # Someone else (same address, e.g. behind one proxy) replaying the key with other data gets their
    # own dossier, never the first one and its token.
    stranger = online_form(catalog, personas, applicant_name="Lê Văn Khác", applicant_phone="0911222333")
    other = client.post("/api/v1/dossiers/online", stranger, HTTP_IDEMPOTENCY_KEY="o-1")
    assert other.status_code == 201 and other.json()["code"] != first.json()["code"]
    assert other.json()["citizen_token"] != first.json()["citizen_token"]


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ("wrong_type", 400, "documents"),
        ("missing_file", 400, "documents"),
        ("bad_name", 400, "documents"),
        ("other_procedure_paper", 400, "documents"),
        ("level_2", 400, "procedure"),
        ("no_contact", 400, "applicant_phone"),
        ("letters_for_a_phone", 400, "applicant_phone"),
        ("unknown_procedure", 404, "procedure"),
    ],
)
def test_bad_online_filing_names_the_field_and_stores_nothing(client, personas, catalog, case, status, field):
    doc = required_ids(catalog.birth)[0]
    forms = {
        "wrong_type": lambda: online_form(catalog, personas, {f"doc_{doc}": ("to-khai.pdf", b"MZ\x90 exe")}),
        "missing_file": lambda: online_form(catalog, personas, {}),
        "bad_name": lambda: online_form(catalog, personas, {"file": ("to-khai.pdf", PDF)}),
        "other_procedure_paper": lambda: online_form(
            catalog, personas, {f"doc_{required_ids(catalog.land)[0]}": ("a.pdf", PDF)}
        ),
        "level_2": lambda: online_form(
            catalog, personas, {f"doc_{required_ids(catalog.copy)[0]}": ("a.pdf", PDF)}, procedure="CT-01"
        ),
        "no_contact": lambda: online_form(catalog, personas, applicant_phone="", applicant_email=""),
        "letters_for_a_phone": lambda: online_form(
            catalog, personas, applicant_phone="abc", applicant_email="an@example.vn"
        ),
        "unknown_procedure": lambda: online_form(catalog, personas, procedure="KHONG-CO"),
    }
    before = counts()
    r = client.post("/api/v1/dossiers/online", forms[case]())
    assert r.status_code == status, r.content
    assert r.json()["field"] == field
    assert counts() == before


# --- Reading: full view for handlers and the applicant, public view for everyone else -------------


@pytest.mark.parametrize(
    ("role", "view"),
    [
        ("officer", "full"),
        ("deputy", "full"),
        ("head", "full"),
        ("leader", "full"),
        ("operator", "public"),
        ("inspector", "public"),
        ("admin", "public"),
        ("citizen", "public"),
        ("outsider", "public"),
        ("other_head", "public"),
        ("department_head", "public"),  # the birth procedure never reaches the department
        (None, "public"),
    ],
)
def test_dossier_view_by_persona_masks_personal_data(client, bearer, personas, catalog, receive, role, view):
    from citydesk.dossiers.services import Applicant

    dossier = receive(
        applicant=Applicant(
            name=APPLICANT["applicant_name"],
            id_number=APPLICANT["applicant_id_number"],
            phone=APPLICANT["applicant_phone"],
            email=APPLICANT["applicant_email"],
            address=APPLICANT["applicant_address"],
        )
    )
    headers = bearer(getattr(personas, role)) if role else {}
    r = client.get(f"/api/v1/dossiers/{dossier.code.lower()}", **headers)
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["view"] == view and out["code"] == dossier.code and len(out["steps"]) == 3
    text = r.content.decode()
    if view == "full":
        assert out["applicant_id_number"] == "079123456789" and out["allowed_actions"]
        assert out["events"][0]["actor"] == personas.officer.full_name
    else:
        for value in (*PERSONAL, personas.officer.full_name, dossier.citizen_token):
            assert value not in text
        assert out["documents"] is None and out["events"][0]["note"] is None
        assert out["status"] == "received" and out["unit_name"] == personas.ward.name


def test_department_officers_see_the_inter_agency_dossier_in_full(client, bearer, personas, catalog, receive):
    """Once their step has begun (before, the dossier is the ward's alone: its applicant's data too)."""
    from citydesk.dossiers.services import dossier_transition

    dossier = receive(catalog.land)
    for user in (catalog.department_officer, personas.department_head):
        assert client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(user)).json()["view"] == "public"
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    for user in (catalog.department_officer, personas.department_head):
        assert client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(user)).json()["view"] == "full"


def test_unknown_dossier_is_404(client):
    r = client.get("/api/v1/dossiers/HS-26-999999")
    assert r.status_code == 404 and r.json()["field"] == "code"


# --- Actions --------------------------------------------------------------------------------------


def test_the_whole_process_through_the_api(client, bearer, personas, catalog, receive):
    dossier = receive()
    r = action_as(client, bearer, personas.officer, dossier, "forward", note="Đủ giấy tờ")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "in_progress" and r.json()["current_step"] == 2 and r.json()["version"] == 2
    assert action_as(client, bearer, personas.officer, dossier, "forward").status_code == 200
    # Step 3 is the head's: an officer cannot sign the result.
    before = counts()
    assert action_as(client, bearer, personas.officer, dossier, "finish", note="Đã cấp").status_code == 403
    assert counts() == before
    r = action_as(client, bearer, personas.head, dossier, "finish", note="Đã cấp giấy khai sinh")
    assert r.status_code == 200 and r.json()["status"] == "result_ready" and r.json()["punctuality"]
    r = action_as(client, bearer, personas.officer, dossier, "return_result", result_method="desk")
    assert r.status_code == 200 and r.json()["status"] == "returned"


def test_inter_agency_step_belongs_to_the_department(client, bearer, personas, catalog, receive):
    dossier = receive(catalog.land)
    assert action_as(client, bearer, personas.officer, dossier, "forward").status_code == 200
    before = counts()
    # The ward officer (and another ward) cannot act on the department's step.
    for user in (personas.officer, personas.outsider, personas.other_head):
        r = action_as(client, bearer, user, dossier, "forward")
        assert r.status_code == 403, (user, r.content)
    assert counts() == before
    r = action_as(client, bearer, catalog.department_officer, dossier, "forward")
    assert r.status_code == 200 and r.json()["steps"][2]["unit"] == "79"


@pytest.mark.parametrize(
    "role", ["operator", "inspector", "admin", "citizen", "outsider", "other_head", "department_head", None]
)
def test_others_cannot_act_and_nothing_changes(client, bearer, personas, catalog, receive, role):
    dossier = receive()
    before = counts()
    r = action_as(client, bearer, getattr(personas, role) if role else None, dossier, "forward")
    assert r.status_code == (403 if role else 401), r.content  # no credentials at all: 401
    assert counts() == before
    assert Dossier.objects.get(pk=dossier.pk).version == 1


def test_stale_version_is_409_and_changes_nothing(client, bearer, personas, catalog, receive):
    dossier = receive()
    assert action_as(client, bearer, personas.officer, dossier, "forward").status_code == 200
    before = counts()
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "forward", "version": 1},
        **bearer(personas.officer),
    )
    assert r.status_code == 409 and r.json()["field"] == "version"
    assert counts() == before and Dossier.objects.get(pk=dossier.pk).version == 2


def test_supplement_on_a_finished_dossier_is_409(client, bearer, personas, catalog, receive):
    dossier = receive(catalog.copy)
    r = action_as(client, bearer, personas.officer, dossier, "finish", note="Đã chứng thực")
    assert r.status_code == 200 and r.json()["status"] == "result_ready"
    before = counts()
    for action in ("request_supplement", "supplement_received", "refuse"):
        r = action_as(client, bearer, personas.officer, dossier, action, note="Thiếu giấy")
        assert r.status_code == 409 and r.json()["field"] == "action", (action, r.content)
    assert counts() == before and Dossier.objects.get(pk=dossier.pk).status == Status.RESULT_READY


def test_a_move_the_status_does_not_allow_is_named_by_its_label(client, bearer, personas, catalog, receive):
    from citydesk.dossiers.workflow import action_label

    dossier = receive()
    assert action_as(client, bearer, personas.officer, dossier, "forward").status_code == 200
    before = counts()
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "return_result", "version": 2, "result_method": "desk"},
        **bearer(personas.officer),
    )
    assert r.status_code == 409 and r.json()["field"] == "action"
    detail = r.json()["detail"]
    assert "return_result" not in detail
    assert action_label("return_result") in detail and str(Status.IN_PROGRESS.label) in detail
    assert counts() == before and Dossier.objects.get(pk=dossier.pk).version == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "bay-di"}, "action"),
        ({"action": "finish", "note": ""}, "action"),  # step 1 of 3 is not the last one
        ({"action": "request_supplement", "note": ""}, "note"),
        ({"action": "request_supplement", "papers": [999999]}, "papers"),  # not a paper of HT-01
        ({"action": "forward", "papers": [1]}, "papers"),  # only a request for papers names papers
        ({"action": "refuse", "note": " "}, "note"),
    ],
)
def test_bad_action_input_names_the_field(client, bearer, personas, catalog, receive, data, field):
    dossier = receive()
    before = counts()
    payload = {**data, "version": dossier.version}
    r = post_json(client, f"/api/v1/dossiers/{dossier.code}/actions", payload, **bearer(personas.officer))
    assert r.status_code in (400, 409) and r.json()["field"] == field, r.content
    assert counts() == before


def test_supplement_stops_the_clock_and_the_desk_resumes_it(client, bearer, personas, catalog, receive):
    dossier = receive()
    r = action_as(
        client, bearer, personas.officer, dossier, "request_supplement", note="Bổ sung bản sao CCCD"
    )
    assert r.status_code == 200 and r.json()["paused"] is True and r.json()["status"] == "supplement"
    r = action_as(client, bearer, personas.officer, dossier, "supplement_received")
    assert r.status_code == 200 and r.json()["paused"] is False


def test_a_request_for_papers_names_them_by_id_and_the_view_lists_them(
    client, bearer, personas, catalog, receive
):
    dossier = receive()
    paper = catalog.birth.documents.get(required=False)
    r = action_as(
        client, bearer, personas.officer, dossier, "request_supplement", papers=[paper.pk], note="Bản rõ nét"
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["papers_asked"] == [{"id": paper.pk, "name": paper.name, "name_en": paper.name_en}]
    request = next(e for e in body["events"] if e["kind"] == "supplement_requested")
    assert request["papers"] == [paper.pk] and request["note"] == f"{paper.name}. Bản rõ nét"
    assert all(e["papers"] is None for e in body["events"] if e["kind"] != "supplement_requested")
    # The public view says nothing of them; once the papers are in, none are asked for.
    public = client.get(f"/api/v1/dossiers/{dossier.code}").json()
    assert public["papers_asked"] is None and all(e["papers"] is None for e in public["events"])
    r = action_as(client, bearer, personas.officer, dossier, "supplement_received")
    assert r.status_code == 200 and r.json()["papers_asked"] == []


def test_applicant_withdraws_with_the_citizen_token(client, personas, catalog, receive):
    dossier = receive()
    url = f"/api/v1/dossiers/{dossier.code}/actions"
    wrong = post_json(client, url, {"action": "withdraw", "token": "sai-ma", "version": 1})
    assert wrong.status_code == 401  # a wrong citizen token is no credential
    r = post_json(client, url, {"action": "withdraw", "token": dossier.citizen_token, "version": 1})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"


def test_session_writes_need_the_csrf_token(personas, catalog, receive):
    dossier = receive()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.officer)
    r = post_json(browser, f"/api/v1/dossiers/{dossier.code}/actions", {"action": "forward", "version": 1})
    assert r.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).version == 1
    # Reading with the session needs no token.
    assert browser.get(f"/api/v1/dossiers/{dossier.code}").json()["view"] == "full"


# --- The officer's queue --------------------------------------------------------------------------


def queue(client, headers, **query):
    return client.get("/api/v1/dossiers", query, **headers)


def test_queue_lists_my_units_active_steps_in_due_order(client, bearer, personas, catalog, receive):
    now = timezone.localtime()
    late = receive(when=at(2026, 10, 5, 9, 0))  # long past its due time
    fresh = receive(when=now)
    same_day = receive(catalog.copy, when=now)
    elsewhere = receive(
        unit_code=personas.other_ward.code, user=personas.other_head, when=at(2026, 10, 5, 9, 0)
    )
    done = receive(catalog.copy, when=at(2026, 10, 6, 9, 0))
    action_as(client, bearer, personas.officer, done, "finish", note="Xong")
    r = queue(client, bearer(personas.officer))
    assert r.status_code == 200, r.content
    out = r.json()
    codes = [i["code"] for i in out["items"]]
    # The active steps by due time, then the results ready to hand over (no step left), as the web queue.
    assert out["count"] == 4 and set(codes) == {late.code, fresh.code, same_day.code, done.code}
    assert codes[0] == late.code and out["items"][0]["overdue"] is True
    assert codes[-1] == done.code and out["items"][-1]["step"] is None
    dues = [i["step"]["due_at"] for i in out["items"][:3]]
    assert dues == sorted(dues)
    assert out["items"][0]["applicant_name"] == "Nguyễn Văn An" and out["items"][0]["allowed_actions"]
    assert elsewhere.code not in codes
    active = queue(client, bearer(personas.officer), status="in_progress").json()
    assert done.code not in [i["code"] for i in active["items"]]
    overdue = queue(client, bearer(personas.officer), overdue="true").json()
    assert [i["code"] for i in overdue["items"]] == [late.code]
    page = queue(client, bearer(personas.officer), limit=1, offset=1).json()
    assert page["count"] == 4 and [i["code"] for i in page["items"]] == [codes[1]]
    other = queue(client, bearer(personas.outsider)).json()
    assert [i["code"] for i in other["items"]] == [elsewhere.code]
    city = queue(client, bearer(personas.leader)).json()
    assert city["count"] == 5


def test_queue_follows_the_step_to_the_department(client, bearer, personas, catalog, receive):
    dossier = receive(catalog.land)
    assert queue(client, bearer(catalog.department_officer)).json()["count"] == 0
    action_as(client, bearer, personas.officer, dossier, "forward")
    items = queue(client, bearer(catalog.department_officer)).json()["items"]
    assert [(i["code"], i["step"]["unit"]) for i in items] == [(dossier.code, "79.SXD")]
    assert queue(client, bearer(personas.officer)).json()["count"] == 0


def test_queue_query_count_does_not_grow_with_the_page(client, bearer, personas, catalog, receive):
    headers = bearer(personas.officer)
    receive()
    receive(catalog.land)
    queue(client, headers)  # warm caches
    with CaptureQueriesContext(connection) as few:
        assert queue(client, headers).status_code == 200
    for day in range(7, 12):
        receive(when=at(2026, 12, day, 9, 0))
        receive(catalog.copy, when=at(2026, 12, day, 10, 0))
    with CaptureQueriesContext(connection) as many:
        assert queue(client, headers).json()["count"] == 12
    assert len(many) == len(few) <= 10, [q["sql"] for q in many.captured_queries]


@pytest.mark.parametrize("role", ["operator", "inspector", "admin", "citizen"])
def test_queue_is_for_dossier_officers_only(client, bearer, personas, catalog, role):
    r = queue(client, bearer(getattr(personas, role)))
    assert r.status_code == 403 and r.json()["detail"]


def test_queue_needs_authentication_and_my_own_unit(client, bearer, personas, catalog):
    assert client.get("/api/v1/dossiers").status_code == 401
    r = queue(client, bearer(personas.officer), unit=personas.other_ward.code)
    assert r.status_code == 403 and r.json()["field"] == "unit"
    assert queue(client, bearer(personas.officer), unit=personas.ward.code).status_code == 200


# --- OpenAPI --------------------------------------------------------------------------------------


def test_openapi_documents_every_dossier_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/procedures": {"get"},
        "/api/v1/procedures/{code}": {"get"},
        "/api/v1/dossiers": {"get", "post"},
        "/api/v1/dossiers/online": {"post"},
        "/api/v1/dossiers/{code}": {"get"},
        "/api/v1/dossiers/{code}/actions": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    form = paths["/api/v1/dossiers/online"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert "applicant_name" in form["schema"]["properties"]
    assert form["schema"]["patternProperties"]["^doc_[0-9]+$"]["format"] == "binary"
