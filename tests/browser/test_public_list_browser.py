"""The public reports' page (/phan-anh/) in a real browser: the page's reports as markers large enough to tap,
their popups and the list's links lead to the tracking page, the keyboard reaches them, one finger scrolls
the page over the map on a phone, and without JavaScript the list, its filters and its links still work.
Nothing is fetched from another host."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from citydesk.reports.models import Report
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import expect, focused
from tests.reports.conftest import (
    categories,  # noqa: F401  (the fixture from tests/reports, used below)
    submit_report,
)

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]

PHONE = {"width": 390, "height": 844}
MARKERS = "#public-map .public-marker"


@pytest.fixture
def reports(personas: Any) -> list[Report]:
    """Three public reports at three points of Bến Thành, and a private one that never shows."""
    made = [
        submit_report(description="Ổ gà lớn trước chợ Bến Thành", lon=106.6946, lat=10.7714),
        submit_report(
            category="street_lighting", description="Đèn đường tắt <b>cả tuần</b>", lon=106.6980, lat=10.7740
        ),
        submit_report(description="Nắp cống hở", lon=106.6900, lat=10.7690),
    ]
    submit_report(description="Phản ánh kín", is_public=False, lon=106.6950, lat=10.7720)
    return made


def test_markers_popups_and_list_links(page: Any, traffic: Traffic, reports: list[Report]) -> None:
    page.goto("/phan-anh/")
    page.wait_for_load_state("networkidle")
    markers = page.locator(MARKERS)
    expect(markers).to_have_count(3)
    # Large enough to tap (WCAG 2.2: 24 × 24 CSS px at least), named for screen readers, in the Tab order.
    for index in range(3):
        box = markers.nth(index).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, box
        assert markers.nth(index).get_attribute("role") == "button"
        assert markers.nth(index).get_attribute("tabindex") == "0"
    newest = reports[-1]
    marker = page.locator(f'{MARKERS}[data-code="{newest.code}"]')
    assert newest.code in marker.get_attribute("aria-label")
    # A marker's popup names the report and its category, and links to its page.
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(newest.code)
    expect(popup).to_contain_text("Hư hỏng mặt đường, ổ gà")
    with page.expect_navigation():
        popup.locator("a[data-testid=popup-link]").click()
    assert page.url.endswith(f"/tra-cuu/{newest.code}/")
    expect(page.locator("h1")).to_contain_text(newest.code)

    # The list's links: the report's page, and its follow form.
    page.goto("/phan-anh/")
    lighting = reports[1]
    row = page.locator(f'tr[data-code="{lighting.code}"]')
    expect(row.locator("[data-testid=row-description]")).to_have_text("Đèn đường tắt <b>cả tuần</b>")
    with page.expect_navigation():
        row.locator("a[data-testid=row-link]").click()
    assert page.url.endswith(f"/tra-cuu/{lighting.code}/")
    page.go_back()
    with page.expect_navigation():
        page.locator(f'tr[data-code="{lighting.code}"] a[data-testid=row-follow]').click()
    assert page.url.endswith(f"/tra-cuu/{lighting.code}/#follow")
    expect(page.locator("#follow")).to_be_visible()
    expect(page.locator("#id_follow_email")).to_be_visible()
    assert "Phản ánh kín" not in page.content()
    assert traffic.problems() == []


def test_the_keyboard_reaches_a_marker_and_its_link(
    page: Any, traffic: Traffic, reports: list[Report]
) -> None:
    page.goto("/phan-anh/")
    page.wait_for_load_state("networkidle")
    expect(page.locator(MARKERS)).to_have_count(3)
    for _ in range(80):
        if focused(page, ".public-marker", within_ms=0):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("no marker reached with the Tab key")
    code = page.evaluate("() => document.activeElement.getAttribute('data-code')")
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup-content")).to_contain_text(code)
    assert focused(page, ".leaflet-popup-content a[data-testid=popup-link]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/tra-cuu/{code}/")
    # The map can be skipped: its link goes to the list's heading.
    page.goto("/phan-anh/")
    page.locator(".public-map a.skip-link").focus()
    page.keyboard.press("Enter")
    assert focused(page, "#h-public-list")
    assert traffic.problems() == []


def test_on_a_phone_one_finger_scrolls_the_page_over_the_map(
    chromium: Any, live_server: Any, reports: list[Report]
) -> None:
    context = chromium.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/phan-anh/")
        page.wait_for_load_state("networkidle")
        expect(page.locator(MARKERS)).to_have_count(3)
        the_map = page.locator("#public-map")
        assert the_map.get_attribute("data-one-finger") == "page"
        # Leaflet's one-finger dragging is off: the browser keeps its own panning (the page's scroll).
        assert "leaflet-touch-drag" not in (the_map.get_attribute("class") or "")
        assert "pan-y" in page.evaluate(
            "() => getComputedStyle(document.getElementById('public-map')).touchAction"
        )
        # A one-finger swipe that starts on the map scrolls the page (room made below it to scroll into).
        page.evaluate("() => { document.querySelector('footer').style.paddingBottom = '1500px'; }")
        page.evaluate(
            "() => window.scrollTo(0, document.getElementById('public-map').getBoundingClientRect().top - 200)"
        )
        page.wait_for_timeout(200)
        box = the_map.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        assert page.evaluate(
            "([x, y]) => document.getElementById('public-map').contains(document.elementFromPoint(x, y))",
            [x, y],
        )
        before = page.evaluate("() => window.scrollY")
        cdp = context.new_cdp_session(page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for step in range(1, 11):
            cdp.send(
                "Input.dispatchTouchEvent",
                {"type": "touchMove", "touchPoints": [{"x": x, "y": y - 15 * step}]},
            )
            page.wait_for_timeout(16)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.wait_for_timeout(400)
        assert page.evaluate("() => window.scrollY") > before + 60, (
            "one finger on the map did not scroll the page"
        )
        # The rows are cards inside the screen, and the page does not scroll sideways.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        cards = page.evaluate(
            """() => [...document.querySelectorAll('tr[data-testid=public-row]')].map(row => {
                 const box = row.getBoundingClientRect();
                 return [getComputedStyle(row).display, box.left, box.right];
               })"""
        )
        assert len(cards) == 3
        for display, left, right in cards:
            assert display == "block" and left >= 0 and right <= PHONE["width"]
        follow = page.locator("a[data-testid=row-follow]").first.bounding_box()
        assert follow["height"] >= 44
    finally:
        context.close()


def test_without_javascript_the_list_filters_and_links_work(
    chromium: Any, live_server: Any, reports: list[Report]
) -> None:
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/phan-anh/")
        expect(page.locator("tr[data-testid=public-row]")).to_have_count(3)
        expect(page.locator("#public-map .map-fallback")).to_be_visible()
        # Filter by typing, without the suggestions' script: the words without accents.
        page.fill("#f-q", "den duong")
        with page.expect_navigation():
            page.locator("form[role=search] button[type=submit]").click()
        expect(page.locator("tr[data-testid=public-row]")).to_have_count(1)
        assert "q=den+duong" in page.url
        # The applied filter's label removes it.
        with page.expect_navigation():
            page.locator("[data-testid=drop-filter-q]").click()
        expect(page.locator("tr[data-testid=public-row]")).to_have_count(3)
        code = reports[0].code
        with page.expect_navigation():
            page.locator(f'tr[data-code="{code}"] a[data-testid=row-link]').click()
        expect(page.locator("h1")).to_contain_text(code)
    finally:
        context.close()
