"""QA-OPS11 defect 1 for procedures: a processing time the working-day calendar cannot count is refused
where it is entered (back office, Excel import), and one stored before is a 400 at intake, not a 500."""

from __future__ import annotations

import pytest
from django.forms import modelform_factory

from citydesk.core.models import MAX_WORKING_DAYS, MAX_WORKING_HOURS
from citydesk.dossiers.catalog import SHEET_PROCEDURES, catalog_export, catalog_import
from citydesk.dossiers.models import Procedure, TimeUnit
from tests.dossiers.test_api import body, post_json
from tests.dossiers.test_catalog import col, open_book, put, row_of, to_bytes

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _procedure_form(processing_time: int, time_unit: str = TimeUnit.WORKING_DAYS) -> dict[str, str]:
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
        "processing_time": str(processing_time),
        "time_unit": time_unit,
        "service_level": "2",
        "legal_basis": "",
        "is_active": "on",
    }
    data.update({"documents-TOTAL_FORMS": "0", "documents-INITIAL_FORMS": "0"})
    data.update({"steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0"})  # a process has a step at least
    data.update(
        {
            "steps-0-position": "1",
            "steps-0-name": "Tiếp nhận và giải quyết",
            "steps-0-name_en": "",
            "steps-0-performer": "receiving",
            "steps-0-department_code": "",
            "steps-0-role": "officer",
            "steps-0-share": "100",
        }
    )
    return data


@pytest.mark.parametrize(
    ("time", "unit"),
    [
        (9999999, TimeUnit.WORKING_DAYS),
        (MAX_WORKING_DAYS + 1, TimeUnit.WORKING_DAYS),
        (MAX_WORKING_HOURS + 1, TimeUnit.WORKING_HOURS),
    ],
)
def test_the_back_office_refuses_a_processing_time_beyond_the_calendar(staff, personas, time, unit):
    r = staff.post(f"{ADMIN}/dossiers/procedure/add/", _procedure_form(time, unit))
    assert r.status_code == 200
    assert list(r.context["adminform"].form.errors) == ["processing_time"]
    assert not Procedure.objects.filter(code="TEST-01").exists()
    # Any form of the model refuses it too.
    form = modelform_factory(Procedure, fields="__all__")(_procedure_form(time, unit))
    assert "processing_time" in form.errors


@pytest.mark.parametrize(
    ("time", "unit"), [(MAX_WORKING_DAYS, TimeUnit.WORKING_DAYS), (MAX_WORKING_HOURS, TimeUnit.WORKING_HOURS)]
)
def test_the_back_office_accepts_the_longest_times(staff, personas, time, unit):
    r = staff.post(f"{ADMIN}/dossiers/procedure/add/", _procedure_form(time, unit))
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    assert Procedure.objects.get(code="TEST-01").processing_time == time


@pytest.mark.parametrize(
    ("time", "unit", "refused"),
    [
        (99999999, "ngày làm việc", True),
        (MAX_WORKING_DAYS + 1, "ngày làm việc", True),
        (MAX_WORKING_HOURS + 1, "giờ làm việc", True),
        (MAX_WORKING_DAYS, "ngày làm việc", False),
        (MAX_WORKING_HOURS, "giờ làm việc", False),
    ],
)
def test_the_import_lists_a_processing_time_beyond_the_calendar(catalog, personas, time, unit, refused):
    book = open_book(catalog_export())
    row = row_of(book, SHEET_PROCEDURES, "HT-01")
    put(book, SHEET_PROCEDURES, row, "processing_time", time)
    put(book, SHEET_PROCEDURES, row, "time_unit", unit)
    result = catalog_import(to_bytes(book), user=personas.admin)
    if not refused:
        assert result.ok, result.errors
        assert Procedure.objects.get(code="HT-01").processing_time == time
        return
    assert not result.ok
    [error] = result.errors
    letter = book[SHEET_PROCEDURES].cell(row, col(SHEET_PROCEDURES, "processing_time")).column_letter
    assert (error.sheet, error.row, error.column, error.field) == (
        SHEET_PROCEDURES,
        row,
        letter,
        "processing_time",
    )
    assert Procedure.objects.get(code="HT-01").processing_time == 3  # all or nothing


def test_a_stored_time_beyond_the_calendar_refuses_the_dossier_naming_the_procedure(
    client, bearer, personas, catalog
):
    Procedure.objects.filter(pk=catalog.birth.pk).update(processing_time=32000)  # stored before the bound
    r = post_json(client, "/api/v1/dossiers", body(catalog, personas), **bearer(personas.officer))
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "procedure" and "Đăng ký khai sinh" in r.json()["detail"]
    assert not catalog.birth.dossiers.exists()


# --- The back office holds a process to the import's rules ---------------------------------------------


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"steps-0-role": "operator"}, "role"),  # a hotline operator cannot move a dossier on
        ({"steps-0-role": "admin"}, "role"),
        ({"steps-0-performer": "department", "steps-0-department_code": ""}, "department_code"),
        ({"steps-0-performer": "department", "steps-0-department_code": "NOPE"}, "department_code"),
        ({"steps-0-department_code": "SXD"}, "department_code"),  # only a department's step names one
    ],
)
def test_a_step_nobody_can_act_on_is_refused(staff, personas, step, field):
    r = staff.post(f"{ADMIN}/dossiers/procedure/add/", {**_procedure_form(5), **step})
    assert r.status_code == 200
    steps = next(f for f in r.context["inline_admin_formsets"] if f.formset.prefix == "steps").formset
    assert field in steps.forms[0].errors, steps.errors
    assert not Procedure.objects.filter(code="TEST-01").exists()


def test_a_procedure_without_steps_is_refused(staff, personas):
    r = staff.post(f"{ADMIN}/dossiers/procedure/add/", {**_procedure_form(5), "steps-TOTAL_FORMS": "0"})
    assert r.status_code == 200
    steps = next(f for f in r.context["inline_admin_formsets"] if f.formset.prefix == "steps").formset
    assert steps.non_form_errors() == ["Thủ tục cần ít nhất một bước trong quy trình."]
    assert not Procedure.objects.filter(code="TEST-01").exists()


def test_a_department_step_with_a_known_code_is_kept(staff, personas):
    step = {"steps-0-performer": "department", "steps-0-department_code": "sxd", "steps-0-role": "head"}
    r = staff.post(f"{ADMIN}/dossiers/procedure/add/", {**_procedure_form(5), **step})
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    saved = Procedure.objects.get(code="TEST-01").steps.get()
    assert (saved.performer, saved.department_code, saved.role) == ("department", "SXD", "head")
