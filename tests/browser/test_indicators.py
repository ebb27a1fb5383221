"""The indicator dashboards in a real browser: a leader opens the summary of every group, goes to a
group, sees its cards and charts (the map draws its bubbles without tiles) and reads a finding's
explanation; then explains it. Nothing is fetched from another host, nothing breaks the CSP."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from citydesk.indicators.models import FindingState
from tests.browser.helpers import log_in
from tests.browser.test_reports import expect
from tests.indicators.entry_fixtures import make_catalog
from tests.indicators.test_dashboards import PERIOD
from tests.indicators.test_dashboards import data as data  # the fixture
from tests.indicators.test_qa_round3 import history as history  # the fixture

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_summary_group_and_finding(page: Any, traffic: Traffic, personas, data, screenshot_dir):
    log_in(page, "leader", "pw-leader")
    page.goto(f"/chi-tieu-ktxh/?period={PERIOD}")
    expect(page.get_by_test_id("group-ECO")).to_be_visible()
    expect(page.get_by_test_id("group-SOC")).to_be_visible()
    expect(page.get_by_test_id("value-RETAIL")).to_have_text("212,0")  # the indicator's one decimal
    expect(page.get_by_test_id("findings-ECO")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "indicators-summary.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_test_id("group-ECO").locator("h2 a").first.click()
    assert "/chi-tieu-ktxh/nhom/ECO/" in page.url and "period=2026-03" in page.url
    expect(page.get_by_test_id("cards").locator("li")).to_have_count(3)
    expect(page.get_by_test_id("trend-RETAIL").locator("polyline")).not_to_have_count(0)
    expect(page.get_by_test_id("block-RETAIL").locator(".ind-map .leaflet-interactive")).not_to_have_count(0)
    finding = data["finding"]
    expect(page.get_by_test_id(f"explanation-{finding.pk}")).to_contain_text("3,8 lần mức thường thấy")
    page.screenshot(path=str(screenshot_dir / "indicators-group.png"), full_page=True)

    # The unit explains its own finding, not the city's leader (who closes it afterwards).
    expect(page.get_by_test_id(f"action-explain-{finding.pk}")).to_have_count(0)
    page.context.clear_cookies()  # signed out: the ward's head signs in
    log_in(page, "head", "pw-head")
    page.goto(f"/chi-tieu-ktxh/nhom/ECO/?period={PERIOD}")
    page.fill(f"#note-{finding.pk}", "Khai trương trung tâm thương mại mới")
    with page.expect_navigation():
        page.get_by_test_id(f"action-explain-{finding.pk}").click()
    finding.refresh_from_db()
    assert finding.state == FindingState.EXPLAINED
    assert "/chi-tieu-ktxh/nhom/ECO/" in page.url
    assert not traffic.problems(), traffic.problems()


def test_trend_axis_text_stays_readable_on_a_phone(page: Any, traffic: Traffic, personas, data):
    """The trend chart is drawn at about a phone's width: its axis labels are not scaled down below 9 px."""
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, "leader", "pw-leader")
    page.goto(f"/chi-tieu-ktxh/nhom/ECO/?period={PERIOD}")
    axis = page.get_by_test_id("trend-RETAIL").locator("text.axis").first
    expect(axis).to_be_visible()
    height = axis.evaluate("e => e.getBoundingClientRect().height")
    assert height >= 9, f"the axis labels render {height:.1f} px high on a phone"
    assert not traffic.problems(), traffic.problems()


# --- QA-A11Y-2 part I: data entry for keyboard, screen-reader, zoom and phone users ---------------------


@pytest.fixture
def catalog_g01(personas):
    return make_catalog(personas)


ACTIVE = "() => document.activeElement && (document.activeElement.id || document.activeElement.tagName)"
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"
ENTRY = "/chi-tieu-ktxh/nhap/G1/26743/2026-03/"


def test_submit_anyway_without_an_explanation_focuses_the_error(
    page: Any, traffic: Traffic, personas, history
):
    """I1: the missing explanation is said, focused on load and linked to the box, which is marked."""
    _retail, abnormal = history
    log_in(page, "officer", "pw-officer")
    page.goto(ENTRY)
    page.fill("#v-RETAIL", str(abnormal))
    with page.expect_navigation():
        page.locator("button[value=submit]").click()
    assert page.evaluate(ACTIVE) == "error-summary"  # the warnings are read first
    expect(page.locator("#explanation")).not_to_have_attribute("aria-invalid", "true")
    with page.expect_navigation():
        page.get_by_test_id("submit-anyway").click()  # the box left empty
    assert page.evaluate(ACTIVE) == "error-summary"
    summary = page.locator("#error-summary")
    expect(summary.locator('a[href="#explanation"]')).to_be_visible()
    box = page.locator("#explanation")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_attribute("aria-describedby", "err-explanation")
    expect(page.locator("#err-explanation")).to_be_visible()
    border = box.evaluate("e => [getComputedStyle(e).borderTopWidth, getComputedStyle(e).borderTopColor]")
    assert border == ["2px", "rgb(200, 16, 46)"], border
    # The summary is styled as one: a red frame, not a plain paragraph.
    assert summary.evaluate("e => getComputedStyle(e).borderTopWidth") == "3px"
    summary.locator('a[href="#explanation"]').click()
    assert page.evaluate(ACTIVE) == "explanation"
    page.keyboard.insert_text("Khai trương trung tâm thương mại")
    with page.expect_navigation():
        page.get_by_test_id("submit-anyway").click()
    expect(page.get_by_test_id("state")).not_to_have_text("Nháp")
    # The two refusals answer 400 on purpose; nothing else may fail, come from elsewhere or break the CSP.
    assert not traffic.foreign and not traffic.errors, traffic.problems()
    assert [line.split()[0] for line in traffic.failed] == ["400", "400"], traffic.failed


@pytest.mark.parametrize("width", [360, 640])
def test_the_entry_form_is_a_card_per_indicator_on_a_phone(
    page: Any, traffic: Traffic, personas, history, width
):
    """I4: the page never scrolls sideways; on a phone each indicator is a card whose value box is on the
    screen (the table had put it to the right, behind a sideways scroll)."""
    page.set_viewport_size({"width": width, "height": 740})
    log_in(page, "officer", "pw-officer")
    page.goto(ENTRY)
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width, f"the entry page is {scroll_width}px wide at {inner_width}px"
    value = page.locator("#v-RETAIL").bounding_box()
    assert value is not None and value["x"] >= 0 and value["x"] + value["width"] <= width, value
    assert page.locator(".table-scroll").first.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert not traffic.problems(), traffic.problems()


def test_the_entry_form_is_a_table_on_a_laptop(page: Any, traffic: Traffic, personas, history):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, "officer", "pw-officer")
    page.goto(ENTRY)
    assert (
        page.locator("table.entry-cards thead").evaluate("e => getComputedStyle(e).display")
        == "table-header-group"
    )
    assert not traffic.problems(), traffic.problems()


def test_remind_returns_focus_to_its_row(page: Any, traffic: Traffic, personas, catalog_g01):
    """I5: after "Remind" the page opens at the row whose button was pressed, with the focus on it."""
    log_in(page, "leader", "pw-leader")
    page.goto("/chi-tieu-ktxh/tien-do/?period=2025-01")
    expect(page.get_by_label("Kỳ", exact=True)).to_have_value("01/2025")  # shown month first, as typed
    # Named by the visible word, then the unit and the group (the English msgid until translations merge).
    button = page.get_by_role("button", name=re.compile(r"^(Nhắc|Remind) UBND Phường Sài Gòn – Kinh tế$"))
    expect(button).to_have_count(1)
    with page.expect_navigation():
        button.click()
    assert page.url.endswith("#progress-G01-26740")
    assert page.evaluate(ACTIVE) == "progress-G01-26740"
    expect(page.get_by_test_id("progress-G01-26740").get_by_test_id("reminded")).to_be_visible()
    assert not traffic.problems(), traffic.problems()


def test_the_progress_rows_are_cards_with_their_buttons_on_a_phone(
    page: Any, traffic: Traffic, personas, catalog_g01
):
    """The "Remind" and "Review" buttons were off the screen's right edge in a 7-column table."""
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, "leader", "pw-leader")
    page.goto("/chi-tieu-ktxh/tien-do/?period=2025-01")
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width, f"the progress page is {scroll_width}px wide at {inner_width}px"
    box = page.get_by_test_id("remind").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert not traffic.problems(), traffic.problems()
