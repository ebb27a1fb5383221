"""Accessibility audit part 2, K1/K2 and the rating scale of E2: each kiosk screen has its own title and a
heading that takes the focus (the full-screen button comes after the screen); the thank-you stays at
least 10 s; the focus ring has two tones, each at 3:1 against what it touches (the page and each of the
three level buttons); the transaction code reaches 4.5:1; the middle level reads "Neutral" in English
(kiosk, web form, statistics and the reports' rating scale alike)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation
from django.utils.translation import gettext

from citydesk.ratings import kiosk_views
from citydesk.ratings.models import Level
from citydesk.ratings.services import rating_submit_kiosk
from citydesk.reports.models import Rating as ReportRating
from tests.contrast import contrast
from tests.ratings.conftest import KIOSK

pytestmark = pytest.mark.django_db

PAGE = f"/danh-gia/quay/{KIOSK}/"


@pytest.fixture(autouse=True)
def _no_kiosk_interval(settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0


# --- Colours ----------------------------------------------------------------------------------------


def _kiosk_css() -> str:
    found = finders.find("ratings/kiosk.css")
    assert found
    return re.sub(r"/\*.*?\*/", "", Path(found).read_text(encoding="utf-8"), flags=re.S)


def _rule(css: str, selector: str) -> str:
    """The declarations of the rule whose selector list is exactly `selector`."""
    match = re.search(rf"(?:^|\}})\s*{re.escape(selector)}\s*\{{([^}}]*)\}}", css)
    assert match, selector
    return match.group(1)


def _declaration(rule: str, prop: str) -> str:
    match = re.search(rf"(?:^|;|\s){re.escape(prop)}:\s*([^;]+)", rule)
    assert match, prop
    return match.group(1).strip()


def _resolve(css: str, value: str) -> str:
    """A colour: `#hex` as it is, `var(--name)` looked up in :root."""
    variable = re.fullmatch(r"var\(--([\w-]+)\)", value)
    if variable is None:
        assert re.fullmatch(r"#[0-9a-fA-F]{3,6}", value), value
        return value
    return _resolve(css, _declaration(_rule(css, ":root"), f"--{variable.group(1)}"))


def _page_background(css: str) -> str:
    return _resolve(css, _declaration(_rule(css, "body.kiosk"), "background"))


def test_the_level_buttons_focus_ring_has_two_tones_at_three_to_one_on_the_page_and_on_each_button():
    css = _kiosk_css()
    ring = _rule(css, "button.level:focus-visible")
    # The outer tone: the outline, drawn `outline-offset` away from the button, against the page.
    outline = re.fullmatch(r"(\d+)px solid (\S+)", _declaration(ring, "outline"))
    assert outline, ring
    outer = _resolve(css, outline.group(2))
    offset = int(re.fullmatch(r"(\d+)px", _declaration(ring, "outline-offset")).group(1))
    # The inner tone: a box-shadow ring filling the offset, against the button (no page showing between).
    shadow = re.fullmatch(r"0 0 0 (\d+)px (\S+)", _declaration(ring, "box-shadow"))
    assert shadow, ring
    inner, spread = _resolve(css, shadow.group(2)), int(shadow.group(1))
    assert spread >= offset and int(outline.group(1)) >= 2
    page = _page_background(css)
    assert contrast(outer, page) >= 3, (outer, page)
    assert contrast(outer, inner) >= 3, (outer, inner)
    buttons = {
        level: _resolve(css, _declaration(_rule(css, f".level-{level}"), "background"))
        for level in Level.values
    }
    assert len(buttons) == 3
    for level, background in buttons.items():
        assert contrast(inner, background) >= 3, (level, inner, background)


def test_the_other_kiosk_controls_get_the_same_dark_ring_on_the_page():
    css = _kiosk_css()
    ring = _rule(css, ".fullscreen:focus-visible, .comment textarea:focus-visible, .unpaired a:focus-visible")
    outer = _resolve(css, re.fullmatch(r"\d+px solid (\S+)", _declaration(ring, "outline")).group(1))
    assert contrast(outer, _page_background(css)) >= 3 and contrast(outer, "#ffffff") >= 3
    assert "#f2a900" not in css


def test_the_transaction_code_reaches_four_and_a_half_to_one():
    css = _kiosk_css()
    code = _resolve(css, _declaration(_rule(css, ".code"), "color"))
    assert contrast(code, _page_background(css)) >= 4.5, code


# --- K1: one title per screen, a heading to focus, the full-screen button last ----------------------


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match
    return match.group(1)


def _screen(html: str) -> str:
    """The screen (its <main>), then what follows it."""
    return html[html.index("<main") :]


def test_each_kiosk_screen_has_its_own_title_and_a_focusable_heading(
    client, personas, open_transaction, tablets
):
    tablets.use(client, KIOSK)
    with translation.override("vi"):
        welcome, thanks = gettext("Welcome"), gettext("Thank you")
        rate = gettext("Please rate our service – %(unit)s") % {"unit": personas.ward.name}
        error = gettext("Error: %(title)s")

    waiting = client.get(PAGE).content.decode()
    assert _title(waiting) == f"{welcome} · CityDesk"

    desk = open_transaction()
    rating = client.get(PAGE).content.decode()
    assert 'data-testid="kiosk-rate"' in rating
    assert _title(rating) == f"{rate} · CityDesk"

    refused = client.post(PAGE, {"transaction": desk.code, "level": "no-such-level"})
    assert refused.status_code == 400
    assert _title(refused.content.decode()) == f"{error % {'title': rate}} · CityDesk"

    done = client.post(PAGE, {"transaction": desk.code, "level": "satisfied"}, follow=True)
    thanked = done.content.decode()
    assert 'data-testid="kiosk-thanks"' in thanked
    assert _title(thanked) == f"{thanks} · CityDesk"

    assert len({_title(waiting), _title(rating), _title(thanked)}) == 3
    for html in (waiting, rating, thanked):
        screen = _screen(html)
        assert len(re.findall(r"<h1\b", html)) == 1 and '<h1 tabindex="-1">' in screen
        # The full-screen button comes after the screen, in the reading order.
        assert "</main>" in screen and screen.index("</main>") < screen.index('id="kiosk-fullscreen"')
        assert 'id="kiosk-fullscreen"' not in html[: html.index("<main")]
    # The thank-you is a screen (its heading takes the focus), not a status region present at load.
    assert 'role="status"' not in thanked


def test_the_titles_escape_the_units_name(client, personas, open_transaction, tablets):
    personas.ward.name = "Phường <A & B>"
    personas.ward.save(update_fields=["name"])
    tablets.use(client, KIOSK)
    open_transaction()
    title = _title(client.get(PAGE).content.decode())
    assert "Phường &lt;A &amp; B&gt;" in title and "<A" not in title


def test_the_thank_you_stays_ten_seconds_and_the_script_focuses_the_heading(
    client, personas, open_transaction, tablets
):
    assert kiosk_views.THANKS_SECONDS >= 10
    tablets.use(client, KIOSK)
    desk = open_transaction()
    thanked = client.post(PAGE, {"transaction": desk.code, "level": "normal"}, follow=True).content.decode()
    assert f'data-thanks="{kiosk_views.THANKS_SECONDS}"' in thanked
    assert f'content="{kiosk_views.THANKS_SECONDS};url={PAGE}"' in thanked  # the same without script
    script = Path(finders.find("ratings/kiosk.js")).read_text(encoding="utf-8")
    assert 'querySelector("main h1[tabindex]")' in script and ".focus(" in script


def test_the_unpaired_page_is_titled_by_what_it_says(client):
    html = client.get(PAGE).content.decode()
    with translation.override("vi"):
        expected = gettext("This device is not paired with desk %(kiosk)s") % {"kiosk": KIOSK}
    assert _title(html) == f"{expected} · CityDesk"


# --- E2: the middle level reads "Neutral" in English ------------------------------------------------


def test_the_middle_level_is_neutral_in_english_on_both_scales():
    with translation.override("en"):
        assert str(Level.NORMAL.label) == "Neutral"
        assert str(ReportRating.Level.NORMAL.label) == "Neutral"
        assert [str(label) for label in Level.labels] == [str(label) for label in ReportRating.Level.labels]
        assert [str(label) for label in Level.labels] == ["Satisfied", "Neutral", "Unsatisfied"]
    assert Level.values == ReportRating.Level.values  # the stored values do not change


def test_the_english_kiosk_offers_neutral(client, personas, open_transaction, tablets):
    tablets.use(client, KIOSK)
    open_transaction()
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html, "the page is not in English"
    assert 'data-testid="level-normal">Neutral</button>' in html
    assert "Normal" not in html


def test_the_english_statistics_and_their_export_read_neutral(client, personas, open_transaction):
    from io import BytesIO

    from openpyxl import load_workbook

    desk = open_transaction()
    rating_submit_kiosk(transaction_code=desk.code, level="normal", kiosk=KIOSK)
    client.force_login(personas.leader)
    page = client.get("/danh-gia/thong-ke/", {"group": "unit"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="en"' in html
    assert ">Neutral</th>" in html and ">Neutral (%)</th>" in html and 'data-label="Neutral"' in html
    assert "Normal" not in html
    export = client.get("/danh-gia/thong-ke.xlsx", {"group": "unit"}, HTTP_ACCEPT_LANGUAGE="en")
    assert export.status_code == 200
    cells = {
        str(cell.value)
        for sheet in load_workbook(BytesIO(export.content)).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
    assert {"Neutral", "Neutral (%)"} <= cells and not any("Normal" in value for value in cells)


def test_the_kiosk_records_the_same_level_value(personas, open_transaction):
    desk = open_transaction()
    rating = rating_submit_kiosk(transaction_code=desk.code, level="normal", kiosk=KIOSK)
    assert rating.level == Level.NORMAL == "normal"
    with translation.override("en"):
        assert rating.get_level_display() == "Neutral"
