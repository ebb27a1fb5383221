"""The operations center in a real browser: a leader opens the overview, changes a filter and sees every
panel follow, sees a new report arrive without reloading, and clicks a ward on the map to reach its
reports. Nothing is fetched from another host."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from tests.browser.helpers import log_in
from tests.browser.test_reports import expect
from tests.reports.conftest import (
    BEN_THANH,
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


def test_leader_filters_watches_and_drills_down(
    page: Any, traffic: Traffic, personas, monkeypatch, screenshot_dir
):
    monkeypatch.setattr("citydesk.ioc.views.REFRESH_SECONDS", 2)
    now = timezone.now()
    for i, channel in enumerate(["web", "web", "app", "hotline", "hotline"]):
        submit_report(channel=channel, when=now - timedelta(days=i + 1), lon=BEN_THANH[0], lat=BEN_THANH[1])
    submit_report(category="street_lighting", channel="web", when=now - timedelta(days=2))

    log_in(page, "leader", "pw-leader")
    page.goto("/dieu-hanh/?period=30d")
    received = page.get_by_test_id("value-received")
    expect(received).to_have_text("6")
    expect(page.locator("#ioc-map .leaflet-interactive")).not_to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "ioc-overview.png"), full_page=True)

    # A filter changes every panel, and lands in the URL.
    page.select_option("#f-channel", "hotline")
    with page.expect_navigation():
        page.get_by_role("button", name="Áp dụng").click()
    assert "channel=hotline" in page.url
    expect(received).to_have_text("2")
    channel_table = page.get_by_test_id("panel-channel").locator("table")
    expect(channel_table.locator("tbody tr")).to_have_count(1)
    category_rows = page.get_by_test_id("panel-category").locator("table tbody tr")
    expect(category_rows).to_have_count(1)
    expect(category_rows.first).to_contain_text("2")

    # Live: a new hotline call shows up without reloading the page.
    marker = page.evaluate("() => { window.__same_page = true; return true; }")
    assert marker
    submit_report(channel="hotline", lon=BEN_THANH[0], lat=BEN_THANH[1])
    expect(received).to_have_text("3", timeout=15_000)
    assert page.evaluate("() => window.__same_page === true"), "the page was reloaded"

    # Click the ward on the map: its reports.
    with page.expect_navigation():
        page.locator("#ioc-map .leaflet-interactive").first.click(force=True)
    assert re.search(r"/xu-ly/\?.*ward=26743", page.url), page.url
    expect(page.get_by_test_id("queue-row")).to_have_count(3)
    assert not traffic.problems(), traffic.problems()


def test_heat_map_squares_open_their_reports(page: Any, traffic: Traffic, personas):
    now = timezone.now()
    for i in range(3):
        submit_report(when=now - timedelta(days=i + 1), lon=BEN_THANH[0], lat=BEN_THANH[1])
    submit_report(when=now - timedelta(days=2), lon=BEN_THANH[0] + 0.01, lat=BEN_THANH[1])  # ~1 km east

    log_in(page, "leader", "pw-leader")
    page.goto("/dieu-hanh/?period=30d")
    expect(page.get_by_test_id("note-heat")).to_be_hidden()  # the note says what is drawn now
    expect(page.get_by_test_id("note-wards")).to_be_visible()
    page.select_option("#map-measure", "heat")
    expect(page.get_by_test_id("note-heat")).to_be_visible()
    expect(page.get_by_test_id("note-wards")).to_be_hidden()
    dots = page.locator("#ioc-map path.leaflet-interactive")
    expect(dots).to_have_count(2)
    # The busiest square is drawn last (on top); its tooltip and link are its own.
    with page.expect_navigation():
        # The square's own click event: a pointer click at its place could land on the map while the
        # map still eases into its view (seen once under load in CI).
        dots.last.dispatch_event("click")
    assert re.search(r"/xu-ly/\?.*cell=\d+", page.url), page.url
    expect(page.get_by_test_id("queue-row")).to_have_count(3)
    assert not traffic.problems(), traffic.problems()


# --- Accessibility audit, section A (QA-A11Y.md) ------------------------------------------------------

MARK_OLD = "() => document.querySelector('#ioc-panels .panels').setAttribute('data-old', '1')"
SWAPPED = "() => !document.querySelector('#ioc-panels [data-old]')"
# The focused element, told apart from its look-alike in the panels the refresh replaces.
FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName, id: e.id, href: e.getAttribute('href'), text: e.textContent.trim().slice(0, 60),
          inPanels: document.getElementById('ioc-panels').contains(e), old: !!e.closest('[data-old]')};
}"""


def _resolved_reports(personas: Any) -> None:
    """Reports of two categories, one resolved (so the league table has a row)."""
    from citydesk.reports.services import report_transition

    now = timezone.now()
    codes = [submit_report(when=now - timedelta(days=i + 1)).code for i in range(3)]
    submit_report(when=now - timedelta(days=2), lon=BEN_THANH[0] + 0.01, lat=BEN_THANH[1])  # ~1 km east
    submit_report(category="street_lighting", channel="hotline", when=now - timedelta(days=3))
    code = codes[0]
    report_transition(user=personas.head, code=code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=code, action="resolve", resolution="Đã vá")


def _refreshed(page: Any) -> None:
    """Wait for the next refresh to replace the panels."""
    page.evaluate(MARK_OLD)
    page.wait_for_function(SWAPPED, timeout=15_000)


def test_a_refresh_leaves_the_keyboard_where_it_was(page: Any, traffic: Traffic, personas, monkeypatch):
    monkeypatch.setattr("citydesk.ioc.views.REFRESH_SECONDS", 1)
    _resolved_reports(personas)
    log_in(page, "leader", "pw-leader")
    page.goto("/dieu-hanh/?period=30d")

    # A link in the league table, far down the page: after the refresh the same link (a new element)
    # has the focus, and the next Tab goes where it went before.
    link = page.get_by_test_id("panel-league").locator("tbody a").first
    link.focus()
    page.keyboard.press("Tab")
    following = page.evaluate(FOCUSED)
    page.keyboard.press("Shift+Tab")
    before = page.evaluate(FOCUSED)
    assert before["inPanels"] and before["href"], before
    scroll = page.evaluate("() => window.scrollY")
    assert scroll > 0
    _refreshed(page)
    after = page.evaluate(FOCUSED)
    assert after == {**before, "old": False}, after
    assert abs(page.evaluate("() => window.scrollY") - scroll) < 50
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == {**following, "old": False}

    # A bar of a chart, a "Table view" opened with the keyboard, the map's measure: the same.
    bar = page.get_by_test_id("panel-category").locator("svg.bars-wide a").first
    bar.focus()
    before = page.evaluate(FOCUSED)
    _refreshed(page)
    assert page.evaluate(FOCUSED) == {**before, "old": False}

    summary = page.get_by_test_id("panel-overdue").locator("summary")
    if summary.count():
        summary.focus()
        page.keyboard.press("Enter")
        _refreshed(page)
        assert page.evaluate(FOCUSED)["tag"] == "SUMMARY"
        assert page.evaluate("() => document.activeElement.closest('[data-testid=panel-overdue]') !== null")
        expect(page.get_by_test_id("panel-overdue").locator("details")).to_have_attribute("open", "")

    page.select_option("#map-measure", "heat")
    page.focus("#map-measure")
    _refreshed(page)
    assert page.evaluate(FOCUSED)["id"] == "map-measure"
    expect(page.locator("#map-measure")).to_have_value("heat")
    assert not traffic.problems(), traffic.problems()


def test_the_refresh_announces_one_line_and_can_be_paused(page: Any, traffic: Traffic, personas, monkeypatch):
    monkeypatch.setattr("citydesk.ioc.views.REFRESH_SECONDS", 1)
    _resolved_reports(personas)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "partial=1" in request.url else None)
    log_in(page, "leader", "pw-leader")
    page.goto("/dieu-hanh/?period=30d")

    # No live region around (or inside) the panels; the status line says only when they were updated.
    live = page.evaluate(
        """() => { const box = document.getElementById('ioc-panels');
          return Array.from(document.querySelectorAll('[aria-live], [role=status], [role=log], [role=alert]'))
            .filter(e => e.contains(box) || box.contains(e)).length; }"""
    )
    assert live == 0
    status = page.get_by_role("status")
    _refreshed(page)
    expect(status).to_have_text(re.compile(r"^\D*\d\d:\d\d\D*$"))
    assert len(status.inner_text()) < 40

    # The pause button (a toggle), by keyboard: no more requests, the panels stay as they are.
    button = page.get_by_test_id("ioc-pause")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-pressed", "false")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(300)  # a request already on its way when the button was pressed
    page.evaluate(MARK_OLD)
    count = len(fetched)
    page.wait_for_timeout(3500)
    assert len(fetched) == count, "refreshed while paused"
    assert not page.evaluate(SWAPPED), "the panels were replaced while paused"

    # Still paused after changing a filter (the same tab); resuming refreshes at once, then on the timer.
    page.reload()
    expect(button).to_have_attribute("aria-pressed", "true")
    page.evaluate(MARK_OLD)
    count = len(fetched)
    page.wait_for_timeout(2500)
    assert len(fetched) == count
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    page.wait_for_function(SWAPPED, timeout=15_000)
    _refreshed(page)
    assert not traffic.problems(), traffic.problems()


def test_without_javascript_nothing_to_pause(chromium: Any, live_server: Any, personas):
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    try:
        tab = context.new_page()
        log_in(tab, "leader", "pw-leader")
        tab.goto("/dieu-hanh/?period=30d")
        expect(tab.get_by_test_id("cards")).to_be_visible()
        expect(tab.get_by_test_id("ioc-pause")).to_be_hidden()
        expect(tab.get_by_test_id("ioc-status")).to_be_hidden()
    finally:
        context.close()


def test_hotspots_open_their_reports_from_the_keyboard(page: Any, traffic: Traffic, personas):
    now = timezone.now()
    for i in range(3):
        submit_report(when=now - timedelta(days=i + 1), lon=BEN_THANH[0], lat=BEN_THANH[1])
    submit_report(when=now - timedelta(days=2), lon=BEN_THANH[0] + 0.01, lat=BEN_THANH[1])  # ~1 km east

    log_in(page, "leader", "pw-leader")
    page.goto("/dieu-hanh/?period=30d")
    page.get_by_test_id("panel-map").locator("summary").focus()
    page.keyboard.press("Enter")  # open "Table view"
    hotspots = page.get_by_test_id("hotspots")
    expect(hotspots.get_by_role("link")).to_have_count(2)
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.testid") == "hotspot":
            break
    else:
        pytest.fail("no hotspot link in the Tab order")
    # The busiest square first, named and counted like a row of the table (a screen reader's cell).
    row = hotspots.get_by_role("row").nth(1)
    expect(row.get_by_role("rowheader")).to_contain_text("Phường Bến Thành")
    expect(row.get_by_role("cell")).to_have_text("3")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/xu-ly/\?.*cell=\d+", page.url), page.url
    expect(page.get_by_test_id("queue-row")).to_have_count(3)
    assert not traffic.problems(), traffic.problems()


def _names(snapshot: str) -> list[str]:
    """Names of the links and images in an accessibility snapshot (a table's row and row header are
    named by their text as tables are: not repeats)."""
    return re.findall(r'^\s*- \'?(?:link|img|image|figure|group) "(.*?)"', snapshot, re.M)


def test_chart_links_are_named_once(page: Any, traffic: Traffic, personas):
    _resolved_reports(personas)
    log_in(page, "leader", "pw-leader")
    page.goto("/dieu-hanh/?period=30d")

    checked = []
    for panel in ("panel-category", "panel-overdue", "panel-satisfaction", "panel-channel", "panel-status"):
        section = page.get_by_test_id(panel)
        if not section.locator("svg").count():
            continue  # nothing to show for these filters
        checked.append(panel)
        snapshot = section.aria_snapshot()
        names = _names(snapshot)
        assert names, snapshot
        assert "- img" not in snapshot, snapshot  # no image holding links
        assert len(names) == len(set(names)), snapshot
        # The table view (or the legend) has the chart's figures: each label is in one name at most once.
        labels = [t.strip() for t in section.locator("table th a").all_text_contents()]
        for label in labels:
            assert all(name.count(label) <= 1 for name in names), snapshot
            assert sum(label in name for name in names) == 1, snapshot
        # One Tab stop per figure: the links a keyboard reaches carry no repeated label either.
        stops = section.evaluate(
            """s => Array.from(s.querySelectorAll('a')).filter(a => a.tabIndex >= 0 && a.getClientRects().length)
                 .filter(a => !a.closest('details:not([open])')).length"""
        )
        assert stops == len(labels), (panel, stops, labels)
    assert {"panel-category", "panel-channel", "panel-status"} <= set(checked), checked
    bars = page.get_by_test_id("panel-category").aria_snapshot()
    assert re.search(r'link "Hư hỏng mặt đường, ổ gà: 4"', bars), bars
    assert not traffic.problems(), traffic.problems()
