"""The whole procedure catalog in English on English pages: a procedure's field, its papers and its process
steps have optional English names (`field_en`, `name_en`), shown through `field_label` / `label` like the
procedure's own name, with the official Vietnamese text when there is none. Vietnamese pages are as before.
A dossier keeps the names its steps and papers had when it was received, in both languages."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from citydesk.core import configcache
from citydesk.core.models import AuditEntry
from citydesk.dossiers import demo_catalog_en
from citydesk.dossiers.catalog import (
    COLUMNS,
    SHEET_DOCUMENTS,
    SHEET_PROCEDURES,
    SHEET_STEPS,
    catalog_export,
    catalog_import,
)
from citydesk.dossiers.demo_catalog import PROCEDURES, seed_procedures
from citydesk.dossiers.models import (
    DossierDocument,
    DossierStep,
    Procedure,
    ProcedureDocument,
    ProcedureStep,
)
from citydesk.dossiers.receipt import receipt_html
from citydesk.dossiers.services import Upload, dossier_transition

pytestmark = pytest.mark.django_db

FIELD_VI, FIELD_EN = "Hộ tịch", "Civil status"
FORM_VI, FORM_EN = "Tờ khai", "Declaration form"
ID_COPY = "Bản sao CCCD"  # no English name: the Vietnamese one is shown
RECEPTION_VI, RECEPTION_EN = "Tiếp nhận", "Reception"
APPRAISAL_VI, APPRAISAL_EN = "Thẩm định", "Appraisal"
APPROVAL = "Phê duyệt"  # no English name


@pytest.fixture
def english(catalog) -> Procedure:
    """The birth registration with English names for its field, its first paper and its first two steps."""
    birth = catalog.birth
    Procedure.objects.filter(pk=birth.pk).update(field_en=FIELD_EN)
    ProcedureDocument.objects.filter(procedure=birth, name=FORM_VI).update(name_en=FORM_EN)
    ProcedureStep.objects.filter(procedure=birth, name=RECEPTION_VI).update(name_en=RECEPTION_EN)
    ProcedureStep.objects.filter(procedure=birth, name=APPRAISAL_VI).update(name_en=APPRAISAL_EN)
    birth.refresh_from_db()
    return birth


@pytest.fixture
def client() -> Client:
    return Client()


def page(client: Client, path: str, language: str, **query: Any) -> str:
    response = client.get(path, query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


# --- The rule -------------------------------------------------------------------------------------------


def test_the_labels_follow_the_language_and_fall_back_to_vietnamese(english):
    form = english.documents.get(name=FORM_VI)
    copy = english.documents.get(name=ID_COPY)
    reception, _appraisal, approval = english.steps.all()
    assert (english.field_label, form.label, reception.label) == (FIELD_VI, FORM_VI, RECEPTION_VI)
    with translation.override("en"):
        assert (english.field_label, form.label, reception.label) == (FIELD_EN, FORM_EN, RECEPTION_EN)
        assert (copy.label, approval.label) == (ID_COPY, APPROVAL)  # none: the official name
    with translation.override("vi"):
        assert english.field_label == FIELD_VI


# --- Public catalog pages -------------------------------------------------------------------------------


def test_catalog_detail_in_english(client, english):
    text = page(client, "/thu-tuc/HT-01/", "en")
    assert re.search(r'data-testid="field">Civil status<', text)
    assert FORM_EN in text and f"<strong>{RECEPTION_EN}</strong>" in text
    assert f"<strong>{APPRAISAL_EN}</strong>" in text
    # No English name: the Vietnamese one, marked as Vietnamese (WCAG 3.1.2).
    assert f'<span lang="vi">{ID_COPY}</span>' in text
    assert f'<strong><span lang="vi">{APPROVAL}</span></strong>' in text
    assert f"<strong>{RECEPTION_VI}</strong>" not in text and f"{FORM_VI}\n" not in text
    # CT-01 has no English name for the same field: named as the list names the field.
    assert re.search(r'data-testid="field">Civil status<', page(client, "/thu-tuc/CT-01/", "en"))
    assert re.search(r'data-testid="field">Hộ tịch<', page(client, "/thu-tuc/CT-01/", "vi"))


def test_catalog_detail_in_vietnamese_is_unchanged(client, english):
    text = page(client, "/thu-tuc/HT-01/", "vi")
    assert re.search(r'data-testid="field">Hộ tịch<', text)
    assert f"<strong>{RECEPTION_VI}</strong>" in text and FORM_VI in text
    for name in (FIELD_EN, FORM_EN, RECEPTION_EN, APPRAISAL_EN):
        assert name not in text


def test_catalog_list_groups_and_filters_by_the_fields_english_name(client, english, catalog):
    # CT-01 and DD-01 share the field but have no English name for it: still one group, one choice.
    text = page(client, "/thu-tuc/", "en")
    assert '<th colspan="6" scope="rowgroup">Civil status</th>' in text
    assert text.count('scope="rowgroup"') == 1
    assert '<option value="Hộ tịch">Civil status</option>' in text
    assert FIELD_VI not in re.sub(r'value="[^"]*"', "", text)
    vietnamese = page(client, "/thu-tuc/", "vi")
    assert '<th colspan="6" scope="rowgroup">Hộ tịch</th>' in vietnamese and FIELD_EN not in vietnamese
    filtered = page(client, "/thu-tuc/", "en", field=FIELD_VI)
    assert 'data-code="HT-01"' in filtered


def test_english_pages_also_find_procedures_by_their_english_name(client, english):
    Procedure.objects.filter(pk=english.pk).update(name_en="Birth registration")
    assert 'data-code="HT-01"' in page(client, "/thu-tuc/", "en", q="birth")
    assert 'data-code="HT-01"' in page(client, "/thu-tuc/", "en", q="khai sinh")  # accents optional
    assert 'data-code="HT-01"' not in page(client, "/thu-tuc/", "vi", q="birth")  # as before


def test_online_filing_form_names_the_papers_in_english(client, english):
    text = page(client, "/ho-so/nop/HT-01/", "en")
    form = english.documents.get(name=FORM_VI)
    copy = english.documents.get(name=ID_COPY)
    assert re.search(rf'<label for="file-{form.pk}">{FORM_EN}[ <]', text)
    assert re.search(rf'<label for="file-{copy.pk}"><span lang="vi">{ID_COPY}</span>[ <]', text)
    assert re.search(rf'<label for="file-{form.pk}">{FORM_VI}[ <]', page(client, "/ho-so/nop/HT-01/", "vi"))


# --- A dossier's pages ------------------------------------------------------------------------------------


def test_a_dossier_keeps_both_names_of_its_steps_and_papers(english, receive):
    dossier = receive(provided=[d.pk for d in english.documents.all()])
    steps = list(DossierStep.objects.filter(dossier=dossier).order_by("position"))
    assert [(s.name, s.name_en) for s in steps] == [
        (RECEPTION_VI, RECEPTION_EN),
        (APPRAISAL_VI, APPRAISAL_EN),
        (APPROVAL, ""),
    ]
    papers = {d.name: d.name_en for d in DossierDocument.objects.filter(dossier=dossier)}
    assert papers == {FORM_VI: FORM_EN, ID_COPY: ""}
    # A later change of the catalog does not rewrite the filed dossier.
    ProcedureStep.objects.filter(procedure=english, position=1).update(name_en="Intake")
    assert DossierStep.objects.get(dossier=dossier, position=1).name_en == RECEPTION_EN


def test_lookup_page_in_english(client, english, receive):
    dossier = receive(provided=[d.pk for d in english.documents.all()])
    text = page(client, f"/ho-so/tra-cuu/{dossier.code}/", "en", t=dossier.citizen_token)
    assert f"<strong>1. {RECEPTION_EN}</strong>" in text
    assert f'<strong>3. <span lang="vi">{APPROVAL}</span></strong>' in text
    assert f"<li>{FORM_EN}</li>" in text and f'<li><span lang="vi">{ID_COPY}</span></li>' in text
    vietnamese = page(client, f"/ho-so/tra-cuu/{dossier.code}/", "vi", t=dossier.citizen_token)
    assert f"<strong>1. {RECEPTION_VI}</strong>" in vietnamese and f"<li>{FORM_VI}</li>" in vietnamese
    assert RECEPTION_EN not in vietnamese and FORM_EN not in vietnamese


def test_officer_pages_in_english(client, personas, english, receive):
    dossier = receive()
    client.force_login(personas.officer)
    text = page(client, f"/mot-cua/ho-so/{dossier.code}/", "en")
    assert f"<strong>1. {RECEPTION_EN}</strong>" in text
    assert f"{FORM_EN} <span" in text  # the paper checked at the desk
    form = english.documents.get(name=FORM_VI)
    # The request for papers: labelled in English, sent by id (the message names it officially: below).
    assert f'value="{form.pk}" id="paper-{form.pk}"><label for="paper-{form.pk}">{FORM_EN}</label>' in text
    client.post(
        f"/mot-cua/ho-so/{dossier.code}/thao-tac/",
        {"action": "request_supplement", "version": dossier.version, "papers": [str(form.pk)]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert dossier.events.get(kind="supplement_requested").note == FORM_VI
    queue = page(client, "/mot-cua/ho-so/", "en")
    assert f"1. {RECEPTION_EN}" in queue and f"1. {RECEPTION_VI}" not in queue
    assert f"1. {RECEPTION_VI}" in page(client, "/mot-cua/ho-so/", "vi")


def test_the_desk_names_the_papers_in_english(client, personas, english):
    """The desk's checklist, its note on optional papers not given and the page after receiving."""
    ProcedureDocument.objects.filter(procedure=english, name=ID_COPY).update(name_en="Copy of the ID card")
    client.force_login(personas.officer)
    text = page(client, "/mot-cua/", "en", unit="26743", procedure="HT-01")
    assert f">{FORM_EN} <span" in text and ">Copy of the ID card" in text and f">{FORM_VI} <span" not in text
    form = english.documents.get(name=FORM_VI)
    data = {"unit": "26743", "procedure": "HT-01", "channel": "desk", "applicant_name": "Nguyễn Văn An"}
    response = client.post(
        "/mot-cua/", {**data, "documents": [form.pk]}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    text = response.content.decode()
    assert "Copy of the ID card" in text and ID_COPY not in text


def test_receipt_lists_the_papers_in_the_language(english, receive):
    dossier = receive()
    papers = list(dossier.documents.all())
    with translation.override("en"):
        assert f"<li>{FORM_EN}</li>" in receipt_html(dossier, papers)
    vietnamese = receipt_html(dossier, papers)
    assert f"<li>{FORM_VI}</li>" in vietnamese and FORM_EN not in vietnamese


def test_an_additional_paper_keeps_both_names(personas, english, receive):
    dossier = receive()
    dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD")
    copy = english.documents.get(name=ID_COPY)
    ProcedureDocument.objects.filter(pk=copy.pk).update(name_en="Copy of the ID card")
    pdf = SimpleUploadedFile("cccd.pdf", b"%PDF-1.4 cccd", content_type="application/pdf")
    dossier.refresh_from_db()
    with translation.override("en"):  # an officer on an English page: stored as the catalog names it
        dossier_transition(
            user=personas.officer,
            code=dossier.code,
            action="supplement_received",
            version=dossier.version,
            uploads=[Upload(document_id=copy.pk, file=pdf)],
        )
    added = DossierDocument.objects.get(dossier=dossier, is_supplement=True)
    assert (added.name, added.name_en) == (ID_COPY, "Copy of the ID card")


def test_a_refusal_names_the_missing_papers_in_the_callers_language(client, bearer, personas, english):
    data = {
        "procedure": "HT-01",
        "unit": personas.ward.code,
        "applicant_name": "Nguyễn Văn An",
        "documents": [],
    }
    headers = bearer(personas.officer)
    english_answer = client.post(
        "/api/v1/dossiers", data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **headers
    )
    assert english_answer.status_code == 400 and FORM_EN in english_answer.json()["detail"]
    vietnamese = client.post("/api/v1/dossiers", data, content_type="application/json", **headers)
    assert vietnamese.status_code == 400
    assert FORM_VI in vietnamese.json()["detail"] and FORM_EN not in vietnamese.json()["detail"]


# --- API ------------------------------------------------------------------------------------------------


def test_api_procedures_carry_the_english_names(client, english):
    listed = client.get("/api/v1/procedures").json()["items"]
    birth = next(p for p in listed if p["code"] == "HT-01")
    assert (birth["field"], birth["field_en"]) == (FIELD_VI, FIELD_EN)
    assert next(p for p in listed if p["code"] == "CT-01")["field_en"] == ""
    detail = client.get("/api/v1/procedures/HT-01").json()
    assert [(d["name"], d["name_en"]) for d in detail["documents"]] == [(FORM_VI, FORM_EN), (ID_COPY, "")]
    assert [(s["name"], s["name_en"]) for s in detail["steps"]] == [
        (RECEPTION_VI, RECEPTION_EN),
        (APPRAISAL_VI, APPRAISAL_EN),
        (APPROVAL, ""),
    ]
    # The field filter reads the English name too (the Vietnamese one, with or without accents, as before).
    for field in ("civil status", "Hộ tịch", "ho tich"):
        codes = {p["code"] for p in client.get("/api/v1/procedures", {"field": field}).json()["items"]}
        assert "HT-01" in codes, field
    assert client.get("/api/v1/procedures", {"field": "  "}).json()["count"] == 0


def test_api_dossier_steps_and_papers_carry_the_english_names(client, bearer, personas, english, receive):
    dossier = receive()
    data = client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(personas.officer)).json()
    assert [(s["name"], s["name_en"]) for s in data["steps"]][:2] == [
        (RECEPTION_VI, RECEPTION_EN),
        (APPRAISAL_VI, APPRAISAL_EN),
    ]
    assert [(p["name"], p["name_en"]) for p in data["documents"]] == [(FORM_VI, FORM_EN)]
    public = client.get(f"/api/v1/dossiers/{dossier.code}").json()
    assert public["steps"][0]["name_en"] == RECEPTION_EN


def test_the_openapi_document_describes_the_new_fields(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "field_en" in schemas["ProcedureOut"]["properties"]
    for schema in ("RequirementOut", "ProcessStepOut", "StepOut", "PaperOut"):
        assert "name_en" in schemas[schema]["properties"], schema
        assert "name" in schemas[schema]["properties"], schema  # the existing field is still there


# --- Excel ------------------------------------------------------------------------------------------------

ENGLISH_HEADERS = {
    SHEET_PROCEDURES: "Lĩnh vực tiếng Anh",
    SHEET_DOCUMENTS: "Tên giấy tờ tiếng Anh",
    SHEET_STEPS: "Tên bước tiếng Anh",
}


def open_book(data: bytes) -> Workbook:
    return load_workbook(BytesIO(data))


def to_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def column(ws: Any, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def row_of(ws: Any, code: str, position: int | None = None) -> int:
    return next(
        r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, 1).value == code and (position is None or ws.cell(r, 2).value == position)
    )


def without_english_columns(book: Workbook) -> Workbook:
    """The workbook as files made before the English columns existed."""
    for sheet, header in ENGLISH_HEADERS.items():
        book[sheet].delete_cols(column(book[sheet], header))
    return book


def english_state() -> dict[str, Any]:
    return {
        p.code: (
            p.field_en,
            [(d.name, d.name_en) for d in p.documents.all()],
            [(s.name, s.name_en) for s in p.steps.all()],
        )
        for p in Procedure.objects.prefetch_related("documents", "steps").order_by("code")
    }


def test_export_has_the_english_columns_last_and_filled(english):
    book = open_book(catalog_export())
    for sheet, header in ENGLISH_HEADERS.items():
        assert book[sheet].cell(1, book[sheet].max_column).value == header  # older columns keep their letters
    procedures = book[SHEET_PROCEDURES]
    assert (
        procedures.cell(
            row_of(procedures, "HT-01"), column(procedures, ENGLISH_HEADERS[SHEET_PROCEDURES])
        ).value
        == FIELD_EN
    )
    documents = book[SHEET_DOCUMENTS]
    assert (
        documents.cell(
            row_of(documents, "HT-01", 1), column(documents, ENGLISH_HEADERS[SHEET_DOCUMENTS])
        ).value
        == FORM_EN
    )
    steps = book[SHEET_STEPS]
    assert (
        steps.cell(row_of(steps, "HT-01", 2), column(steps, ENGLISH_HEADERS[SHEET_STEPS])).value
        == APPRAISAL_EN
    )


def test_round_trip_keeps_the_english_names_and_an_edit_is_imported(english, personas):
    before = english_state()
    result = catalog_import(catalog_export(), user=personas.admin)
    assert result.ok and result.updated == [] and english_state() == before
    book = open_book(catalog_export())
    steps = book[SHEET_STEPS]
    steps.cell(row_of(steps, "HT-01", 3), column(steps, ENGLISH_HEADERS[SHEET_STEPS])).value = "Approval"
    procedures = book[SHEET_PROCEDURES]
    procedures.cell(
        row_of(procedures, "CT-01"), column(procedures, ENGLISH_HEADERS[SHEET_PROCEDURES])
    ).value = "Civil status"
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert result.ok, result.errors
    assert result.updated == ["CT-01", "HT-01"]
    assert ProcedureStep.objects.get(procedure=english, position=3).name_en == "Approval"
    assert Procedure.objects.get(code="CT-01").field_en == "Civil status"
    entry = AuditEntry.objects.filter(action="procedure_catalog.import").latest("pk")
    assert entry.after["HT-01"]["steps"][2][-1] == "Approval"  # the audit row shows the English names


def test_a_file_without_the_english_columns_still_imports_and_keeps_them(english, personas):
    before = english_state()
    book = without_english_columns(open_book(catalog_export()))
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert result.ok, result.errors
    assert result.updated == [] and english_state() == before
    # Its changes are imported; an English name whose Vietnamese text changes goes (it translated the old one).
    documents = book[SHEET_DOCUMENTS]
    documents.cell(row_of(documents, "HT-01", 1), column(documents, "Tên giấy tờ")).value = "Tờ khai mới"
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert result.ok and result.updated == ["HT-01"], result.errors
    changed = english_state()["HT-01"]
    assert changed[1][0] == ("Tờ khai mới", "")
    assert changed[0] == FIELD_EN and changed[2] == before["HT-01"][2]  # the rest is kept


def test_a_bad_english_cell_is_refused_naming_its_column(english, personas):
    before = english_state()
    book = open_book(catalog_export())
    documents = book[SHEET_DOCUMENTS]
    letter = documents.cell(1, column(documents, ENGLISH_HEADERS[SHEET_DOCUMENTS])).column_letter
    row = row_of(documents, "HT-01", 1)
    documents.cell(row, column(documents, ENGLISH_HEADERS[SHEET_DOCUMENTS])).value = "x" * 301
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert not result.ok and english_state() == before
    assert [str(e).split(": ")[0] for e in result.errors] == [
        f"{SHEET_DOCUMENTS}!{letter}{row} (Tên giấy tờ tiếng Anh)"
    ]
    assert result.errors[0].field == "name_en"


def test_the_english_columns_are_read_by_their_keys_too(english, personas):
    book = open_book(catalog_export())
    steps = book[SHEET_STEPS]
    steps.cell(1, column(steps, ENGLISH_HEADERS[SHEET_STEPS])).value = "name_en"
    steps.cell(row_of(steps, "HT-01", 3), steps.max_column).value = "Approval"
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert result.ok, result.errors
    assert ProcedureStep.objects.get(procedure=english, position=3).name_en == "Approval"
    assert {key for key, *_r in COLUMNS[SHEET_STEPS]} >= {"name", "name_en"}


# --- The demo catalog -----------------------------------------------------------------------------------


def test_the_demo_catalog_is_in_english_too(personas):
    seed_procedures()
    procedures = Procedure.objects.filter(code__in=[p.code for p in PROCEDURES])
    assert procedures.count() == len(PROCEDURES) >= 30
    assert not procedures.filter(field_en="").exists()
    assert not ProcedureDocument.objects.filter(procedure__in=procedures, name_en="").exists()
    assert not ProcedureStep.objects.filter(procedure__in=procedures, name_en="").exists()
    birth = procedures.get(code="HT-01")
    assert birth.field_en == "Civil status"
    assert [d.name_en for d in birth.documents.all()][:2] == [
        "Birth registration declaration form (official template)",
        "Birth certificate issued by the hospital",
    ]
    # Every English name is written out: no Vietnamese left in it.
    vietnamese = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹàáèéìíòóùúýõã]", re.I)
    names = [
        *demo_catalog_en.FIELDS.values(),
        *demo_catalog_en.PAPERS.values(),
        *demo_catalog_en.STEPS.values(),
    ]
    assert not [n for n in names if vietnamese.search(n)]


def test_seeding_again_fills_the_english_names_a_catalog_lacks_but_keeps_an_administrators_text(personas):
    seed_procedures()
    birth = Procedure.objects.get(code="HT-01")
    # A catalog loaded before the English names existed, and an administrator's own wording of one paper.
    Procedure.objects.filter(code__in=["HT-01", "CT-01"]).update(field_en="")
    ProcedureDocument.objects.filter(procedure=birth).update(name_en="")
    ProcedureStep.objects.filter(procedure=birth).update(name_en="")
    ProcedureDocument.objects.filter(procedure=birth, position=2).update(name="Giấy chứng sinh (bản chính)")
    audits = AuditEntry.objects.filter(action="procedure_catalog.english_names").count()
    seed_procedures()
    birth.refresh_from_db()
    assert (
        birth.field_en == "Civil status" and Procedure.objects.get(code="CT-01").field_en == "Certification"
    )
    papers = [d.name_en for d in birth.documents.all()]
    assert papers[0].startswith("Birth registration declaration") and papers[1] == ""  # edited: left alone
    assert all(s.name_en for s in birth.steps.all())
    assert AuditEntry.objects.filter(action="procedure_catalog.english_names").count() == audits + 1
    seed_procedures()  # nothing left to fill: no change, no audit row
    assert AuditEntry.objects.filter(action="procedure_catalog.english_names").count() == audits + 1


# --- Schema ----------------------------------------------------------------------------------------------


def test_the_models_and_migrations_agree():
    call_command("makemigrations", "dossiers", "--check", "--dry-run", verbosity=0)


def test_the_catalog_tables_still_signal_configuration_changes(english):
    """The migration adds its columns in place: the catalog tables keep their triggers (on SQLite a copied
    table would lose them, and intake would keep serving a stale catalog)."""
    for rows in (
        Procedure.objects.filter(pk=english.pk),
        ProcedureDocument.objects.filter(procedure=english, position=1),
        ProcedureStep.objects.filter(procedure=english, position=1),
    ):
        before = configcache.generation()
        rows.update(name_en="x")
        assert configcache.generation() != before, rows.model


def test_the_history_names_a_completed_step_in_the_readers_language(personas, english, receive):
    dossier = receive()
    dossier_transition(user=personas.officer, code=dossier.code, action="forward", version=dossier.version)
    done = dossier.events.get(kind="step_done")
    assert done.note == "" and done.note_args == {"name": RECEPTION_VI, "name_en": RECEPTION_EN}
    assert done.display_note == RECEPTION_VI
    with translation.override("en"):
        assert done.display_note == RECEPTION_EN
