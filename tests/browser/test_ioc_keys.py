"""The operations center's keys in a real browser (QA-IOC11 #10, #11): the map says what its colours
mean for the chosen measure, the trend chart has its scales and dates, and a bad filter's messages take
a full row above the fields instead of one cell of the filter row."""

from __future__ import annotations

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


def test_the_map_key_follows_the_measure_and_the_trend_has_axes(
    page: Any, traffic: Traffic, personas, screenshot_dir
):
    now = timezone.now()
    for i in range(4):
        submit_report(when=now - timedelta(days=i + 1), lon=BEN_THANH[0], lat=BEN_THANH[1])
    log_in(page, "leader", "pw-leader")
    page.goto("/dieu-hanh/?period=30d")
    legend = page.get_by_test_id("map-legend")
    shown = legend.locator("p:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-measure", "n")
    for measure in ("on_time", "satisfaction", "heat"):
        page.select_option("#map-measure", measure)
        expect(shown).to_have_count(1)
        expect(shown).to_have_attribute("data-measure", measure)
    page.select_option("#map-measure", "on_time")
    # Four swatches (on target, near, below, no figure), each a visible square of its colour.
    keys = shown.locator(".key")
    expect(keys).to_have_count(4)
    colours = [keys.nth(i).evaluate("e => getComputedStyle(e).backgroundColor") for i in range(4)]
    assert colours == ["rgb(0, 158, 115)", "rgb(230, 159, 0)", "rgb(213, 94, 0)", "rgb(153, 153, 153)"]
    box = keys.first.bounding_box()
    assert box and box["width"] >= 10 and box["height"] >= 10
    page.get_by_test_id("panel-map").screenshot(path=str(screenshot_dir / "ioc-map-key.png"))

    panel = page.get_by_test_id("panel-trend")
    trend = panel.get_by_test_id("trend-wide")  # a wide screen: the wide drawing, the phone one hidden
    expect(trend).to_be_visible()
    expect(panel.get_by_test_id("trend-narrow")).to_be_hidden()
    today = timezone.localdate()
    dates = trend.get_by_test_id("trend-x-label")
    expect(dates).to_have_text(
        [(today - timedelta(days=29)).strftime("%d/%m/%Y"), today.strftime("%d/%m/%Y")]
    )
    expect(trend.get_by_test_id("trend-y-tick").first).to_have_text("0")
    expect(trend.get_by_test_id("trend-pct-tick")).to_have_text(["0%", "50%", "100%"])
    # The first and last dates do not overlap.
    first, last = dates.first.bounding_box(), dates.last.bounding_box()
    assert first and last and first["x"] + first["width"] < last["x"]
    panel.screenshot(path=str(screenshot_dir / "ioc-trend-axes.png"))

    # On a phone the drawing made at a phone's width: its dates keep about their 11 px, and the
    # legend's longest label wraps inside the panel instead of running out of it.
    page.set_viewport_size({"width": 360, "height": 800})
    expect(trend).to_be_hidden()
    narrow = panel.get_by_test_id("trend-narrow")
    expect(narrow).to_be_visible()
    label = narrow.get_by_test_id("trend-x-label").first
    assert label.evaluate("e => e.getBoundingClientRect().height") >= 9
    inside = panel.bounding_box()
    for item in panel.locator(".legend-item").all():
        box = item.bounding_box()
        assert inside and box and box["x"] + box["width"] <= inside["x"] + inside["width"] + 0.5
    panel.screenshot(path=str(screenshot_dir / "ioc-trend-phone.png"))
    assert not traffic.problems(), traffic.problems()


def test_filter_errors_take_a_row_above_the_fields(page: Any, traffic: Traffic, personas, screenshot_dir):
    log_in(page, "leader", "pw-leader")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/dieu-hanh/?start=2026-11-10&end=2026-11-01&category=zz")
    errors = page.get_by_test_id("filter-errors")
    expect(errors.locator("li")).to_have_count(2)
    form = page.get_by_test_id("ioc-filters").bounding_box()
    box = errors.bounding_box()
    period = page.locator("#f-period").bounding_box()
    category = page.locator("#f-category").bounding_box()
    assert form and box and period and category
    assert box["width"] > 0.9 * form["width"] - 40, (box, form)  # the form's full inner width
    assert box["y"] + box["height"] <= period["y"]  # above the fields
    assert abs(category["y"] - period["y"]) < 2  # the fields keep their row
    page.get_by_test_id("ioc-filters").screenshot(path=str(screenshot_dir / "ioc-filter-errors.png"))
    assert not traffic.foreign and not traffic.errors, traffic  # the page itself is a 400, as it should
