"""On a phone (390 × 844) the officer's dossier queue and the rating statistics fit the screen: a long
procedure name does not stretch the filters, and the wide tables scroll inside their own box."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from citydesk.core.demo import DEMO_PASSWORD, seed_demo
from tests.browser.helpers import log_in

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
# The table's box: its own width on screen, the width of what it holds, and whether it scrolls sideways.
TABLE_BOX = """(selector) => {
  const table = document.querySelector(selector);
  const box = table.closest('.table-wrap');
  return box ? [box.clientWidth, box.scrollWidth, getComputedStyle(box).overflowX] : null;
}"""


@pytest.fixture
def demo_data() -> None:
    from citydesk.dossiers.demo import seed_demo_dossiers
    from citydesk.ratings.demo import seed_demo_ratings

    seed_demo()
    seed_demo_dossiers()
    seed_demo_ratings()


def _fits(page: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    width = page.evaluate(PAGE_WIDTH)
    assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px phone"


def test_officer_queue_and_rating_statistics_fit_a_phone(
    page: Any, traffic: Traffic, demo_data: None
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, "officer", DEMO_PASSWORD)
    _fits(page, "/mot-cua/ho-so/")
    procedure = page.locator("#f-procedure")
    assert procedure.bounding_box()["width"] <= PHONE["width"]  # the long names stay inside the screen
    assert page.locator("table.queue tbody tr").count() > 1
    box_width, content_width, overflow = page.evaluate(TABLE_BOX, "table.queue")
    assert box_width <= PHONE["width"] and overflow == "auto"
    # The status and due columns are there, reached by scrolling the table's box, not the page.
    page.locator(".table-wrap:has(table.queue)").evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    due = page.locator("table.queue thead th").last.bounding_box()
    assert due is not None and due["x"] >= 0 and due["x"] + due["width"] <= PHONE["width"] + 1
    assert content_width >= box_width

    page.context.clear_cookies()
    log_in(page, "leader", DEMO_PASSWORD)
    _fits(page, "/danh-gia/thong-ke/")
    assert page.locator('[data-testid="stats-row"]').count() >= 1
    box_width, _content, overflow = page.evaluate(TABLE_BOX, '[data-testid="stats-table"]')
    assert box_width <= PHONE["width"] and overflow == "auto"
    _fits(page, "/danh-gia/thong-ke/?group=procedure")
    assert traffic.problems() == []
