"""Accessibility audit (WCAG 2.1 AA), the 1022 pages' HTML:

- B1: a refused follow, rating or reply on the tracking page opens with a summary of the problems at the top
  (focused, linked to the fields), "Lỗi: " before the title, and the rating's radios tied to their error;
- C1/C2: the queue's "select all" is above the list (not in the table heading a phone hides), and a refused
  bulk assignment is a focused summary linked to the officer list, which says it is invalid;
- E1/D3: the report form marks required category questions and a refused photo field for screen readers.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.utils import translation
from django.utils.translation import gettext

from citydesk.reports.models import Report
from citydesk.reports.services import report_pause, report_transition

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary"[^>]*id="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _error_title(code: str) -> str:
    with translation.override("vi"):
        page = gettext("Report %(code)s") % {"code": code}
        return gettext("Error: %(title)s") % {"title": page} + " · CityDesk"


def _tag(html: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+ [^>]*id="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no #{element_id}"
    return match.group(0)


def _resolved(personas) -> Report:
    report = submit_report(contact_email="dan@example.vn", contact_name="Nguyễn Văn Dân")
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá ổ gà.")
    return Report.objects.get(pk=report.pk)


# --- B1: the tracking page after a refused form ------------------------------------------------------


def test_tracking_page_without_error_has_no_summary_and_its_plain_title(client, personas, categories):
    report = submit_report()
    html = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert 'id="error-summary"' not in html
    with translation.override("vi"):
        assert _title(html) == gettext("Report %(code)s") % {"code": report.code} + " · CityDesk"


def test_refused_follow_opens_on_a_focused_summary_linked_to_the_field(client, personas, categories):
    report = submit_report()
    response = client.post(f"/tra-cuu/{report.code}/theo-doi/", {"email": "hang-xom"})
    html = response.content.decode()
    assert response.status_code == 400
    summary = _summary(html)
    assert 'tabindex="-1"' in summary and "autofocus" in summary and 'role="alert"' in summary
    assert 'href="#field-email"' in summary
    # The summary comes before the report's details, right under the heading.
    assert html.index('id="error-summary"') < html.index('data-testid="status"')
    assert _title(html) == _error_title(report.code)
    email = _tag(html, "id_follow_email")
    assert 'aria-invalid="true"' in email and 'aria-describedby="err-email"' in email
    assert 'id="field-email"' in html and 'id="err-email"' in html


def test_refused_follow_of_a_closed_report_links_to_the_follow_section(client, personas, categories):
    report = _resolved(personas)
    Report.objects.filter(pk=report.pk).update(status="closed")
    response = client.post(f"/tra-cuu/{report.code}/theo-doi/", {"email": "a@example.vn"})
    html = response.content.decode()
    assert response.status_code == 409
    assert 'href="#follow"' in _summary(html) and 'id="follow"' in html
    assert _title(html) == _error_title(report.code)


def test_refused_rating_summary_and_radios_tied_to_the_error(client, personas, categories):
    report = _resolved(personas)
    response = client.post(f"/tra-cuu/{report.code}/danh-gia/", {"level": "", "t": report.citizen_token})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#field-level"' in _summary(html)
    assert _title(html) == _error_title(report.code)
    fieldset = _tag(html, "field-level")
    assert 'aria-invalid="true"' in fieldset and 'aria-describedby="err-level"' in fieldset
    radios = re.findall(r'<input type="radio"[^>]*name="level"[^>]*>', html)
    assert len(radios) == 3
    for radio in radios:
        assert 'aria-invalid="true"' in radio and 'aria-describedby="err-level"' in radio
    assert 'id="err-level"' in html


def test_rating_form_without_error_has_no_invalid_marks(client, personas, categories):
    report = _resolved(personas)
    html = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert 'id="rating-form"' in html and 'id="error-summary"' not in html
    assert "aria-invalid" not in _tag(html, "field-level")


def test_refused_rating_when_already_rated_links_to_the_rating_section(client, personas, categories):
    report = _resolved(personas)
    ok = client.post(f"/tra-cuu/{report.code}/danh-gia/", {"level": "satisfied", "t": report.citizen_token})
    assert ok.status_code == 302
    response = client.post(
        f"/tra-cuu/{report.code}/danh-gia/", {"level": "normal", "t": report.citizen_token}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert 'href="#rate"' in _summary(html) and 'id="rate"' in html


def test_refused_reply_opens_on_a_summary_linked_to_the_answer(client, personas, categories):
    report = submit_report(contact_email="dan@example.vn")
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    response = client.post(f"/tra-cuu/{report.code}/tra-loi/", {"t": report.citizen_token, "text": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#field-reply-text"' in _summary(html)
    assert _title(html) == _error_title(report.code)
    text = _tag(html, "id_reply_text")
    assert 'aria-invalid="true"' in text and "err-reply-text" in text


# --- C1/C2: the officer queue ------------------------------------------------------------------------


def test_select_all_is_above_the_list_with_a_visible_label(client, personas, categories):
    submit_report()
    client.force_login(personas.head)
    html = client.get("/xu-ly/").content.decode()
    thead = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    assert "<input" not in thead, "no control in the heading a phone moves off the screen"
    row = re.search(r'<div class="check select-all js-only" id="select-all-row" hidden>.*?</div>', html, re.S)
    assert row, "the select-all row"
    assert '<input type="checkbox" id="select-all"' in row.group(0)
    assert '<label for="select-all">' in row.group(0) and "aria-label" not in row.group(0)
    assert html.index('id="select-all"') < html.index('<table class="queue')


def test_officer_without_the_assign_power_has_no_select_all(client, personas, categories):
    submit_report()
    client.force_login(personas.officer)
    html = client.get("/xu-ly/").content.decode()
    assert 'id="select-all"' not in html


def test_bulk_assign_without_officer_focuses_a_summary_linked_to_the_list(client, personas, categories):
    report = submit_report()
    client.force_login(personas.head)
    response = client.post("/xu-ly/giao-viec/", {"codes": [report.code]})
    html = response.content.decode()
    assert response.status_code == 400
    summary = _summary(html)
    assert 'data-testid="bulk-error"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert 'href="#bulk-assignee"' in summary
    select = _tag(html, "bulk-assignee")
    assert 'aria-invalid="true"' in select and 'aria-describedby="err-bulk-assignee"' in select
    assert 'id="err-bulk-assignee"' in html


def test_bulk_assign_without_reports_links_to_a_tick_box(client, personas, categories):
    report = submit_report()
    client.force_login(personas.head)
    response = client.post("/xu-ly/giao-viec/", {"assignee": "officer"})
    html = response.content.decode()
    assert response.status_code == 400
    assert f'href="#pick-{report.code}"' in _summary(html) and f'id="pick-{report.code}"' in html
    assert "aria-invalid" not in _tag(html, "bulk-assignee")


# --- E1/D3: the report form --------------------------------------------------------------------------


def _with_required_question(categories) -> None:
    road = categories["road"]
    road.questions = [
        *road.questions,
        {"code": "lanes", "label": "Số làn bị ảnh hưởng", "type": "text", "required": True},
        {"code": "kind", "label": "Loại", "type": "choice", "choices": ["Nhỏ", "Lớn"], "required": True},
    ]
    road.save()


def test_required_category_questions_are_marked_required(client, personas, categories):
    _with_required_question(categories)
    html = client.get("/phan-anh/moi/").content.decode()
    assert 'aria-required="true"' in _tag(html, "id_a_road_damage__lanes")
    assert 'aria-required="true"' in _tag(html, "id_a_road_damage__kind")
    assert "aria-required" not in _tag(html, "id_a_road_damage__depth_cm")  # optional


def test_refused_photo_field_is_marked_invalid(client, personas, categories, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    assert "aria-invalid" not in _tag(client.get("/phan-anh/moi/").content.decode(), "id_photos")
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "category": "road_damage",
        "description": "Ổ gà sâu",
        "lon": str(BEN_THANH[0]),
        "lat": str(BEN_THANH[1]),
        "province": "79",
        "photos": SimpleUploadedFile("ghi-chu.txt", b"not a photo", content_type="text/plain"),
    }
    response = client.post("/phan-anh/moi/", data)
    html = response.content.decode()
    assert response.status_code == 400 and 'id="err-photos"' in html
    photos = _tag(html, "id_photos")
    assert 'aria-invalid="true"' in photos and "err-photos" in photos


def test_the_rating_form_names_the_levels_as_the_scale_does(client, personas, categories):
    """The tracking page's three levels are the rating scale's own labels: "Neutral" in English."""
    report = _resolved(personas)
    path = f"/tra-cuu/{report.code}/?t={report.citizen_token}"
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Neutral" in english
    assert ">Normal<" not in english
    with translation.override("vi"):
        assert gettext("Neutral") in client.get(path, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
