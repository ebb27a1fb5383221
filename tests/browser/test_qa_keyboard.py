"""Keyboard, language and phone checks a QA walk-through asked for, in a real browser on the demo data:

- the maps are one stop of the Tab order (plus their two zoom buttons): the ward shapes and bubbles that
  Leaflet made focusable are not stops; the zoom buttons are titled in the page's language;
- at 375 px no staff page scrolls sideways (fields fit their box, wide tables scroll in their own box),
  and the small controls are large enough to tap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from citydesk.core.demo import DEMO_PASSWORD, seed_demo
from tests.browser.helpers import log_in
from tests.browser.test_reports import expect

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
# (who, page) as the QA tester found them scrolling sideways on a phone.
PHONE_PAGES = [
    ("leader", "/chi-tieu-ktxh/chi-tieu/GRDP_CUR/"),
    ("head", "/chi-tieu-ktxh/tien-do/"),
    ("head", "/dieu-hanh/chi-dao/"),
    ("leader", "/dieu-hanh/"),
    ("officer", "/chi-tieu-ktxh/nhap/"),
    ("operator", "/tong-dai/"),
    ("officer", "/xu-ly/"),
    ("head", "/mot-cua/ton-dong/"),
    ("head", "/xu-ly/"),  # with the checkboxes of the bulk assignment
]
ZOOM_TITLES = """sel => Array.from(document.querySelectorAll(sel + ' .leaflet-control-zoom a'))
  .map(a => [a.getAttribute('title'), a.getAttribute('aria-label')])"""
SHAPES_IN_TAB_ORDER = """sel => Array.from(document.querySelectorAll(sel + ' path'))
  .filter(p => p.getAttribute('tabindex') !== '-1').length"""
INSIDE = "sel => !!document.activeElement && !!document.activeElement.closest(sel)"
WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
BOXES = """sel => Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; })"""


def _seed(*, reports: bool = True, everything: bool = False) -> None:
    seed_demo()
    if reports or everything:
        from citydesk.reports.seed.demo import seed_demo_reports

        seed_demo_reports()
    if everything:
        from citydesk.dossiers.demo import seed_demo_dossiers
        from citydesk.indicators.demo import seed_indicators

        seed_demo_dossiers()
        seed_indicators(years=2)


def _zoom_texts() -> list[list[str]]:
    with translation.override("vi"):
        return [[gettext("Zoom in")] * 2, [gettext("Zoom out")] * 2]


def _log_in(page: Any, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, DEMO_PASSWORD)


def _tabs_to_leave(page: Any, container: str, limit: int = 300) -> int:
    page.focus(container)
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if not page.evaluate(INSIDE, container):
            return presses
    return limit


def test_maps_are_one_tab_stop_with_translated_zoom_buttons(page: Any, traffic: Traffic) -> None:
    _seed()
    # The citizen's report form: from the map to the address field in a few presses, not 171.
    page.goto("/phan-anh/moi/")
    shapes = page.locator("#report-map path.leaflet-interactive")
    expect(shapes.first).to_be_attached()
    assert shapes.count() > 20, "the ward layer should be drawn"
    assert page.evaluate(SHAPES_IN_TAB_ORDER, "#report-map") == 0
    page.focus("#report-map")
    presses = 0
    while presses < 200 and page.evaluate("() => document.activeElement.id") != "id_address":
        page.keyboard.press("Tab")
        presses += 1
    assert presses < 10, f"{presses} presses of Tab from the map to the address field"
    assert page.evaluate(ZOOM_TITLES, "#report-map") == _zoom_texts()

    # The operations center: the map, its two zoom buttons, then out.
    _log_in(page, "leader")
    page.goto("/dieu-hanh/?period=year")
    expect(page.locator("#ioc-map path.leaflet-interactive").first).to_be_attached()
    assert page.evaluate(SHAPES_IN_TAB_ORDER, "#ioc-map") == 0
    assert _tabs_to_leave(page, "#ioc-map") <= 3
    assert page.evaluate(ZOOM_TITLES, "#ioc-map") == _zoom_texts()

    # The officer's queue map and a report's own map.
    _log_in(page, "officer")
    page.goto("/xu-ly/?status=all")
    page.locator("details.queue-map summary").click()
    expect(page.locator("#queue-map .leaflet-control-zoom a").first).to_be_visible()
    assert page.evaluate(SHAPES_IN_TAB_ORDER, "#queue-map") == 0
    assert page.evaluate(ZOOM_TITLES, "#queue-map") == _zoom_texts()
    page.locator("table.queue td.code a").first.click()
    expect(page.locator("#report-map .leaflet-control-zoom a").first).to_be_visible()
    assert page.evaluate(ZOOM_TITLES, "#report-map") == _zoom_texts()
    assert traffic.problems() == []


def test_staff_pages_fit_a_phone_and_are_easy_to_tap(page: Any, traffic: Traffic) -> None:
    _seed(everything=True)
    page.set_viewport_size(PHONE)
    wide = []
    for username, path in PHONE_PAGES:
        _log_in(page, username)
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        scroll_width, inner_width = page.evaluate(WIDTH)
        if scroll_width > inner_width:
            wide.append(f"{path} ({username}): {scroll_width}px")
        # Every field stays inside its fieldset (the hotline's category list used to poke out of it).
        outside = page.evaluate(
            """() => Array.from(document.querySelectorAll('main fieldset select, main fieldset input'))
              .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
              .filter(e => e.getBoundingClientRect().right > e.closest('fieldset').getBoundingClientRect().right + 1)
              .map(e => e.id)"""
        )
        assert outside == [], f"{path}: fields outside their box: {outside}"
        for width, height in page.evaluate(BOXES, "header .lang button"):
            assert width >= 44 and height >= 44, f"{path}: language button {width}×{height}"
        if (username, path) == ("head", "/xu-ly/"):
            boxes = page.evaluate(BOXES, "table.queue td input[type=checkbox]")
            assert boxes and all(w >= 24 and h >= 24 for w, h in boxes), boxes
        if path == "/dieu-hanh/":
            boxes = page.evaluate(BOXES, "#ioc-panels details > summary")
            assert boxes and all(h >= 44 for _w, h in boxes), boxes
        if path == "/mot-cua/ton-dong/":
            boxes = page.evaluate(BOXES, "nav.crumbs a")
            assert boxes and all(h >= 44 for _w, h in boxes), boxes
    assert wide == [], "pages wider than the phone: " + "; ".join(wide)
    assert traffic.problems() == []
