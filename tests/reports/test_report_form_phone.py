"""The citizen report form on a phone (review of /phan-anh/moi/ at 360 × 740, touch, Vietnamese).

What the server renders and what the page's own script and style sheet say; the browser test
(tests/browser/test_report_form_phone_browser.py) checks the same in Chromium with a touch screen.

1. Maps: one finger scrolls the page on a touch screen, two move the map (with a visible hint); a tapped
   ward outline gets no focus ring; tooltips stay inside the map; the queue's points are 24 px to tap.
2. Photos: the size limit comes from the server's settings, for the script to make a large photo smaller
   (or name a large file) before sending; without the script the server still refuses it.
3. "Is it one of these?": the box is brought to the top of the screen, without motion when asked.
4. A checkbox and its label in one row. 5. The error summary's links 24 px high and apart.
6. Without JavaScript each category's questions say when they apply.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from citydesk.reports.models import Report

from .conftest import BEN_THANH

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "citydesk" / "reports" / "static" / "reports"
JS = (STATIC / "reports.js").read_text(encoding="utf-8")
CSS = (STATIC / "reports.css").read_text(encoding="utf-8")

FORM = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước số 12 Lê Lợi",
    "lon": str(BEN_THANH[0]),
    "lat": str(BEN_THANH[1]),
    "province": "79",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def form_page(client) -> str:
    response = client.get("/phan-anh/moi/")
    assert response.status_code == 200
    return response.content.decode()


def tag(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return match.group(0)


def css_rule(selector: str) -> str:
    """The declarations of the first rule whose selector list is exactly `selector`."""
    match = re.search(r"(?:^|[}\n])\s*" + re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert match, selector
    return match.group(1)


# --- 1. Maps on a touch screen -------------------------------------------------------------------------


def test_on_a_touch_screen_one_finger_scrolls_the_page_and_two_move_the_map():
    # Leaflet's one-finger drag is off where the main pointer is a finger; its pinch (which pans) stays on.
    assert 'matchMedia("(pointer: coarse)")' in JS
    assert re.search(r"dragging:\s*!touch,\s*touchZoom:\s*true", JS)
    # Every map of the pages is made by initMap: the report form's, the officer's and the queue's.
    assert JS.count("L.map(") == 1
    assert "state = initMap(container)" in JS and "var state = initMap(container);" in JS


def test_the_form_has_a_two_finger_hint_shown_on_touch_screens(client, categories):
    html = form_page(client)
    hint = tag(html, r'<p [^>]*id="map-touch-hint"[^>]*>.*?</p>')
    assert " hidden" in hint and "js-only" in hint  # shown by the script, on a touch screen only
    with translation.override("vi"):
        assert gettext("Use two fingers to move the map.") in hint
    assert 'data-touch-hint="map-touch-hint"' in tag(html, r'<div id="report-map"[^>]*>')


def test_a_tapped_ward_outline_has_no_focus_ring_and_tooltips_stay_inside_the_map():
    assert "outline: none" in css_rule(".leaflet-container .leaflet-interactive:focus")
    # The keyboard's way (the map itself) keeps its ring; the outlines stay out of the Tab order.
    assert "outline: 3px solid" in css_rule(".leaflet-container:focus-visible")
    assert 'setAttribute("tabindex", "-1")' in JS
    # Ward names and the queue's points: a tooltip moved back inside the map's box.
    assert "L.Tooltip.extend" in JS and "getBoundingClientRect" in JS
    assert "layer.bindTooltip(insideTooltip(label" in JS
    assert "marker.bindTooltip(insideTooltip(" in JS
    assert "display: none" in css_rule(".leaflet-tooltip.tooltip-moved-in::before")


def test_the_queue_maps_points_are_24_px_to_tap():
    radius = int(re.search(r"QUEUE_MARKER_RADIUS = (\d+);", JS).group(1))
    assert 2 * radius >= 24
    assert "radius: QUEUE_MARKER_RADIUS" in JS


# --- 2. Large photos --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mb", [10, 7])
def test_the_photo_limit_given_to_the_page_is_the_servers(client, categories, settings, mb):
    settings.CITYDESK_MAX_ATTACHMENT_MB = mb
    html = form_page(client)
    field = tag(html, r'<input id="id_photos"[^>]*>')
    assert f'data-max-mb="{mb}"' in field and 'data-check-box="photos-check"' in field
    for name in ("data-too-large", "data-shrunk"):
        text = re.search(name + r'="([^"]*)"', field).group(1)
        assert f"{mb} MB" in text, name
    assert re.search(r'data-shrinking="[^"]+"', field)
    box = tag(html, r'<div id="photos-check"[^>]*>')
    assert 'aria-live="polite"' in box


def test_the_script_makes_a_large_photo_smaller_and_keeps_the_order_and_names():
    assert "new DataTransfer()" in JS and "input.files = transfer.files" in JS
    assert "[2560, 0.85]" in JS and '"image/jpeg"' in JS
    assert "dataset.maxMb" in JS and "1024 * 1024" in JS
    # A send waits until the photos are ready.
    assert "photoCheck.ready()" in JS


def test_without_the_script_the_server_still_refuses_a_large_file(client, categories, settings):
    settings.CITYDESK_MAX_ATTACHMENT_MB = 1
    big = SimpleUploadedFile(
        "bien-ban.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1), content_type="application/pdf"
    )
    response = client.post("/phan-anh/moi/", {**FORM, "idempotency_key": uuid.uuid4().hex, "photos": [big]})
    assert response.status_code == 400
    with translation.override("vi"):
        message = gettext("The file is larger than %(n)s MB.") % {"n": 1}
    assert message in response.content.decode()
    assert not Report.objects.exists()


# --- 3. "Is it one of these?" -----------------------------------------------------------------------------


def test_the_duplicates_box_is_brought_to_the_top_of_the_screen():
    assert "title.focus({ preventScroll: true })" in JS
    assert 'dupBox.scrollIntoView({ block: "start"' in JS
    assert "prefers-reduced-motion: reduce" in JS
    assert "scroll-margin-top" in css_rule(".duplicates")


# --- 4. Checkbox rows -------------------------------------------------------------------------------------


def test_a_checkbox_and_its_label_are_one_row():
    assert "display: flex" in css_rule(".check:not(.error-summary)")
    assert "display: none" in css_rule(".check[hidden]")  # the reopen box hidden by the script stays hidden
    label = css_rule(".check > label")
    assert "flex: 1 1 0" in label and "min-width: 0" in label
    assert "flex: none" in css_rule(".check > input[type=checkbox], .check > input[type=radio]")
    assert "flex: 0 0 100%" in css_rule(".check > :not(input, label)")


def test_the_forms_checkboxes_are_followed_by_their_labels(client, categories):
    html = form_page(client)
    for name in ("show_name_publicly", "keep_private"):
        assert re.search(
            rf'<div class="check" id="field-{name}">\s*<input id="id_{name}"[^>]*>\s*<label for="id_{name}">',
            html,
        ), name


# --- 5. The error summary's links ------------------------------------------------------------------------


def test_the_error_summarys_links_are_24_px_and_apart(client, categories):
    response = client.post("/phan-anh/moi/", {"idempotency_key": uuid.uuid4().hex, "province": "79"})
    assert response.status_code == 400
    summary = tag(response.content.decode(), r'<div class="error-summary"[^>]*id="error-summary".*?</div>')
    assert '<ul class="error-links">' in summary
    assert len(re.findall(r'<li><a href="#field-', summary)) >= 2
    links = css_rule(".error-links a")
    assert "display: inline-block" in links and "min-height: 24px" in links
    assert "margin: .35rem 0" in css_rule(".error-links li")


# --- 6. Category questions without JavaScript --------------------------------------------------------------


def test_without_javascript_each_categorys_questions_say_when_they_apply(client, categories):
    html = form_page(client)
    group = tag(html, r'<fieldset class="question-group" data-category="road_damage">.*?</legend>')
    with translation.override("vi"):
        when = gettext("If you chose the category “%(name)s”") % {"name": categories["road"].name}
        about = gettext("Questions about “%(name)s”") % {"name": categories["road"].name}
    assert f'<span class="nojs-only">{when}</span>' in group
    assert f'<span class="js-text">{about}</span>' in group
    # Without the script only the first shows; with it (html.js) only the second.
    assert "display: none" in css_rule(".js .nojs-only")
    assert "display: none" in css_rule("html:not(.js) .js-text")
