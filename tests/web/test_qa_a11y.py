"""Accessibility audit (WCAG 2.1 AA), the shared layout's HTML and CSS:

- G1: "skip to main content" is the first link of every page, to <main id="main" tabindex="-1">, the page's
  only main region;
- G2/G3: form fields' borders and the focus ring have 3:1 contrast (the colours of citydesk.css);
- G4: the language buttons' accessible names begin with the text they show ("VI", "EN").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.contrast import contrast

pytestmark = pytest.mark.django_db

PAGES = ["/", "/phan-anh/moi/", "/tra-cuu/", "/thu-tuc/", "/ho-so/tra-cuu/", "/lich-lam-viec/", "/dang-nhap/"]


def _css(path: str) -> str:
    found = finders.find(path)
    assert found, path
    return Path(found).read_text(encoding="utf-8")


def _variable(css: str, name: str) -> str:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{3,6}})", css)
    assert match, name
    return match.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_skip_link_is_the_first_link_and_targets_the_only_main(client, personas, path):
    html = client.get(path).content.decode()
    body = html[html.index("<body") :]
    first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body)
    assert first and first.group(0) == '<a class="skip-to-content" href="#main">', first and first.group(0)
    assert len(re.findall(r"<main\b", html)) == 1
    assert re.search(r'<main id="main" tabindex="-1"', html)
    with translation.override("vi"):
        assert f'href="#main">{gettext("Skip to main content")}</a>' in html


def test_skip_link_is_shown_when_focused_only():
    css = _css("citydesk/citydesk.css")
    rule = re.search(r"\.skip-to-content \{([^}]*)\}", css).group(1)
    assert "position: absolute" in rule and "translateY(calc(-100%" in rule
    assert re.search(r"\.skip-to-content:focus \{ transform: none; \}", css)


def test_field_borders_have_three_to_one_contrast():
    css = _css("citydesk/citydesk.css")
    field = _variable(css, "field-line")
    for background in ("#ffffff", _variable(css, "bg")):
        assert contrast(field, background) >= 3, (field, background)
    assert re.search(r"input, select, textarea \{[^}]*border: 1px solid var\(--field-line\)", css)
    reports = _css("reports/reports.css")
    assert re.search(r"\ntextarea \{[^}]*border: 1px solid var\(--field-line\)", reports)
    assert not re.search(r"(input|select|textarea)[^{]*\{[^}]*border: 1px solid var\(--line\)", css + reports)


def test_focus_ring_has_two_tones_visible_on_white_and_on_the_blue_bar():
    css = _css("citydesk/citydesk.css")
    dark, light, blue = _variable(css, "focus-dark"), _variable(css, "focus-light"), _variable(css, "blue")
    assert contrast(dark, "#ffffff") >= 3 and contrast(light, blue) >= 3 and contrast(dark, light) >= 3
    assert "outline: 3px solid var(--focus-dark)" in css and "var(--focus-light)" in css
    # reports.css no longer paints its own amber ring over it.
    assert "#f2a900" not in re.sub(
        r"/\*.*?\*/", "", _css("reports/reports.css").split("/* Map */")[0], flags=re.S
    )


def test_language_buttons_names_begin_with_their_visible_text():
    html = Client().get("/").content.decode()
    buttons = re.findall(r'<button type="submit" name="language"[^>]*>([^<]*)</button>', html)
    assert [b.strip() for b in buttons] == ["VI", "EN"]
    for code, label in (("vi", "VI"), ("en", "EN")):
        tag = re.search(rf'<button type="submit" name="language" value="{code}"[^>]*>', html).group(0)
        name = re.search(r'aria-label="([^"]*)"', tag).group(1)
        assert name.startswith(f"{label} "), name


def test_the_kiosks_controls_have_three_to_one_borders():
    """The kiosk's comment box and full-screen button sit on white: their borders are found at 3:1."""
    css = _css("ratings/kiosk.css")
    for rule in (r"\.comment textarea \{([^}]*)\}", r"\.fullscreen \{([^}]*)\}"):
        border = re.search(r"border: \d+px solid (#[0-9a-fA-F]{3,6})", re.search(rule, css).group(1)).group(1)
        assert contrast(border, "#ffffff") >= 3, (rule, border)
