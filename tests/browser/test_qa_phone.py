"""On a phone (390 × 844) the officer's queues and the rating statistics fit the screen: a long
procedure name does not stretch the filters, each queue row is a card with labelled lines, and the wide
statistics table scrolls inside its own box. The main menu folds behind a button."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from citydesk.core.demo import DEMO_PASSWORD, seed_demo
from tests.browser.helpers import log_in
from tests.browser.test_reports import expect

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
    from citydesk.reports.seed import seed_demo_reports

    seed_demo()
    seed_demo_reports(40)
    seed_demo_dossiers()
    seed_demo_ratings()


def _fits(page: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    width = page.evaluate(PAGE_WIDTH)
    assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px phone"


# Each queue row as the phone shows it: its box, and the label its due-time cell carries.
CARDS = """() => [...document.querySelectorAll('table.queue tbody tr[data-testid=queue-row]')].map(row => {
  const box = row.getBoundingClientRect();
  const due = row.querySelector('td.due');
  return [box.left, box.right, getComputedStyle(row).display, getComputedStyle(due, '::before').content,
          due.getBoundingClientRect().right];
})"""


def _cards(page: Any) -> None:
    """Every row a card inside the screen, its due time on a labelled line of its own, no sideways scroll."""
    cards = page.evaluate(CARDS)
    assert len(cards) > 1
    for left, right, display, label, due_right in cards:
        assert display == "block" and left >= 0 and right <= PHONE["width"]
        assert label.startswith('"Hạn') and due_right <= PHONE["width"]


def test_officer_queue_and_rating_statistics_fit_a_phone(
    page: Any, traffic: Traffic, demo_data: None
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, "officer", DEMO_PASSWORD)
    _fits(page, "/mot-cua/ho-so/")
    procedure = page.locator("#f-procedure")
    assert procedure.bounding_box()["width"] <= PHONE["width"]  # the long names stay inside the screen
    _cards(page)
    _fits(page, "/xu-ly/")
    page.context.clear_cookies()
    log_in(page, "head", DEMO_PASSWORD)
    _fits(page, "/xu-ly/")
    _cards(page)

    page.context.clear_cookies()
    log_in(page, "leader", DEMO_PASSWORD)
    _fits(page, "/danh-gia/thong-ke/")
    assert page.locator('[data-testid="stats-row"]').count() >= 1
    box_width, _content, overflow = page.evaluate(TABLE_BOX, '[data-testid="stats-table"]')
    assert box_width <= PHONE["width"] and overflow == "auto"
    _fits(page, "/danh-gia/thong-ke/?group=procedure")
    assert traffic.problems() == []


def test_the_main_menu_folds_behind_a_button_on_a_phone(page: Any, traffic: Traffic, demo_data: None):
    page.set_viewport_size(PHONE)
    log_in(page, "head", DEMO_PASSWORD)
    page.goto("/xu-ly/")
    toggle = page.get_by_test_id("menu-toggle")
    menu = page.locator("nav#site-menu")
    # Folded: the page's heading is on the first screen, not under five rows of links.
    expect(menu).to_be_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("main h1").bounding_box()["y"] < 200
    box = toggle.bounding_box()
    assert box and box["height"] >= 44  # a touch-sized target
    # Its name is its word: the drawn ≡ / × are not read out.
    assert 'button "Menu"' in page.locator("header").aria_snapshot()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and menu.is_visible()
    links = menu.locator("a")
    assert links.count() >= 8
    for i in range(links.count()):  # one link a line, each inside the screen
        link = links.nth(i).bounding_box()
        assert link and link["x"] + link["width"] <= PHONE["width"]
    # The section of the page is marked; Escape folds the menu and gives the focus back to the button.
    current = menu.locator("a[aria-current]")
    assert current.count() == 1 and current.get_attribute("href") == "/xu-ly/"
    links.first.focus()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.dataset.testid") == "menu-toggle"
    # A wide screen shows the menu and no button.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert menu.is_visible() and not toggle.is_visible()
    assert not traffic.problems(), traffic.problems()


def test_the_league_table_says_on_a_phone_that_it_scrolls(page: Any, traffic: Traffic, demo_data: None):
    """Its last columns (handling time, trend) were cut at the screen's edge with nothing saying so."""
    log_in(page, "leader", DEMO_PASSWORD)
    page.goto("/dieu-hanh/")
    expect(page.get_by_test_id("scroll-hint")).to_be_hidden()  # a wide screen shows every column
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_test_id("scroll-hint")).to_be_visible()
    assert traffic.problems() == []


# Every visible field, button and form checkbox: [what, width, height] of those under the sizes.
SMALL_TARGETS = """() => [...document.querySelectorAll('main button, main .button, main input, main select, main textarea, header .inbox-link')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null && !el.closest('td, th'))
  .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().width, el.getBoundingClientRect().height,
              el.type === 'checkbox' || el.type === 'radio'])
  .filter(([_what, w, h, box]) => box ? (w < 24 || h < 24) : h < 44)"""


def test_citizens_forms_have_touch_sized_targets_on_a_phone(page: Any, traffic: Traffic, demo_data: None):
    page.set_viewport_size(PHONE)
    for path in ("/tra-cuu/", "/ho-so/tra-cuu/", "/thu-tuc/", "/phan-anh/moi/"):
        assert page.goto(path).status == 200, path
        assert page.evaluate(SMALL_TARGETS) == [], path
    log_in(page, "citizen", DEMO_PASSWORD)
    page.goto("/thong-bao/")
    assert page.evaluate(SMALL_TARGETS) == []
    assert not traffic.problems(), traffic.problems()
