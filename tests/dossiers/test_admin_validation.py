"""The back office holds the procedure catalog to the Excel import's rules, and dossier targets to the
targets page's bounds; a target is named by its unit and year.

A reviewer saved through /quan-tri/ a code “ct-01” beside “CT-01” (/thu-tuc/ct-01/ showed the other
procedure), a code “TEST 01 ?” and a processing time of 0 (the catalog's export no longer imported back),
and targets for the year 1800 with shares of 150% and −1%, listed as “11 1800” (the unit's database id).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.utils import translation

from citydesk.core.models import AuditEntry
from citydesk.dossiers.catalog import (
    SHEET_DOCUMENTS,
    SHEET_PROCEDURES,
    SHEET_STEPS,
    catalog_export,
    catalog_import,
    parse_value,
)
from citydesk.dossiers.models import Procedure, Target

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"
ADD = f"{ADMIN}/dossiers/procedure/add/"
IMPORT = "the import's message"  # expect what the Excel import says of the same cell


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _procedure_form(**changes: str) -> dict[str, str]:
    data = {
        "code": "TEST-01",
        "name": "Thủ tục thử",
        "name_en": "",
        "field": "Hộ tịch",
        "field_en": "",
        "authority": "ward",
        "department_code": "",
        "fee": "0",
        "fee_note": "",
        "processing_time": "5",
        "time_unit": "days",
        "service_level": "2",
        "legal_basis": "",
        "is_active": "on",
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "0",
        "documents-0-position": "1",
        "documents-0-name": "Tờ khai",
        "documents-0-name_en": "",
        "documents-0-copies": "01 bản chính",
        "documents-0-required": "on",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
    }
    for i, (name, share) in enumerate((("Tiếp nhận", "30"), ("Giải quyết", "70"))):
        data.update(
            {
                f"steps-{i}-position": str(i + 1),
                f"steps-{i}-name": name,
                f"steps-{i}-name_en": "",
                f"steps-{i}-performer": "receiving",
                f"steps-{i}-department_code": "",
                f"steps-{i}-role": "officer",
                f"steps-{i}-share": share,
            }
        )
    data.update(changes)
    return data


def _inline(response: Any, prefix: str) -> Any:
    return next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix).formset


def _import_message(sheet: str, key: str, raw: Any) -> str:
    """What the Excel import says of this cell (the back office must say the same)."""
    with translation.override("vi"), pytest.raises(ValueError) as refused:
        parse_value(sheet, key, raw)
    return str(refused.value)


def _nothing_saved(before: tuple[int, int, int]) -> None:
    assert (Procedure.objects.count(), AuditEntry.objects.count(), LogEntry.objects.count()) == before


def _counts() -> tuple[int, int, int]:
    return Procedure.objects.count(), AuditEntry.objects.count(), LogEntry.objects.count()


# --- Procedures: the import's rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "TEST 01 ?"}, "code", IMPORT),
        ({"code": "MÃ-01"}, "code", "Cần một mã gồm chữ cái A–Z"),
        ({"processing_time": "0"}, "processing_time", "Cần một số nguyên lớn hơn 0."),
        ({"processing_time": "-3"}, "processing_time", None),  # the form field's own message
        ({"code": ""}, "code", None),
        ({"authority": "department"}, "department_code", "Ghi mã sở (ví dụ: SXD)."),
        ({"authority": "department", "department_code": "NOPE"}, "department_code", "Không có sở mã “NOPE”"),
        ({"authority": "department", "department_code": "S X D"}, "department_code", IMPORT),
    ],
)
def test_a_procedure_the_import_would_refuse_is_refused_next_to_its_field(
    staff, catalog, changes, field, message
):
    before = _counts()
    r = staff.post(ADD, _procedure_form(**changes))
    assert r.status_code == 200
    form = r.context["adminform"].form
    assert list(form.errors) == [field]
    if message == IMPORT:
        message = _import_message(SHEET_PROCEDURES, field, changes[field])
    if message is not None:
        assert any(message in error for error in form.errors[field]), form.errors
    _nothing_saved(before)
    assert not Procedure.objects.filter(code__iexact=changes.get("code") or "TEST-01").exists()


@pytest.mark.parametrize("code", ["ct-01", "Ct-01", "CT-01", " ct-01 "])
def test_a_code_another_procedure_has_in_any_case_is_refused(staff, catalog, code):
    before = _counts()
    r = staff.post(ADD, _procedure_form(code=code))
    assert r.status_code == 200
    [error] = r.context["adminform"].form.errors["code"]
    assert "CT-01" in error and catalog.copy.name in error
    _nothing_saved(before)
    assert list(Procedure.objects.filter(code__iexact="ct-01")) == [catalog.copy]


def test_a_procedure_stored_with_a_small_letter_code_cannot_be_saved_beside_its_twin(staff, catalog):
    """One saved before the check (“ct-01” beside “CT-01”) must take another code before it is saved again."""
    twin = Procedure.objects.get(pk=catalog.birth.pk)
    Procedure.objects.filter(pk=twin.pk).update(code="ct-01")
    page = staff.get(f"{ADMIN}/dossiers/procedure/{twin.pk}/change/")
    r = staff.post(f"{ADMIN}/dossiers/procedure/{twin.pk}/change/", _posted(page))
    assert r.status_code == 200
    assert list(r.context["adminform"].form.errors) == ["code"]
    assert Procedure.objects.get(pk=twin.pk).code == "ct-01"


@pytest.mark.parametrize(
    ("changes", "prefix", "row", "field", "raw"),
    [
        ({"steps-0-share": "150", "steps-1-share": "-50"}, "steps", 0, "share", "150"),  # 100% in all
        ({"steps-0-share": "150", "steps-1-share": "-50"}, "steps", 1, "share", "-50"),
        ({"steps-0-share": "0", "steps-1-share": "100"}, "steps", 0, "share", "0"),
        (
            {"steps-1-department_code": "S X D", "steps-1-performer": "department"},
            "steps",
            1,
            "department_code",
            "S X D",
        ),
        ({"documents-0-position": "0"}, "documents", 0, "position", "0"),
    ],
)
def test_a_document_or_step_the_import_would_refuse_is_refused_on_its_row(
    staff, catalog, changes, prefix, row, field, raw
):
    before = _counts()
    r = staff.post(ADD, _procedure_form(**changes))
    assert r.status_code == 200
    formset = _inline(r, prefix)
    sheet = SHEET_STEPS if prefix == "steps" else SHEET_DOCUMENTS
    assert _import_message(sheet, field, raw) in formset.forms[row].errors.get(field, []), formset.errors
    _nothing_saved(before)


def test_a_good_procedure_is_saved_as_the_import_would_store_it(staff, catalog, personas):
    decomposed = unicodedata.normalize("NFD", "Đăng ký thử nghiệm")
    r = staff.post(ADD, _procedure_form(code="test-02", name=decomposed, **{"steps-1-share": "70.00"}))
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    saved = Procedure.objects.get(code="TEST-02")  # in capitals, as the import and /thu-tuc/<code>/ read it
    assert saved.name == unicodedata.normalize("NFC", decomposed)
    assert [s.share for s in saved.steps.all()] == [Decimal(30), Decimal(70)]
    assert staff.get("/thu-tuc/test-02/").status_code == 200
    # The catalog's export imports back, and changes nothing.
    result = catalog_import(catalog_export(), user=personas.admin)
    assert result.ok, [str(e) for e in result.errors]
    assert "TEST-02" in result.unchanged and not result.created and not result.updated


def _posted(page: Any) -> dict[str, Any]:
    """What the admin's change page would send back as it is (its forms' values)."""
    data: dict[str, Any] = {}
    all_forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        all_forms.extend(formset.forms)
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
    for form in all_forms:
        for field in form:
            if isinstance(field.field, forms.FileField):
                continue
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
                continue
            data[field.html_name] = "" if value is None else value
    return data


def test_an_edit_in_the_back_office_keeps_the_catalog_importable(staff, catalog, personas):
    url = f"{ADMIN}/dossiers/procedure/{catalog.land.pk}/change/"
    data = _posted(staff.get(url))
    data.update({"processing_time": "12", "department_code": "sxd", "steps-1-department_code": "sxd"})
    r = staff.post(url, data)
    assert r.status_code == 302, r.context and (r.context["adminform"].form.errors, r.context["errors"])
    land = Procedure.objects.get(pk=catalog.land.pk)
    assert (land.code, land.processing_time, land.department_code) == ("DD-01", 12, "SXD")
    assert land.steps.get(position=2).department_code == "SXD"
    result = catalog_import(catalog_export(), user=personas.admin)
    assert result.ok, [str(e) for e in result.errors]
    assert sorted(result.unchanged) == ["CT-01", "DD-01", "HT-01"]


# --- Dossier targets --------------------------------------------------------------------------------------


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_back_office_refuses_to_add_change_or_delete_a_target(staff, personas):
    """Targets are the city leaders' (the targets page); the back office shows them and changes nothing."""
    data = {"unit": str(personas.ward.pk), "year": "2026", "online_share": "95", "on_time_share": "90"}
    assert staff.post(f"{ADMIN}/dossiers/target/add/", data).status_code == 403
    target = Target.objects.create(unit=personas.ward, year=2026, online_share=90)
    staff.post(f"{ADMIN}/dossiers/target/{target.pk}/change/", {**data, "online_share": "99"})
    assert Target.objects.get().online_share == Decimal("90.00")
    assert staff.post(f"{ADMIN}/dossiers/target/{target.pk}/delete/", {"post": "yes"}).status_code == 403
    data = {"action": "delete_selected", "_selected_action": [str(target.pk)], "post": "yes"}
    staff.post(f"{ADMIN}/dossiers/target/", data)
    assert Target.objects.filter(pk=target.pk).exists()
    assert not AuditEntry.objects.filter(object_type="dossier_target").exists()
