"""Defects a QA walk-through found on the web pages, the API and the Excel files (one test or more each):
forms that said their problems one at a time, a hotline message about a map it does not have, a note
stored in the operator's language, numbers written the Vietnamese way on English pages, raw field names
in error messages, HTML and English answers from the JSON API, English codes asked for by the Vietnamese
procedure workbook, sheet names cut inside a word, and unlabelled language buttons."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from citydesk.dossiers.catalog import SHEET_PROCEDURES, SHEET_STEPS, catalog_export, catalog_import
from citydesk.dossiers.demo_catalog import seed_procedures
from citydesk.dossiers.models import Procedure
from citydesk.indicators import display
from citydesk.indicators.models import IndicatorGroup
from citydesk.ioc.models import Directive
from citydesk.reports.forms import QueueFilterForm
from citydesk.reports.models import Report
from tests.indicators.test_dashboards import PERIOD
from tests.indicators.test_dashboards import data as data  # the fixture
from tests.reports.conftest import categories as categories  # the fixture
from tests.reports.test_pages import FORM, HOTLINE, field_error

pytestmark = pytest.mark.django_db


def _form_errors(response) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in response.context["form"].errors.items()}


# --- 5. Every invalid field named in one round --------------------------------------------------------


def test_report_form_names_every_invalid_field_at_once(client, categories):
    bad = {**FORM, "contact_phone": "abc123", "contact_email": "not-an-email"}
    response = client.post("/phan-anh/moi/", bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, "contact_phone") and field_error(html, "contact_email")
    # With the category, the description and the place missing too: all five in the same answer.
    empty = {**bad, "category": "", "description": "", "lon": "", "lat": "", "address": ""}
    errors = _form_errors(client.post("/phan-anh/moi/", empty))
    assert {"contact_phone", "contact_email", "category", "description", "address"} <= set(errors)
    assert not Report.objects.exists()


def test_report_form_refuses_an_unknown_category_with_the_other_problems(client, categories):
    errors = _form_errors(client.post("/phan-anh/moi/", {**FORM, "category": "nope", "contact_phone": "1"}))
    assert {"category", "contact_phone"} <= set(errors)
    assert not Report.objects.exists()


def test_report_form_checks_the_answers_with_the_rest(client, categories):
    bad = {**FORM, "a_road_damage__depth_cm": "deep", "contact_email": "x@"}
    errors = _form_errors(client.post("/phan-anh/moi/", bad))
    assert {"a_road_damage__depth_cm", "contact_email"} <= set(errors)


def test_hotline_names_the_phone_with_the_missing_category_and_place(client, personas, categories):
    client.force_login(personas.operator)
    call = {**HOTLINE, "contact_phone": "12", "category": "", "ward": "", "address": ""}
    response = client.post("/tong-dai/", call)
    assert response.status_code == 400
    errors = _form_errors(response)
    assert {"contact_phone", "category", "address"} <= set(errors)
    assert not Report.objects.exists()


# --- 6. The hotline has no map -------------------------------------------------------------------------


def test_hotline_asks_for_the_place_without_mentioning_a_map(client, personas, categories):
    client.force_login(personas.operator)
    errors = _form_errors(client.post("/tong-dai/", {**HOTLINE, "ward": "", "address": ""}))
    assert errors["address"] == [_("Give the place: choose the commune/ward, or enter an address.")]
    assert _("Give the place: pick it on the map, or enter an address.") not in errors["address"]


# --- 7. "On behalf of" is stored in the platform's language --------------------------------------------


@pytest.mark.parametrize("platform, screen", [("en", "vi"), ("vi", "en")])
def test_on_behalf_note_is_stored_in_the_platforms_language(
    client, personas, categories, settings, platform, screen
):
    settings.LANGUAGE_CODE = platform
    client.force_login(personas.operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = screen
    response = client.post("/tong-dai/", HOTLINE)
    assert response.status_code == 302
    with translation.override(platform):
        note = _("(on behalf of: %(name)s)") % {"name": HOTLINE["on_behalf_of"]}
    assert Report.objects.get().contact_name == f"{HOTLINE['contact_name']} {note}"


def test_on_behalf_note_too_long_with_the_name_is_refused_before_saving(client, personas, categories):
    client.force_login(personas.operator)
    response = client.post("/tong-dai/", {**HOTLINE, "contact_name": "A" * 120, "on_behalf_of": "B" * 60})
    assert response.status_code == 400 and "on_behalf_of" in _form_errors(response)
    assert not Report.objects.exists()


# --- 8. Indicator numbers follow the page's language --------------------------------------------------


def test_indicator_numbers_follow_the_language():
    with translation.override("en"):
        assert display.number(574572.5, 1) == "574,572.5"
        assert display.percent(0.2) == "+0.2%"
        assert display.number(-3.75, 1) == "\u22123.8"
        assert display.exact(1234.5) == "1.234,5"  # a form input: read back the same way in any language
        assert display.exact(1234.5, vietnamese=None) == "1,234.5"
    with translation.override("vi"):
        assert display.number(574572.5, 1) == "574.572,5"
        assert display.percent(0.2) == "+0,2%"
        assert display.exact(1234.5) == "1.234,5"


def test_english_indicator_page_writes_english_numbers(client, personas, data, settings):
    client.force_login(personas.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/chi-tieu-ktxh/chi-tieu/RETAIL/", {"period": PERIOD}).content.decode()
    assert re.search(r"\d,\d{3}\.\d", html) or re.search(r">\d+\.\d<", html), "no English number"
    assert not re.search(r">[+−]?\d+,\d%?<", html), "a Vietnamese decimal on the English page"


# --- 9. Errors name the field by its label ---------------------------------------------------------------


def test_operations_center_filter_errors_use_labels(client, personas):
    client.force_login(personas.head)
    response = client.get("/dieu-hanh/", {"start": "2026-99-01", "status": "zzz"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"<strong>{_('From')}</strong>:" in html and f"<strong>{_('Status')}</strong>:" in html
    assert "<strong>start</strong>" not in html and "<strong>status</strong>" not in html


def test_indicator_filter_errors_use_labels(client, personas, data):
    client.force_login(personas.leader)
    response = client.get("/chi-tieu-ktxh/", {"period": "2026-99", "unit": "zz"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"<strong>{_('Unit')}</strong>:" in html and f"<strong>{_('Period')}</strong>:" in html
    assert "<strong>unit</strong>" not in html and "<strong>period</strong>" not in html
    export = client.get("/chi-tieu-ktxh/xuat.xlsx", {"period": "2026-99"})
    assert export.status_code == 400 and f"{_('Period')}:" in export.content.decode()


def test_empty_directive_names_every_field_by_its_label(client, personas):
    client.force_login(personas.head)
    response = client.post(
        "/dieu-hanh/chi-dao/moi/", {"unit": "", "report": "", "text": "", "due": "2020-01-01"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index('data-testid="directive-errors"') :]
    for field in ("unit", "text", "due"):
        assert f'data-field="{field}"' in summary
    assert f"<strong>{_('Unit')}</strong>:" in summary and "<strong>unit</strong>" not in summary
    assert f"<h2>{_('It was not done')}</h2>" not in html
    assert not Directive.objects.exists()


# --- 10. The API answers JSON in the caller's language, also for a wrong method or path ------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_api_wrong_method_and_unknown_path_answer_json(client, language):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    refused = client.delete("/api/v1/units", **headers)
    assert refused.status_code == 405 and refused["Content-Type"].startswith("application/json")
    assert refused["Allow"] == "GET"
    with translation.override(language):
        expected = _("The method %(method)s is not allowed on %(path)s; use %(allowed)s.") % {
            "method": "DELETE",
            "path": "/api/v1/units",
            "allowed": "GET",
        }
        missing_text = _("There is no API endpoint %(path)s; the list is at %(docs)s.") % {
            "path": "/api/v1/no-such-thing/1",
            "docs": "/api/v1/docs",
        }
    assert refused.json() == {"detail": expected}
    missing = client.get("/api/v1/no-such-thing/1", **headers)
    assert missing.status_code == 404 and missing["Content-Type"].startswith("application/json")
    assert missing.json() == {"detail": missing_text}
    assert client.get("/api/v1/units", {"limit": 1}, **headers).status_code == 200  # the real ones still work


# --- 11. The procedure workbook speaks Vietnamese --------------------------------------------------------


def _column(sheet, header: str) -> int:
    return next(c.column for c in sheet[1] if c.value == header)


def test_procedure_workbook_uses_vietnamese_values_and_reads_them_back(personas):
    seed_procedures()
    book = load_workbook(BytesIO(catalog_export()))
    procedures, steps = book[SHEET_PROCEDURES], book[SHEET_STEPS]
    headers = [c.value for c in procedures[1]] + [c.value for c in steps[1]]
    assert not any(re.search(r"ward|department|days|hours|receiving|officer", h) for h in headers), headers
    authority = {
        procedures.cell(r, _column(procedures, "Cấp thẩm quyền")).value
        for r in range(2, procedures.max_row + 1)
    }
    assert authority <= {"UBND cấp xã", "Sở ngành", "UBND Thành phố"} and "UBND cấp xã" in authority
    roles = {steps.cell(r, _column(steps, "Vai trò")).value for r in range(2, steps.max_row + 1)}
    assert "Công chức" in roles and "officer" not in roles
    lists = [v.formula1 for v in procedures.data_validations.dataValidation]
    assert any("UBND cấp xã" in f and "Sở ngành" in f for f in lists)
    assert any("ngày làm việc" in f and "giờ làm việc" in f for f in lists)
    # Read back: labels without accents and the old English codes both mean the same thing.
    row = next(r for r in range(2, procedures.max_row + 1) if procedures.cell(r, 1).value == "HT-01")
    procedures.cell(row, _column(procedures, "Cấp thẩm quyền")).value = "ubnd cap xa"
    procedures.cell(row, _column(procedures, "Đơn vị thời gian")).value = "hours"
    out = BytesIO()
    book.save(out)
    result = catalog_import(out.getvalue(), user=personas.admin)
    assert result.ok, [str(e) for e in result.errors]
    ht01 = Procedure.objects.get(code="HT-01")
    assert (ht01.authority, ht01.time_unit) == ("ward", "hours")


def test_procedure_workbook_refuses_a_wrong_value_naming_sheet_row_and_column(personas):
    seed_procedures()
    book = load_workbook(BytesIO(catalog_export()))
    procedures = book[SHEET_PROCEDURES]
    column = _column(procedures, "Cấp thẩm quyền")
    procedures.cell(5, column).value = "tỉnh"
    out = BytesIO()
    book.save(out)
    result = catalog_import(out.getvalue(), user=personas.admin)
    assert not result.ok
    letter = procedures.cell(5, column).column_letter
    text = [str(e) for e in result.errors]
    assert any(
        t.startswith(f"{SHEET_PROCEDURES}!{letter}5 (Cấp thẩm quyền): ") and "UBND cấp xã" in t for t in text
    ), text


def test_blank_procedure_template_has_the_vietnamese_drop_downs():
    book = load_workbook(BytesIO(catalog_export(Procedure.objects.none())))
    lists = [v.formula1 for ws in book.worksheets for v in ws.data_validations.dataValidation]
    assert any("Đơn vị tiếp nhận" in f for f in lists) and any("Thủ trưởng đơn vị" in f for f in lists)


# --- 12. Indicator workbook sheet names ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_indicator_workbook_sheet_names_are_cut_between_words(client, personas, data, settings, language):
    IndicatorGroup.objects.filter(code="ECO").update(
        name="Dân số, an sinh xã hội, giảm nghèo và việc làm", name_en="Construction and urban management"
    )
    IndicatorGroup.objects.filter(code="SOC").update(
        name="Dân số, an sinh xã hội, giảm nghèo và y tế", name_en="Construction and urban management too"
    )
    client.force_login(personas.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/chi-tieu-ktxh/xuat.xlsx", {"period": PERIOD})
    assert response.status_code == 200
    names = load_workbook(BytesIO(response.content)).sheetnames
    assert len({n.lower() for n in names}) == len(names)
    with translation.override(language):
        groups = {g.code: g.display_name for g in IndicatorGroup.objects.all()}
    for code, full in groups.items():
        name = next(n for n in names if n.startswith(code + " "))
        assert len(name) <= 31
        shown = re.sub(r"( \(\d+\))?$", "", name).removesuffix("…")
        assert f"{code} {full}".startswith(shown)
        rest = f"{code} {full}"[len(shown) :]
        assert rest == "" or rest[0] in " ,", f"{name!r} cuts a word of {full!r}"


# --- 13. Queue filters name the bad values -------------------------------------------------------------


def test_queue_filters_name_bad_values_and_keep_the_good_ones():
    form = QueueFilterForm({"received_from": "abc", "status": "zzz", "channel": "hotline", "per_page": "7"})
    problems = {field: label for field, label, _message in form.problems()}
    assert problems == {"received_from": _("Received from"), "status": _("Status"), "per_page": _("Per page")}
    assert form.value("channel") == "hotline"  # a bad filter does not drop the others
    assert form.status_value(["received"]) == "open" and form.page_size() == 50


# --- 4 and 2. Language buttons with names; the maps' texts on every page -------------------------------


def test_language_buttons_are_named_and_map_texts_are_on_the_page():
    html = Client().get("/").content.decode()
    assert re.search(r'<button[^>]*value="vi"[^>]*lang="vi"[^>]*aria-label="VI – Tiếng Việt"', html)
    assert re.search(r'<button[^>]*value="en"[^>]*lang="en"[^>]*aria-label="EN – English"', html)
    texts = re.search(r'<script id="citydesk-map-texts" type="application/json">(.*?)</script>', html, re.S)
    assert texts is not None
    assert json.loads(texts.group(1)) == {
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "two_fingers": _("Use two fingers to move the map."),
    }
