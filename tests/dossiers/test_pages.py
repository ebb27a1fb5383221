"""The one-stop pages: the desk, the receipt, the officer queue and dossier page, online filing, lookup.

Every page for every persona; every bad input of the issue gives a 4xx naming the field with nothing
stored; a stale version gives 409 and changes nothing; personal data only for the handlers and the
applicant. Assertions are on data (codes, names, statuses, field ids), not on translated phrases.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citydesk.core.models import AuditEntry
from citydesk.dossiers.models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierMonth,
    Shipment,
    Status,
)
from citydesk.dossiers.receipt import qr_svg, receipt_html
from citydesk.dossiers.services import Applicant, Upload, dossier_receive, dossier_transition
from citydesk.notifications.models import Notification
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a small test file\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def has_field_error(response: Any, field: str) -> bool:
    return f'data-field="{field}"' in html(response)


def nothing_received() -> bool:
    return (
        not Dossier.objects.exists()
        and not DossierMonth.objects.exists()
        and not AuditEntry.objects.filter(action="dossier.receive").exists()
    )


def desk_post(catalog: Any, personas: Any, **overrides: Any) -> dict[str, Any]:
    required = [d.pk for d in catalog.birth.documents.all() if d.required]
    data: dict[str, Any] = {
        "unit": personas.ward.code,
        "procedure": catalog.birth.code,
        "documents": required,
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0903 123 456",
        "applicant_address": "12 Lê Lợi",
        "channel": "desk",
    }
    data.update(overrides)
    return data


# --- The desk -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer", 200),
        ("deputy", 200),
        ("head", 200),
        ("leader", 200),
        ("outsider", 200),  # an officer of another ward: their own ward's desk
        ("operator", 403),
        ("inspector", 403),
        ("admin", 403),
        ("citizen", 403),
    ],
)
def test_desk_page_by_persona(client, personas, catalog, persona, status):
    response = login(client, getattr(personas, persona)).get("/mot-cua/")
    assert response.status_code == status


def test_desk_needs_a_login(client, catalog):
    response = client.get("/mot-cua/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_desk_lists_only_what_the_unit_receives_and_searches_without_accents(client, personas, catalog):
    login(client, personas.officer)
    page = html(client.get("/mot-cua/"))
    assert all(code in page for code in ("HT-01", "CT-01", "DD-01"))
    # Typed without accents: one match, so its checklist opens with the required paper marked.
    response = client.get("/mot-cua/", {"q": "dang ky khai sinh"})
    page = html(response)
    assert 'data-testid="procedure">HT-01' in page
    required = catalog.birth.documents.get(required=True)
    optional = catalog.birth.documents.get(required=False)
    assert re.search(rf'value="{required.pk}"[^>]*data-required="1"', page)
    assert not re.search(rf'value="{optional.pk}"[^>]*data-required="1"', page)
    # The department's desk lists its own procedure only.
    login(client, catalog.department_officer)
    page = html(client.get("/mot-cua/"))
    assert "DD-01" in page and "HT-01" not in page and "CT-01" not in page
    response = client.get("/mot-cua/", {"procedure": "HT-01"})
    assert response.status_code == 404 and "HT-01" not in html(response).split("desk-procedures")[1]


def test_desk_receives_a_dossier_and_shows_the_code_and_due_time(client, personas, catalog):
    login(client, personas.officer)
    response = client.post("/mot-cua/", desk_post(catalog, personas))
    dossier = Dossier.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/mot-cua/ho-so/{dossier.code}/da-tiep-nhan/"
    )
    assert dossier.applicant_phone == "0903123456" and dossier.channel == "desk"
    assert dossier.received_by == personas.officer
    assert [d.requirement.required for d in dossier.documents.all()] == [True]
    page = html(client.get(response["Location"]))
    assert dossier.code in page
    assert f"{dossier.due_at.astimezone(at(2026, 1, 1).tzinfo):%d/%m/%Y %H:%M}" in page
    assert f"/mot-cua/ho-so/{dossier.code}/bien-nhan.pdf" in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("officer", 200), ("head", 200), ("leader", 200), ("outsider", 403), ("citizen", 403), (None, 302)],
)
def test_received_page_by_persona(client, personas, catalog, receive, persona, status):
    dossier = receive()
    if persona:
        login(client, getattr(personas, persona))
    response = client.get(f"/mot-cua/ho-so/{dossier.code}/da-tiep-nhan/")
    assert response.status_code == status
    assert ("Nguyễn Văn An" in html(response)) == (status == 200)


def test_desk_by_post_needs_the_address(client, personas, catalog):
    login(client, personas.officer)
    response = client.post("/mot-cua/", desk_post(catalog, personas, channel="post", applicant_address=""))
    assert response.status_code == 400 and has_field_error(response, "applicant_address")
    assert nothing_received()
    response = client.post("/mot-cua/", desk_post(catalog, personas, channel="post"))
    assert response.status_code == 302 and Dossier.objects.get().channel == "post"


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"procedure": "XX-99"}, 404, "procedure"),
        ({"documents": []}, 400, "documents"),
        ({"documents": ["abc"]}, 400, "documents"),
        ({"applicant_name": "  "}, 400, "applicant_name"),
        ({"applicant_phone": "12"}, 400, "applicant_phone"),
        ({"applicant_phone": "abc"}, 400, "applicant_phone"),  # letters are refused, not dropped
        ({"applicant_phone": "0903 123 456 ext"}, 400, "applicant_phone"),
        ({"applicant_id_number": "12ab"}, 400, "applicant_id_number"),
        ({"applicant_email": "not-an-address"}, 400, "applicant_email"),
        ({"channel": "fax"}, 400, "channel"),
    ],
)
def test_desk_bad_input_is_refused_next_to_the_field_and_stores_nothing(
    client, personas, catalog, overrides, status, field
):
    login(client, personas.officer)
    response = client.post("/mot-cua/", desk_post(catalog, personas, **overrides))
    assert response.status_code == status
    assert has_field_error(response, field)
    assert nothing_received()
    page = html(response)
    if field not in ("applicant_name", "procedure"):  # the form is kept
        assert 'value="Nguyễn Văn An"' in page


def test_desk_keeps_the_typed_phone_next_to_its_error(client, personas, catalog):
    login(client, personas.officer)
    response = client.post("/mot-cua/", desk_post(catalog, personas, applicant_phone="abc"))
    assert response.status_code == 400 and has_field_error(response, "applicant_phone")
    assert re.search(r'id="id_applicant_phone" name="applicant_phone" value="abc"', html(response))
    assert nothing_received()
    # The usual ways of writing a number are accepted.
    response = client.post("/mot-cua/", desk_post(catalog, personas, applicant_phone="(090) 312-3456"))
    assert response.status_code == 302 and Dossier.objects.get().applicant_phone == "0903123456"


def test_desk_refuses_receiving_for_another_unit(client, personas, catalog):
    login(client, personas.officer)
    response = client.post("/mot-cua/", desk_post(catalog, personas, unit=personas.other_ward.code))
    assert response.status_code == 403
    assert nothing_received()


def test_desk_opens_a_rating_transaction_for_the_kiosk(client, personas, catalog, receive):
    pytest.importorskip("citydesk.ratings.services")
    from citydesk.ratings.models import DeskTransaction
    from tests.ratings.kiosks import pair_kiosk

    pair_kiosk("BT-QUAY-1", personas.ward)  # the tablet beside this desk
    dossier = receive()
    login(client, personas.officer)
    session = client.session
    session["ratings_kiosk"] = "BT-QUAY-1"
    session.save()
    page = html(client.get(f"/mot-cua/ho-so/{dossier.code}/da-tiep-nhan/"))
    assert f"/mot-cua/ho-so/{dossier.code}/danh-gia/" in page
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/danh-gia/")
    assert response.status_code == 302
    desk = DeskTransaction.objects.get()
    assert (desk.dossier_id, desk.kiosk, desk.officer_id) == (dossier.pk, "BT-QUAY-1", personas.officer.pk)
    assert desk.code in html(client.get(f"/mot-cua/ho-so/{dossier.code}/da-tiep-nhan/"))
    login(client, personas.outsider)
    assert client.post(f"/mot-cua/ho-so/{dossier.code}/danh-gia/").status_code == 403
    assert DeskTransaction.objects.count() == 1


# --- The receipt ----------------------------------------------------------------------------------


def test_receipt_html_has_the_code_the_due_date_and_a_qr_code(personas, catalog, receive):
    dossier = receive()
    papers = list(dossier.documents.all())
    page = receipt_html(dossier, papers)
    assert dossier.code in page and dossier.applicant_name in page and "Tờ khai" in page
    assert f"{dossier.due_at.astimezone(at(2026, 1, 1).tzinfo):%d/%m/%Y}" in page
    assert f"/ho-so/tra-cuu/{dossier.code}/" in page
    svg = qr_svg(f"https://x/ho-so/tra-cuu/{dossier.code}/")
    assert (
        svg.startswith("<svg")
        and "<path" in svg
        and svg in qr_svg(f"https://x/ho-so/tra-cuu/{dossier.code}/")
    )
    assert re.search(r"<svg[^>]*>.*<path", page, re.S)
    assert qr_svg("A") != qr_svg("B")


def _pdf_text(data: bytes) -> str:
    try:
        import pypdf
    except ImportError:
        return ""
    import io

    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _pdf_streams(data: bytes) -> bytes:
    """The PDF's streams, inflated (its metadata sits in a compressed object stream)."""
    import zlib

    out = []
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            out.append(zlib.decompress(data[match.end() : end]))
        except zlib.error:
            continue
    return b"\n".join(out)


@pytest.mark.parametrize("persona", ["officer", "deputy", "head", "leader"])
def test_receipt_pdf_for_the_handling_officers(client, personas, catalog, receive, persona):
    dossier = receive()
    response = login(client, getattr(personas, persona)).get(f"/mot-cua/ho-so/{dossier.code}/bien-nhan.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    if text:
        assert dossier.code in text
    else:  # without pypdf: the document's title (the PDF's metadata) is the dossier's code
        assert f"/Title ({dossier.code})".encode() in _pdf_streams(data)


@pytest.mark.parametrize(
    "persona", ["outsider", "other_head", "department_head", "citizen", "admin", "inspector"]
)
def test_receipt_refused_to_others(client, personas, catalog, receive, persona):
    dossier = receive()
    response = login(client, getattr(personas, persona)).get(f"/mot-cua/ho-so/{dossier.code}/bien-nhan.pdf")
    assert response.status_code == 403


def test_receipt_for_the_applicant_by_token_only(client, personas, catalog, receive):
    dossier = receive()
    url = f"/mot-cua/ho-so/{dossier.code}/bien-nhan.pdf"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert client.get(url, {"t": "wrong"}).status_code == 302
    response = client.get(url, {"t": dossier.citizen_token})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


# --- The queue ------------------------------------------------------------------------------------


def _rows(response: Any) -> dict[str, str]:
    """code → "1" when the current step is at one of my units, "0" when it is elsewhere (read-only)."""
    return dict(re.findall(r'data-code="([^"]+)" data-mine="([01])"', html(response)))


def test_queue_by_persona(client, personas, catalog, receive):
    birth = receive()
    land = receive(catalog.land)
    land = dossier_transition(user=personas.officer, code=land.code, action="forward")  # to the department
    for persona in ("officer", "deputy", "head"):
        rows = _rows(login(client, getattr(personas, persona)).get("/mot-cua/ho-so/"))
        assert rows == {birth.code: "1", land.code: "0"}, persona
    page = html(client.get("/mot-cua/ho-so/"))
    assert personas.department.name in page  # "at Sở Xây dựng"
    assert _rows(login(client, catalog.department_officer).get("/mot-cua/ho-so/")) == {land.code: "1"}
    assert _rows(login(client, personas.leader).get("/mot-cua/ho-so/")) == {birth.code: "1", land.code: "1"}
    assert _rows(login(client, personas.outsider).get("/mot-cua/ho-so/")) == {}
    for persona in ("citizen", "admin", "inspector", "operator"):
        assert login(client, getattr(personas, persona)).get("/mot-cua/ho-so/").status_code == 403, persona
    client.logout()
    response = client.get("/mot-cua/ho-so/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_queue_order_flags_and_filters(client, personas, catalog, receive):
    late = receive(when=at(2020, 12, 7, 9, 0))  # long overdue
    later = receive(catalog.copy, when=at(2035, 12, 4, 9, 0))
    done = receive(catalog.copy, when=at(2035, 12, 4, 10, 0))
    dossier_transition(user=personas.officer, code=done.code, action="finish", note="Đã chứng thực")
    dossier_transition(user=personas.officer, code=done.code, action="return_result", result_method="desk")
    login(client, personas.officer)
    response = client.get("/mot-cua/ho-so/")
    page = html(response)
    assert list(_rows(response)) == [late.code, later.code]  # due order; the returned one is not work
    assert re.search(rf'class="overdue"[^>]*data-code="{late.code}"', page)
    assert not re.search(rf'class="overdue"[^>]*data-code="{later.code}"', page)
    assert list(_rows(client.get("/mot-cua/ho-so/", {"overdue": "1"}))) == [late.code]
    assert list(_rows(client.get("/mot-cua/ho-so/", {"procedure": "CT-01"}))) == [later.code]
    assert list(_rows(client.get("/mot-cua/ho-so/", {"status": "returned"}))) == [done.code]
    assert set(_rows(client.get("/mot-cua/ho-so/", {"status": "all"}))) == {late.code, later.code, done.code}
    assert list(_rows(client.get("/mot-cua/ho-so/", {"q": later.code.lower()}))) == [later.code]


def test_queue_pages_in_a_fixed_number_of_queries(client, personas, catalog, receive, monkeypatch):
    from citydesk.dossiers.views import officer

    monkeypatch.setattr(officer, "PAGE_SIZE", 5)
    land = receive(catalog.land)
    dossier_transition(user=personas.officer, code=land.code, action="forward")
    for day in (1, 2):
        receive(when=at(2026, 12, day, 9, 0))
    login(client, personas.officer)
    client.get("/mot-cua/ho-so/")  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert len(_rows(client.get("/mot-cua/ho-so/"))) == 3
    for day in range(3, 15):
        receive(catalog.copy, when=at(2026, 12, day, 9, 0))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/mot-cua/ho-so/")
    assert len(_rows(response)) == 5
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as last:
        assert len(_rows(client.get("/mot-cua/ho-so/", {"page": 3}))) == 5
    assert len(last) == len(few)
    assert "page=2" in html(response)


# --- The dossier page -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer", 200),
        ("deputy", 200),
        ("head", 200),
        ("leader", 200),
        ("outsider", 403),
        ("other_head", 403),
        ("department_head", 403),  # the birth procedure never goes to the department
        ("operator", 403),
        ("inspector", 403),
        ("admin", 403),
        ("citizen", 403),
    ],
)
def test_dossier_page_by_persona(client, personas, catalog, receive, persona, status):
    dossier = receive()
    response = login(client, getattr(personas, persona)).get(f"/mot-cua/ho-so/{dossier.code}/")
    assert response.status_code == status
    page = html(response)
    assert ("0903123456" in page) == (status == 200)  # personal data for the handlers only
    assert ("an@example.vn" in page) == (status == 200)


def test_dossier_page_needs_a_login_and_a_known_code(client, personas, catalog, receive):
    dossier = receive()
    response = client.get(f"/mot-cua/ho-so/{dossier.code}/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    assert login(client, personas.officer).get("/mot-cua/ho-so/HS-26-999999/").status_code == 404


def test_inter_agency_dossier_for_the_department_and_the_receiving_ward(client, personas, catalog, receive):
    dossier = receive(catalog.land)
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    url = f"/mot-cua/ho-so/{dossier.code}/"
    page = html(login(client, catalog.department_officer).get(url))
    assert 'data-action="forward"' in page and "0903123456" in page
    assert login(client, personas.department_head).get(url).status_code == 200
    # The receiving ward still sees it: no step action while it is at the department's step, only the
    # desk's own (withdrawing at the applicant's request, recording the fee paid at the desk).
    page = html(login(client, personas.officer).get(url))
    assert re.findall(r'data-action="(\w+)"', page) == ["record_payment", "withdraw"]  # the fee first
    # Acting anyway is refused and changes nothing.
    response = client.post(url + "thao-tac/", {"action": "forward", "version": dossier.version})
    assert response.status_code == 403
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.version, fresh.current_step.unit_id) == (dossier.version, personas.department.pk)
    assert login(client, personas.outsider).get(url).status_code == 403


def test_actions_offered_follow_the_step_and_the_role(client, personas, catalog, receive):
    dossier = receive()
    url = f"/mot-cua/ho-so/{dossier.code}/"
    page = html(login(client, personas.officer).get(url))
    for action in ("forward", "request_supplement", "refuse", "withdraw"):
        assert f'data-action="{action}"' in page, action
    # The moves that end the dossier come last, outlined rather than in the main button's red.
    assert re.findall(r'data-action="(\w+)"', page)[-2:] == ["refuse", "withdraw"]
    assert (
        re.search(r'class="ending" data-action="refuse"', page)
        and 'class="primary" data-action="forward"' in page
    )
    assert 'data-action="finish"' not in page  # not the last step
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    page = html(client.get(url))  # the approval step is the head's or deputy's
    assert 'data-action="finish"' not in page and 'data-action="withdraw"' in page
    page = html(login(client, personas.head).get(url))
    assert 'data-action="finish"' in page and 'data-action="forward"' not in page


def test_forward_through_the_page_and_a_stale_version_is_a_conflict(client, personas, catalog, receive):
    dossier = receive()
    seen = dossier.version
    url = f"/mot-cua/ho-so/{dossier.code}/thao-tac/"
    login(client, personas.officer)
    response = client.post(url, {"action": "forward", "version": seen, "note": "Đủ giấy tờ"})
    assert response.status_code == 302
    moved = Dossier.objects.get(pk=dossier.pk)
    assert moved.current_step.position == 2 and moved.version == seen + 1
    # The officer is told where it went (the status, "in progress", did not change).
    said = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert said == [
        f"{dossier.code}: đã xong bước; hồ sơ chuyển sang bước 2 “Thẩm định”, "
        "chờ cán bộ, công chức của UBND Phường Bến Thành xử lý."
    ]
    # The applicant was told of the receipt, not of an internal step (the tracking page shows it).
    assert Notification.objects.filter(subject__contains=dossier.code).count() == 1
    events = DossierEvent.objects.filter(dossier=dossier).count()
    # The deputy had the page open at the old version.
    login(client, personas.deputy)
    response = client.post(url, {"action": "forward", "version": seen})
    assert response.status_code == 409
    assert 'data-testid="reload"' in html(response) and 'data-kind="conflict"' in html(response)
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.version, fresh.current_step.position) == (seen + 1, 2)
    assert DossierEvent.objects.filter(dossier=dossier).count() == events
    # Without a version the page refuses too.
    response = client.post(url, {"action": "forward"})
    assert response.status_code == 400 and Dossier.objects.get(pk=dossier.pk).version == seen + 1


def test_supplement_request_lists_the_papers_and_stops_the_clock(client, personas, catalog, receive):
    dossier = receive()
    form, id_copy = catalog.birth.documents.order_by("position")  # "Tờ khai", "Bản sao CCCD"
    login(client, personas.officer)
    page = html(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    assert f'name="papers" value="{id_copy.pk}"' in page  # the papers are ticked by their ids
    response = client.post(
        f"/mot-cua/ho-so/{dossier.code}/thao-tac/",
        {
            "action": "request_supplement",
            "version": dossier.version,
            "papers": [str(id_copy.pk)],
            "note": "Bản rõ nét",
        },
    )
    assert response.status_code == 302
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.status == Status.SUPPLEMENT and fresh.paused_at is not None
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.SUPPLEMENT_REQUESTED)
    assert event.note == "Bản sao CCCD. Bản rõ nét" and event.papers == [id_copy.pk]
    assert Notification.objects.filter(body__contains="Bản sao CCCD").exists()
    # The applicant's page says the appointment moves by the waiting time (it was shown as if fixed),
    # and its upload offers the paper asked for first; the others are folded away below it.
    citizen = type(client)()  # the applicant, by the link of the receipt (a phone number shows a summary)
    page = html(citizen.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token}))
    assert 'data-testid="due-moves"' in page
    asked = page.index('data-testid="asked-papers"')
    others = page.index('data-testid="other-papers"')
    assert asked < page.index(f'id="sup-{id_copy.pk}"') < others < page.index(f'id="sup-{form.pk}"')
    # The desk, recording papers brought in, sees which one was asked for.
    assert f'data-testid="asked-{id_copy.pk}"' in html(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    assert f'data-testid="asked-{form.pk}"' not in html(client.get(f"/mot-cua/ho-so/{dossier.code}/"))


def test_a_supplement_request_asked_only_in_words_offers_every_paper(client, personas, catalog, receive):
    dossier = receive()
    login(client, personas.officer)
    response = client.post(
        f"/mot-cua/ho-so/{dossier.code}/thao-tac/",
        {"action": "request_supplement", "version": dossier.version, "note": "Giấy chứng sinh bản gốc"},
    )
    assert response.status_code == 302
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.SUPPLEMENT_REQUESTED)
    assert event.papers == [] and event.note == "Giấy chứng sinh bản gốc"
    citizen = type(client)()  # the applicant, by the link of the receipt (a phone number shows a summary)
    page = html(citizen.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token}))
    assert 'data-testid="asked-papers"' not in page and 'data-testid="other-papers"' not in page
    for paper in catalog.birth.documents.all():
        assert f'id="sup-{paper.pk}"' in page


@pytest.mark.parametrize("ticked", ["999999", "Bản sao CCCD"])
def test_a_supplement_request_naming_a_paper_not_of_the_procedure_is_refused(
    client, personas, catalog, receive, ticked
):
    dossier = receive()
    other = catalog.copy.documents.first()
    login(client, personas.officer)
    for papers in ([ticked], [str(other.pk)]):
        response = client.post(
            f"/mot-cua/ho-so/{dossier.code}/thao-tac/",
            {"action": "request_supplement", "version": dossier.version, "papers": papers, "note": "x"},
        )
        assert response.status_code == 400
        page = html(response)
        assert 'id="err-request_supplement-papers"' in page and 'data-field="papers"' in page
        fresh = Dossier.objects.get(pk=dossier.pk)
        assert fresh.status == dossier.status and fresh.version == dossier.version
        assert not DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.SUPPLEMENT_REQUESTED)


def test_supplement_request_on_a_finished_dossier_is_refused(client, personas, catalog, receive):
    dossier = receive(catalog.copy)
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="finish", note="Đã chứng thực"
    )
    login(client, personas.officer)
    response = client.post(
        f"/mot-cua/ho-so/{dossier.code}/thao-tac/",
        {"action": "request_supplement", "version": dossier.version, "note": "Thiếu"},
    )
    assert response.status_code == 409
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.status, fresh.version, fresh.paused_at) == (Status.RESULT_READY, dossier.version, None)


def _page_error(response: Any) -> str:
    match = re.search(r'data-testid="page-error">([^<]*)<', html(response))
    assert match, html(response)
    return match.group(1)


def test_a_move_the_status_does_not_allow_is_not_called_a_conflict(client, personas, catalog, receive):
    from citydesk.dossiers.workflow import action_label

    dossier = receive()
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    url = f"/mot-cua/ho-so/{dossier.code}/thao-tac/"
    login(client, personas.officer)
    # Handing the result over while the dossier is being handled: its status, not someone else, refuses.
    response = client.post(
        url, {"action": "return_result", "version": dossier.version, "result_method": "desk"}
    )
    page = html(response)
    assert response.status_code == 409
    assert 'data-kind="not-now"' in page and 'data-testid="reload"' not in page
    message = _page_error(response)
    assert "return_result" not in message
    assert action_label("return_result") in message and str(Status.IN_PROGRESS.label) in message
    # Forwarding while the applicant is asked for papers: the same kind of refusal.
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD"
    )
    response = client.post(url, {"action": "forward", "version": dossier.version})
    assert response.status_code == 409 and 'data-kind="not-now"' in html(response)
    message = _page_error(response)
    assert "forward" not in message and action_label("forward") in message
    assert str(Status.SUPPLEMENT.label) in message
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.status, fresh.version) == (Status.SUPPLEMENT, dossier.version)
    # A stale version is still someone else acting first.
    response = client.post(url, {"action": "forward", "version": dossier.version - 1})
    assert response.status_code == 409 and 'data-kind="conflict"' in html(response)
    # In English (the source text): the title, the move's label and the status, never the code.
    english = client.post(
        url, {"action": "return_result", "version": dossier.version}, HTTP_ACCEPT_LANGUAGE="en"
    )
    page = html(english)
    assert "Not possible in the current status" in page and "Someone else acted first" not in page
    assert (
        f"Dossier {dossier.code} is “Waiting for additional papers”: “Hand over the result” is not possible now."
        in page
    )


def test_applicant_move_the_status_does_not_allow(client, personas, catalog, receive):
    from citydesk.dossiers.workflow import action_label

    dossier = receive()
    client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token})
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    paper = catalog.birth.documents.get(required=False)
    good = SimpleUploadedFile("cccd.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/ho-so/tra-cuu/{dossier.code}/bo-sung/", {f"doc_{paper.pk}": good, "version": dossier.version}
    )
    assert response.status_code == 409 and 'data-kind="not-now"' in html(response)
    message = _page_error(response)
    assert "supplement_received" not in message and action_label("supplement_received") in message


def test_action_errors_name_the_field_and_change_nothing(client, personas, catalog, receive):
    dossier = receive(catalog.copy)
    url = f"/mot-cua/ho-so/{dossier.code}/thao-tac/"
    login(client, personas.officer)
    response = client.post(url, {"action": "finish", "version": dossier.version})
    assert response.status_code == 400 and 'id="err-finish-note"' in html(response)
    response = client.post(
        url, {"action": "refuse", "version": dossier.version, "note": " ", "confirm": "yes"}
    )
    assert response.status_code == 400 and 'id="err-refuse-note"' in html(response)
    assert Dossier.objects.get(pk=dossier.pk).version == dossier.version
    client.post(url, {"action": "finish", "version": dossier.version, "note": "Đã chứng thực"})
    version = Dossier.objects.get(pk=dossier.pk).version
    response = client.post(url, {"action": "return_result", "version": version, "result_method": "post"})
    assert response.status_code == 400 and 'id="err-return-tracking"' in html(response)
    response = client.post(url, {"action": "return_result", "version": version, "result_method": "pigeon"})
    assert response.status_code == 400
    assert not Shipment.objects.exists() and Dossier.objects.get(pk=dossier.pk).status == Status.RESULT_READY
    response = client.post(
        url,
        {
            "action": "return_result",
            "version": version,
            "result_method": "post",
            "tracking_number": "EMS123456789VN",
            "delivery_address": "12 Lê Lợi",
        },
    )
    assert response.status_code == 302
    assert Shipment.objects.get().tracking_number == "EMS123456789VN"
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RETURNED


def test_supplement_received_at_the_desk_checks_the_file_type(client, personas, catalog, receive):
    dossier = receive()
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD"
    )
    paper = catalog.birth.documents.get(required=False)
    url = f"/mot-cua/ho-so/{dossier.code}/thao-tac/"
    login(client, personas.officer)
    bad = SimpleUploadedFile("cccd.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(
        url, {"action": "supplement_received", "version": dossier.version, f"doc_{paper.pk}": bad}
    )
    assert response.status_code == 400 and 'id="err-supplement_received-files"' in html(response)
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT
    assert not DossierDocument.objects.filter(is_supplement=True).exists()
    good = SimpleUploadedFile("cccd.png", PNG, content_type="image/png")
    response = client.post(
        url, {"action": "supplement_received", "version": dossier.version, f"doc_{paper.pk}": good}
    )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == Status.IN_PROGRESS
    added = DossierDocument.objects.get(is_supplement=True)
    response = client.get(f"/mot-cua/ho-so/{dossier.code}/giay-to/{added.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert (
        login(client, personas.outsider).get(f"/mot-cua/ho-so/{dossier.code}/giay-to/{added.pk}/").status_code
        == 403
    )
    client.logout()
    assert client.get(f"/mot-cua/ho-so/{dossier.code}/giay-to/{added.pk}/").status_code == 302
    assert "/media/" not in html(login(client, personas.officer).get(f"/mot-cua/ho-so/{dossier.code}/"))


# --- Citizen lookup -------------------------------------------------------------------------------


def test_lookup_form_redirects_to_the_dossier_and_unknown_code_is_404(client, personas, catalog, receive):
    dossier = receive()
    assert client.get("/ho-so/tra-cuu/").status_code == 200
    prefix, year, number = dossier.code.split("-")
    for typed in (dossier.code.lower(), f"{prefix} {year} {int(number)}", f"{prefix}{year}{number}".lower()):
        response = client.get("/ho-so/tra-cuu/", {"code": typed})
        assert response.status_code == 302 and response["Location"] == f"/ho-so/tra-cuu/{dossier.code}/"
    response = client.get("/ho-so/tra-cuu/", {"code": "HS-26-999999"})
    assert response.status_code == 404 and 'id="err-code"' in html(response)
    assert client.get("/ho-so/tra-cuu/HS-26-999999/").status_code == 404


def test_public_lookup_hides_personal_data(client, personas, catalog, receive):
    dossier = receive()
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="forward", note="Ghi chú nội bộ"
    )
    response = client.get(f"/ho-so/tra-cuu/{dossier.code}/")
    page = html(response)
    assert response.status_code == 200
    assert 'data-status="in_progress"' in page and catalog.birth.name in page and personas.ward.name in page
    assert "Tiếp nhận" in page  # the steps by name
    for secret in (
        "Nguyễn Văn An",
        "0903123456",
        "an@example.vn",
        "Tờ khai",
        personas.officer.full_name,
        "Ghi chú nội bộ",
    ):
        assert secret not in page, secret


def test_phone_check_opens_the_summary_and_is_rate_limited(client, personas, catalog, receive):
    """A phone number is no secret: it shows the dossier's summary (status, steps, what is asked), never
    the applicant's details nor the withdrawal; the receipt's link does (test_review_access)."""
    dossier = receive()
    url = f"/ho-so/tra-cuu/{dossier.code}/"
    response = client.post(url, {"phone": "0999999999"})
    assert response.status_code == 400 and 'id="err-phone"' in html(response)
    assert "Nguyễn V. A." not in html(response)
    for typed in ("3456", "+84 903 123 456"):  # the last 4 digits, the whole number (international form)
        assert client.post(url, {"phone": typed}).status_code == 302
        page = html(client.get(url))
        assert 'data-testid="summary-only"' in page and "Nguyễn V. A." in page, typed
        assert "Nguyễn Văn An" not in page and 'id="form-withdraw"' not in page, typed
    response = client.post(f"{url}rut/", {"version": dossier.version})
    assert response.status_code == 403 and Dossier.objects.get(pk=dossier.pk).status == Status.RECEIVED
    # Another browser: five wrong answers, then even the right one is refused.
    other = type(client)()
    for _ in range(4):
        assert other.post(url, {"phone": "0000"}).status_code == 400
    last = other.post(url, {"phone": "0000"})  # the fifth: no "0 tries left", but what to do instead
    assert last.status_code == 400 and "0 lần" not in html(last) and "đã hết lượt thử" in html(last)
    response = other.post(url, {"phone": "0903123456"})
    assert response.status_code == 429 and "Nguyễn V. A." not in html(response)
    assert "Nguyễn V. A." not in html(other.get(url))


def test_lookup_with_an_empty_code_asks_for_it(client, personas, catalog, receive):
    receive()
    response = client.get("/ho-so/tra-cuu/", {"code": ""})
    assert response.status_code == 400 and 'id="err-code"' in html(response)
    response = client.get("/ho-so/tra-cuu/", {"code": "   "})
    assert response.status_code == 400 and 'id="err-code"' in html(response)
    assert client.get("/ho-so/tra-cuu/").status_code == 200  # the form itself, no error
    assert 'id="err-code"' not in html(client.get("/ho-so/tra-cuu/"))


def test_lookup_empty_code_message_in_english(client, personas, catalog):
    response = client.get("/ho-so/tra-cuu/", {"code": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Enter the dossier code, for example HS-26-000123." in html(response)


@pytest.mark.parametrize("typed", ["", "   ", "abc"])
def test_phone_check_without_a_number_uses_no_try(client, personas, catalog, receive, typed):
    from citydesk.dossiers.models import PhoneCheckFailures
    from citydesk.dossiers.views.common import SESSION_TRIES

    dossier = receive()
    url = f"/ho-so/tra-cuu/{dossier.code}/"
    for _ in range(6):  # more than the tries allowed: none of them counts
        response = client.post(url, {"phone": typed})
        assert response.status_code == 400 and 'id="err-phone"' in html(response)
    assert client.session.get(SESSION_TRIES, 0) == 0 and not PhoneCheckFailures.objects.exists()
    english = client.post(url, {"phone": typed}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Enter the phone number on the dossier, or its last 4 digits." in html(english)
    assert "tries left" not in html(english)
    assert client.post(url, {"phone": "3456"}).status_code == 302  # the right answer still opens it


def test_phone_check_limit_holds_per_dossier_whatever_the_browser(
    client, personas, catalog, receive, settings
):
    settings.CITYDESK_DOSSIER_PHONE_TRIES_PER_CODE = 6
    dossier = receive()
    other_dossier = receive()
    url = f"/ho-so/tra-cuu/{dossier.code}/"
    first, second = client, type(client)()
    assert 'id="id_phone"' in html(second.get(url))
    for _ in range(4):
        assert first.post(url, {"phone": "0000"}).status_code == 400
    first.cookies.clear()  # a fresh session: the session's own count starts again…
    assert first.post(url, {"phone": "1111"}).status_code == 400
    assert second.post(url, {"phone": "2222"}).status_code == 400  # six wrong answers on this dossier
    # …but the dossier's count holds: every browser is refused, even with the right number.
    for browser in (first, second, type(client)()):
        response = browser.post(url, {"phone": "0903123456"})
        assert response.status_code == 429 and "Nguyễn Văn An" not in html(response)
        assert "Nguyễn Văn An" not in html(browser.get(url))
        assert 'id="id_phone"' not in html(browser.get(url))  # the phone check is closed for now
    # Another dossier is not affected.
    response = type(client)().post(f"/ho-so/tra-cuu/{other_dossier.code}/", {"phone": "3456"})
    assert response.status_code == 302


def test_phone_check_limit_per_dossier_ends_with_its_window(client, personas, catalog, receive, settings):
    import datetime as dt

    from citydesk.dossiers.models import PhoneCheckFailures
    from citydesk.dossiers.services.phone_checks import phone_check_failed, phone_checks_left

    settings.CITYDESK_DOSSIER_PHONE_TRIES_PER_CODE = 3
    settings.CITYDESK_DOSSIER_PHONE_WINDOW_MINUTES = 60
    dossier = receive()
    start = at(2026, 12, 7, 10, 0)
    assert [phone_check_failed(dossier=dossier, now=start + dt.timedelta(minutes=m)) for m in (0, 5, 10)] == [
        2,
        1,
        0,
    ]
    assert phone_checks_left(dossier, now=start + dt.timedelta(minutes=59)) == 0
    assert phone_checks_left(dossier, now=start + dt.timedelta(minutes=61)) == 3
    # A wrong answer after the window starts a new one.
    assert phone_check_failed(dossier=dossier, now=start + dt.timedelta(minutes=61)) == 2
    row = PhoneCheckFailures.objects.get(dossier=dossier)
    assert (row.failures, row.window_start) == (1, start + dt.timedelta(minutes=61))


def test_token_link_and_the_logged_in_applicant_see_the_details(client, personas, catalog, receive):
    dossier = receive()
    url = f"/ho-so/tra-cuu/{dossier.code}/"
    assert "Nguyễn Văn An" not in html(client.get(url, {"t": "wrong-token"}))
    assert "Nguyễn Văn An" in html(client.get(url, {"t": dossier.citizen_token}))
    assert "Nguyễn Văn An" in html(client.get(url))  # remembered for this browser
    # A logged-in citizen who is not the applicant sees the public view only.
    other = login(type(client)(), personas.citizen)
    assert "Nguyễn Văn An" not in html(other.get(url))


def test_applicant_sends_additional_papers_online(client, personas, catalog, receive):
    dossier = receive()
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD"
    )
    paper = catalog.birth.documents.get(required=False)
    url = f"/ho-so/tra-cuu/{dossier.code}/bo-sung/"
    good = SimpleUploadedFile("cccd.pdf", PDF, content_type="application/pdf")
    assert client.post(url, {f"doc_{paper.pk}": good, "version": dossier.version}).status_code == 403
    client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token})
    assert 'id="form-supplement"' in html(client.get(f"/ho-so/tra-cuu/{dossier.code}/"))
    response = client.post(url, {"version": dossier.version})  # no file
    assert response.status_code == 400
    bad = SimpleUploadedFile("cccd.pdf", b"<html>", content_type="application/pdf")
    response = client.post(url, {f"doc_{paper.pk}": bad, "version": dossier.version})
    assert response.status_code == 400 and 'id="err-files"' in html(response)
    assert "Chưa gửi" in html(response)  # nothing was sent yet
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT
    good = SimpleUploadedFile("cccd.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {f"doc_{paper.pk}": good, "version": dossier.version})
    assert response.status_code == 302
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.status == Status.IN_PROGRESS and fresh.paused_at is None
    added = DossierDocument.objects.get(dossier=dossier, is_supplement=True)
    response = client.get(f"/ho-so/tra-cuu/{dossier.code}/giay-to/{added.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert type(client)().get(f"/ho-so/tra-cuu/{dossier.code}/giay-to/{added.pk}/").status_code == 403
    # Now nothing to supplement: a second upload is a conflict and stores nothing.
    again = SimpleUploadedFile("cccd.pdf", PDF, content_type="application/pdf")
    assert client.post(url, {f"doc_{paper.pk}": again, "version": fresh.version}).status_code == 409
    assert DossierDocument.objects.filter(dossier=dossier, is_supplement=True).count() == 1


def test_a_refused_upload_of_papers_keeps_the_good_files(client, personas, catalog, receive):
    """Two papers chosen, one refused: the good one is kept and shown back ("already attached"), so the
    applicant chooses only the refused one again (the upload had dropped both)."""
    dossier = receive()
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="request_supplement", note="Bổ sung cả hai"
    )
    form, id_copy = catalog.birth.documents.order_by("position")
    url = f"/ho-so/tra-cuu/{dossier.code}/bo-sung/"
    client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token})
    good = SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf")
    bad = SimpleUploadedFile("cccd.txt", b"plain text", content_type="text/plain")
    response = client.post(
        url, {f"doc_{form.pk}": good, f"doc_{id_copy.pk}": bad, "version": dossier.version}
    )
    assert response.status_code == 400
    page = html(response)
    assert f'data-testid="sup-kept-{form.pk}"' in page and "to-khai.pdf" in page
    assert f'data-testid="sup-kept-{id_copy.pk}"' not in page
    kept = re.search(rf'name="staged_{form.pk}" value="([^"]+)"', page)
    assert kept is not None
    assert not DossierDocument.objects.filter(dossier=dossier, is_supplement=True).exists()
    # Sent again with the refused paper only: both are stored.
    fixed = SimpleUploadedFile("cccd.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url, {f"staged_{form.pk}": kept.group(1), f"doc_{id_copy.pk}": fixed, "version": dossier.version}
    )
    assert response.status_code == 302
    stored = DossierDocument.objects.filter(dossier=dossier, is_supplement=True)
    assert sorted(d.requirement_id for d in stored) == sorted([form.pk, id_copy.pk])
    # Another browser cannot use that kept file.
    other = type(client)()
    other.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token})
    assert not staging_files_of(other)


def staging_files_of(client: Any) -> dict:
    return client.session.get("dossiers_staged_uploads") or {}


def test_applicant_withdraws_with_the_current_version(client, personas, catalog, receive):
    dossier = receive()
    client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token})
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    url = f"/ho-so/tra-cuu/{dossier.code}/rut/"
    assert client.post(url, {"version": dossier.version}).status_code == 409  # the page was out of date
    assert Dossier.objects.get(pk=dossier.pk).status == Status.IN_PROGRESS
    response = client.post(url, {"version": dossier.version + 1, "note": "Không cần nữa", "confirm": "yes"})
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == Status.WITHDRAWN


def test_online_dossier_papers_for_officers_only_through_the_checked_view(client, personas, catalog):
    docs = {d.name: d.pk for d in catalog.birth.documents.all()}
    dossier = dossier_receive(
        user=None,
        procedure_code="HT-01",
        unit_code=personas.ward.code,
        channel="online",
        applicant=Applicant(name="Ngô Thị Mai", phone="0903000111"),
        uploads=[Upload(document_id=docs["Tờ khai"], file=SimpleUploadedFile("t.pdf", PDF))],
        received_at=at(2026, 12, 7, 9, 0),
    ).dossier
    paper = dossier.documents.get()
    url = f"/mot-cua/ho-so/{dossier.code}/giay-to/{paper.pk}/"
    response = login(client, personas.head).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert login(client, personas.other_head).get(url).status_code == 403
    assert (
        login(client, personas.head).get(f"/mot-cua/ho-so/{dossier.code}/giay-to/999999/").status_code == 404
    )


def test_a_phone_number_shows_neither_the_details_nor_the_files_the_link_does(client, personas, catalog):
    """Neither the last 4 digits nor the whole number open the contacts, the address, the papers' files
    or the receipt (whole phone and ID numbers): a phone number tried on every code would find them. The
    receipt's link does."""
    docs = {d.name: d.pk for d in catalog.birth.documents.all()}
    dossier = dossier_receive(
        user=None,
        procedure_code="HT-01",
        unit_code=personas.ward.code,
        channel="online",
        applicant=Applicant(
            name="Ngô Thị Mai",
            phone="0903000111",
            email="mai@example.vn",
            address="12 Lê Lợi, Phường Bến Thành",
            id_number="079190000123",
        ),
        uploads=[Upload(document_id=docs["Tờ khai"], file=SimpleUploadedFile("t.pdf", PDF))],
    ).dossier
    paper = dossier.documents.get()
    url = f"/ho-so/tra-cuu/{dossier.code}/"
    document = f"/ho-so/tra-cuu/{dossier.code}/giay-to/{paper.pk}/"
    receipt = f"/mot-cua/ho-so/{dossier.code}/bien-nhan.pdf"
    for typed in ("0111", "0903000111"):
        assert client.post(url, {"phone": typed}).status_code == 302
        page = html(client.get(url))
        assert "Ngô T. M." in page  # the applicant recognises their dossier
        for hidden in (
            "Ngô Thị Mai",
            "0903000111",
            "mai@example.vn",
            "12 Lê Lợi",
            "079190000123",
            document,
            receipt,
        ):
            assert hidden not in page, (typed, hidden)
        assert client.get(document).status_code == 403 and client.get(receipt).status_code == 403
    # The receipt's link opens them.
    owner = type(client)()
    page = html(owner.get(url, {"t": dossier.citizen_token}))
    for shown in ("Ngô Thị Mai", "0903000111", "mai@example.vn", "12 Lê Lợi", document):
        assert shown in page, shown
    response = owner.get(document)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_the_officer_page_says_when_the_dossier_last_changed_not_its_version(client, personas, receive):
    dossier = receive()
    client.force_login(personas.officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert f'data-testid="updated">{timezone.localtime(dossier.updated_at):%d/%m/%Y %H:%M}<' in page
    assert "Phiên bản" not in page


def test_the_steps_due_times_are_the_officers_the_applicant_has_the_appointment(
    client, personas, catalog, receive
):
    dossier = receive()
    officer_page = html(login(client, personas.officer).get(f"/mot-cua/ho-so/{dossier.code}/"))
    assert 'data-testid="step-due"' in officer_page and "đồng hồ tạm dừng" not in officer_page
    citizen = type(client)()
    citizen_page = html(citizen.get(f"/ho-so/tra-cuu/{dossier.code}/?t={dossier.citizen_token}"))
    assert 'data-testid="step-due"' not in citizen_page and 'data-testid="due"' in citizen_page
    dossier_transition(
        user=personas.officer,
        code=dossier.code,
        action="request_supplement",
        note="Bản sao rõ nét",
        version=dossier.version,
    )
    officer_page = html(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    assert "đồng hồ tạm dừng" in officer_page  # the current step's due time moves too
