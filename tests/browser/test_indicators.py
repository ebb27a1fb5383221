"""The indicator dashboards in a real browser: a leader opens the summary of every group, goes to a
group, sees its cards and charts (the map draws its bubbles without tiles) and reads a finding's
explanation; then explains it. Nothing is fetched from another host, nothing breaks the CSP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from citydesk.indicators.models import FindingState
from tests.browser.helpers import log_in
from tests.browser.test_reports import expect
from tests.indicators.test_dashboards import PERIOD
from tests.indicators.test_dashboards import data as data  # the fixture

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
