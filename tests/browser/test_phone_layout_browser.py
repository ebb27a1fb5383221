"""The officers' pages in Chromium on a phone (360 × 740, touch) and a tablet (768 × 1024), Vietnamese.

Dates typed digit by digit get their separators; the queue's filters fold away on the phone; the actions
are one tap from the top; nothing widens the page; the queues are cards on the tablet; tick-box labels,
the error summary's links, the sub-navigation and the desk's tables hold together on the phone.
(What the server sends for them: tests/web/test_phone_layout_fixes.py.)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.helpers import expect, focused, log_in
from tests.dossiers.conftest import catalog, receive  # noqa: F401  (fixtures)
from tests.ratings.conftest import open_transaction, procedures, tablets  # noqa: F401  (fixtures)
from tests.reports.conftest import categories, submit_report  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 768, "height": 1024}, "has_touch": True}
LONG_ADDRESS = (
    "Hẻm 123/45/67 Lê Lợi, https://maps.example.com/place/ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefgh"
)
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


def _context(chromium: Any, live_server: Any, device: dict[str, Any]) -> Any:
    context = chromium.new_context(
        base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **device
    )
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = _context(chromium, live_server, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def tablet(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = _context(chromium, live_server, TABLET)
    yield context.new_page()
    context.close()


def _fits(page: Any, width: int) -> None:
    assert page.evaluate(PAGE_WIDTH) <= width, f"{page.url} is wider than {width}px"


def test_an_officer_works_from_a_phone(phone: Any, personas: Any, categories: Any) -> None:  # noqa: F811
    for n in range(3):
        submit_report(description=f"Ổ gà số {n}")
    report = submit_report(address=LONG_ADDRESS)
    log_in(phone, "head", "pw-head")

    # The queue: filters folded, the first report within the first screen and a half.
    phone.goto("/xu-ly/")
    filters = phone.locator("#queue-filters")
    expect(filters).not_to_have_attribute("open", "")
    assert phone.locator("[data-testid=queue-row]").first.bounding_box()["y"] < 1100
    _fits(phone, 360)

    # A date typed digit by digit on a keypad without "/": the separators come as one types; a
    # deletion is not undone; the server reads it.
    filters.locator("summary").click()
    start = phone.locator("#f-from")
    start.press_sequentially("2011")
    expect(start).to_have_value("20/11/")
    start.press("Backspace")
    expect(start).to_have_value("20/11")
    start.press_sequentially("2026")
    expect(start).to_have_value("20/11/2026")
    end = phone.locator("#f-to")
    end.press_sequentially("5.12.2099")
    expect(end).to_have_value("05/12/2099")
    with phone.expect_navigation():
        end.press("Enter")
    expect(phone.locator("[data-testid=filter-errors]")).to_have_count(0)
    expect(phone.locator("#queue-filters")).to_have_attribute("open", "")
    expect(phone.locator("#f-from")).to_have_value("20/11/2026")

    # The report: no sideways scrolling for a long address; "Thao tác" near the top leads to the actions.
    phone.goto(f"/xu-ly/{report.code}/")
    _fits(phone, 360)
    jump = phone.get_by_test_id("jump-actions")
    expect(jump).to_be_visible()
    assert jump.bounding_box()["y"] < 600 and jump.bounding_box()["height"] >= 44
    jump.click()
    assert focused(phone, "#actions")
    first_action = phone.locator("#actions button[data-action]").first.bounding_box()
    assert 0 <= first_action["y"] < 740 * 2


def test_the_dossier_page_and_queue_on_a_phone(
    phone: Any,
    personas: Any,
    catalog: Any,  # noqa: F811
    receive: Any,  # noqa: F811
) -> None:
    dossier = receive(catalog.land)
    log_in(phone, "officer", "pw-officer")
    phone.goto("/mot-cua/ho-so/")
    _fits(phone, 360)
    # The sub-navigation's dots are not drawn: none can end a line alone.
    dots = phone.evaluate(
        """() => { const nav = document.querySelector('nav.crumbs'); const out = [];
        const walker = document.createTreeWalker(nav, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) { const n = walker.currentNode; if (!n.textContent.includes('·')) continue;
          const range = document.createRange(); range.selectNodeContents(n); out.push(range.getBoundingClientRect().width); }
        return out; }"""
    )
    assert dots and all(width == 0 for width in dots)
    # The long status option is not cut off: the select is no wider than the screen, its text inside it.
    status = phone.locator("#f-status")
    box = status.bounding_box()
    assert box["x"] + box["width"] <= 360
    phone.goto(f"/mot-cua/ho-so/{dossier.code}/")
    _fits(phone, 360)
    jump = phone.get_by_test_id("jump-actions")
    assert jump.bounding_box()["y"] < 700
    jump.click()
    assert focused(phone, "#actions")
    fee = phone.locator("[data-testid=fee] .money")
    expect(fee).to_have_text("100.000 đ")
    assert fee.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"


def test_the_queues_are_readable_on_a_tablet(
    tablet: Any,
    personas: Any,
    categories: Any,  # noqa: F811
    catalog: Any,  # noqa: F811
    receive: Any,  # noqa: F811
) -> None:
    submit_report(address=LONG_ADDRESS)
    submit_report()
    receive()
    log_in(tablet, "head", "pw-head")
    for path, table in (("/xu-ly/", "#queue-table"), ("/mot-cua/ho-so/", "table.queue")):
        tablet.goto(path)
        _fits(tablet, 768)
        widths = tablet.evaluate(
            "(s) => { const t = document.querySelector(s); return [t.getBoundingClientRect().width, t.parentElement.clientWidth]; }",
            table,
        )
        assert widths[0] <= widths[1], (path, widths)
        # The status, due time and assignee of every row are on the screen, the status right under the code.
        for row in tablet.locator(f"{table} [data-testid=queue-row]").all():
            for cell in ("td.status", "td.due"):
                box = row.locator(cell).bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 768, (path, cell)
            code, status = row.locator("td.code").bounding_box(), row.locator("td.status").bounding_box()
            assert status["y"] < code["y"] + 3 * code["height"]
    tablet.goto("/xu-ly/")
    expect(tablet.locator("#queue-filters")).to_have_attribute("open", "")  # not folded on a tablet


def test_forms_and_tables_hold_together_on_a_phone(
    phone: Any,
    personas: Any,
    categories: Any,  # noqa: F811
    open_transaction: Any,  # noqa: F811
) -> None:
    # A tick box's label of two lines: its second line starts under its first, not under the box.
    phone.goto("/phan-anh/moi/")
    lines = phone.evaluate(
        """() => { const box = document.querySelector('#id_show_name_publicly').getBoundingClientRect();
        const rects = [...document.querySelector('label[for=id_show_name_publicly]').getClientRects()];
        return [box.right, box.top, rects.map(r => [r.left, r.top])]; }"""
    )
    box_right, box_top, rects = lines
    assert all(left >= box_right for left, _top in rects)
    assert len({round(left) for left, _top in rects}) == 1
    assert abs(rects[0][1] - box_top) < 8

    # The error summary's links: 24 px tall at least, not touching.
    phone.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    with phone.expect_navigation():
        phone.locator("#submit-report").click()
    links = phone.evaluate(
        "() => [...document.querySelectorAll('.error-summary li a')].map(a => { const r = a.getBoundingClientRect(); return [r.top, r.bottom, r.height]; })"
    )
    assert len(links) >= 2
    assert all(height >= 24 for _t, _b, height in links)
    assert all(b[0] - a[1] >= 4 for a, b in itertools.pairwise(links))

    # The desk's kiosks and transactions: cards inside the screen.
    open_transaction()
    log_in(phone, "officer", "pw-officer")
    phone.goto("/danh-gia/giao-dich/")
    _fits(phone, 360)
    for testid in ("kiosk-list", "desk-recent"):
        table = phone.get_by_test_id(testid)
        widths = table.evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
        assert widths[0] <= widths[1], (testid, widths)
        first_cell = table.locator("tbody td").first
        assert first_cell.evaluate("td => getComputedStyle(td).display") == "block"
