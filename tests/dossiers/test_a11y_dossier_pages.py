"""Accessibility audit, dossiers (QA-A11Y D1, D2, D3, G5).

D1: withdrawing (applicant, officer) and refusing (officer) end a dossier for good: the pages send them only
    with the box “I understand…” ticked, checked on the server (400 naming `confirm`, nothing changed). The
    API is unchanged (programs send the move on purpose), and every role keeps the moves it had.
D2: the error summary of a dossier page takes the focus (autofocus) and links to the control at fault.
D3: the errors on files are attached to the file inputs (aria-describedby, aria-invalid).
G5: on English pages, a catalog text with no English version is marked lang="vi"; Vietnamese pages as before.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from citydesk.core.models import CalendarOverride
from citydesk.dossiers.models import (
    Dossier,
    DossierEvent,
    Procedure,
    ProcedureDocument,
    ProcedureStep,
    Status,
    fallback_language,
)
from citydesk.dossiers.services import dossier_transition

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a small test file\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.by_id[values["id"]] = values
            self.tags[values["id"]] = tag


def elements(response: Any) -> _Elements:
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser


def summary_link(response: Any) -> str:
    """Where the error summary's link leads ("" without a link); the summary must have autofocus."""
    page = response.content.decode()
    found = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, flags=re.S)
    assert found, page
    assert re.search(r'<div class="error-summary"[^>]*\sautofocus[\s>]', page)
    link = re.search(r'<a href="#([^"]+)" data-testid="page-error">', found.group(1))
    return link.group(1) if link else ""


def unchanged(dossier: Dossier) -> bool:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (fresh.status, fresh.version, fresh.refusal_reason) == (dossier.status, dossier.version, "")


def applicant_client(dossier: Dossier) -> Client:
    client = Client()
    client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token})
    return client


def officer_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def action_url(dossier: Dossier) -> str:
    return f"/mot-cua/ho-so/{dossier.code}/thao-tac/"


# --- D1: the applicant's withdrawal ------------------------------------------------------------------------


def test_the_applicants_withdraw_form_has_the_confirmation_box(personas, catalog, receive):
    dossier = receive()
    page = applicant_client(dossier).get(f"/ho-so/tra-cuu/{dossier.code}/")
    box = elements(page).by_id["withdraw-confirm"]
    assert box["type"] == "checkbox" and box["name"] == "confirm" and "required" in box
    assert "checked" not in box
    assert 'for="withdraw-confirm"' in page.content.decode()


def test_the_applicant_cannot_withdraw_without_ticking_the_box(personas, catalog, receive):
    dossier = receive()
    client = applicant_client(dossier)
    url = f"/ho-so/tra-cuu/{dossier.code}/rut/"
    response = client.post(url, {"version": dossier.version, "note": "Không cần nữa"})
    assert response.status_code == 400
    assert unchanged(dossier) and not DossierEvent.objects.filter(kind=DossierEvent.Kind.WITHDRAWN).exists()
    found = elements(response)
    assert found.by_id["err-withdraw-confirm"]["data-field"] == "confirm"
    box = found.by_id["withdraw-confirm"]
    assert box["aria-invalid"] == "true" and box["aria-describedby"] == "err-withdraw-confirm"
    assert summary_link(response) == "withdraw-confirm"  # D2: focused, and leads to the box
    assert ">Không cần nữa</textarea>" in response.content.decode()  # what was typed stays
    for refused in ("", "false"):
        response = client.post(url, {"version": dossier.version, "confirm": refused})
        assert response.status_code == 400 and unchanged(dossier)
    response = client.post(url, {"version": dossier.version, "note": "Không cần nữa", "confirm": "yes"})
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == Status.WITHDRAWN


def test_a_paid_dossier_is_not_withdrawn_without_the_box(personas, catalog, receive):
    dossier = receive()
    Dossier.objects.filter(pk=dossier.pk).update(fee=50_000, paid_at=dossier.received_at)
    dossier.refresh_from_db()
    client = applicant_client(dossier)
    response = client.post(f"/ho-so/tra-cuu/{dossier.code}/rut/", {"version": dossier.version})
    assert response.status_code == 400 and unchanged(dossier)


def test_a_stale_page_is_still_told_to_reload_not_to_tick(personas, catalog, receive):
    dossier = receive()
    client = applicant_client(dossier)
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    response = client.post(f"/ho-so/tra-cuu/{dossier.code}/rut/", {"version": dossier.version})
    assert response.status_code == 409 and 'data-field="confirm"' not in response.content.decode()


def test_a_wrong_note_keeps_the_box_ticked_and_the_summary_leads_to_the_note(personas, catalog, receive):
    dossier = receive()
    client = applicant_client(dossier)
    response = client.post(
        f"/ho-so/tra-cuu/{dossier.code}/rut/",
        {"version": dossier.version, "note": "x" * 4001, "confirm": "yes"},
    )
    assert response.status_code == 400 and unchanged(dossier)
    found = elements(response)
    assert (
        "checked" in found.by_id["withdraw-confirm"] and "aria-invalid" not in found.by_id["withdraw-confirm"]
    )
    assert found.by_id["withdraw-note"]["aria-invalid"] == "true"
    assert summary_link(response) == "withdraw-note"


# --- D1: the officer's withdrawal and refusal --------------------------------------------------------------


@pytest.mark.parametrize("action", ["withdraw", "refuse"])
def test_the_officer_cannot_withdraw_or_refuse_without_ticking_the_box(personas, catalog, receive, action):
    dossier = receive()
    client = officer_client(personas.officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/")
    box = elements(page).by_id[f"{action}-confirm"]
    assert box["type"] == "checkbox" and box["name"] == "confirm" and "checked" not in box
    data = {"action": action, "version": dossier.version, "note": "Không đủ điều kiện"}
    response = client.post(action_url(dossier), data)
    assert response.status_code == 400 and unchanged(dossier)
    assert not DossierEvent.objects.exclude(kind=DossierEvent.Kind.RECEIVED).exists()
    found = elements(response)
    assert found.by_id[f"err-{action}-confirm"]["data-field"] == "confirm"
    box = found.by_id[f"{action}-confirm"]
    assert box["aria-invalid"] == "true" and box["aria-describedby"] == f"err-{action}-confirm"
    assert summary_link(response) == f"{action}-confirm"
    assert ">Không đủ điều kiện</textarea>" in response.content.decode()
    response = client.post(action_url(dossier), {**data, "confirm": "yes"})
    assert response.status_code == 302
    expected = Status.WITHDRAWN if action == "withdraw" else Status.REFUSED
    assert Dossier.objects.get(pk=dossier.pk).status == expected


def test_the_other_moves_need_no_box(personas, catalog, receive):
    dossier = receive()
    response = officer_client(personas.officer).post(
        action_url(dossier), {"action": "forward", "version": dossier.version}
    )
    assert response.status_code == 302 and Dossier.objects.get(pk=dossier.pk).status == Status.IN_PROGRESS


def test_the_refusal_box_stays_ticked_when_the_reasons_are_missing(personas, catalog, receive):
    dossier = receive()
    response = officer_client(personas.officer).post(
        action_url(dossier), {"action": "refuse", "version": dossier.version, "note": " ", "confirm": "yes"}
    )
    assert response.status_code == 400 and unchanged(dossier)
    found = elements(response)
    assert "checked" in found.by_id["refuse-confirm"] and "aria-invalid" not in found.by_id["refuse-confirm"]
    assert summary_link(response) == "refuse-note"


def test_the_api_is_unchanged_programs_send_no_box(client, bearer, personas, catalog, receive):
    dossier = receive()
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/actions",
        json.dumps({"action": "refuse", "version": dossier.version, "note": "Không đủ điều kiện"}),
        content_type="application/json",
        **bearer(personas.officer),
    )
    assert response.status_code == 200, response.content
    other = receive()
    response = client.post(
        f"/api/v1/dossiers/{other.code}/actions",
        json.dumps({"action": "withdraw", "version": other.version, "token": other.citizen_token}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("action", ["withdraw", "refuse"])
def test_every_role_keeps_its_power_over_the_guarded_moves(
    client, bearer, personas, catalog, receive, action
):
    """With the box ticked, a role moves the dossier from its page exactly when the (unchanged) API lets it;
    a role the move is not open to meets the same refusal with or without the box, and nothing changes."""
    movers = []
    for role, user in personas.all_roles().items():
        dossier = receive()
        page_client = officer_client(user)
        data = {"action": action, "version": dossier.version, "note": "Lý do"}
        bare = page_client.post(action_url(dossier), data)
        ticked = page_client.post(action_url(dossier), {**data, "confirm": "yes"})
        probe = receive()
        api = client.post(
            f"/api/v1/dossiers/{probe.code}/actions",
            json.dumps({**data, "version": probe.version}),
            content_type="application/json",
            **bearer(user),
        )
        if api.status_code == 200:
            movers.append(role)
            assert bare.status_code == 400 and 'data-field="confirm"' in bare.content.decode(), role
            assert ticked.status_code == 302, role
        else:
            assert bare.status_code == ticked.status_code and bare.status_code in (403, 409), (role, bare)
            assert 'data-field="confirm"' not in bare.content.decode(), role
            assert unchanged(dossier), role
    # The persona officer works at the first step (refuse) and at the ward's desk (withdraw); the head, the
    # deputy and the city's leader hold the officer's powers there (as the API, unchanged, says).
    assert movers == ["officer", "deputy", "head", "leader"], movers


# --- D2: the error summary on the officer page -------------------------------------------------------------


def test_the_officer_pages_error_summary_is_focused_and_leads_to_the_field(personas, catalog, receive):
    dossier = receive()
    response = officer_client(personas.officer).post(
        action_url(dossier), {"action": "request_supplement", "version": dossier.version}
    )
    assert response.status_code == 400 and unchanged(dossier)
    target = summary_link(response)
    assert target == "request_supplement-note" and target in elements(response).by_id


def test_an_error_without_a_field_leads_to_the_actions_form(personas, catalog, receive):
    dossier = receive()
    response = officer_client(personas.officer).post(
        action_url(dossier), {"action": "forward", "version": dossier.version, "result_method": "pigeon"}
    )
    assert response.status_code == 400
    target = summary_link(response)
    assert target == "form-forward" and elements(response).tags[target] == "section"


def test_a_move_no_longer_shown_is_not_linked(personas, catalog, receive):
    dossier = receive()
    client = officer_client(personas.officer)
    dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD")
    fresh = Dossier.objects.get(pk=dossier.pk)
    response = client.post(action_url(dossier), {"action": "forward", "version": fresh.version})
    assert response.status_code == 409 and summary_link(response) == ""


# --- D3: file errors attached to the file inputs ------------------------------------------------------------


def _filing(**overrides: Any) -> dict[str, Any]:
    data = {
        "unit": "phuong ben thanh",
        "applicant_name": "Ngô Thị Mai",
        "applicant_phone": "0903000111",
        "consent": "on",
    }
    data.update(overrides)
    return data


def test_a_missing_required_paper_is_attached_to_its_file_input(client, personas, catalog):
    required = catalog.birth.documents.get(required=True).pk
    optional = catalog.birth.documents.get(required=False).pk
    response = client.post("/ho-so/nop/HT-01/", _filing())
    assert response.status_code == 400 and not Dossier.objects.exists()
    found = elements(response)
    assert "err-documents" in found.by_id
    missing = found.by_id[f"file-{required}"]
    assert missing["aria-invalid"] == "true" and "err-documents" in missing["aria-describedby"].split()
    left_out = found.by_id[f"file-{optional}"]  # optional, not chosen: not at fault
    assert "aria-invalid" not in left_out and "err-documents" not in left_out["aria-describedby"].split()


def test_a_refused_file_is_attached_to_its_input_and_a_kept_one_is_not(client, personas, catalog):
    required = catalog.birth.documents.get(required=True).pk
    optional = catalog.birth.documents.get(required=False).pk
    bad = SimpleUploadedFile("cccd.pdf", b"plain text, not a PDF", content_type="application/pdf")
    good = SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf")
    response = client.post("/ho-so/nop/HT-01/", _filing(**{f"doc_{required}": good, f"doc_{optional}": bad}))
    assert response.status_code == 400 and not Dossier.objects.exists()
    found = elements(response)
    refused = found.by_id[f"file-{optional}"]
    assert refused["aria-invalid"] == "true" and "err-documents" in refused["aria-describedby"].split()
    kept = found.by_id[f"file-{required}"]
    assert "aria-invalid" not in kept and "err-documents" not in kept["aria-describedby"].split()


def test_a_filing_refused_for_something_else_marks_no_file_input(client, personas, catalog):
    required = catalog.birth.documents.get(required=True).pk
    good = SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf")
    response = client.post("/ho-so/nop/HT-01/", _filing(consent="", **{f"doc_{required}": good}))
    assert response.status_code == 400 and 'data-field="consent"' in response.content.decode()
    files = [v for v in elements(response).by_id.values() if v.get("type") == "file"]
    assert files and not any("aria-invalid" in v for v in files)
    assert "err-documents" not in response.content.decode()


def test_the_supplement_files_error_is_attached_to_the_file_inputs(personas, catalog, receive):
    dossier = receive()
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD"
    )
    client = applicant_client(dossier)
    response = client.post(f"/ho-so/tra-cuu/{dossier.code}/bo-sung/", {"version": dossier.version})
    assert response.status_code == 400
    found = elements(response)
    assert "err-files" in found.by_id
    inputs = [v for k, v in found.by_id.items() if k.startswith("sup-") and v.get("type") == "file"]
    assert inputs
    for attrs in inputs:
        # the accepted types and size, then the error (which says nothing was sent)
        assert attrs["aria-invalid"] == "true" and attrs["aria-describedby"] == "hint-sup-files err-files"
    assert "hint-sup-files" in found.by_id
    assert summary_link(response) == f"sup-{dossier.procedure.documents.first().pk}"


# --- G5: Vietnamese fallback text marked lang="vi" on English pages -------------------------------------


def test_the_fallback_language_rule():
    with translation.override("en"):
        assert fallback_language("") == "vi" and fallback_language("Birth registration") == ""
    with translation.override("vi"):
        assert fallback_language("") == "" and fallback_language("Birth registration") == ""


def test_label_lang_of_the_catalog(catalog):
    birth = catalog.birth
    Procedure.objects.filter(pk=birth.pk).update(name_en="", field_en="Civil status")
    birth.refresh_from_db()
    step = birth.steps.first()
    paper = birth.documents.first()
    with translation.override("en"):
        assert (birth.label_lang, birth.field_label_lang, step.label_lang, paper.label_lang) == (
            "vi",
            "",
            "vi",
            "vi",
        )
        ProcedureStep.objects.filter(pk=step.pk).update(name_en="Reception")
        ProcedureDocument.objects.filter(pk=paper.pk).update(name_en="Declaration form")
        step.refresh_from_db()
        paper.refresh_from_db()
        assert (step.label_lang, paper.label_lang) == ("", "")
    with translation.override("vi"):
        assert (birth.label_lang, birth.field_label_lang, step.label_lang, paper.label_lang) == (
            "",
            "",
            "",
            "",
        )


def test_the_filter_wraps_and_escapes():
    template = Template("{% load catalog_lang %}[{{ t|in_lang:l }}][{{ t|vietnamese }}]")
    with translation.override("en"):
        assert template.render(Context({"t": "<b>Tờ khai</b>", "l": "vi"})) == (
            '[<span lang="vi">&lt;b&gt;Tờ khai&lt;/b&gt;</span>][<span lang="vi">&lt;b&gt;Tờ khai&lt;/b&gt;</span>]'
        )
        assert template.render(Context({"t": "", "l": "vi"})) == "[][]"
    with translation.override("vi"):
        assert template.render(Context({"t": "Tờ khai", "l": ""})) == "[Tờ khai][Tờ khai]"


def _get(client: Client, path: str, language: str, **query: Any) -> str:
    response = client.get(path, query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_english_catalog_pages_mark_the_vietnamese_fallbacks(client, catalog):
    Procedure.objects.filter(pk=catalog.copy.pk).update(name_en="", field_en="")
    listing = _get(client, "/thu-tuc/", "en")
    assert '<th colspan="6" scope="rowgroup"><span lang="vi">Hộ tịch</span></th>' in listing
    assert '<span lang="vi">Chứng thực bản sao từ bản chính</span></a>' in listing
    assert ">Đăng ký khai sinh</a>" in listing  # it has an English name (the same words here): not marked
    ProcedureDocument.objects.filter(procedure=catalog.copy).update(copies="Bản gốc có dấu giáp lai")
    detail = _get(client, "/thu-tuc/CT-01/", "en")
    assert '<h1><span lang="vi">Chứng thực bản sao từ bản chính</span></h1>' in detail
    assert '<span lang="vi">Bản chính giấy tờ</span>' in detail
    assert '<span lang="vi">Bản gốc có dấu giáp lai</span>' in detail
    assert '<strong><span lang="vi">Tiếp nhận và chứng thực</span></strong>' in detail


def test_vietnamese_pages_mark_nothing(client, personas, catalog, receive):
    dossier = receive()
    pages = [
        _get(client, "/thu-tuc/", "vi"),
        _get(client, "/thu-tuc/CT-01/", "vi"),
        _get(client, "/ho-so/nop/HT-01/", "vi"),
        _get(applicant_client(dossier), f"/ho-so/tra-cuu/{dossier.code}/", "vi"),
        _get(officer_client(personas.officer), f"/mot-cua/ho-so/{dossier.code}/", "vi"),
        _get(client, "/lich-lam-viec/", "vi", year="2026"),
    ]
    for text in pages:
        assert 'lang="vi">' not in text.replace('<html lang="vi">', "")


def test_english_dossier_pages_mark_the_steps_and_papers_without_english_names(personas, catalog, receive):
    dossier = receive()
    officer = _get(officer_client(personas.officer), f"/mot-cua/ho-so/{dossier.code}/", "en")
    assert '<strong>2. <span lang="vi">Thẩm định</span></strong>' in officer
    assert '<span lang="vi">Tờ khai</span>' in officer
    applicant = _get(applicant_client(dossier), f"/ho-so/tra-cuu/{dossier.code}/", "en")
    assert '<strong>1. <span lang="vi">Tiếp nhận</span></strong>' in applicant


def test_the_calendar_marks_a_day_named_only_in_vietnamese(client):
    # A swap the holidays package does not know (its own swaps lend their English name to an entry).
    name = "Đi làm bù cho ngày nghỉ 04/12/2026"
    CalendarOverride.objects.create(date=dt.date(2026, 12, 5), kind="working_day", name=name)
    english = _get(client, "/lich-lam-viec/", "en", year="2026")
    assert f'<span lang="vi">{name}</span>' in english
    assert "<td>New Year&#x27;s Day</td>" in english or "<td>New Year's Day</td>" in english
    vietnamese = _get(client, "/lich-lam-viec/", "vi", year="2026")
    assert f"<td>{name}</td>" in vietnamese


def test_the_desk_marks_the_vietnamese_fallbacks_on_english_pages(client, personas, catalog):
    Procedure.objects.filter(pk=catalog.copy.pk).update(name_en="")
    ProcedureDocument.objects.filter(procedure=catalog.copy).update(copies="Bản gốc có dấu giáp lai")
    client.force_login(personas.officer)
    desk = _get(client, "/mot-cua/", "en", unit="26743", procedure="CT-01")
    assert (
        '<h2 data-testid="procedure">CT-01 · <span lang="vi">Chứng thực bản sao từ bản chính</span></h2>'
        in desk
    )
    assert (
        '<span lang="vi">Bản chính giấy tờ</span> <span class="hint">(<span lang="vi">Bản gốc có dấu' in desk
    )
    # The usual wordings of the copies read in English.
    ProcedureDocument.objects.filter(procedure=catalog.copy).update(copies="01 bản chính và 02 bản sao")
    desk = _get(client, "/mot-cua/", "en", unit="26743", procedure="CT-01")
    assert '<span class="hint">(1 original and 2 copies)</span>' in desk
    catalog_page = _get(client, "/thu-tuc/CT-01/", "en")
    assert "1 original and 2 copies" in catalog_page and "bản chính và" not in catalog_page
    assert 'lang="vi">' not in _get(client, "/mot-cua/", "vi", unit="26743", procedure="CT-01").replace(
        '<html lang="vi">', ""
    )
