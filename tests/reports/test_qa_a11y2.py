"""Accessibility audit, part 2 (.tr/QA-A11Y-2.md), the 1022 pages: H1-H5 (hotline console), E1 (Vietnamese
text on English pages carries lang="vi"), E2 (English ward labels, the People's Committee glossed)."""

from __future__ import annotations

import html as html_lib
import json
import re
import uuid

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from citydesk.core.errors import DomainError
from citydesk.reports.forms import resolve_ward
from citydesk.reports.models import Report
from citydesk.reports.services import report_pause, report_transition
from citydesk.reports.wards import split_label, ward_option_label, ward_options
from citydesk.web.templatetags.text_lang import lang_attr, looks_vietnamese
from tests.conftest import make_unit

from .conftest import submit_report

pytestmark = pytest.mark.django_db

HOTLINE = {
    "contact_phone": "0912 345 678",
    "contact_name": "Bà Tư",
    "category": "road_damage",
    "description": "Ổ gà trước số 5 Lê Thánh Tôn",
    "province": "79",
    "ward": "26743",
    "address": "5 Lê Thánh Tôn",
}


def _tag(page: str, pattern: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return found.group(0)


def _title(page: str) -> str:
    return html_lib.unescape(_tag(page, r"<title>(.*?)</title>")[7:-8]).strip()


def _save_call(client, **data) -> tuple[Report | None, str]:
    r = client.post("/tong-dai/", {**HOTLINE, "idempotency_key": uuid.uuid4().hex, **data})
    if r.status_code != 302:
        return None, r.content.decode()
    report = Report.objects.order_by("-pk").first()
    return report, client.get(r["Location"]).content.decode()


# --- H1: the saved code is in the title and described by the phone field --------------------------


def test_after_a_save_the_title_starts_with_the_code_and_the_phone_field_points_at_it(
    client, personas, categories
):
    client.force_login(personas.operator)
    report, page = _save_call(client)
    assert report is not None
    title = _title(page)
    assert title.startswith(report.code), title
    phone = _tag(page, r'<input id="id_contact_phone"[^>]*>')
    described = re.search(r'aria-describedby="([^"]*)"', phone).group(1).split()
    assert "hotline-saved" in described
    assert f'id="hotline-saved" data-testid="hotline-code">{report.code}<' in page
    # The page's script focuses the phone field without scrolling the code away (no autofocus scroll).
    assert "autofocus" not in phone
    # The live region is empty on load: the script fills it, so that it is announced.
    assert re.search(r'<p id="hotline-announce"[^>]*role="status"[^>]*></p>', page)
    # An empty console (no saved call): the plain title, the phone field focused, no description.
    empty = client.get("/tong-dai/").content.decode()
    assert not _title(empty).startswith("PA-")
    phone = _tag(empty, r'<input id="id_contact_phone"[^>]*>')
    assert "autofocus" in phone and "aria-describedby" not in phone


@pytest.fixture
def waiting(categories, personas):
    report = submit_report(
        channel="hotline", entered_by=personas.operator, contact_phone="0912345678", contact_name="Bà Tư"
    )
    report_pause(user=personas.officer, code=report.code, note="Bà vui lòng cho biết số nhà gần nhất.")
    report.refresh_from_db()
    return report


def test_a_recorded_answer_is_said_in_the_title_once(client, waiting, personas):
    client.force_login(personas.operator)
    url = reverse("reports:hotline_report", args=[waiting.code])
    before = client.get(url).content.decode()
    recorded = gettext("Answer recorded")
    assert not _title(before).startswith(recorded) and "data-answer-recorded" not in before
    r = client.post(url, {"text": "Gần nhà số 5 Lê Thánh Tôn.", "idempotency_key": "a1"})
    assert r.status_code == 302
    after = client.get(url).content.decode()
    assert _title(after).startswith(f"{recorded} · {waiting.code}")
    assert 'data-answer-recorded="1"' in after  # the script focuses the success message
    assert 'class="msg msg-success"' in after
    again = client.get(url).content.decode()  # a reload: no longer "recorded"
    assert not _title(again).startswith(recorded) and "data-answer-recorded" not in again


# --- H2: the ward is typed (accents optional), with suggestions; no select -------------------------


def test_the_ward_is_a_text_field_with_suggestions_on_both_forms(client, personas, categories):
    client.force_login(personas.operator)
    for url in ("/tong-dai/", "/phan-anh/moi/"):
        page = client.get(url).content.decode()
        assert '<select id="id_ward"' not in page, url
        field = _tag(page, r'<input id="id_ward"[^>]*>')
        assert 'list="ward-list"' in field and 'name="ward"' in field, url
        assert "hint-ward" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
        datalist = _tag(page, r'<datalist id="ward-list">.*?</datalist>')
        options = re.findall(r'<option value="([^"]+)" label="([^"]+)" data-code="(\d+)">', datalist)
        assert options == [
            ("Bến Thành (phường)", "ben thanh (phuong) · 26743", "26743"),
            ("Sài Gòn (phường)", "sai gon (phuong) · 26740", "26740"),
        ], url
        words = re.search(r'<script id="ward-words" type="application/json">(.*?)</script>', page).group(1)
        assert json.loads(words)["phường"] == "(phường)", url


@pytest.mark.parametrize(
    "typed",
    [
        "ben thanh",
        "Bến Thành",
        "Bến Thành (phường)",
        "Bến Thành (ward)",
        "ben thanh (phuong)",
        "Bến Thành (26743)",
    ],
)
def test_the_hotline_saves_the_ward_typed_without_accents_or_picked(client, personas, categories, typed):
    make_unit("26800", "Xã Bà Điểm", personas.city.admin_unit)  # "b" of a select's type-ahead picked it
    client.force_login(personas.operator)
    report, page = _save_call(client, ward=typed)
    assert report is not None, page
    assert report.ward_id == "26743" and report.unit == personas.ward


def test_the_citizen_form_saves_the_ward_typed_without_accents(client, personas, categories):
    r = client.post(
        "/phan-anh/moi/",
        {
            "category": "street_lighting",
            "description": "Đèn đường tắt cả tuần",
            "address": "12 Lê Lợi",
            "province": "79",
            "ward": "sai gon",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert r.status_code == 302
    assert Report.objects.get().ward_id == "26740"


def test_resolve_ward_reads_the_list_labels_and_refuses_an_ambiguous_name(personas):
    hcmc = personas.city.admin_unit
    make_unit("26801", "Xã Tân Phú", hcmc)
    make_unit("26802", "Phường Tân Phú", hcmc)
    assert resolve_ward("Tân Phú (xã)", "79") == "26801"
    assert resolve_ward("Tân Phú (ward)", "79") == "26802"
    assert resolve_ward("tan phu (commune)", "79") == "26801"
    assert resolve_ward("Sài Gòn (26740)", "79") == "26740"
    with pytest.raises(DomainError) as ambiguous:
        resolve_ward("tan phu", "79")
    assert ambiguous.value.field == "ward" and "26801" in ambiguous.value.message
    with pytest.raises(DomainError):
        resolve_ward("Bến Thành (phường)", "01")  # another province
    assert split_label("Bến Thành (special zone)") == ("Bến Thành", "đặc khu")
    assert split_label("12 Lê Lợi") == ("12 Lê Lợi", "")


# --- H3: required fields marked --------------------------------------------------------------------


def test_the_hotline_marks_its_required_fields(client, personas, categories):
    client.force_login(personas.operator)
    page = client.get("/tong-dai/").content.decode()
    assert 'aria-required="true"' in _tag(page, r'<select id="id_category"[^>]*>')
    assert 'aria-required="true"' in _tag(page, r'<textarea id="id_description"[^>]*>')
    for field in ("id_category", "id_description"):
        assert re.search(
            rf'<label for="{field}">[^<]*<span class="req" aria-hidden="true">\*</span></label>', page
        )
    legend = _tag(page, r"<legend>(?:(?!</legend>).)*legend-hint(?:(?!</legend>).)*</legend>")
    assert gettext("Choose the commune/ward or enter an address.") in legend
    assert 'class="req"' in legend


# --- H4: the live region names the top suggestion --------------------------------------------------


def test_the_suggestion_texts_name_the_top_category(client, personas, categories, monkeypatch):
    import importlib

    hotline_views = importlib.import_module("citydesk.reports.views.hotline")
    monkeypatch.setattr(hotline_views, "_suggestions_available", lambda: True)
    client.force_login(personas.operator)
    page = client.get("/tong-dai/").content.decode()
    texts = json.loads(
        re.search(r'<script id="suggest-texts" type="application/json">(.*?)</script>', page).group(1)
    )
    assert "%(name)s" in texts["top_category"] and "%(p)s" in texts["top_category"]
    assert "%(name)s" in texts["top_unit"]


# --- E1: lang="vi" on Vietnamese text of English pages ---------------------------------------------


def test_lang_attr_marks_vietnamese_text_on_pages_in_another_language():
    assert looks_vietnamese("Ổ gà lớn giữa đường")
    assert (
        looks_vietnamese("Đ")
        and looks_vietnamese("ăn")
        and looks_vietnamese("cơ")
        and looks_vietnamese("tu\u0300")
    )
    assert (
        not looks_vietnamese("Pothole on Le Loi street, 12 cm")
        and not looks_vietnamese("")
        and not looks_vietnamese(None)
    )
    with translation.override("en"):
        assert lang_attr("Rác tồn đọng") == ' lang="vi"'
        assert lang_attr("Rubbish piled up") == ""
        rendered = Template("{% load text_lang %}<p{{ text|lang_attr }}>{{ text }}</p>").render(
            Context({"text": "Rác <b>tồn</b> đọng"})
        )
        assert rendered == '<p lang="vi">Rác &lt;b&gt;tồn&lt;/b&gt; đọng</p>'
    with translation.override("vi"):
        assert lang_attr("Rác tồn đọng") == ""


def _description(page: str) -> str:
    return _tag(page, r'<p class="description" data-testid="description"[^>]*>')


def test_descriptions_carry_lang_vi_on_english_pages(client, personas, categories, waiting):
    report = submit_report(description="Rác tồn đọng ở góc đường")
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    track = client.get(f"/tra-cuu/{report.code}/", **english).content.decode()
    assert 'lang="vi"' in _description(track)
    assert 'lang="vi"' not in _description(
        client.get(f"/tra-cuu/{report.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    )
    client.force_login(personas.officer)
    officer = client.get(f"/xu-ly/{report.code}/", **english).content.decode()
    assert 'lang="vi"' in _description(officer)
    queue = client.get("/xu-ly/", **english).content.decode()
    cells = re.findall(r'<td class="desc"[^>]*>', queue)
    assert cells and all('lang="vi"' in cell for cell in cells)
    client.force_login(personas.operator)
    hotline = client.get(reverse("reports:hotline_report", args=[waiting.code]), **english).content.decode()
    assert 'lang="vi"' in _description(hotline)
    assert 'lang="vi"' in _tag(hotline, r'<p class="description" data-testid="information-asked"[^>]*>')


# --- E2: English ward labels; "UBND" glossed -------------------------------------------------------


def test_english_ward_labels_translate_the_division_word(client, personas, categories):
    hcmc = personas.city.admin_unit
    make_unit("26800", "Xã Bà Điểm", hcmc)
    make_unit("26900", "Đặc khu Côn Đảo", hcmc)
    with translation.override("en"):
        assert ward_option_label("Phường Bến Thành", "phường") == "Bến Thành (ward)"
        assert ward_option_label("Xã Bà Điểm", "xã") == "Bà Điểm (commune)"
        assert ward_option_label("Đặc khu Côn Đảo", "đặc khu") == "Côn Đảo (special zone)"
        labels = [w.label for w in ward_options("79")]
    assert labels == ["Bà Điểm (commune)", "Bến Thành (ward)", "Côn Đảo (special zone)", "Sài Gòn (ward)"]
    assert ward_option_label("Xã Bà Điểm", "xã") == "Bà Điểm (xã)"  # Vietnamese
    client.force_login(personas.operator)
    page = client.get("/tong-dai/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="Bà Điểm (commune)" label="ba diem (commune) · 26800"' in page
    # Picked on the English page, the label is saved as the ward.
    r = client.post(
        "/tong-dai/",
        {**HOTLINE, "ward": "Bà Điểm (commune)", "idempotency_key": uuid.uuid4().hex},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 302 and Report.objects.get().ward_id == "26800"


def test_the_public_handled_by_glosses_the_peoples_committee_in_english(client, personas, categories):
    report = submit_report()
    with translation.override("en"):
        gloss = gettext("commune-level People's Committee")
    english = client.get(f"/tra-cuu/{report.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    handled = _tag(english, r'<dd data-testid="handled-by">.*?</dd>')
    assert "UBND Phường Bến Thành" in handled and f"({html_lib.escape(gloss)})" in handled
    vietnamese = client.get(f"/tra-cuu/{report.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert _tag(vietnamese, r'<dd data-testid="handled-by">.*?</dd>') == (
        '<dd data-testid="handled-by">UBND Phường Bến Thành</dd>'
    )
