"""What a page says when it comes back from a form reaches keyboard and screen-reader users
(citydesk/announce.js, on every page of the site):

- a refused form: the focus is on the list of problems, the window's title starts with “Lỗi:”, and a link
  of the list puts the focus in its field; the list follows the page's order;
- a single refused field (a lookup by code, the phone check): the focus is in that field;
- a saved form that comes back with the site's message (“Thành công: …”): the focus is on the message.
Before, all of these were in the page from its start, so their role=alert / status said nothing and the
focus stayed at the top of the page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.helpers import log_in
from tests.browser.test_reports import expect

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = "() => { const e = document.activeElement; return e ? (e.id || e.tagName) : null; }"


def only_refusals(traffic: Traffic) -> list[str]:
    """The problems besides the refused form's own 4xx page (what these tests provoke)."""
    return [
        p for p in traffic.problems() if not p.startswith(("failed response: 400", "failed response: 404"))
    ]


def test_a_wrong_transaction_code_is_announced_and_its_link_focuses_the_field(
    page: Any, traffic: Traffic, personas: Any
) -> None:
    page.goto("/danh-gia/ma/")
    page.fill("#id_transaction", "ZZZZ9999")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.locator("input[name=level][value=satisfied], button[value=satisfied]").first.click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.evaluate(FOCUSED) == "error-summary"
    assert page.title().startswith("Lỗi: "), page.title()
    page.locator("#error-summary a").first.click()
    assert page.evaluate(FOCUSED) == "id_transaction"  # in the field, not on its box
    assert only_refusals(traffic) == [], traffic.problems()


def test_a_code_not_found_puts_the_focus_in_the_code_field(
    page: Any, traffic: Traffic, personas: Any
) -> None:
    page.goto("/tra-cuu/")
    page.fill("#id_code", "PA-26-999999")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#err-code")).to_be_visible()
    assert page.evaluate(FOCUSED) == "id_code"
    assert page.title().startswith("Lỗi: "), page.title()
    assert only_refusals(traffic) == [], traffic.problems()


def test_the_list_of_problems_follows_the_page_order(page: Any, traffic: Traffic, personas: Any) -> None:
    """The dossier form's list put the receiving unit (the first field) third: it is now first."""
    page.set_content("")
    page.goto("/")
    page.evaluate(
        """() => {
        document.querySelector('main').innerHTML = `
          <div class="error-summary" id="error-summary"><h2>x</h2><ul>
            <li><a href="#field-b">b</a></li><li>form-wide</li><li><a href="#field-a">a</a></li></ul></div>
          <div id="field-a"><input id="a"></div><div id="field-b"><input id="b"></div>`;
        const s = document.createElement('script');
        s.src = document.querySelector('script[src*="announce.js"]').src + '?again';
        document.head.appendChild(s);
      }"""
    )
    page.wait_for_function("() => document.querySelector('#error-summary li').textContent === 'form-wide'")
    assert page.locator("#error-summary li").all_inner_texts() == ["form-wide", "a", "b"]


def test_a_success_message_gets_the_focus(page: Any, traffic: Traffic, personas: Any) -> None:
    from tests.reports.conftest import submit_report

    categories_made = _road_category()
    assert categories_made
    report = submit_report(contact_email="dan@example.vn")
    log_in(page, "officer", "pw-officer")
    page.goto(f"/xu-ly/{report.code}/")
    note = page.locator("textarea[name=note]").first
    note.fill("Đã liên hệ người dân")
    with page.expect_navigation():
        note.locator("xpath=ancestor::form").locator("button[type=submit]").first.click()
    message = page.locator("main .messages .msg").first
    expect(message).to_be_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('msg')")
    assert traffic.problems() == [], traffic.problems()


def _road_category() -> bool:
    from citydesk.core.models import ServiceCategory

    ServiceCategory.objects.get_or_create(
        code="road_damage",
        defaults={
            "domain": "report",
            "name": "Hư hỏng mặt đường, ổ gà",
            "handled_by": "ward",
            "working_days": 5,
        },
    )
    return True
